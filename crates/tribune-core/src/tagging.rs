//! Automatic topic tagging: while an article is being written, suggest the topics its title,
//! lead and body talk about, found through each topic's names and aliases, nicknames included
//! ("blauw-zwart" is Club Brugge, "Paars-Wit" Anderlecht, "The Great Old" Antwerp, "Rode
//! Duivels" Belgium). Nothing here tags an article: the editor confirms or corrects.
//!
//! Build one [`Tagger`] from every topic's [`TagName`]s (its Dutch name, its French name and
//! its aliases, strong, and its weak aliases: [`crate::topic::Topic::tag_names`]) and call
//! [`Tagger::suggest`] at each pause in typing (the back office's `POST /redactie/suggesties`). The text is cut into
//! words once and each word is looked up in a map from first word to the names starting with
//! it, so the cost grows with the length of the text, hardly with the number of topics.
//!
//! # How a name matches
//!
//! - Text and names are cut into words: runs of letters and digits. Case and diacritics are
//!   folded ("Standard Liège" is "standard liege", "Ordoñez" is "ordonez"), also when an
//!   accent is typed as a separate combining mark.
//! - Only whole words match: "Gentse" and "Genten" are not "Gent", "Antwerpenaar" is not
//!   "Antwerp", "Anderlechts" is not "Anderlecht".
//! - Between the words of a name, any run of spaces, hyphens, apostrophes and other
//!   punctuation is one separator: "blauw-zwart", "Blauw-Zwart" and "blauw zwart" all match
//!   the alias "blauw-zwart". The one exception is a hard break, which a name does not
//!   straddle unless the name itself has one in that place: sentence and clause punctuation
//!   (`. , ; : ! ? …`), brackets, double quotes, a slash, a dash (`–`, `—`) or a blank line.
//!   "Hij verliet Cercle. Brugge bleef zijn thuis" does not name Cercle Brugge.
//! - Longest match first, without overlap: at each word the longest name starting there wins
//!   and consumes its words. "Club Brugge" counts once, for Club Brugge; its "Brugge" is not
//!   read again as the bare city. "Jong Genk" is the under-23 team, not also KRC Genk.
//! - Invisible characters (zero-width space, joiners, soft hyphen, word joiner, byte order
//!   mark, left-to-right and right-to-left marks, embeddings and overrides, variation
//!   selectors) are dropped as if they were not there, so a text matches as it reads on
//!   screen: "Ander\u{200B}lecht" is Anderlecht, while "Club\u{200B}Brugge" reads as the one
//!   word "ClubBrugge" and is not Club Brugge.
//!
//! # Weak names
//!
//! A name marked weak is ambiguous on its own: a bare city ("Brugge" for both Club Brugge and
//! Cercle Brugge, "Gent" for KAA Gent) or a word with an everyday meaning. The rule:
//!
//! 1. A topic found through a strong name anywhere in title, lead or body is
//!    [`Confidence::Sure`] (shown checked). Its weak matches add to its count.
//! 2. A weak match is read as the topics the text already names: when some of the topics
//!    sharing that weak name are Sure, the match counts for those only. In an article that
//!    names Cercle Brugge, a bare "Brugge" is Cercle's and does not suggest Club Brugge.
//! 3. Otherwise a weak match counts for every topic that has the name, each suggested as
//!    [`Confidence::Maybe`] (shown unchecked): a bare "Brugge" suggests Club Brugge and
//!    Cercle Brugge, a bare "Gent" suggests KAA Gent.
//!
//! A word can be weak for some topics and strong for another (the city of Brugge as a topic
//! of its own): the strong one is Sure as usual, and rules 2 and 3 apply to the weak ones.
//!
//! # Order
//!
//! Sure before Maybe; then by where the topic was first found (title, lead, body); then the
//! most often found first; then the earliest first; ties by topic id.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::Serialize;

use crate::topic::TopicId;

/// One way a topic is written: its Dutch name, its French name or an alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagName {
    pub topic_id: TopicId,
    pub text: String,
    /// Ambiguous on its own (a bare city, an everyday word); see the module docs.
    pub weak: bool,
}

impl TagName {
    pub fn strong(topic_id: TopicId, text: impl Into<String>) -> Self {
        Self {
            topic_id,
            text: text.into(),
            weak: false,
        }
    }

    pub fn weak(topic_id: TopicId, text: impl Into<String>) -> Self {
        Self {
            topic_id,
            text: text.into(),
            weak: true,
        }
    }
}

/// How the editor is shown a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Found through a strong name: shown checked.
    Sure,
    /// Found only through weak names: shown unchecked.
    Maybe,
}

/// The part of the article a topic was found in, in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Title,
    Lead,
    Body,
}

/// A topic the text seems to be about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub topic_id: TopicId,
    pub confidence: Confidence,
    /// How many times the topic was found, in title, lead and body together.
    pub count: usize,
    /// The first match as written in the article, e.g. "Blauw-Zwart".
    pub first_text: String,
    /// Where the first match is.
    pub first_part: Part,
    /// Byte range of the first match within that part, for highlighting.
    pub first_at: Range<usize>,
}

/// The topics' names, indexed for [`Tagger::suggest`]. Build it once, use it for every text.
#[derive(Debug, Clone, Default)]
pub struct Tagger {
    names: Vec<Name>,
    /// Indexes into `names`, by first word, longest name first.
    by_first_word: HashMap<Box<str>, Vec<usize>>,
}

/// One distinct folded name and the topics that have it.
#[derive(Debug, Clone)]
struct Name {
    words: Vec<Box<str>>,
    /// `hard_ok[j]`: the name itself has a hard break before `words[j + 1]`, so the text may too.
    hard_ok: Vec<bool>,
    owners: Vec<Owner>,
}

#[derive(Debug, Clone, Copy)]
struct Owner {
    topic_id: TopicId,
    weak: bool,
}

/// One match of a name in the text.
struct Hit<'t> {
    name: usize,
    part: Part,
    at: Range<usize>,
    text: &'t str,
}

struct Tally {
    topic_id: TopicId,
    count: usize,
    first: usize,
}

impl Tagger {
    /// Index the names. Names that hold no letter or digit are ignored; a name given twice,
    /// or two names that fold to the same words, are one name. A topic that has a name both
    /// as weak and as strong has it as strong.
    pub fn new(names: impl IntoIterator<Item = TagName>) -> Self {
        let mut distinct: Vec<Name> = Vec::new();
        let mut by_words: HashMap<Vec<Box<str>>, usize> = HashMap::new();
        for tag in names {
            let words = Words::of(&tag.text);
            if words.tokens.is_empty() {
                continue;
            }
            let folded: Vec<Box<str>> = (0..words.tokens.len())
                .map(|i| Box::from(words.word(i)))
                .collect();
            let index = *by_words.entry(folded.clone()).or_insert_with(|| {
                distinct.push(Name {
                    hard_ok: vec![false; folded.len() - 1],
                    words: folded,
                    owners: Vec::new(),
                });
                distinct.len() - 1
            });
            let name = &mut distinct[index];
            for (ok, token) in name.hard_ok.iter_mut().zip(&words.tokens[1..]) {
                *ok |= token.hard_before;
            }
            match name.owners.iter_mut().find(|o| o.topic_id == tag.topic_id) {
                Some(owner) => owner.weak &= tag.weak,
                None => name.owners.push(Owner {
                    topic_id: tag.topic_id,
                    weak: tag.weak,
                }),
            }
        }

        let mut by_first_word: HashMap<Box<str>, Vec<usize>> = HashMap::new();
        for (index, name) in distinct.iter().enumerate() {
            by_first_word
                .entry(name.words[0].clone())
                .or_default()
                .push(index);
        }
        for candidates in by_first_word.values_mut() {
            candidates.sort_by_key(|&i| std::cmp::Reverse(distinct[i].words.len()));
        }
        Self {
            names: distinct,
            by_first_word,
        }
    }

    /// The topics found in an article's title, lead and body, in the order of the module docs.
    pub fn suggest(&self, title: &str, lead: &str, body: &str) -> Vec<Suggestion> {
        let mut hits = Vec::new();
        for (part, text) in [(Part::Title, title), (Part::Lead, lead), (Part::Body, body)] {
            self.find(part, text, &mut hits);
        }

        let sure: HashSet<TopicId> = hits
            .iter()
            .flat_map(|hit| &self.names[hit.name].owners)
            .filter(|owner| !owner.weak)
            .map(|owner| owner.topic_id)
            .collect();

        let mut tallies: Vec<Tally> = Vec::new();
        let mut tally_of: HashMap<TopicId, usize> = HashMap::new();
        for (h, hit) in hits.iter().enumerate() {
            let owners = &self.names[hit.name].owners;
            let weak_named_elsewhere = owners.iter().any(|o| o.weak && sure.contains(&o.topic_id));
            for owner in owners {
                let counts = !owner.weak || !weak_named_elsewhere || sure.contains(&owner.topic_id);
                if !counts {
                    continue;
                }
                let t = *tally_of.entry(owner.topic_id).or_insert_with(|| {
                    tallies.push(Tally {
                        topic_id: owner.topic_id,
                        count: 0,
                        first: h,
                    });
                    tallies.len() - 1
                });
                tallies[t].count += 1;
            }
        }

        let mut suggestions: Vec<Suggestion> = tallies
            .into_iter()
            .map(|tally| {
                let first = &hits[tally.first];
                Suggestion {
                    topic_id: tally.topic_id,
                    confidence: if sure.contains(&tally.topic_id) {
                        Confidence::Sure
                    } else {
                        Confidence::Maybe
                    },
                    count: tally.count,
                    first_text: first.text.to_string(),
                    first_part: first.part,
                    first_at: first.at.clone(),
                }
            })
            .collect();
        suggestions.sort_by_key(|s| {
            (
                s.confidence == Confidence::Maybe,
                s.first_part,
                std::cmp::Reverse(s.count),
                s.first_at.start,
                s.topic_id,
            )
        });
        suggestions
    }

    /// Leftmost-longest, non-overlapping matches of the names in one part of the article.
    fn find<'t>(&self, part: Part, text: &'t str, hits: &mut Vec<Hit<'t>>) {
        let words = Words::of(text);
        let mut i = 0;
        while i < words.tokens.len() {
            let longest = self
                .by_first_word
                .get(words.word(i))
                .and_then(|candidates| {
                    candidates
                        .iter()
                        .copied()
                        .find(|&n| self.matches_at(n, &words, i))
                });
            match longest {
                Some(n) => {
                    let len = self.names[n].words.len();
                    let at = words.tokens[i].span.start..words.tokens[i + len - 1].span.end;
                    hits.push(Hit {
                        name: n,
                        part,
                        text: &text[at.clone()],
                        at,
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
    }

    /// Whether name `n` is written at word `i` (whose first word is known to match).
    fn matches_at(&self, n: usize, words: &Words, i: usize) -> bool {
        let name = &self.names[n];
        if i + name.words.len() > words.tokens.len() {
            return false;
        }
        (1..name.words.len()).all(|j| {
            let token = &words.tokens[i + j];
            (name.hard_ok[j - 1] || !token.hard_before) && words.word(i + j) == &*name.words[j]
        })
    }
}

/// A text cut into folded words, each remembering where it stands in the original.
struct Words {
    /// All folded words back to back; ASCII only.
    folded: String,
    tokens: Vec<Token>,
}

struct Token {
    /// The folded word, within [`Words::folded`].
    folded: Range<usize>,
    /// The word as written, byte range in the original text.
    span: Range<usize>,
    /// A hard break (see the module docs) stands between this word and the one before.
    hard_before: bool,
}

impl Words {
    fn of(text: &str) -> Self {
        let mut words = Self {
            folded: String::with_capacity(text.len()),
            tokens: Vec::with_capacity(text.len() / 5),
        };
        // The word being read: where it starts and ends in the text, where its fold starts.
        let mut current: Option<(usize, usize, usize)> = None;
        let mut hard = false;
        let mut newlines = 0u32;
        for (at, c) in text.char_indices() {
            let end = at + c.len_utf8();
            if is_invisible(c) {
                continue;
            }
            if is_combining_mark(c) {
                // Part of the letter before it; on its own it is nothing.
                if let Some(word) = current.as_mut() {
                    word.1 = end;
                }
                continue;
            }
            if c.is_alphanumeric() {
                let word = current.get_or_insert((at, end, words.folded.len()));
                word.1 = end;
                push_folded(&mut words.folded, c);
                continue;
            }
            if let Some(word) = current.take() {
                words.finish(word, &mut hard, &mut newlines);
            }
            if is_hard_break(c) {
                hard = true;
            } else if c == '\n' || c == '\u{2028}' {
                newlines += 1;
                hard |= newlines >= 2;
            }
        }
        if let Some(word) = current {
            words.finish(word, &mut hard, &mut newlines);
        }
        words
    }

    fn finish(
        &mut self,
        (start, end, folded_start): (usize, usize, usize),
        hard: &mut bool,
        newlines: &mut u32,
    ) {
        // A word of letters that fold to nothing is read as part of the gap around it.
        if self.folded.len() == folded_start {
            return;
        }
        self.tokens.push(Token {
            folded: folded_start..self.folded.len(),
            span: start..end,
            hard_before: *hard,
        });
        *hard = false;
        *newlines = 0;
    }

    fn word(&self, i: usize) -> &str {
        &self.folded[self.tokens[i].folded.clone()]
    }
}

/// Case and diacritics folded, the way [`crate::topic::fold_name`] does (deunicode, then
/// lowercase), one character at a time so words keep their place in the original. Only
/// ASCII letters and digits are kept, so a transliteration's spaces ("北" is "Bei ") do not
/// split a word.
fn push_folded(folded: &mut String, c: char) {
    if c.is_ascii() {
        folded.push(c.to_ascii_lowercase());
    } else if let Some(ascii) = deunicode::deunicode_char(c) {
        folded.extend(
            ascii
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase()),
        );
    }
}

/// Characters that do not show: dropped as if they were not in the text.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Combining diacritical marks: the accent of "e\u{0300}" typed apart from its letter.
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Punctuation that ends a sentence or clause, opens or closes an aside or a quote: a name's
/// words do not straddle it.
fn is_hard_break(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '¡'
            | '¿'
            | '…'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '"'
            | '“'
            | '”'
            | '„'
            | '«'
            | '»'
            | '/'
            | '|'
            | '–'
            | '—'
            | '•'
            | '\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUB_BRUGGE: TopicId = 1;
    const CERCLE_BRUGGE: TopicId = 2;
    const ANDERLECHT: TopicId = 3;
    const ANTWERP: TopicId = 4;
    const RODE_DUIVELS: TopicId = 5;
    const KAA_GENT: TopicId = 6;
    const STANDARD: TopicId = 7;
    const KRC_GENK: TopicId = 8;
    const JONG_GENK: TopicId = 9;
    const ORDONEZ: TopicId = 10;
    const PRO_LEAGUE: TopicId = 11;

    /// The demo newsroom's topics as the tagger gets them: Dutch name, French name, aliases.
    fn newsroom() -> Tagger {
        Tagger::new([
            TagName::strong(CLUB_BRUGGE, "Club Brugge"),
            TagName::strong(CLUB_BRUGGE, "Club Bruges"),
            TagName::strong(CLUB_BRUGGE, "blauw-zwart"),
            TagName::weak(CLUB_BRUGGE, "Brugge"),
            TagName::strong(CERCLE_BRUGGE, "Cercle Brugge"),
            TagName::strong(CERCLE_BRUGGE, "Cercle Bruges"),
            TagName::strong(CERCLE_BRUGGE, "Cercle"),
            TagName::strong(CERCLE_BRUGGE, "groen-zwart"),
            TagName::weak(CERCLE_BRUGGE, "Brugge"),
            TagName::strong(ANDERLECHT, "RSC Anderlecht"),
            TagName::strong(ANDERLECHT, "RSC Anderlecht"),
            TagName::strong(ANDERLECHT, "Anderlecht"),
            TagName::strong(ANDERLECHT, "Paars-Wit"),
            TagName::strong(ANTWERP, "Royal Antwerp FC"),
            TagName::strong(ANTWERP, "Antwerp"),
            TagName::strong(ANTWERP, "The Great Old"),
            TagName::strong(RODE_DUIVELS, "Rode Duivels"),
            TagName::strong(RODE_DUIVELS, "Diables Rouges"),
            TagName::weak(RODE_DUIVELS, "België"),
            TagName::strong(KAA_GENT, "KAA Gent"),
            TagName::strong(KAA_GENT, "La Gantoise"),
            TagName::strong(KAA_GENT, "Buffalo's"),
            TagName::weak(KAA_GENT, "Gent"),
            TagName::strong(STANDARD, "Standard Luik"),
            TagName::strong(STANDARD, "Standard Liège"),
            TagName::strong(STANDARD, "Standard"),
            TagName::strong(KRC_GENK, "KRC Genk"),
            TagName::strong(KRC_GENK, "Racing Genk"),
            TagName::weak(KRC_GENK, "Genk"),
            TagName::strong(JONG_GENK, "Jong Genk"),
            TagName::strong(ORDONEZ, "Mateo Ordoñez"),
            TagName::strong(ORDONEZ, "Ordoñez"),
            TagName::strong(PRO_LEAGUE, "Jupiler Pro League"),
            TagName::strong(PRO_LEAGUE, "Pro League"),
        ])
    }

    fn body_only(text: &str) -> Vec<Suggestion> {
        newsroom().suggest("", "", text)
    }

    fn topic(suggestions: &[Suggestion], id: TopicId) -> &Suggestion {
        match suggestions.iter().find(|s| s.topic_id == id) {
            Some(s) => s,
            None => panic!("topic {id} should be suggested, got {suggestions:#?}"),
        }
    }

    fn absent(suggestions: &[Suggestion], id: TopicId) {
        assert!(
            suggestions.iter().all(|s| s.topic_id != id),
            "topic {id} should not be suggested, got {suggestions:#?}"
        );
    }

    fn ids(suggestions: &[Suggestion]) -> Vec<(TopicId, Confidence, usize)> {
        suggestions
            .iter()
            .map(|s| (s.topic_id, s.confidence, s.count))
            .collect()
    }

    #[test]
    fn the_four_nicknames_are_found_in_running_dutch_text_whatever_their_casing() {
        let found = newsroom().suggest(
            "Blauw-Zwart haalt zwaar uit in het Lotto Park",
            "paars-wit kwam nooit in de match, terwijl de RODE DUIVELS-bondscoach toekeek.",
            "Op de Bosuil hoopt the Great Old op een beter vervolg. Blauw zwart blijft intussen \
             alleen aan de leiding.",
        );

        let club = topic(&found, CLUB_BRUGGE);
        assert_eq!(
            (
                club.confidence,
                club.count,
                club.first_text.as_str(),
                club.first_part
            ),
            (Confidence::Sure, 2, "Blauw-Zwart", Part::Title),
            "'Blauw-Zwart' and 'Blauw zwart' are both Club Brugge"
        );
        let paars_wit = topic(&found, ANDERLECHT);
        assert_eq!(
            (paars_wit.confidence, paars_wit.first_text.as_str()),
            (Confidence::Sure, "paars-wit")
        );
        let duivels = topic(&found, RODE_DUIVELS);
        assert_eq!(
            (duivels.confidence, duivels.first_text.as_str()),
            (Confidence::Sure, "RODE DUIVELS"),
            "the national team inside a hyphenated compound"
        );
        let great_old = topic(&found, ANTWERP);
        assert_eq!(
            (
                great_old.confidence,
                great_old.first_text.as_str(),
                great_old.first_part
            ),
            (Confidence::Sure, "the Great Old", Part::Body)
        );
        assert_eq!(found.len(), 4, "nothing else is in this text: {found:#?}");
    }

    #[test]
    fn club_brugge_is_found_once_and_its_brugge_is_not_read_again_as_the_city() {
        let found = body_only("Club Brugge won zondag met 2-0 van Standard.");

        let club = topic(&found, CLUB_BRUGGE);
        assert_eq!(
            (club.confidence, club.count, club.first_text.as_str()),
            (Confidence::Sure, 1, "Club Brugge")
        );
        absent(&found, CERCLE_BRUGGE);
        assert_eq!(
            ids(&found),
            vec![
                (CLUB_BRUGGE, Confidence::Sure, 1),
                (STANDARD, Confidence::Sure, 1)
            ]
        );
    }

    #[test]
    fn a_bare_city_alone_is_a_maybe_for_every_club_that_carries_its_name() {
        let found = newsroom().suggest(
            "Nieuw stadion in Brugge laat op zich wachten",
            "",
            "Ook in Gent wordt al jaren over de mobiliteit rond het stadion gepraat.",
        );

        assert_eq!(
            ids(&found),
            vec![
                (CLUB_BRUGGE, Confidence::Maybe, 1),
                (CERCLE_BRUGGE, Confidence::Maybe, 1),
                (KAA_GENT, Confidence::Maybe, 1),
            ],
            "a bare city is shown unchecked, for each club that bears it"
        );
        assert_eq!(topic(&found, KAA_GENT).first_text, "Gent");
    }

    #[test]
    fn a_bare_city_is_sure_once_the_club_is_named_anywhere() {
        let found = newsroom().suggest(
            "Gent wint in extremis",
            "De Buffalo's hielden lang stand tegen een sterk Standard.",
            "Bij KAA Gent was de opluchting groot.",
        );

        let gent = topic(&found, KAA_GENT);
        assert_eq!(
            (
                gent.confidence,
                gent.count,
                gent.first_text.as_str(),
                gent.first_part
            ),
            (Confidence::Sure, 3, "Gent", Part::Title),
            "the bare 'Gent' in the title counts, and the club is named in lead and body"
        );
    }

    #[test]
    fn a_bare_city_goes_to_the_club_the_article_names() {
        let found = newsroom().suggest(
            "Cercle houdt de eer van Brugge hoog",
            "",
            "Groen-zwart speelde in de Brugse derby zijn beste match van het seizoen.",
        );
        let cercle = topic(&found, CERCLE_BRUGGE);
        assert_eq!((cercle.confidence, cercle.count), (Confidence::Sure, 3));
        absent(&found, CLUB_BRUGGE);

        let derby = body_only("Club Brugge en Cercle Brugge delen de punten. Heel Brugge zag het.");
        assert_eq!(
            ids(&derby),
            vec![
                (CLUB_BRUGGE, Confidence::Sure, 2),
                (CERCLE_BRUGGE, Confidence::Sure, 2)
            ],
            "when both clubs are named, the bare city counts for both"
        );
    }

    #[test]
    fn only_whole_words_match() {
        let found = body_only(
            "De Gentse supporters juichten voor een Antwerpenaar in de spits, de Genten \
             vierden tot laat en de Anderlechtse aanhang bleef thuis. Belgiës trots? Genkse \
             fans wisten het niet.",
        );
        assert!(
            found.is_empty(),
            "no name stands as a whole word here: {found:#?}"
        );
    }

    #[test]
    fn case_and_diacritics_are_folded() {
        for written in [
            "Standard Liège",
            "standard liege",
            "STANDARD LIÈGE",
            "Standard Lie\u{0300}ge",
        ] {
            let found = body_only(&format!("Zaterdag speelt {written} thuis."));
            let standard = topic(&found, STANDARD);
            assert_eq!(
                standard.first_text, written,
                "'{written}' should match 'Standard Liège' as a whole, not only 'Standard'"
            );
        }

        let found = body_only("Ordóñez scoorde twee keer, ORDONEZ was de man van de match.");
        let ordonez = topic(&found, ORDONEZ);
        assert_eq!((ordonez.count, ordonez.first_text.as_str()), (2, "Ordóñez"));
        assert_eq!(
            topic(&body_only("mateo ordonez tekent bij"), ORDONEZ).first_text,
            "mateo ordonez"
        );
        let home = body_only("Terug naar BELGIE");
        assert_eq!(
            topic(&home, RODE_DUIVELS).confidence,
            Confidence::Maybe,
            "'België' is weak"
        );
    }

    #[test]
    fn the_longest_name_wins_where_names_overlap() {
        let found = body_only(
            "Royal Antwerp FC haalt een verdediger. Jong Genk verloor, de A-kern van Genk niet. \
             In de Jupiler Pro League blijft het spannend.",
        );

        let antwerp = topic(&found, ANTWERP);
        assert_eq!(
            (antwerp.count, antwerp.first_text.as_str()),
            (1, "Royal Antwerp FC"),
            "'Antwerp' inside 'Royal Antwerp FC' is not counted again"
        );
        let jong = topic(&found, JONG_GENK);
        assert_eq!((jong.confidence, jong.count), (Confidence::Sure, 1));
        let genk = topic(&found, KRC_GENK);
        assert_eq!(
            (genk.confidence, genk.count, genk.first_text.as_str()),
            (Confidence::Maybe, 1, "Genk"),
            "only the second, bare 'Genk' hints at KRC Genk"
        );
        let league = topic(&found, PRO_LEAGUE);
        assert_eq!(
            (league.count, league.first_text.as_str()),
            (1, "Jupiler Pro League")
        );

        let found = body_only("Cercle Brugge ontvangt Standard Luik.");
        assert_eq!(
            (
                topic(&found, CERCLE_BRUGGE).first_text.as_str(),
                topic(&found, STANDARD).first_text.as_str()
            ),
            ("Cercle Brugge", "Standard Luik"),
            "of the names starting with the same word, the longest is taken"
        );
    }

    #[test]
    fn counts_and_the_first_place_found_are_reported() {
        let title = "Leko blijft bij Anderlecht";
        let lead = "De trainer van paars-wit krijgt nog een seizoen.";
        let body = "Anderlecht praat al weken met de Kroaat. RSC Anderlecht bevestigt nu.";
        let found = newsroom().suggest(title, lead, body);

        let anderlecht = topic(&found, ANDERLECHT);
        assert_eq!(anderlecht.count, 4, "title 1, lead 1, body 2");
        assert_eq!(anderlecht.first_part, Part::Title);
        assert_eq!(&title[anderlecht.first_at.clone()], "Anderlecht");
        assert_eq!(anderlecht.first_at, 16..26);

        let found = newsroom().suggest("Leko blijft", lead, body);
        let anderlecht = topic(&found, ANDERLECHT);
        assert_eq!(
            (
                anderlecht.count,
                anderlecht.first_part,
                anderlecht.first_text.as_str()
            ),
            (3, Part::Lead, "paars-wit")
        );
        assert_eq!(&lead[anderlecht.first_at.clone()], "paars-wit");
    }

    #[test]
    fn suggestions_come_sure_first_then_by_part_then_by_count() {
        let found = newsroom().suggest(
            "Transferdruk in Brugge",
            "Antwerp wil een spits.",
            "De Rode Duivels kijken toe. Anderlecht volgt, Anderlecht biedt, Anderlecht wacht.",
        );
        assert_eq!(
            ids(&found),
            vec![
                (ANTWERP, Confidence::Sure, 1),
                (ANDERLECHT, Confidence::Sure, 3),
                (RODE_DUIVELS, Confidence::Sure, 1),
                (CLUB_BRUGGE, Confidence::Maybe, 1),
                (CERCLE_BRUGGE, Confidence::Maybe, 1),
            ],
            "the lead's Antwerp before the body; in the body the most found first; the \
             title's Maybe last"
        );
    }

    #[test]
    fn a_name_does_not_straddle_a_sentence_or_a_blank_line() {
        let found = body_only("Hij verliet Cercle. Brugge bleef zijn thuis.");
        let cercle = topic(&found, CERCLE_BRUGGE);
        assert_eq!(
            (cercle.count, cercle.first_text.as_str()),
            (2, "Cercle"),
            "'Cercle' and the bare 'Brugge' are two matches, not 'Cercle Brugge'"
        );

        absent(
            &body_only("Het werd rode\n\nDuivels zag je niet."),
            RODE_DUIVELS,
        );
        let wrapped = body_only("Het waren de Rode\nDuivels die wonnen.");
        assert_eq!(topic(&wrapped, RODE_DUIVELS).first_text, "Rode\nDuivels");
    }

    #[test]
    fn empty_texts_and_empty_names_suggest_nothing() {
        assert!(newsroom().suggest("", "", "").is_empty());
        assert!(newsroom().suggest("  ", "\n\n", "--- ... !?").is_empty());
        assert!(Tagger::new([]).suggest("Club Brugge", "", "").is_empty());
        assert!(Tagger::default().suggest("", "", "Anderlecht").is_empty());

        let odd = Tagger::new([
            TagName::strong(1, ""),
            TagName::strong(2, "   "),
            TagName::strong(3, "---"),
            TagName::strong(4, "…!?"),
            TagName::strong(5, "\u{200B}\u{0301}"),
        ]);
        assert!(
            odd.suggest("--- …!?", "\u{200B}", "").is_empty(),
            "names without a letter or digit are ignored"
        );
    }

    #[test]
    fn duplicate_names_count_once_and_strong_wins_over_weak() {
        let tagger = Tagger::new([
            TagName::strong(ANDERLECHT, "Anderlecht"),
            TagName::strong(ANDERLECHT, "ANDERLECHT"),
            TagName::strong(ANDERLECHT, "Anderlecht"),
            TagName::weak(KAA_GENT, "Gent"),
            TagName::strong(KAA_GENT, "gent"),
        ]);
        let found = tagger.suggest("Anderlecht en Gent", "", "");
        assert_eq!(
            ids(&found),
            vec![
                (ANDERLECHT, Confidence::Sure, 1),
                (KAA_GENT, Confidence::Sure, 1)
            ]
        );
    }

    #[test]
    fn hostile_unicode_does_not_panic_and_invisible_characters_are_read_past() {
        let text = "\u{202E}Anderlecht\u{202C} \u{200F}won\u{200E} en Ander\u{200B}lecht juichte. \
                    Club\u{200B}Brugge niet. Paars\u{200D}-\u{FEFF}Wit! \u{0301}\u{0301}\u{0301} \
                    G\u{0336}e\u{0336}n\u{0336}t\u{0336} 👨\u{200D}👩\u{200D}👧 مرحبا עברית 北京 \
                    Ant\u{00AD}werp \u{FE0F}\u{E0041}";
        let found = body_only(text);

        let anderlecht = topic(&found, ANDERLECHT);
        assert_eq!(
            (anderlecht.count, anderlecht.first_text.as_str()),
            (3, "Anderlecht"),
            "bidi controls and zero-width characters are read past, and the first match \
             does not include the invisible override around it"
        );
        absent(&found, CLUB_BRUGGE);
        let gent = topic(&found, KAA_GENT);
        assert_eq!(
            gent.confidence,
            Confidence::Maybe,
            "struck-through 'Gent' is still Gent"
        );
        let antwerp = topic(&found, ANTWERP);
        assert_eq!(
            antwerp.first_text, "Ant\u{00AD}werp",
            "a soft hyphen does not split"
        );
        for s in &found {
            assert_eq!(&text[s.first_at.clone()], s.first_text);
        }
    }

    /// Not timed (figures belong in bench/): checks that a few hundred topics sharing a first
    /// word and a text of tens of thousands of words give exact counts.
    #[test]
    fn handles_five_hundred_topics_and_a_long_text() {
        fn word(i: usize) -> String {
            let mut w = String::from("Ploeg");
            let mut n = i;
            loop {
                w.push(char::from(b'a' + (n % 26) as u8));
                n /= 26;
                if n == 0 {
                    break w;
                }
            }
        }
        let topics = 500;
        let tagger = Tagger::new((0..topics).flat_map(|i| {
            let id = i as TopicId + 1;
            [
                TagName::strong(id, format!("Club {}", word(i))),
                TagName::weak(id, word(i)),
            ]
        }));

        let mut body = String::new();
        for k in 0..1000 {
            body.push_str(&format!(
                "Club {} speelde gelijk in het stadion van {}, de Club was tevreden. ",
                word(k % topics),
                word((k * 7) % topics),
            ));
        }
        assert!(body.split_whitespace().count() > 12_000);

        let found = tagger.suggest("", "", &body);
        assert_eq!(found.len(), topics, "every topic is named in the text");
        for s in &found {
            assert_eq!(
                (s.confidence, s.count),
                (Confidence::Sure, 4),
                "topic {} is named twice and mentioned bare twice",
                s.topic_id
            );
        }
        assert_eq!(found[0].topic_id, 1);
        assert!(
            found
                .windows(2)
                .all(|w| w[0].first_at.start < w[1].first_at.start)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_matches_that_point_into_it(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("Club".to_string()),
                    proptest::strategy::Just("Brugge".to_string()),
                    proptest::strategy::Just("Gent".to_string()),
                    proptest::strategy::Just("Paars".to_string()),
                    proptest::strategy::Just("-".to_string()),
                    proptest::strategy::Just(" ".to_string()),
                    proptest::strategy::Just(". ".to_string()),
                    proptest::strategy::Just("\u{200B}".to_string()),
                    proptest::strategy::Just("\u{0301}".to_string()),
                    "\\PC{1,3}",
                ],
                0..60,
            )
        ) {
            let text = pieces.concat();
            let tagger = newsroom();
            for (part, found) in [
                (Part::Title, tagger.suggest(&text, "", "")),
                (Part::Body, tagger.suggest("", "", &text)),
            ] {
                for s in found {
                    proptest::prop_assert_eq!(s.first_part, part);
                    proptest::prop_assert!(s.count >= 1);
                    proptest::prop_assert_eq!(text.get(s.first_at.clone()), Some(s.first_text.as_str()));
                }
            }
        }
    }
}
