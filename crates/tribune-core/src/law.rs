//! What the EU Digital Services Act asks of comment moderation: a statement of reasons for
//! every comment taken off (Art. 17), a way to contest it once (Art. 20), notices of illegal
//! content from anyone (Art. 16), and the figures of a transparency report (Art. 15).

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::account::AccountId;
use crate::comment::{Comment, CommentId};

/// Longest explanation of a contest, in characters.
pub const MAX_CONTEST_CHARS: usize = 1_000;
/// Longest explanation of a notice, in characters.
pub const MAX_NOTICE_CHARS: usize = 2_000;
/// Longest note a moderator adds to an outcome.
pub const MAX_NOTE_CHARS: usize = 500;
/// Longest e-mail address a notifier may leave.
pub const MAX_EMAIL_CHARS: usize = 254;

/// A trimmed plain text of 1 to `max` characters, or what is wrong with it (Dutch).
pub fn check_text(text: &str, max: usize, what: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("Vul {what} in."));
    }
    if text.chars().count() > max {
        return Err(format!("{what} mag hoogstens {max} tekens lang zijn."));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(format!("{what} bevat tekens die we niet aanvaarden."));
    }
    Ok(text.to_string())
}

/// An optional e-mail address for a notice: empty is fine; otherwise something@something.
pub fn check_email(email: &str) -> Result<Option<String>, String> {
    let email = email.trim();
    if email.is_empty() {
        return Ok(None);
    }
    let ok = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
    if ok {
        Ok(Some(email.to_lowercase()))
    } else {
        Err("Dit e-mailadres klopt niet. Laat het veld leeg als je geen antwoord wil.".into())
    }
}

// ---------------------------------------------------------------------------------------
// Statements of reasons

/// How a comment came off the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// Refused before anyone saw it (by the rules, or by a moderator from the queue).
    Rejected,
    /// Taken off after it was shown.
    Removed,
}

impl DecisionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Rejected => "geweigerd",
            Self::Removed => "verwijderd",
        }
    }
}

/// The statement of reasons for one comment of an author: what was decided, when, by whom
/// (the rules or a moderator; never the moderator's name) and on which grounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub comment: Comment,
    pub article_title: String,
    pub kind: DecisionKind,
    /// Decided by the rules, without a person.
    pub automated: bool,
    pub decided_at: DateTime<Utc>,
    /// What the moderator wrote as the reason (empty for the rules).
    pub moderator_note: String,
    /// The stored reason codes of the rules ([`crate::moderation::Reason::code`]).
    pub reasons: Vec<String>,
    /// Which decision this is: the audit log line of the moderator's, 0 for the rules'. A
    /// contest belongs to one decision.
    pub decision_ref: i64,
    /// The contest of this decision, if the author made one.
    pub contest: Option<Contest>,
}

impl Decision {
    /// The author may still contest: not yet for this decision, and the comment is still off.
    pub fn contestable(&self) -> bool {
        self.contest.is_none()
            && self.comment.verdict == crate::moderation::Verdict::Rejected
            && !self.comment.deleted
    }
}

// ---------------------------------------------------------------------------------------
// Contests

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContestOutcome {
    /// The decision stands.
    Upheld,
    /// The comment is back on the site.
    Overturned,
}

impl ContestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upheld => "upheld",
            Self::Overturned => "overturned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upheld" | "uphold" => Some(Self::Upheld),
            "overturned" | "overturn" => Some(Self::Overturned),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Upheld => "bezwaar afgewezen: de beslissing blijft",
            Self::Overturned => "bezwaar aanvaard: je reactie staat weer online",
        }
    }
}

/// An author's contest ("bezwaar") of a decision on their comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contest {
    pub id: i64,
    pub comment_id: CommentId,
    pub author_id: Option<AccountId>,
    pub decision_ref: i64,
    pub explanation: String,
    pub created_at: DateTime<Utc>,
    pub outcome: Option<ContestOutcome>,
    pub note: String,
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub moderator_name: Option<String>,
}

/// A contest in the moderators' queue, with the decision it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContestItem {
    pub contest: Contest,
    pub decision: Decision,
}

// ---------------------------------------------------------------------------------------
// Notices of illegal content

/// What a notifier says is illegal about a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCategory {
    HateSpeech,
    Threat,
    Terrorism,
    Privacy,
    ChildAbuse,
    Copyright,
    Fraud,
    Other,
}

impl NoticeCategory {
    pub const ALL: [NoticeCategory; 8] = [
        Self::HateSpeech,
        Self::Threat,
        Self::Terrorism,
        Self::Privacy,
        Self::ChildAbuse,
        Self::Copyright,
        Self::Fraud,
        Self::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HateSpeech => "hate_speech",
            Self::Threat => "threat",
            Self::Terrorism => "terrorism",
            Self::Privacy => "privacy",
            Self::ChildAbuse => "child_abuse",
            Self::Copyright => "copyright",
            Self::Fraud => "fraud",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::HateSpeech => "illegale haatspraak",
            Self::Threat => "bedreiging",
            Self::Terrorism => "terrorisme",
            Self::Privacy => "schending van privacy (doxxing)",
            Self::ChildAbuse => "seksueel misbruik",
            Self::Copyright => "auteursrecht",
            Self::Fraud => "oplichting of spam",
            Self::Other => "andere",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeOutcome {
    /// The moderator acted on the comment.
    ActionTaken,
    /// Nothing illegal found.
    NoAction,
}

impl NoticeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActionTaken => "action_taken",
            Self::NoAction => "no_action",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "action_taken" => Some(Self::ActionTaken),
            "no_action" => Some(Self::NoAction),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::ActionTaken => "behandeld: actie ondernomen",
            Self::NoAction => "behandeld: geen actie",
        }
    }
}

/// A notice as it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub comment_id: CommentId,
    pub category: NoticeCategory,
    pub explanation: String,
    pub email: Option<String>,
    /// The notifier's account when logged in; notices need none.
    pub reporter_id: Option<AccountId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: i64,
    pub reference: String,
    pub comment_id: Option<CommentId>,
    pub category: NoticeCategory,
    pub explanation: String,
    #[serde(skip)]
    pub email: Option<String>,
    /// The comment's text when the notice came in.
    pub comment_text: String,
    pub created_at: DateTime<Utc>,
    pub outcome: Option<NoticeOutcome>,
    pub note: String,
    pub handled_by: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
}

/// A notice in the moderators' queue, with the comment as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeItem {
    pub notice: Notice,
    pub comment: Option<Comment>,
    pub article_title: String,
}

/// The reference a notifier gets: "M-2026-000123" (year of arrival, the notice's number).
pub fn notice_reference(id: i64, created_at: DateTime<Utc>) -> String {
    format!("M-{}-{id:06}", created_at.year())
}

/// The notice number in a reference ("M-2026-000123" -> 123).
pub fn parse_reference(reference: &str) -> Option<i64> {
    let mut parts = reference.trim().split('-');
    let (m, year, n) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !m.eq_ignore_ascii_case("m") || year.len() != 4 {
        return None;
    }
    year.parse::<u32>().ok()?;
    n.parse::<i64>().ok().filter(|n| *n > 0)
}

// ---------------------------------------------------------------------------------------
// Transparency

/// What happened in one span of time, as the store counts it; the web side names
/// categories and adds up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TransparencyCounts {
    /// Moderators' rejections and removals: (action "reject"/"remove", the comment's reason
    /// codes space separated, count).
    pub human: Vec<(String, String, i64)>,
    /// Comments the rules took off (counted in the month they were posted): (reason codes, count).
    pub automated: Vec<(String, i64)>,
    /// Notices received: (category, count).
    pub notices: Vec<(String, i64)>,
    /// Notices handled: (outcome, count).
    pub notices_handled: Vec<(String, i64)>,
    pub contests: i64,
    /// Contests decided: (outcome, count).
    pub contests_resolved: Vec<(String, i64)>,
}

/// The last `n` calendar months in Brussels time, newest first, up to and including the one
/// `now` falls in: ("2026-12", start, end) with start and end in UTC.
pub fn brussels_months(now: DateTime<Utc>, n: u32) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    use chrono::TimeZone;
    use chrono_tz::Europe::Brussels;
    let local = now.with_timezone(&Brussels);
    let (mut year, mut month) = (local.year(), local.month());
    let start_of = |y: i32, m: u32| {
        Brussels
            .with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let mut out = Vec::new();
    for _ in 0..n {
        let (ny, nm) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        if let (Some(from), Some(to)) = (start_of(year, month), start_of(ny, nm)) {
            out.push((format!("{year}-{month:02}"), from, to));
        }
        (year, month) = if month == 1 {
            (year - 1, 12)
        } else {
            (year, month - 1)
        };
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn references_round_trip() {
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 18, 0, 0).unwrap();
        assert_eq!(notice_reference(123, at), "M-2026-000123");
        assert_eq!(parse_reference("M-2026-000123"), Some(123));
        assert_eq!(parse_reference(" m-2026-1234567 "), Some(1_234_567));
        for junk in [
            "",
            "M-2026",
            "X-2026-1",
            "M-26-1",
            "M-2026-0",
            "M-2026-1-2",
            "M-abcd-1",
        ] {
            assert_eq!(parse_reference(junk), None, "{junk}");
        }
    }

    #[test]
    fn months_are_brussels_months() {
        let now = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap(); // 1 January in Brussels
        let m = brussels_months(now, 3);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].0, "2027-01");
        assert_eq!(
            m[0].1,
            Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap()
        );
        assert_eq!(m[1].0, "2026-12");
        assert_eq!(m[1].2, m[0].1);
        assert_eq!(m[2].0, "2026-11");
    }

    #[test]
    fn texts_are_checked() {
        assert_eq!(check_text("  ja  ", 10, "De uitleg"), Ok("ja".into()));
        assert!(check_text("   ", 10, "de uitleg").is_err());
        assert!(check_text(&"x".repeat(11), 10, "De uitleg").is_err());
        assert!(check_text("a\u{0}b", 10, "De uitleg").is_err());
        assert_eq!(check_text("a\nb", 10, "De uitleg"), Ok("a\nb".into()));
        assert_eq!(check_email(""), Ok(None));
        assert_eq!(check_email("A@B.be"), Ok(Some("a@b.be".into())));
        assert!(check_email("geen adres").is_err());
        assert!(check_email("a@b").is_err());
    }

    #[test]
    fn categories_and_outcomes_parse_back() {
        for c in NoticeCategory::ALL {
            assert_eq!(NoticeCategory::parse(c.as_str()), Some(c));
        }
        assert_eq!(NoticeCategory::parse("bogus"), None);
        for o in [ContestOutcome::Upheld, ContestOutcome::Overturned] {
            assert_eq!(ContestOutcome::parse(o.as_str()), Some(o));
        }
        for o in [NoticeOutcome::ActionTaken, NoticeOutcome::NoAction] {
            assert_eq!(NoticeOutcome::parse(o.as_str()), Some(o));
        }
    }
}
