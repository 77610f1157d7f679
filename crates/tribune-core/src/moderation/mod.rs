//! Automatic moderation of reader comments. Pure rules, no I/O: the caller passes the
//! author's recent comments and the article's comment rate, and gets back either a
//! [`Refusal`] (nothing is stored, the reader sees [`Refusal::message`]) or a [`Judgement`]:
//! a [`Verdict`] plus the [`Reason`]s behind it, kept for the moderation desk.
//!
//! The word matcher works on [`fold`]ed text and matches every list entry as a pattern of
//! letter runs, so stretched, spaced-out and leetspeak spellings are caught while words
//! that merely look alike ("Niger", "negeer", "Kanaal") are not. See [`WordLists`].
//!
//! [`Rules::judge`] combines five signals, each giving [`Reason`]s with a [`Category`]:
//!
//! * the word lists ([`WordLists`]): a banned word rejects, a suspect word holds;
//! * phrase rules per language ([`phrases`]): threats reject; wishes of harm, racism
//!   without a slur, dehumanising, exclusion, homophobic, misogynist, sexual and doxxing
//!   phrases hold. A sentence that reports or condemns abuse fires no rule;
//! * spam signs ([`spam`]) and the same text from other accounts: hold;
//! * the classifier ([`Classifier`], when the caller passes one): holds from
//!   [`Rules::model_hold`] (lower on match evenings), rejects from [`Rules::model_reject`].
//!
//! Before matching, evasions are undone (look-alike letters from other scripts, invisible
//! characters, emoji standing for words, words split over lines); [`fold`] and
//! [`fingerprint`] keep their stored behaviour.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};

mod category;
mod model;
mod normalise;
pub mod phrases;
pub mod spam;

#[cfg(test)]
mod issue16_tests;

use Category::*;
pub use category::Category;
use category::{escape, unescape};
pub use model::{
    Classifier, Example, LabelledText, MODERATOR_WEIGHT, ModelError, ModelScore, parse_training_set,
};

// ---------------------------------------------------------------------------------------
// Verdicts and reasons
// ---------------------------------------------------------------------------------------

/// What happens to a stored comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Shown at once.
    Visible,
    /// Waits in the pre-moderation queue until a moderator approves it.
    Pending,
    /// Kept for the record, never shown.
    Rejected,
}

impl Verdict {
    /// The stored form: "visible", "pending", "rejected".
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Visible => "visible",
            Verdict::Pending => "pending",
            Verdict::Rejected => "rejected",
        }
    }

    /// The inverse of [`Verdict::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "visible" => Some(Verdict::Visible),
            "pending" => Some(Verdict::Pending),
            "rejected" => Some(Verdict::Rejected),
            _ => None,
        }
    }
}

/// Why a comment got its verdict; stored as `code()` strings, shown to moderators via
/// `describe()` (Dutch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The banned-list entry that matched, e.g. "kanker".
    BannedWord(String),
    /// The suspect-list entry that matched, e.g. "idioot".
    SuspectWord(String),
    /// A new (untrusted) account posted this many links, more than allowed.
    TooManyLinks(usize),
    /// Pre-moderation: fewer approved comments than the trust threshold.
    NewAccount,
    /// A phrase rule fired: "phrase:threat:<rule-name>".
    Phrase { category: Category, rule: String },
    /// The classifier's risk (per mille) and the words that pushed it up.
    Model { risk: u32, words: Vec<String> },
    /// A spam sign: "spam:<sign>".
    Spam(String),
    /// The same text was posted by this many other accounts recently.
    SameTextElsewhere(u32),
    /// Match evening: tightened thresholds applied.
    MatchEvening,
}

impl Reason {
    /// The stored form: "banned-word:kanker", "suspect-word:idioot", "links:3", "new-account".
    pub fn code(&self) -> String {
        match self {
            Reason::BannedWord(w) => format!("banned-word:{}", escape(w)),
            Reason::SuspectWord(w) => format!("suspect-word:{}", escape(w)),
            Reason::TooManyLinks(n) => format!("links:{n}"),
            Reason::NewAccount => "new-account".to_string(),
            Reason::Phrase { category, rule } => {
                format!("phrase:{}:{}", category.code(), escape(rule))
            }
            Reason::Model { risk, words } => {
                let words: Vec<String> = words.iter().map(|w| escape(w)).collect();
                format!("model:{risk}:{}", words.join(","))
            }
            Reason::Spam(sign) => format!("spam:{}", escape(sign)),
            Reason::SameTextElsewhere(n) => format!("same-text:{n}"),
            Reason::MatchEvening => "match-evening".to_string(),
        }
    }

    /// The inverse of [`Reason::code`]. Unknown or malformed codes give `None`.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "new-account" => return Some(Reason::NewAccount),
            "match-evening" => return Some(Reason::MatchEvening),
            _ => {}
        }
        let (kind, value) = code.split_once(':')?;
        let text = || unescape(value).filter(|v| !v.is_empty());
        match kind {
            "banned-word" => text().map(Reason::BannedWord),
            "suspect-word" => text().map(Reason::SuspectWord),
            "links" => value.parse().ok().map(Reason::TooManyLinks),
            "spam" => text().map(Reason::Spam),
            "same-text" => value.parse().ok().map(Reason::SameTextElsewhere),
            "phrase" => {
                let (category, rule) = value.split_once(':')?;
                let rule = unescape(rule).filter(|r| !r.is_empty())?;
                Some(Reason::Phrase {
                    category: Category::parse(category)?,
                    rule,
                })
            }
            "model" => {
                let (risk, words) = value.split_once(':')?;
                let risk: u32 = risk.parse().ok().filter(|r| *r <= 1000)?;
                let words = if words.is_empty() {
                    Vec::new()
                } else {
                    words
                        .split(',')
                        .map(|w| unescape(w).filter(|w| !w.is_empty()))
                        .collect::<Option<Vec<String>>>()?
                };
                Some(Reason::Model { risk, words })
            }
            _ => None,
        }
    }

    /// A short Dutch explanation for the moderation desk.
    pub fn describe(&self) -> String {
        match self {
            Reason::BannedWord(w) => format!("verboden woord: {w}"),
            Reason::SuspectWord(w) => format!("verdacht woord: {w}"),
            Reason::TooManyLinks(1) => "1 link van een nieuw account".to_string(),
            Reason::TooManyLinks(n) => format!("{n} links van een nieuw account"),
            Reason::NewAccount => "nieuw account: reacties worden eerst nagekeken".to_string(),
            Reason::Phrase { category, rule } => format!("{}: regel {rule}", category.describe()),
            Reason::Model { risk, words } if words.is_empty() => {
                format!("model: risico {risk}‰")
            }
            Reason::Model { risk, words } => {
                format!("model: risico {risk}‰ ({})", words.join(", "))
            }
            Reason::Spam(sign) => format!("spam: {sign}"),
            Reason::SameTextElsewhere(1) => "dezelfde tekst van 1 ander account".to_string(),
            Reason::SameTextElsewhere(n) => format!("dezelfde tekst van {n} andere accounts"),
            Reason::MatchEvening => "wedstrijdavond: strengere drempels".to_string(),
        }
    }

    /// Weight for sorting the queue: the worst comments first.
    pub fn risk(&self) -> u32 {
        match self {
            Reason::BannedWord(_) => 100,
            Reason::SuspectWord(_) => 30,
            Reason::TooManyLinks(_) => 20,
            Reason::NewAccount => 5,
            Reason::Phrase { category, .. } => match category {
                Category::Threat | Category::Doxxing => 100,
                _ => 60,
            },
            Reason::Model { risk, .. } => risk / 20,
            Reason::Spam(_) => 40,
            Reason::SameTextElsewhere(_) => 40,
            Reason::MatchEvening => 0,
        }
    }

    /// The policy category this reason is about, if it is about abuse.
    pub fn category(&self) -> Option<Category> {
        match self {
            Reason::BannedWord(w) => list_category(BANNED, w),
            Reason::SuspectWord(w) => list_category(SUSPECT, w),
            Reason::Phrase { category, .. } => Some(*category),
            Reason::Spam(_) | Reason::SameTextElsewhere(_) => Some(Category::Spam),
            Reason::Model { .. }
            | Reason::TooManyLinks(_)
            | Reason::NewAccount
            | Reason::MatchEvening => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rules and judging
// ---------------------------------------------------------------------------------------

/// Words a text needs before the same text from several accounts counts as spam.
pub const SAME_TEXT_WORDS: usize = 8;

/// The window of [`Rules::burst`].
pub fn burst_window() -> Duration {
    Duration::seconds(60)
}

/// The window of [`Rules::per_hour`].
pub fn hour_window() -> Duration {
    Duration::hours(1)
}

/// The knobs of automatic moderation. A limit of 0 for `burst` or `per_hour` switches that
/// limit off (closing comments is done elsewhere, not with a zero rate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Approved comments an account needs before its comments show at once.
    pub premoderate_until: u32,
    /// Links allowed while an account is new (untrusted).
    pub new_account_links: usize,
    /// Comments allowed in any 60 s.
    pub burst: u32,
    /// Comments allowed in any hour.
    pub per_hour: u32,
    /// Comments per minute on one article above which slow mode is on.
    pub slow_mode_threshold: u32,
    /// In slow mode: one comment per account per article per this long.
    pub slow_mode_interval: Duration,
    /// Same text by the same author within this window is refused.
    pub duplicate_window: Duration,
    /// Classifier risk (per mille) from which a comment is held for a moderator. The
    /// default (850) keeps false holds near 1% in cross-validation on the training set.
    pub model_hold: u32,
    /// Classifier risk (per mille) from which a comment is rejected. The default, 1001,
    /// never rejects on the model alone: its mistakes should wait for a human, not vanish.
    pub model_reject: u32,
    /// The hold threshold on a match evening ([`Submission::tightened`]).
    pub model_hold_tight: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            premoderate_until: 1,
            new_account_links: 1,
            burst: 5,
            per_hour: 60,
            slow_mode_threshold: 30,
            slow_mode_interval: Duration::seconds(30),
            duplicate_window: Duration::hours(24),
            model_hold: 850,
            model_reject: 1001,
            model_hold_tight: 650,
        }
    }
}

/// Who is commenting, as far as moderation cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Author {
    /// Moderator, journalist, editor or admin: skips pre-moderation, rate and link limits,
    /// but not the duplicate check or the word lists.
    pub staff: bool,
    /// Comments of this account a moderator approved (or that went visible) so far.
    pub approved_comments: u32,
}

/// One of the author's earlier comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentComment {
    pub at: DateTime<Utc>,
    /// [`fingerprint`] of its body.
    pub fingerprint: i64,
    pub article_id: i64,
}

/// A comment as submitted, with the context the rules need.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// The Markdown as typed.
    pub body: &'a str,
    pub article_id: i64,
    pub author: Author,
    /// This author's comments of at least the last hour and the last `duplicate_window`
    /// (the caller passes the longer of the two). Order does not matter.
    pub recent: &'a [RecentComment],
    /// Comments on this article in the last 60 s, all authors.
    pub article_rate: u32,
    pub now: DateTime<Utc>,
    /// The classifier to consult, if any.
    pub classifier: Option<&'a Classifier>,
    /// Match evening: lower hold threshold, any link from a non-staff author held.
    pub tightened: bool,
    /// Other accounts that posted the same text (same [`fingerprint`]) recently.
    pub same_text_elsewhere: u32,
}

/// Why a submission is not stored at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Too many comments in the last minute or hour.
    RateLimited { retry_after: Duration },
    /// The article is busy and this author commented on it a moment ago.
    SlowMode { retry_after: Duration },
    /// The author posted the same text recently.
    Duplicate,
}

impl Refusal {
    /// A Dutch sentence for the reader.
    pub fn message(&self) -> String {
        match self {
            Refusal::RateLimited { retry_after } => format!(
                "Je reageert te snel. Probeer het over {} opnieuw.",
                dutch_wait(*retry_after)
            ),
            Refusal::SlowMode { retry_after } => format!(
                "Er wordt druk gereageerd op dit artikel, daarom geldt even een wachttijd. \
                 Probeer het over {} opnieuw.",
                dutch_wait(*retry_after)
            ),
            Refusal::Duplicate => "Je hebt deze reactie al geplaatst.".to_string(),
        }
    }

    /// How long the reader has to wait, if waiting helps (for a `Retry-After` header).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Refusal::RateLimited { retry_after } | Refusal::SlowMode { retry_after } => {
                Some(*retry_after)
            }
            Refusal::Duplicate => None,
        }
    }
}

/// "1 seconde", "40 seconden", "1 minuut", "12 minuten": rounded up, so the reader who
/// waits exactly that long is let through.
fn dutch_wait(d: Duration) -> String {
    let secs = ((d.num_milliseconds() + 999) / 1000).max(1);
    if secs < 60 {
        if secs == 1 {
            "1 seconde".to_string()
        } else {
            format!("{secs} seconden")
        }
    } else {
        let mins = (secs + 59) / 60;
        if mins == 1 {
            "1 minuut".to_string()
        } else {
            format!("{mins} minuten")
        }
    }
}

/// The outcome for a comment that is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: Verdict,
    /// All reasons that apply: banned words, suspect words, links, new account.
    pub reasons: Vec<Reason>,
    /// Sum of the reasons' [`Reason::risk`].
    pub risk: u32,
}

impl Rules {
    /// Judge a submission. Refusals come first (duplicate, rate limit, slow mode); then the
    /// verdict: a banned word rejects; a suspect word, too many links from an untrusted
    /// author, or an untrusted author queues; otherwise the comment is visible.
    pub fn judge(&self, s: &Submission) -> Result<Judgement, Refusal> {
        let fp = fingerprint(s.body);
        let age = |c: &RecentComment| s.now.signed_duration_since(c.at);

        if s.recent
            .iter()
            .any(|c| c.fingerprint == fp && age(c) < self.duplicate_window)
        {
            return Err(Refusal::Duplicate);
        }

        if !s.author.staff {
            for (limit, window) in [(self.burst, burst_window()), (self.per_hour, hour_window())] {
                if let Some(retry_after) = rate_wait(s.recent, s.now, limit, window) {
                    return Err(Refusal::RateLimited { retry_after });
                }
            }
            if self.slow_mode(s.article_rate) {
                let last_here = s
                    .recent
                    .iter()
                    .filter(|c| c.article_id == s.article_id)
                    .map(|c| c.at)
                    .max();
                if let Some(at) = last_here {
                    let wait = at + self.slow_mode_interval - s.now;
                    if wait > Duration::zero() {
                        return Err(Refusal::SlowMode {
                            retry_after: wait.min(self.slow_mode_interval),
                        });
                    }
                }
            }
        }

        let reading = normalise::Reading::new(s.body);
        let mut reasons = WordLists::builtin().scan_reading(&reading);
        // A comment that reports or condemns racism quotes it: that is news, not abuse.
        if phrases::condemns(&reading.whole.words) {
            reasons
                .retain(|r| !matches!(r.category(), Some(Category::Racism | Category::Homophobia)));
        }
        let mut reject = reasons.iter().any(|r| matches!(r, Reason::BannedWord(_)));
        for hit in phrases::scan_reading(&reading) {
            reject |= hit.category == Category::Threat;
            reasons.push(Reason::Phrase {
                category: hit.category,
                rule: hit.rule.to_string(),
            });
        }
        reasons.extend(
            spam::signs_reading(&reading)
                .into_iter()
                .map(|sign| Reason::Spam(sign.to_string())),
        );
        // Many readers cheer alike ("Proficiat!"): only a longer text, or one with a link,
        // from several accounts is copy-paste spam.
        if s.same_text_elsewhere >= 2
            && (count_links(s.body) > 0 || fold(s.body).split(' ').count() >= SAME_TEXT_WORDS)
        {
            reasons.push(Reason::SameTextElsewhere(s.same_text_elsewhere));
        }
        let mut tightened_hold = false;
        if let Some(model) = s.classifier {
            let score = model.score_words(&reading.whole.words);
            let hold = if s.tightened {
                self.model_hold_tight.min(self.model_hold)
            } else {
                self.model_hold
            };
            if score.risk >= hold {
                tightened_hold |= score.risk < self.model_hold;
                reject |= score.risk >= self.model_reject;
                reasons.push(Reason::Model {
                    risk: score.risk,
                    words: score.words,
                });
            }
        }
        if !s.author.staff {
            let trusted = self.trusted(&s.author);
            let links = count_links(s.body);
            if !trusted && links > self.new_account_links {
                reasons.push(Reason::TooManyLinks(links));
            } else if s.tightened && links > 0 {
                // Match evening: every link from a reader waits for a moderator.
                reasons.push(Reason::TooManyLinks(links));
                tightened_hold = true;
            }
            if !trusted {
                reasons.push(Reason::NewAccount);
            }
        }
        if tightened_hold {
            reasons.push(Reason::MatchEvening);
        }

        let verdict = if reject {
            Verdict::Rejected
        } else if reasons.is_empty() {
            Verdict::Visible
        } else {
            Verdict::Pending
        };
        let risk = reasons.iter().map(Reason::risk).sum();
        Ok(Judgement {
            verdict,
            reasons,
            risk,
        })
    }

    /// Slow mode is on when the article got more than `slow_mode_threshold` comments in
    /// the last minute.
    pub fn slow_mode(&self, article_rate: u32) -> bool {
        article_rate > self.slow_mode_threshold
    }

    /// Whether the author's comments show without pre-moderation.
    pub fn trusted(&self, author: &Author) -> bool {
        author.staff || author.approved_comments >= self.premoderate_until
    }
}

/// How long until one more comment fits in `limit` per `window`, or `None` if it fits now.
/// With exactly `limit` comments in the window that is when the oldest leaves it; with more
/// (the limit was lowered, or the author was staff) enough of the oldest have to leave.
fn rate_wait(
    recent: &[RecentComment],
    now: DateTime<Utc>,
    limit: u32,
    window: Duration,
) -> Option<Duration> {
    if limit == 0 {
        return None;
    }
    let mut times: Vec<DateTime<Utc>> = recent
        .iter()
        .map(|c| c.at)
        .filter(|&at| now.signed_duration_since(at) < window)
        .collect();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if times.len() < limit {
        return None;
    }
    times.sort_unstable();
    let freeing = times.get(times.len() - limit)?;
    // Clamped: a timestamp from the future (clock skew) must not block for longer.
    Some((*freeing + window - now).min(window))
}

// ---------------------------------------------------------------------------------------
// Text: fold, fingerprint, links
// ---------------------------------------------------------------------------------------

/// A leetspeak symbol and the letter it stands for. Digits are handled per word.
fn leet_symbol(c: char) -> Option<char> {
    match c {
        '@' => Some('a'),
        '$' => Some('s'),
        '!' | '|' => Some('i'),
        '€' => Some('e'),
        _ => None,
    }
}

fn leet_digit(c: char) -> char {
    match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        other => other,
    }
}

/// One whitespace-separated token with leet symbols mapped, diacritics folded, lowercased.
/// A symbol run counts as letters only inside a word ("n!gger", "k@nker", "$lut"), not as
/// the sentence's "!" or a lone "|": it needs a letter or digit after it, and "!"/"|" also
/// one before it.
fn normalise_token(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let mut out = String::with_capacity(token.len());
    if !chars.iter().any(|c| c.is_alphabetic()) {
        out.push_str(token);
    } else {
        let mut i = 0;
        while i < chars.len() {
            if leet_symbol(chars[i]).is_none() {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && leet_symbol(chars[i]).is_some() {
                i += 1;
            }
            let run = &chars[start..i];
            let before = start > 0 && chars[start - 1].is_alphanumeric();
            let after = chars.get(i).is_some_and(|c| c.is_alphanumeric());
            let leading_ok = !run.iter().any(|&c| c == '!' || c == '|');
            for &c in run {
                match leet_symbol(c) {
                    Some(letter) if after && (before || leading_ok) => out.push(letter),
                    _ => out.push(' '),
                }
            }
        }
    }
    deunicode::deunicode(&out).to_lowercase()
}

/// A text taken apart for matching.
pub(crate) struct Analysis {
    /// The words of [`fold`], in order.
    pub(crate) words: Vec<String>,
    /// Tokens with their inner punctuation glued shut ("kan.ker" -> "kanker",
    /// "sint-truiden" -> "sinttruiden"): extra candidates for single-word entries.
    pub(crate) squashed: Vec<String>,
}

pub(crate) fn analyse(text: &str) -> Analysis {
    let mut parts: Vec<String> = Vec::new();
    let mut squashed = Vec::new();
    for token in text.split_whitespace() {
        let token = normalise_token(token);
        let token_parts: Vec<&str> = token
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '*'))
            // "*" is a wildcard inside a word ("n*gger") but Markdown emphasis at its edges.
            .map(|p| p.trim_matches('*'))
            .filter(|p| !p.is_empty())
            .collect();
        if token_parts.len() > 1 {
            squashed.push(leet_digits(&token_parts.concat()));
        }
        parts.extend(token_parts.into_iter().map(str::to_string));
    }

    // Runs of two or more one-character words are one spaced-out word: "k a n k e r".
    let mut words = Vec::with_capacity(parts.len());
    let mut run = String::new();
    for part in parts {
        if part.len() == 1 {
            run.push_str(&part);
        } else {
            if !run.is_empty() {
                words.push(leet_digits(&std::mem::take(&mut run)));
            }
            words.push(leet_digits(&part));
        }
    }
    if !run.is_empty() {
        words.push(leet_digits(&run));
    }
    Analysis { words, squashed }
}

/// Digits read as letters, but only in words that have letters: "k4nk3r" is "kanker",
/// "2-1" stays a score.
fn leet_digits(word: &str) -> String {
    if word.bytes().any(|b| b.is_ascii_alphabetic()) {
        word.chars().map(leet_digit).collect()
    } else {
        word.to_string()
    }
}

/// The normalised text the word matcher works on, and the fingerprint is taken of:
///
/// 1. split on whitespace; in each token the leetspeak symbols `@ $ ! | €` that sit inside
///    a word become letters (a, s, i, i, e); sentence punctuation stays punctuation;
/// 2. diacritics and other scripts folded to ASCII (deunicode), lowercased;
/// 3. every run of characters other than `a-z`, `0-9` and `*` separates words, so
///    "k.a.n.k.e.r" and "sint-truiden" fall apart into words; `*` at a word's edge
///    (Markdown emphasis) is dropped, inside a word it is kept as a wildcard ("n*gger");
/// 4. runs of two or more one-character words are joined: "k a n k e r" -> "kanker";
/// 5. in words with letters, digits become letters (0 o, 1 i, 3 e, 4 a, 5 s, 7 t, 8 b).
///
/// The words are joined with single spaces. Repeated letters are left alone: the matcher
/// deals with them per list entry.
pub fn fold(text: &str) -> String {
    analyse(text).words.join(" ")
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// A stable 64-bit FNV-1a hash of [`fold`]`(body)`, so texts that differ only in case,
/// spacing, punctuation or diacritics are the same text. Stored in the database: the
/// algorithm must never change. A body that folds to nothing (only punctuation) is hashed
/// as typed (trimmed), so "!!!" and "???" are not each other's duplicates.
pub fn fingerprint(body: &str) -> i64 {
    let folded = fold(body);
    let hash = if folded.is_empty() {
        fnv1a(body.trim().as_bytes())
    } else {
        fnv1a(folded.as_bytes())
    };
    // Bit-for-bit into the signed column type.
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Links in a body: every `http://`, `https://` and `www.` (not counted twice in
/// "https://www."), plus Markdown links `[text](target)` whose target is not such a URL
/// already. Case-insensitive.
pub fn count_links(body: &str) -> usize {
    let lower = body.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"http://") || rest.starts_with(b"https://") {
            count += 1;
            let scheme = if rest.starts_with(b"https://") { 8 } else { 7 };
            // A "www." right after the scheme is the same link.
            i += if b[i + scheme..].starts_with(b"www.") {
                scheme + 4
            } else {
                scheme
            };
            continue;
        }
        if rest.starts_with(b"www.") && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            count += 1;
            i += 4;
            continue;
        }
        if rest.starts_with(b"](") {
            let target = lower[i + 2..].trim_start_matches(['<', ' ']);
            let is_url = target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("www.");
            let empty = target.starts_with(')');
            if !is_url && !empty {
                count += 1;
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    count
}

// ---------------------------------------------------------------------------------------
// Word lists and the matcher
// ---------------------------------------------------------------------------------------

/// Where in a word a (single-word) list entry may match. Multi-word entries (phrases)
/// always match whole consecutive words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The whole word only: for short or ambiguous entries ("hoer" must not hit "hoera").
    Word,
    /// The start of a word, or the word itself: inflections and compounds ("klootzakken").
    Prefix,
    /// The start of a longer word only: "tering" is an old word and an idiom ("de tering
    /// naar de nering zetten"), but "teringlijer" is abuse.
    Compound,
    /// Anywhere inside a word: strong stems that make any compound abusive ("kankerlijer",
    /// "klotekanker").
    Stem,
}

use Match::{Compound, Prefix, Stem, Word};

/// Banned: comments are rejected outright. Slurs (racist, antisemitic, homophobic), the
/// Dutch disease curses, threats and the worst abuse, in Dutch, French and English as they
/// turn up under Belgian football news. Entries are written folded (no diacritics);
/// "a|b" in a phrase word means either.
const BANNED: &[(Match, &str, Category)] = &[
    // Dutch disease curses: the strongest Dutch abuse, abusive in every compound.
    (Stem, "kanker", DiseaseCurse),
    (Stem, "kenker", DiseaseCurse),
    (Stem, "tyfus", DiseaseCurse),
    (Stem, "tiefus", DiseaseCurse),
    (Stem, "pleuris", DiseaseCurse),
    (Compound, "tering", DiseaseCurse),
    // Misspelled and shortened on purpose.
    (Prefix, "kankur", DiseaseCurse),
    (Prefix, "knkr", DiseaseCurse),
    (Prefix, "kkr", DiseaseCurse),
    (Prefix, "tyfes", DiseaseCurse),
    (Prefix, "tyvus", DiseaseCurse),
    (Prefix, "tiefes", DiseaseCurse),
    (Prefix, "klere", DiseaseCurse),
    (Prefix, "kolere", DiseaseCurse),
    // Racist and antisemitic, Dutch. "neger" whole-word only: "negeren" is "to ignore".
    // "aap" alone is far too common (and a nickname); the insult comes in phrases.
    (Word, "neger", Racism),
    (Word, "negers", Racism),
    (Prefix, "bosneger", Racism),
    (Prefix, "zandneger", Racism),
    (Prefix, "nikker", Racism),
    (Prefix, "makak", Racism),
    (Prefix, "kutmarok", Racism),
    (Prefix, "geitenneuker", Racism),
    (Word, "zwarte aap|apen", Racism),
    (
        Word,
        "vuile aap|apen|jood|joden|neger|negers|makak|makakken|homo|homos",
        Racism,
    ),
    (Word, "joden aan het gas", Racism),
    (Word, "hamas hamas", Racism),
    (Word, "heil hitler", Racism),
    (Word, "sieg heil", Racism),
    // Racist and antisemitic, French ("macaque" and "singe" are shouted at black players).
    (Prefix, "negre", Racism),
    (Prefix, "macaque", Racism),
    (Prefix, "bamboula", Racism),
    (Prefix, "bougnoule", Racism),
    (Prefix, "youpin", Racism),
    (
        Word,
        "sale juif|juifs|juive|arabe|arabes|noir|noirs|noire|negre|negres|singe|singes",
        Racism,
    ),
    // Racist, English. Prefix, not stem: "snigger" is an ordinary word.
    (Prefix, "nigger", Racism),
    (Prefix, "nigga", Racism),
    (Word, "paki", Racism),
    (Word, "pakis", Racism),
    (Word, "black monkey|monkeys", Racism),
    // Homophobic. "flikker" whole-word: "flikkeren" (to throw, to fall) is ordinary Dutch.
    (Word, "flikker", Homophobia),
    (Word, "flikkers", Homophobia),
    (Word, "pede", Homophobia),
    (Word, "pedes", Homophobia),
    (Word, "pd", Homophobia),
    (Word, "tapette", Homophobia),
    (Word, "tapettes", Homophobia),
    (Prefix, "tarlouze", Homophobia),
    (Prefix, "faggot", Homophobia),
    (Word, "fag", Homophobia),
    (Word, "fags", Homophobia),
    // The worst abuse.
    (Prefix, "cunt", Insult),
    (Word, "nique ta mere|race", Insult),
    // Threats. Phrases, not single words: "doden", "tuer" and "kill" are everyday match
    // report words ("le coach a tue le match", "kill the game").
    (Word, "maak|maken je|jou|u|jullie dood", Threat),
    (Word, "vermoord je|jou|u|jullie", Threat),
    (Word, "ga je|jou|u|jullie vermoorden", Threat),
    (Word, "sla|slaan je|jou|u|jullie dood", Threat),
    (Word, "schiet|schieten je|jou|u|jullie dood|neer", Threat),
    (Word, "steek|steken je|jou|u|jullie neer|dood|kapot", Threat),
    (Word, "weet|weten waar je|jij|u woont", Threat),
    (
        Word,
        "hoop dat je|jij|u|hij doodgaat|sterft|crepeert",
        HarmWish,
    ),
    (Word, "vais|va te tuer|buter|crever", Threat),
    (Word, "sais|sait ou tu habites", Threat),
    (Word, "kill yourself|yourselves|urself|yoself", HarmWish),
    (Word, "kys", HarmWish),
    (Word, "i will|ll kill you|u", Threat),
    (Word, "hope you|u|he die|dies", HarmWish),
    (Word, "know where you|u live", Threat),
];

/// Suspect: comments wait for a moderator. Personal insults and milder profanity; often
/// meant badly, sometimes banter, so a human decides. Everyday sighs ("merde", "shit",
/// "verdomme") are left alone: football comments are full of them.
const SUSPECT: &[(Match, &str, Category)] = &[
    // Dutch.
    (Prefix, "idioot", Insult),
    (Stem, "debiel", Disability),
    (Prefix, "mongool", Disability),
    (Word, "mongolen", Disability),
    (Prefix, "achterlijk", Disability),
    (Prefix, "imbeciel", Insult),
    (Prefix, "klootzak", Insult),
    (Word, "hoer", Misogyny),
    (Prefix, "hoeren", Misogyny),
    (Prefix, "kut", Insult),
    (Word, "lul", Insult),
    (Word, "eikel", Insult),
    (Word, "eikels", Insult),
    (Word, "trut", Misogyny),
    (Prefix, "slet", Misogyny),
    (Prefix, "smeerlap", Insult),
    (Prefix, "rotzak", Insult),
    (Prefix, "zakkenwasser", Insult),
    // French.
    (Prefix, "connard", Insult),
    (Prefix, "connasse", Misogyny),
    (Prefix, "salope", Misogyny),
    (Prefix, "salaud", Insult),
    (Word, "pute", Misogyny),
    (Word, "putes", Misogyny),
    (Prefix, "encule", Homophobia),
    (Prefix, "batard", Insult),
    (Prefix, "abruti", Insult),
    (Prefix, "debile", Disability),
    (Prefix, "cretin", Insult),
    (Prefix, "nique", Insult),
    (Word, "ta gueule", Insult),
    (Word, "fdp", Insult),
    (Word, "mongol", Disability),
    (Prefix, "triso", Disability),
    (Prefix, "attarde", Disability),
    // French and English.
    (Prefix, "idiot", Insult),
    (Prefix, "imbecile", Insult),
    // English. Not "dick" (Dick Advocaat) nor "retard" (French for "delay").
    (Prefix, "moron", Insult),
    (Word, "retarded", Disability),
    (Word, "mong", Disability),
    (Word, "mongs", Disability),
    (Prefix, "spast", Disability),
    (Prefix, "downie", Disability),
    (Prefix, "twat", Insult),
    (Prefix, "wanker", Insult),
    (Prefix, "bastard", Insult),
    (Prefix, "bitch", Misogyny),
    (Prefix, "whore", Misogyny),
    (Word, "slut", Misogyny),
    (Word, "sluts", Misogyny),
    (Prefix, "dickhead", Insult),
    (Word, "pussy", Insult),
    (Prefix, "asshole", Insult),
    (Prefix, "arsehole", Insult),
    (Stem, "fuck", Insult),
    (Prefix, "scumbag", Insult),
    (Word, "stfu", Insult),
];

/// Allowed: ordinary words and phrases that contain a listed entry. Words they cover are
/// not scanned by single-word entries. Cancer is news too (a player's illness, the
/// Belgian charities "Kom op tegen Kanker" and "Stichting tegen Kanker"), and "kleren"
/// are clothes.
const ALLOWED: &[(Match, &str)] = &[
    (Prefix, "kleren"),
    (
        Prefix,
        "borstkanker|longkanker|darmkanker|huidkanker|prostaatkanker|teelbalkanker",
    ),
    (
        Prefix,
        "bloedkanker|leverkanker|hersenkanker|maagkanker|blaaskanker|keelkanker|botkanker",
    ),
    (
        Prefix,
        "alvleesklierkanker|slokdarmkanker|baarmoederhalskanker",
    ),
    (Prefix, "kankeronderzoek"),
    (Prefix, "kankerpatient"),
    (Prefix, "kankerbestrijding"),
    (Prefix, "kankerbehandeling"),
    (Prefix, "kankerfonds"),
    (Word, "tegen kanker"),
    (
        Word,
        "overleed|overleden|stierf|gestorven|lijdt|leed aan kanker",
    ),
    (
        Word,
        "aan kanker overleden|gestorven|overleed|stierf|geopereerd",
    ),
    (Word, "hersteld|genezen van kanker"),
    (Word, "kanker overwonnen|overwon"),
    (Word, "aan kanker"),
    // Frustration, not aimed at anyone.
    (Word, "fuck it|me|sake"),
    (Word, "what the fuck"),
    (Word, "fucking hell"),
];

/// The category of a built-in list entry.
fn list_category(list: &[(Match, &str, Category)], entry: &str) -> Option<Category> {
    list.iter()
        .find(|(_, text, _)| text.trim() == entry)
        .map(|&(_, _, c)| c)
}

/// A run of one letter in a list entry: "nigger" is n, i, g×2, e, r.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    letter: u8,
    len: usize,
}

impl Run {
    /// Counting further than this tells nothing new.
    fn cap(self) -> usize {
        self.len.max(3)
    }

    /// Whether `k` letters in the text satisfy this run: exactly as many, or stretched to
    /// three or more. A plain doubling is a different word in Dutch ("neger"/"negeer",
    /// "kaken"/"kakken"); "kaaanker" is someone stretching "kanker".
    fn done(self, k: usize) -> bool {
        k == self.len || k >= self.cap()
    }
}

fn runs(word: &[u8]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for &b in word {
        match out.last_mut() {
            Some(run) if run.letter == b => run.len += 1,
            _ => out.push(Run { letter: b, len: 1 }),
        }
    }
    out
}

/// Whether `pattern` matches `text` from its start (or, with `anywhere`, from any
/// position: a stem search in one linear pass), ending where `accept_end` agrees.
/// An NFA over (run index, letters of that run seen so far); a `*` in the text is a
/// wildcard that stands for one letter or for nothing. Where the word may go on after the
/// match (prefixes, stems) the last run may be followed by more of its letter, so
/// "klootzak" is found in "klootzakken" and "makak" in "makakken".
fn matches_from(
    pattern: &[Run],
    text: &[u8],
    anywhere: bool,
    accept_end: impl Fn(usize) -> bool,
) -> bool {
    if pattern.is_empty() {
        return false;
    }
    let n = pattern.len();
    let add = |states: &mut Vec<(usize, usize)>, state: (usize, usize)| {
        // Follow finished runs to the next one (the epsilon moves).
        let mut state = state;
        loop {
            if states.contains(&state) {
                return;
            }
            states.push(state);
            let (i, k) = state;
            match pattern.get(i) {
                Some(run) if run.done(k) => state = (i + 1, 0),
                _ => return,
            }
        }
    };
    let mut current = Vec::new();
    let mut next = Vec::new();
    add(&mut current, (0, 0));
    let mut j = 0;
    loop {
        if current.contains(&(n, 0)) && accept_end(j) {
            return true;
        }
        let Some(&c) = text.get(j) else {
            return false;
        };
        next.clear();
        for &(i, k) in &current {
            let run = pattern.get(i);
            if c == b'*' {
                add(&mut next, (i, k));
            }
            if let Some(run) = run
                && (c == b'*' || c == run.letter)
            {
                add(&mut next, (i, (k + 1).min(run.cap())));
            }
        }
        if anywhere {
            add(&mut next, (0, 0));
        } else if next.is_empty() {
            return false;
        }
        std::mem::swap(&mut current, &mut next);
        j += 1;
    }
}

fn matches_word(kind: Match, pattern: &[Run], text: &[u8]) -> bool {
    // Cheap rejections first: most words share no first letter with most entries.
    let Some(first) = pattern.first() else {
        return false;
    };
    let could_start = |c: &u8| *c == first.letter || *c == b'*';
    let plausible = match kind {
        Match::Stem => text.iter().any(could_start),
        _ => text.first().is_some_and(could_start),
    };
    if !plausible {
        return false;
    }
    let len = text.len();
    match kind {
        Match::Word => matches_from(pattern, text, false, |end| end == len),
        Match::Prefix => matches_from(pattern, text, false, |_| true),
        Match::Compound => matches_from(pattern, text, false, |end| end < len),
        // A stem may start anywhere, also right after the same letter ("randdebiel").
        Match::Stem => matches_from(pattern, text, true, |_| true),
    }
}

/// `word` with every run of one character cut to at most `max` characters.
fn cap_runs(word: &str, max: usize) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    let mut len = 0;
    for c in word.chars() {
        if Some(c) == last {
            len += 1;
        } else {
            last = Some(c);
            len = 1;
        }
        if len <= max {
            out.push(c);
        }
    }
    out
}

/// One list entry, compiled.
#[derive(Debug, Clone)]
struct Entry {
    /// As written in the list; reported in [`Reason`]s.
    text: String,
    kind: Match,
    /// Per phrase word, its alternatives, each as letter runs.
    words: Vec<Vec<Vec<Run>>>,
}

impl Entry {
    fn new(kind: Match, text: &str) -> Option<Entry> {
        let words: Vec<Vec<Vec<Run>>> = text
            .split_whitespace()
            .map(|word| {
                word.split('|')
                    .map(|alt| {
                        let folded = deunicode::deunicode(alt).to_lowercase();
                        let bytes: Vec<u8> = folded
                            .bytes()
                            .filter(|b| b.is_ascii_alphanumeric())
                            .collect();
                        runs(&bytes)
                    })
                    .filter(|r| !r.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|alts| !alts.is_empty())
            .collect();
        (!words.is_empty()).then(|| Entry {
            text: text.trim().to_string(),
            kind,
            words,
        })
    }

    fn is_phrase(&self) -> bool {
        self.words.len() > 1
    }

    /// A single-word entry against one candidate word.
    fn matches_one(&self, candidate: &str) -> bool {
        !self.is_phrase()
            && self
                .words
                .iter()
                .flatten()
                .any(|alt| matches_word(self.kind, alt, candidate.as_bytes()))
    }

    /// Start indices where this phrase matches consecutive whole words.
    fn phrase_starts<'w>(&'w self, words: &'w [String]) -> impl Iterator<Item = usize> + 'w {
        let len = self.words.len();
        (0..words.len().saturating_sub(len - 1)).filter(move |&s| {
            self.words
                .iter()
                .zip(&words[s..s + len])
                .all(|(alts, word)| {
                    alts.iter()
                        .any(|alt| matches_word(Match::Word, alt, word.as_bytes()))
                })
        })
    }
}

/// Banned, suspect and allowed entries, compiled for [`WordLists::scan`].
///
/// Each single-word entry is a pattern of letter runs: a run of n letters in the entry
/// matches exactly n, or three or more, of that letter in the text. So "kaaaankkkeeer"
/// is "kanker", but "Niger" (one g) is not "nigger" and "negeer" (a plain double e) is not
/// "neger". The text side is [`fold`]ed first, which undoes case, diacritics, leetspeak and
/// spaced-out letters; tokens are also tried with their inner punctuation removed
/// ("kan.ker"). Where the entry may sit in a word is its [`Match`].
#[derive(Debug, Clone)]
pub struct WordLists {
    banned: Vec<Entry>,
    suspect: Vec<Entry>,
    allowed: Vec<Entry>,
    /// Longer letter runs in the text match exactly like runs of this length.
    max_run: usize,
}

impl WordLists {
    /// Lists of your own, in the same form as the built-in ones: `(Match, entry)`, entries
    /// in plain letters, phrase words separated by spaces, alternatives by `|`.
    pub fn new(
        banned: &[(Match, &str)],
        suspect: &[(Match, &str)],
        allowed: &[(Match, &str)],
    ) -> WordLists {
        let compile = |list: &[(Match, &str)]| -> Vec<Entry> {
            list.iter()
                .filter_map(|&(kind, text)| Entry::new(kind, text))
                .collect()
        };
        let (banned, suspect, allowed) = (compile(banned), compile(suspect), compile(allowed));
        let max_run = banned
            .iter()
            .chain(&suspect)
            .chain(&allowed)
            .flat_map(|e| e.words.iter().flatten().flatten())
            .map(|run| run.cap())
            .max()
            .unwrap_or(3);
        WordLists {
            banned,
            suspect,
            allowed,
            max_run,
        }
    }

    /// The built-in Dutch, French and English lists, compiled once.
    pub fn builtin() -> &'static WordLists {
        static LISTS: OnceLock<WordLists> = OnceLock::new();
        LISTS.get_or_init(|| {
            let plain = |list: &[(Match, &'static str, Category)]| -> Vec<(Match, &'static str)> {
                list.iter().map(|&(m, t, _)| (m, t)).collect()
            };
            WordLists::new(&plain(BANNED), &plain(SUSPECT), ALLOWED)
        })
    }

    /// Banned and suspect entries found in `text`: banned first, in list order, each entry
    /// once.
    pub fn scan(&self, text: &str) -> Vec<Reason> {
        self.scan_reading(&normalise::Reading::new(text))
    }

    /// [`WordLists::scan`] of a text taken apart already.
    pub(crate) fn scan_reading(&self, reading: &normalise::Reading) -> Vec<Reason> {
        let analysis = &reading.whole;
        // Shortening long runs changes no match (a run only counts up to its cap) and keeps
        // "kkkkkk..." spam from being walked letter by letter.
        let words: &Vec<String> = &analysis
            .words
            .iter()
            .map(|w| cap_runs(w, self.max_run))
            .collect();
        let squashed: Vec<String> = analysis
            .squashed
            .iter()
            .map(|w| cap_runs(w, self.max_run))
            .collect();

        // Words covered by an allowed word or phrase are not scanned one by one.
        let mut allowed = vec![false; words.len()];
        for entry in &self.allowed {
            if entry.is_phrase() {
                let len = entry.words.len();
                for start in entry.phrase_starts(words) {
                    allowed[start..start + len]
                        .iter_mut()
                        .for_each(|a| *a = true);
                }
            } else {
                for (i, word) in words.iter().enumerate() {
                    if entry.matches_one(word) {
                        allowed[i] = true;
                    }
                }
            }
        }
        let mut candidates: Vec<&String> =
            words
                .iter()
                .zip(&allowed)
                .filter(|(_, allowed)| !**allowed)
                .map(|(word, _)| word)
                .chain(squashed.iter().filter(|squashed| {
                    !self.allowed.iter().any(|entry| entry.matches_one(squashed))
                }))
                .collect();
        // Repeated words need checking once.
        candidates.sort_unstable();
        candidates.dedup();

        let hit = |entry: &Entry| {
            if entry.is_phrase() {
                entry.phrase_starts(words).next().is_some()
            } else {
                candidates.iter().any(|c| entry.matches_one(c))
            }
        };
        let banned = self
            .banned
            .iter()
            .filter(|e| hit(e))
            .map(|e| Reason::BannedWord(e.text.clone()));
        let suspect = self
            .suspect
            .iter()
            .filter(|e| hit(e))
            .map(|e| Reason::SuspectWord(e.text.clone()));
        let mut reasons: Vec<Reason> = Vec::new();
        for reason in banned.chain(suspect) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 20, 45, 0).unwrap()
    }

    fn banned(text: &str) -> Vec<String> {
        WordLists::builtin()
            .scan(text)
            .into_iter()
            .filter_map(|r| match r {
                Reason::BannedWord(w) => Some(w),
                _ => None,
            })
            .collect()
    }

    fn suspect(text: &str) -> Vec<String> {
        WordLists::builtin()
            .scan(text)
            .into_iter()
            .filter_map(|r| match r {
                Reason::SuspectWord(w) => Some(w),
                _ => None,
            })
            .collect()
    }

    fn trusted() -> Author {
        Author {
            staff: false,
            approved_comments: 10,
        }
    }

    fn submission<'a>(
        body: &'a str,
        author: Author,
        recent: &'a [RecentComment],
    ) -> Submission<'a> {
        Submission {
            body,
            article_id: 7,
            author,
            recent,
            article_rate: 0,
            now: now(),
            classifier: None,
            tightened: false,
            same_text_elsewhere: 0,
        }
    }

    fn earlier(secs: i64, body: &str, article_id: i64) -> RecentComment {
        RecentComment {
            at: now() - Duration::seconds(secs),
            fingerprint: fingerprint(body),
            article_id,
        }
    }

    // --- the word matcher -------------------------------------------------------------

    #[test]
    fn evasions_of_kanker_are_banned() {
        for text in [
            "kanker",
            "k a n k e r",
            "K.A.N.K.E.R",
            "k-a-n-k-e-r",
            "k_a_n_k_e_r",
            "k*a*n*k*e*r",
            "kaaaankkkeeer",
            "KAAAANKKKEEEER",
            "k4nk3r",
            "k@nk€r",
            "kan.ker",
            "kan\u{200b}ker",
            "kankerlijer",
            "KANKERZOOI",
            "Klotekanker scheids",
            "**kanker**",
            "k a n k e r op met je club",
            "kánkér",
        ] {
            assert_eq!(banned(text), ["kanker"], "{text:?}");
        }
    }

    #[test]
    fn evasions_of_nigger_are_banned() {
        for text in [
            "nigger",
            "n1gg3r",
            "N I G G E R",
            "n.i.g.g.e.r",
            "n*gger",
            "n!gger",
            "niiiiggggerrrr",
            "niggers",
        ] {
            assert_eq!(banned(text), ["nigger"], "{text:?}");
        }
    }

    #[test]
    fn other_curses_and_slurs_are_banned() {
        for (text, entry) in [
            ("tyfushond", "tyfus"),
            ("vuile teringlijer", "tering"),
            ("krijg de klere", "klere"),
            ("makakken buiten", "makak"),
            ("bande de makakkkken", "makak"),
            ("Quel macaque", "macaque"),
            ("vuile neger", "neger"),
            ("sale négre", "negre"),
            ("ik maak je dood", "maak|maken je|jou|u|jullie dood"),
            ("Ik maak jou DOOD!!", "maak|maken je|jou|u|jullie dood"),
            ("je vais te tuer", "vais|va te tuer|buter|crever"),
            ("kill yourself", "kill yourself|yourselves|urself|yoself"),
            ("kys", "kys"),
            ("K.Y.S", "kys"),
            ("zwarte aap", "zwarte aap|apen"),
            ("stomme flikker", "flikker"),
            ("pédé", "pede"),
        ] {
            assert!(
                banned(text).iter().any(|w| w == entry),
                "{text:?}: {:?}",
                banned(text)
            );
        }
    }

    #[test]
    fn insults_are_suspect_not_banned() {
        for (text, entry) in [
            ("Wat een idioot", "idioot"),
            ("debielen allemaal", "debiel"),
            ("randdebiel", "debiel"),
            ("die mongool", "mongool"),
            ("Connard d'arbitre", "connard"),
            ("salope", "salope"),
            ("what an idiot", "idiot"),
            ("moron", "moron"),
            ("klootzak", "klootzak"),
            ("klootzakken", "klootzak"),
            ("kutten", "kut"),
            ("hoer", "hoer"),
            ("f*ck the ref", "fuck"),
        ] {
            assert!(banned(text).is_empty(), "{text:?}");
            assert_eq!(suspect(text), [entry], "{text:?}");
        }
    }

    #[test]
    fn each_entry_is_reported_once_banned_first() {
        let reasons = WordLists::builtin().scan("idioot, kanker, KANKER en nog eens k a n k e r");
        assert_eq!(
            reasons,
            [
                Reason::BannedWord("kanker".into()),
                Reason::SuspectWord("idioot".into()),
            ]
        );
    }

    #[test]
    fn innocent_football_texts_trigger_nothing() {
        let innocent = [
            "Kanaal",
            "Schaken",
            "Scunthorpe United",
            "Niger",
            "Het Kanaal tussen Brugge en Gent",
            "Schaken is ook een sport, maar dit was voetbal.",
            "Hij schakelt snel van verdediging naar aanval.",
            "Scunthorpe United won met 2-1 na verlengingen.",
            "Niger plaatste zich voor de Afrika Cup.",
            "De kanonskogel van Vanaken verdween in de winkelhaak.",
            "Een assist van Onuachu, de afwerking van Vanaken.",
            "Hij is een klasbak, dat wisten we al.",
            "Mongolië speelt nooit tegen België.",
            "Sint-Truiden pakt een punt op Oud-Heverlee.",
            "Anderlecht speelde als een kip zonder kop.",
            "Le match était terrible pour le Standard.",
            "Le coach a tué le match avec ses changements.",
            "Arsenal haalt een Belgische jeugdspeler uit Essex.",
            "Dickson scoorde twee keer, Hancock geen enkele keer.",
            "Na de match een cocktail in café Pussycat.",
            "Analyse: waarom Club Brugge faalde in Europa.",
            "Middlesex en Sussex spelen cricket, geen voetbal.",
            "De club moet de tering naar de nering zetten.",
            "Dick Advocaat keert terug als bondscoach.",
            "De spelers droegen shirts voor Kom op tegen Kanker.",
            "Zijn vader overleed aan kanker, de ploeg speelde met rouwbanden.",
            "De opbrengst gaat naar Stichting tegen Kanker.",
            "Hoera, we zijn kampioen!",
            "Ik negeer de kritiek en focus op zaterdag.",
            "Hij negeerde de instructies van de trainer.",
            "Nieuwe kleren voor de Rode Duivels: het shirt is klaar.",
            "Le retard du coup d'envoi est dû à la pluie.",
            "Pas de panique, il reste un match.",
            "De Kanaries winnen eindelijk nog eens.",
            "K.V. Mechelen wint van K.A.A. Gent.",
            "O.H. Leuven - R.S.C. Anderlecht: 1 - 0",
            "Tielemans mist de match door a niggle in his hamstring.",
            "Slutsky is de nieuwe coach van de Russen.",
            "De 1e helft was 0-0, in de 2e helft scoorde Openda.",
            "Pleuritis hield hem weken aan de kant.",
            "Een idioom dat elke supporter kent.",
            "Hij is nog maar een debutant, geef hem tijd.",
            "Een nikkelen medaille voor de beloften.",
            "Makkelijke zege voor Club in Putte.",
            "Pakistan speelt cricket, België voetbal.",
            "Pas mal, ce Bamba!",
            "We zullen ze op de counter afmaken, zei de coach.",
            "They will kill the game off early, said the manager.",
            "€5 miljoen voor een spits: de club koopt slim!",
            "Scheisse, zei de Duitse trainer na de nederlaag.",
            "De kleedkamer had een nieuwe klerenkast nodig.",
            "Hij kreeg geel voor een tackle op Vertonghen.",
            "Wat een strafschop!!! Terecht of niet?",
            "Waarom zo'n trage opbouw | niemand die diep gaat",
            "Pussycat, Hancock, cocktail, Arsenal, Essex, Dickson, Analyse, Middlesex",
        ];
        assert!(innocent.len() >= 40);
        for text in innocent {
            assert_eq!(WordLists::builtin().scan(text), [], "{text:?}");
        }
    }

    #[test]
    fn custom_lists_and_match_kinds() {
        let lists = WordLists::new(
            &[(Word, "boef"), (Compound, "rot"), (Stem, "mest")],
            &[(Prefix, "sul")],
            &[(Word, "mestkar")],
        );
        assert_eq!(lists.scan("boef"), [Reason::BannedWord("boef".into())]);
        assert_eq!(lists.scan("boefje"), []);
        assert_eq!(lists.scan("rot"), []);
        assert_eq!(lists.scan("rotploeg"), [Reason::BannedWord("rot".into())]);
        assert_eq!(lists.scan("koemest"), [Reason::BannedWord("mest".into())]);
        assert_eq!(lists.scan("mestkar"), []);
        assert_eq!(lists.scan("sulletje"), [Reason::SuspectWord("sul".into())]);
    }

    #[test]
    fn fold_normalises() {
        assert_eq!(fold("  Ça VA, Vanaken?! "), "ca va vanaken");
        assert_eq!(fold("k a n k e r op"), "kanker op");
        assert_eq!(fold("K.A.N.K.E.R"), "kanker");
        assert_eq!(fold("n1gg3r 2-1"), "nigger 21");
        assert_eq!(fold("n!gger, wat een goal!"), "nigger wat een goal");
        assert_eq!(fold("**vet** n*gger"), "vet n*gger");
        assert_eq!(fold("Sint-Truiden"), "sint truiden");
        assert_eq!(fold("$lut"), "slut");
    }

    #[test]
    fn count_links_counts_urls_and_markdown_links() {
        assert_eq!(count_links("geen links hier, awww."), 0);
        assert_eq!(count_links("zie https://www.example.com"), 1);
        assert_eq!(count_links("HTTP://a.be en www.b.be"), 2);
        assert_eq!(count_links("[hier](https://a.be) en [daar](/artikel/3)"), 2);
        assert_eq!(count_links("[x](www.a.be) [y](<http://b.be>)"), 2);
    }

    #[test]
    fn fingerprint_is_stable_and_folds_trivial_variations() {
        // Stored in the database: a change here breaks duplicate detection.
        assert_eq!(
            fingerprint("Wat een goal van Vanaken!"),
            7_231_606_892_949_976_009
        );
        assert_eq!(
            fingerprint(""),
            i64::from_ne_bytes(FNV_OFFSET.to_ne_bytes())
        );
        assert_eq!(
            fingerprint("Wat een goal van Vanaken!"),
            fingerprint("  wat EEN   góal, van vanaken ")
        );
        assert_ne!(fingerprint("Wat een goal"), fingerprint("Wat een redding"));
        assert_ne!(fingerprint("!!!"), fingerprint("???"));
    }

    // --- judge --------------------------------------------------------------------------

    #[test]
    fn verdict_and_reason_round_trip() {
        for v in [Verdict::Visible, Verdict::Pending, Verdict::Rejected] {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("hidden"), None);
        for r in [
            Reason::BannedWord("kanker".into()),
            Reason::BannedWord("maak|maken je|jou|u|jullie dood".into()),
            Reason::SuspectWord("idioot".into()),
            Reason::TooManyLinks(3),
            Reason::NewAccount,
        ] {
            assert_eq!(Reason::parse(&r.code()), Some(r.clone()), "{r:?}");
        }
        assert_eq!(
            Reason::BannedWord("kanker".into()).code(),
            "banned-word:kanker"
        );
        assert_eq!(Reason::TooManyLinks(3).code(), "links:3");
        assert_eq!(Reason::NewAccount.code(), "new-account");
        assert_eq!(
            Reason::BannedWord("kanker".into()).describe(),
            "verboden woord: kanker"
        );
        for bad in ["", "links:x", "banned-word:", "nope:1", "new-account:"] {
            assert_eq!(Reason::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn trusted_clean_comment_is_visible() {
        let j = Rules::default()
            .judge(&submission("Mooie goal van Nusa.", trusted(), &[]))
            .unwrap();
        assert_eq!(
            j,
            Judgement {
                verdict: Verdict::Visible,
                reasons: vec![],
                risk: 0
            }
        );
    }

    #[test]
    fn new_account_is_premoderated_until_trusted() {
        let rules = Rules::default();
        let newbie = Author {
            staff: false,
            approved_comments: 0,
        };
        let j = rules
            .judge(&submission("Mooie goal.", newbie, &[]))
            .unwrap();
        assert_eq!(j.verdict, Verdict::Pending);
        assert_eq!(j.reasons, [Reason::NewAccount]);
        assert_eq!(j.risk, 5);

        let one = Author {
            staff: false,
            approved_comments: rules.premoderate_until,
        };
        let j = rules.judge(&submission("Mooie goal.", one, &[])).unwrap();
        assert_eq!(j.verdict, Verdict::Visible);

        let strict = Rules {
            premoderate_until: 3,
            ..Rules::default()
        };
        let two = Author {
            staff: false,
            approved_comments: 2,
        };
        let j = strict.judge(&submission("Mooie goal.", two, &[])).unwrap();
        assert_eq!(j.verdict, Verdict::Pending);
    }

    #[test]
    fn links_are_limited_for_new_accounts_only() {
        let rules = Rules::default();
        let body = "Kijk https://a.be en www.b.be";
        let newbie = Author::default();
        let j = rules.judge(&submission(body, newbie, &[])).unwrap();
        assert_eq!(j.verdict, Verdict::Pending);
        assert_eq!(j.reasons, [Reason::TooManyLinks(2), Reason::NewAccount]);
        assert_eq!(j.risk, 25);

        let one_link = rules
            .judge(&submission("Kijk https://a.be", newbie, &[]))
            .unwrap();
        assert_eq!(one_link.reasons, [Reason::NewAccount]);

        let j = rules.judge(&submission(body, trusted(), &[])).unwrap();
        assert_eq!(j.verdict, Verdict::Visible);
    }

    #[test]
    fn words_decide_the_verdict_and_reasons_come_in_verdict_order() {
        let rules = Rules::default();
        let j = rules
            .judge(&submission("Die scheids is een idioot", trusted(), &[]))
            .unwrap();
        assert_eq!(j.verdict, Verdict::Pending);
        assert_eq!(j.reasons, [Reason::SuspectWord("idioot".into())]);
        assert_eq!(j.risk, 30);

        let body = "k a n k e r idioot, zie https://a.be www.b.be";
        let j = rules
            .judge(&submission(body, Author::default(), &[]))
            .unwrap();
        assert_eq!(j.verdict, Verdict::Rejected);
        assert_eq!(
            j.reasons,
            [
                Reason::BannedWord("kanker".into()),
                Reason::SuspectWord("idioot".into()),
                Reason::TooManyLinks(2),
                Reason::NewAccount,
            ]
        );
        assert_eq!(j.risk, 155);
    }

    #[test]
    fn burst_allows_five_a_minute() {
        let rules = Rules::default();
        let four: Vec<_> = (0..4).map(|i| earlier(50 - i * 10, "x", 1)).collect();
        assert!(rules.judge(&submission("vijfde", trusted(), &four)).is_ok());

        let five: Vec<_> = (0..5).map(|i| earlier(50 - i * 10, "x", 1)).collect();
        let refusal = rules
            .judge(&submission("zesde", trusted(), &five))
            .unwrap_err();
        // The oldest, 50 s ago, leaves the minute in 10 s.
        assert_eq!(
            refusal,
            Refusal::RateLimited {
                retry_after: Duration::seconds(10)
            }
        );
        assert_eq!(
            refusal.message(),
            "Je reageert te snel. Probeer het over 10 seconden opnieuw."
        );

        // A minute later the same five are no burst any more.
        let old: Vec<_> = (0..5).map(|i| earlier(120 + i, "x", 1)).collect();
        assert!(rules.judge(&submission("zesde", trusted(), &old)).is_ok());
    }

    #[test]
    fn per_hour_limit() {
        let rules = Rules::default();
        // 60 comments, one a minute, the oldest 59.5 minutes ago.
        let hour: Vec<_> = (0..60).map(|i| earlier(3570 - i * 59, "x", 1)).collect();
        let refusal = rules
            .judge(&submission("nog eentje", trusted(), &hour))
            .unwrap_err();
        assert_eq!(
            refusal,
            Refusal::RateLimited {
                retry_after: Duration::seconds(30)
            }
        );
        let fewer = &hour[1..];
        assert!(
            rules
                .judge(&submission("nog eentje", trusted(), fewer))
                .is_ok()
        );
    }

    #[test]
    fn slow_mode_only_above_threshold_and_for_the_same_article() {
        let rules = Rules::default();
        assert!(!rules.slow_mode(30));
        assert!(rules.slow_mode(31));

        let recent = [earlier(10, "eerste", 7)];
        let mut s = submission("tweede", trusted(), &recent);

        s.article_rate = 30;
        assert!(rules.judge(&s).is_ok());

        s.article_rate = 31;
        let refusal = rules.judge(&s).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::SlowMode {
                retry_after: Duration::seconds(20)
            }
        );
        assert!(refusal.message().contains("over 20 seconden"));

        // Outside the interval, or on another article: fine.
        let long_ago = [earlier(31, "eerste", 7)];
        assert!(
            rules
                .judge(&Submission {
                    recent: &long_ago,
                    ..s
                })
                .is_ok()
        );
        let elsewhere = [earlier(10, "eerste", 8)];
        assert!(
            rules
                .judge(&Submission {
                    recent: &elsewhere,
                    ..s
                })
                .is_ok()
        );
        // A first comment on the busy article is fine too.
        assert!(rules.judge(&Submission { recent: &[], ..s }).is_ok());
    }

    #[test]
    fn duplicates_are_refused_across_articles_and_trivial_variations() {
        let rules = Rules::default();
        let recent = [earlier(3600 * 5, "Wat een goal van Vanaken!", 3)];
        for body in [
            "Wat een goal van Vanaken!",
            "wat een GOAL van vanaken",
            "Wat  een goal van Vanáken!!!",
        ] {
            assert_eq!(
                rules.judge(&submission(body, trusted(), &recent)),
                Err(Refusal::Duplicate),
                "{body:?}"
            );
        }
        assert!(
            rules
                .judge(&submission("Wat een goal van Nusa!", trusted(), &recent))
                .is_ok()
        );
        let yesterday = [earlier(3600 * 25, "Wat een goal van Vanaken!", 3)];
        assert!(
            rules
                .judge(&submission(
                    "Wat een goal van Vanaken!",
                    trusted(),
                    &yesterday
                ))
                .is_ok()
        );
        // Staff get no pass on duplicates.
        let staff = Author {
            staff: true,
            approved_comments: 0,
        };
        assert_eq!(
            rules.judge(&submission("Wat een goal van Vanaken!", staff, &recent)),
            Err(Refusal::Duplicate)
        );
        assert_eq!(
            Refusal::Duplicate.message(),
            "Je hebt deze reactie al geplaatst."
        );
    }

    #[test]
    fn staff_skip_premoderation_rates_and_links_but_not_words() {
        let rules = Rules::default();
        let staff = Author {
            staff: true,
            approved_comments: 0,
        };
        let flood: Vec<_> = (0..10).map(|i| earlier(5 + i, "x", 7)).collect();
        let mut s = submission("Zie https://a.be en https://b.be", staff, &flood);
        s.article_rate = 100;
        let j = rules.judge(&s).unwrap();
        assert_eq!(j.verdict, Verdict::Visible);
        assert_eq!(j.reasons, []);

        let j = rules.judge(&submission("idioot", staff, &[])).unwrap();
        assert_eq!(j.verdict, Verdict::Pending);
        let j = rules.judge(&submission("kanker", staff, &[])).unwrap();
        assert_eq!(j.verdict, Verdict::Rejected);
    }

    #[test]
    fn refusal_messages_in_dutch() {
        let wait = |secs| Refusal::RateLimited {
            retry_after: Duration::seconds(secs),
        };
        assert_eq!(
            wait(40).message(),
            "Je reageert te snel. Probeer het over 40 seconden opnieuw."
        );
        assert!(wait(1).message().contains("over 1 seconde "));
        assert!(wait(60).message().contains("over 1 minuut "));
        assert!(wait(61).message().contains("over 2 minuten "));
        assert_eq!(wait(5).retry_after(), Some(Duration::seconds(5)));
        assert_eq!(Refusal::Duplicate.retry_after(), None);
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent_and_scan_never_panics(text in "\\PC{0,80}") {
            let once = fold(&text);
            proptest::prop_assert_eq!(fold(&once), once.clone());
            if !once.is_empty() {
                proptest::prop_assert_eq!(fingerprint(&once), fingerprint(&text));
            }
            let _ = WordLists::builtin().scan(&text);
            let _ = count_links(&text);
        }
    }
}
