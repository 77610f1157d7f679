//! Undoing evasions before matching: invisible characters, look-alike letters from other
//! scripts, emoji that stand for words, words split over lines. This is only for
//! matching; [`super::fold`] and [`super::fingerprint`] keep their stored behaviour.

use super::{Analysis, analyse};

/// Cyrillic and Greek letters that look like Latin ones. Only used inside words that also
/// hold Latin letters: a whole Cyrillic word is transliterated by deunicode as before.
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'е' | 'ε' | 'ё' => 'e',
        'н' | 'η' => 'h',
        'і' | 'ι' | 'ї' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' | 'μ' => 'm',
        'п' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'у' | 'υ' => 'y',
        'х' | 'χ' => 'x',
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' => 'I',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'У' | 'Υ' => 'Y',
        'Ζ' => 'Z',
        'ν' => 'v',
        _ => return None,
    })
}

/// Emoji that stand for a word in abuse, and the (Dutch) word the rules see.
fn emoji_word(c: char) -> Option<&'static str> {
    Some(match c {
        '🐒' | '🐵' | '🦧' => "aap",
        // The three wise monkeys mostly say "oops", rarely "monkey".
        '🙈' | '🙉' | '🙊' => "oeps",
        '🦍' => "gorilla",
        '🍌' => "banaan",
        '🐷' | '🐖' | '🐽' => "varken",
        '🐀' | '🐁' => "rat",
        '🐕' | '🐶' => "hond",
        '🔪' | '🗡' => "mes",
        '🔫' => "pistool",
        '💣' => "bom",
        '💀' | '☠' | '⚰' | '🪦' => "dood",
        '🔥' => "vuur",
        '🖕' => "middelvinger",
        '🍆' => "piemel",
        '🍑' => "kont",
        '💦' => "zaad",
        '🤮' => "kots",
        '🏳' => "vlag",
        '🌈' => "regenboog",
        '🤡' => "clown",
        '💰' | '💵' | '💶' | '💸' | '🤑' => "geld",
        '📞' | '📱' | '☎' => "telefoon",
        _ => return None,
    })
}

/// Invisible characters used to split words: zero-width space/joiners, soft hyphen,
/// word joiner, byte order mark, variation selectors.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{180E}'
            | '\u{034F}'
    )
}

/// The text with evasions undone: invisible characters dropped, a hyphen at a line's end
/// glued to the next line's word, look-alike letters inside Latin words mapped, emoji
/// replaced by words.
pub(crate) fn prepare(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for token in text.split_inclusive(char::is_whitespace) {
        let has_latin = token.chars().any(|c| c.is_ascii_alphabetic());
        for c in token.chars() {
            if invisible(c) {
                continue;
            }
            if let Some(word) = emoji_word(c) {
                out.push(' ');
                out.push_str(word);
                out.push(' ');
                continue;
            }
            match homoglyph(c) {
                Some(l) if has_latin => out.push(l),
                _ => out.push(c),
            }
        }
    }
    // "kan-\nker": a word hyphenated over a line break is one word.
    if out.contains("-\n") || out.contains("-\r\n") {
        out = out.replace("-\r\n", "").replace("-\n", "");
    }
    out
}

/// [`analyse`] of the prepared text, plus words split over lines ("kan\nker") as extra
/// glued candidates.
pub(crate) fn analyse_text(text: &str) -> Analysis {
    let prepared = prepare(text);
    let mut analysis = analyse(&prepared);
    let lines: Vec<&str> = prepared.lines().collect();
    for pair in lines.windows(2) {
        let tail = pair[0].split_whitespace().last();
        let head = pair[1].split_whitespace().next();
        if let (Some(a), Some(b)) = (tail, head) {
            let glued = analyse(&format!("{a}{b}"));
            if let [w] = glued.words.as_slice() {
                analysis.squashed.push(w.clone());
            }
        }
    }
    analysis
}

/// A comment taken apart once for all the checks of one verdict: the word lists, the phrase
/// rules, the spam signs and the model read their words from here rather than each
/// analysing the text again (a verdict used to analyse it eight times).
pub(crate) struct Reading<'a> {
    pub(crate) text: &'a str,
    /// The whole text, evasions undone ([`analyse_text`]).
    pub(crate) whole: Analysis,
    /// The words of each sentence: phrase rules match within a sentence.
    pub(crate) sentences: Vec<Vec<String>>,
}

impl<'a> Reading<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Reading {
            text,
            whole: analyse_text(text),
            sentences: super::phrases::sentences(text)
                .into_iter()
                .map(|s| analyse_text(s).words)
                .collect(),
        }
    }
}
