//! Text in and out of the index: the words of an article body, and hits marked for a page.

use std::ops::Range;

/// The words of a cleaned article body (HTML from `tribune_core::markdown::render`), for
/// indexing and snippets: tags go, the few entities the renderer writes are decoded, block
/// ends become spaces so words of two paragraphs never run together.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(['<', '&']) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    out.push(' ');
                    rest = &rest[end + 1..];
                }
                None => break,
            }
        } else {
            let (decoded, len) = entity(rest);
            out.push_str(decoded);
            rest = &rest[len..];
        }
    }
    if !rest.starts_with('<') {
        out.push_str(rest);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The character an entity at the start of `s` stands for, and how many bytes it takes.
fn entity(s: &str) -> (&'static str, usize) {
    for (name, ch) in [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&nbsp;", " "),
    ] {
        if s.starts_with(name) {
            return (ch, name.len());
        }
    }
    ("&", 1)
}

/// Escapes text for HTML, attributes included.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `text` as HTML with the byte ranges `hits` wrapped in `<mark>`; everything else escaped.
/// Ranges that overlap or fall outside the text (or inside a character) are ignored.
pub fn mark(text: &str, hits: &[Range<usize>]) -> String {
    let mut sorted: Vec<Range<usize>> = hits.to_vec();
    sorted.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len() + 16 * sorted.len());
    let mut done = 0;
    for r in sorted {
        let fits = r.start >= done
            && r.start < r.end
            && text.is_char_boundary(r.start)
            && text.get(r.start..r.end).is_some();
        if !fits {
            continue;
        }
        escape(&text[done..r.start], &mut out);
        out.push_str("<mark>");
        escape(&text[r.start..r.end], &mut out);
        out.push_str("</mark>");
        done = r.end;
    }
    escape(&text[done..], &mut out);
    out
}

/// About `max_chars` characters of `text` around its first hit, cut at spaces, as HTML with
/// the hits (byte ranges in `text`) marked; "…" where text was left out.
pub fn excerpt(text: &str, hits: &[Range<usize>], max_chars: usize) -> String {
    let first = hits
        .iter()
        .map(|r| r.start)
        .filter(|s| text.is_char_boundary(*s) && *s < text.len())
        .min()
        .unwrap_or(0);
    // A third of the room goes before the first hit.
    let mut start = text[..first]
        .char_indices()
        .rev()
        .nth(max_chars / 3)
        .map_or(0, |(i, _)| i);
    if start > 0 {
        start = text[start..first]
            .find(' ')
            .map_or(first, |p| start + p + 1);
    }
    let mut end = text[start..]
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(i, _)| start + i);
    if end < text.len()
        && let Some(p) = text[start..end].rfind(' ')
        && start + p > first
    {
        end = start + p;
    }
    let inside: Vec<Range<usize>> = hits
        .iter()
        .filter(|r| r.start >= start && r.end <= end)
        .map(|r| r.start - start..r.end - start)
        .collect();
    let mut out = String::new();
    if start > 0 {
        out.push_str("… ");
    }
    out.push_str(&mark(&text[start..end], &inside));
    if end < text.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    // Hit lists of one range are what the tests mean, not a misspelt Vec of a range.
    #![allow(clippy::single_range_in_vec_init)]
    use super::*;

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        let html = "<h2>DE ANALYSE</h2><p>Club &amp; Cercle: <strong>derby</strong>&nbsp;in Brugge.</p><p>Tweede</p>";
        assert_eq!(
            plain_text(html),
            "DE ANALYSE Club & Cercle: derby in Brugge. Tweede"
        );
        assert_eq!(plain_text("a &lt;b&gt; &unknown; c"), "a <b> &unknown; c");
        assert_eq!(plain_text("kapot <p"), "kapot");
    }

    #[test]
    fn marks_hits_and_escapes_everything_else() {
        let text = "<b>Vanaken</b> scoort & wint";
        let start = text.find("scoort").unwrap();
        assert_eq!(
            mark(text, &[start..start + 6]),
            "&lt;b&gt;Vanaken&lt;/b&gt; <mark>scoort</mark> &amp; wint"
        );
    }

    #[test]
    fn odd_ranges_are_ignored_rather_than_breaking_the_text() {
        let text = "één doelpunt";
        // 1..3 falls inside "é"; 100..200 lies past the end; the last is backwards.
        let backwards = std::ops::Range { start: 5, end: 2 };
        let html = mark(text, &[1..3, 100..200, backwards]);
        assert_eq!(html, "één doelpunt");
        assert_eq!(mark(text, &[0..5, 2..8]), "<mark>één</mark> doelpunt");
    }

    #[test]
    fn an_excerpt_is_cut_around_the_first_hit_at_spaces() {
        let text = format!(
            "{}de penalty besliste alles {}",
            "aanloop ".repeat(40),
            "slot ".repeat(40)
        );
        let at = text.find("penalty").unwrap();
        let html = excerpt(&text, &[at..at + 7], 60);
        assert!(html.starts_with("… aanloop"), "{html}");
        assert!(html.ends_with("slot …"), "{html}");
        assert!(
            html.contains("de <mark>penalty</mark> besliste alles"),
            "{html}"
        );
        assert!(html.chars().count() < 80, "{html}");
        // Short text: whole, without dots.
        assert_eq!(excerpt("Korte <tekst>", &[], 60), "Korte &lt;tekst&gt;");
    }
}
