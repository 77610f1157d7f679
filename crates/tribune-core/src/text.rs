//! Teasers and slugs: the two pieces of text every list and URL is built from.

/// How many characters of the lead a teaser keeps at most (the " ..." comes on top).
pub const TEASER_CHARS: usize = 100;

/// The lead cut at a word boundary to at most [`TEASER_CHARS`] characters, ending in " ...".
/// A lead that already fits is returned whole. Counts characters, not bytes, so "Ordoñez"
/// and emoji never split.
pub fn teaser(lead: &str) -> String {
    let lead = lead.trim();
    if lead.chars().count() <= TEASER_CHARS {
        return lead.to_string();
    }
    // Byte offset just past the 100th character.
    let limit = lead
        .char_indices()
        .nth(TEASER_CHARS)
        .map_or(lead.len(), |(i, _)| i);
    // A word boundary: cut before whitespace, so the character after the kept part is a space.
    let cut = if lead[limit..].starts_with(char::is_whitespace) {
        Some(limit)
    } else {
        lead[..limit]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, _)| i)
    };
    let kept = match cut {
        Some(i) => lead[..i].trim_end(),
        // One word longer than the limit: nothing better than a hard cut.
        None => &lead[..limit],
    };
    let kept = if kept.is_empty() {
        &lead[..limit]
    } else {
        kept
    };
    format!("{kept} ...")
}

/// Longest slug we make; longer titles are cut at a dash.
pub const SLUG_MAX: usize = 80;

/// URL-safe lowercase words joined by dashes; diacritics folded ("Ordoñez" -> "ordonez").
pub fn slugify(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > SLUG_MAX {
        let cut = slug[..=SLUG_MAX].rfind('-').unwrap_or(SLUG_MAX);
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        slug.push_str("artikel");
    }
    slug
}

/// Control characters, bidirectional overrides and zero-width characters: text containing
/// them can read differently from what it is, so names and poll answers refuse them.
pub fn has_hidden_characters(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_lead_is_kept_whole() {
        assert_eq!(teaser("Club wint de topper."), "Club wint de topper.");
    }

    #[test]
    fn long_lead_is_cut_before_a_word_and_marked() {
        let lead = "De bekerfinale heeft een enorme verrassing opgeleverd. Zo werd de titelverdediger al na twintig minuten weggespeeld door een ploeg uit tweede klasse.";
        let t = teaser(lead);
        assert!(t.ends_with(" ..."), "{t}");
        let kept = t.trim_end_matches(" ...");
        assert!(kept.chars().count() <= TEASER_CHARS);
        assert!(lead.starts_with(kept));
        assert_eq!(&lead[kept.len()..kept.len() + 1], " ");
        assert_eq!(
            kept,
            "De bekerfinale heeft een enorme verrassing opgeleverd. Zo werd de titelverdediger al na twintig"
        );
    }

    #[test]
    fn multibyte_text_is_cut_on_characters() {
        let lead = "Ordoñez is écht blij 🎉⚽ met zijn goal, want blauw-zwart had dat doelpunt nodig om de koppositie te behouden vóór de winterstop.";
        let t = teaser(lead);
        let kept = t.trim_end_matches(" ...");
        assert!(kept.chars().count() <= TEASER_CHARS);
        assert!(lead.starts_with(kept));
        assert!(kept.starts_with("Ordoñez is écht blij 🎉⚽"));
    }

    #[test]
    fn slug_folds_diacritics() {
        assert_eq!(
            slugify("Ordoñez scoort écht: 2-1!"),
            "ordonez-scoort-echt-2-1"
        );
        assert_eq!(slugify("'Club vindt vervanger'"), "club-vindt-vervanger");
        assert_eq!(slugify("   "), "artikel");
    }

    proptest! {
        #[test]
        fn teaser_is_a_prefix_cut_at_a_word(lead in "\\PC{0,300}") {
            let t = teaser(&lead);
            let lead = lead.trim();
            if lead.chars().count() <= TEASER_CHARS {
                prop_assert_eq!(t.as_str(), lead);
            } else {
                prop_assert!(t.ends_with(" ..."));
                let kept = &t[..t.len() - 4];
                prop_assert!(kept.chars().count() <= TEASER_CHARS);
                prop_assert!(lead.starts_with(kept));
                prop_assert!(!kept.is_empty());
                // Either the cut lies before whitespace, or the first word alone is too long.
                let rest = &lead[kept.len()..];
                let first_word_too_long = !lead.chars().take(TEASER_CHARS + 1).any(char::is_whitespace);
                prop_assert!(rest.starts_with(char::is_whitespace) || first_word_too_long,
                    "cut inside a word: {:?} | {:?}", kept, rest);
            }
        }

        #[test]
        fn teaser_of_words_keeps_whole_words(words in proptest::collection::vec("[a-zA-Zéñü😀]{1,12}", 1..40)) {
            let lead = words.join(" ");
            let t = teaser(&lead);
            let kept = t.trim_end_matches(" ...");
            for w in kept.split(' ') {
                prop_assert!(words.iter().any(|x| x == w), "broken word {:?}", w);
            }
        }

        #[test]
        fn slug_is_url_safe_and_stable(title in "\\PC{0,200}") {
            let s = slugify(&title);
            prop_assert!(!s.is_empty());
            prop_assert!(s.len() <= SLUG_MAX);
            prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            prop_assert!(!s.starts_with('-') && !s.ends_with('-') && !s.contains("--"));
            prop_assert_eq!(slugify(&s), s.clone());
        }
    }
}
