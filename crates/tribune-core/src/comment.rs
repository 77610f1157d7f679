//! Reader comments: what one is, how threads are laid out, and the Markdown subset readers write.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;

use crate::account::AccountId;
use crate::article::ArticleId;
use crate::moderation::Verdict;

pub type CommentId = i64;

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;
/// How long after posting an author may still change a comment.
pub const EDIT_WINDOW: Duration = Duration::minutes(10);
/// Top-level comments per page.
pub const PAGE_SIZE: u32 = 50;
/// Replies shown under each top-level comment on the article page; the rest sit on the
/// thread's own page.
pub const REPLIES_SHOWN: u32 = 3;

/// A comment as the store hands it in and out. `public` is the one fact pages care about:
/// visible, not deleted, not from a shadow-banned author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub author_id: Option<AccountId>,
    /// The author's display name at reading time ("verwijderd account" once it is gone).
    pub author_name: String,
    /// Set for staff, so readers know who speaks for the site.
    pub author_role: Option<String>,
    /// The top-level comment of the thread; `None` for a top-level comment.
    pub root_id: Option<CommentId>,
    /// The comment this one answers (may be a reply itself).
    pub reply_to: Option<CommentId>,
    /// Whom a deeper reply answers, shown as a mention because threads are two levels deep.
    pub reply_to_name: Option<String>,
    pub body_markdown: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub verdict: Verdict,
    pub shadow: bool,
    pub up: i64,
    pub down: i64,
    /// Public replies under a top-level comment.
    pub reply_count: i64,
    pub public: bool,
}

impl Comment {
    pub fn score(&self) -> i64 {
        self.up - self.down
    }

    pub fn editable(&self, now: DateTime<Utc>) -> bool {
        !self.deleted && now - self.created_at <= EDIT_WINDOW
    }
}

/// A comment on its way into the store, already judged by the moderation rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub author_id: AccountId,
    pub reply_to: Option<CommentId>,
    pub body_markdown: String,
    pub body_html: String,
    pub fingerprint: i64,
    pub verdict: Verdict,
    /// Reason codes (see [`crate::moderation::Reason::code`]).
    pub reasons: Vec<String>,
    pub risk: u32,
    /// The author was shadow-banned when posting.
    pub shadow: bool,
}

/// A changed text for an existing comment, judged again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentEdit {
    pub body_markdown: String,
    pub body_html: String,
    pub fingerprint: i64,
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub risk: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentSort {
    #[default]
    Newest,
    Oldest,
    /// Highest score (up minus down) first.
    Best,
}

impl CommentSort {
    pub const ALL: [CommentSort; 3] = [Self::Newest, Self::Oldest, Self::Best];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "nieuwste",
            Self::Oldest => "oudste",
            Self::Best => "beste",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where the next page of top-level comments starts: after the comment with this sort key
/// (created_at millis, or score) and id. Readers see "KEY.ID".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentCursor {
    pub key: i64,
    pub id: CommentId,
}

impl CommentCursor {
    pub fn after(c: &Comment, sort: CommentSort) -> Self {
        let key = match sort {
            CommentSort::Best => c.score(),
            _ => c.created_at.timestamp_millis(),
        };
        Self { key, id: c.id }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (key, id) = s.split_once('.')?;
        let key: i64 = key.parse().ok()?;
        let id: CommentId = id.parse().ok()?;
        (id > 0).then_some(Self { key, id })
    }
}

/// A top-level comment with the replies shown under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thread {
    pub root: Comment,
    /// Oldest first.
    pub replies: Vec<Comment>,
}

impl Thread {
    /// Public replies not in `replies`.
    pub fn more_replies(&self) -> i64 {
        (self.root.reply_count - self.replies.len() as i64).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentsPage {
    pub threads: Vec<Thread>,
    pub next: Option<String>,
}

/// A reader's complaint about a comment, with the comment's text as it was then (the author
/// may edit it afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub id: i64,
    pub comment_id: CommentId,
    pub reporter_id: Option<AccountId>,
    pub reporter_name: String,
    pub reason: ReportReason,
    pub note: String,
    pub comment_text: String,
    pub created_at: DateTime<Utc>,
    pub resolved: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportReason {
    Racism,
    Abuse,
    Threat,
    Spam,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 5] = [
        Self::Racism,
        Self::Abuse,
        Self::Threat,
        Self::Spam,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Racism => "racism",
            Self::Abuse => "abuse",
            Self::Threat => "threat",
            Self::Spam => "spam",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Racism => "Racisme of discriminatie",
            Self::Abuse => "Scheldwoorden of beledigingen",
            Self::Threat => "Bedreiging",
            Self::Spam => "Spam of reclame",
            Self::Other => "Iets anders",
        }
    }

    /// Extra weight a report of this kind gives the comment in the moderators' queue.
    pub fn risk(self) -> u32 {
        match self {
            Self::Racism | Self::Threat => 60,
            Self::Abuse => 40,
            Self::Spam => 20,
            Self::Other => 10,
        }
    }
}

/// Which moderation queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Queue {
    /// Waiting for a first verdict by a person.
    Pending,
    /// Readers complained; reports still open.
    Reported,
    /// The rules found something (risk above zero), whatever the verdict.
    Flagged,
}

impl Queue {
    pub const ALL: [Queue; 3] = [Self::Pending, Self::Reported, Self::Flagged];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "wachtend",
            Self::Reported => "gemeld",
            Self::Flagged => "gemarkeerd",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A comment in a moderation queue, with everything needed to decide on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueItem {
    pub comment: Comment,
    pub article_title: String,
    pub reasons: Vec<String>,
    /// The rules' risk plus that of the open reports: the queue's order, highest first.
    pub risk: u32,
    pub reports: Vec<Report>,
}

/// What a moderator does to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentAction {
    /// Pending -> visible.
    Approve,
    /// Pending -> rejected.
    Reject,
    /// Visible -> rejected.
    Remove,
    /// Rejected -> visible.
    Restore,
    /// Close its reports without changing the comment.
    Dismiss,
}

impl CommentAction {
    pub const ALL: [CommentAction; 5] = [
        Self::Approve,
        Self::Reject,
        Self::Remove,
        Self::Restore,
        Self::Dismiss,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Remove => "remove",
            Self::Restore => "restore",
            Self::Dismiss => "dismiss",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The verdict after this action, or why it does not apply to a comment with `current`.
    pub fn apply(self, current: Verdict) -> Result<Verdict, String> {
        use Verdict::*;
        match (self, current) {
            (Self::Approve, Pending) | (Self::Restore, Rejected) => Ok(Visible),
            (Self::Reject, Pending) | (Self::Remove, Visible) => Ok(Rejected),
            (Self::Dismiss, v) => Ok(v),
            (a, v) => Err(format!(
                "'{}' kan niet bij een reactie met status '{}'",
                a.as_str(),
                v.as_str()
            )),
        }
    }
}

/// What a moderator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Suspend {
        until: DateTime<Utc>,
    },
    Ban,
    ShadowBan,
    /// Lifts suspension, ban and shadow-ban.
    Reinstate,
}

impl AccountAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Suspend { .. } => "suspend",
            Self::Ban => "ban",
            Self::ShadowBan => "shadowban",
            Self::Reinstate => "reinstate",
        }
    }
}

/// One line of the moderation audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub moderator_id: Option<AccountId>,
    pub moderator_name: String,
    pub action: String,
    pub comment_id: Option<CommentId>,
    pub account_id: Option<AccountId>,
    pub reason: String,
}

/// What the moderation rules need to know about an author's recent activity and the article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostingContext {
    /// The author's earlier comments that [`Lookback`] asked for, each once.
    pub recent: Vec<crate::moderation::RecentComment>,
    /// Comments on the article in the last minute, all authors, counted up to
    /// [`Lookback::rate_cap`].
    pub article_rate: u32,
    /// Other accounts that posted the same text (by fingerprint) since
    /// [`Lookback::duplicate_since`], counted up to [`SAME_TEXT_CAP`].
    pub same_text_elsewhere: u32,
}

/// Counting further accounts with the same text tells nothing new.
pub const SAME_TEXT_CAP: u32 = 5;

/// What the store looks up before a comment is judged. Every part is bounded, so a comment
/// by a busy author on a busy article costs the same as the first one of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookback {
    pub author_id: AccountId,
    pub article_id: ArticleId,
    pub now: DateTime<Utc>,
    /// The comment being edited: it is no earlier comment of itself.
    pub editing: Option<CommentId>,
    /// The author's newest comments of the last hour, at most this many (the rate limits).
    pub newest: u32,
    /// An earlier comment with this [`crate::moderation::fingerprint`] since `duplicate_since`.
    pub fingerprint: i64,
    pub duplicate_since: DateTime<Utc>,
    /// The author's last comment on this article since `here_since` (slow mode), if any.
    pub here_since: DateTime<Utc>,
    /// Count the article's comments of the last minute up to this many; 0 skips the count.
    pub rate_cap: u32,
}

impl Lookback {
    /// Just enough for [`crate::moderation::Rules::judge`]: the `limit` newest comments decide
    /// a rate limit, one match decides a duplicate, one more than the threshold turns on slow
    /// mode. Staff skip the rate limits and slow mode, so for them only the duplicate is read.
    pub fn new(
        rules: &crate::moderation::Rules,
        author_id: AccountId,
        staff: bool,
        article_id: ArticleId,
        body: &str,
        editing: Option<CommentId>,
        now: DateTime<Utc>,
    ) -> Self {
        Lookback {
            author_id,
            article_id,
            now,
            editing,
            newest: if staff {
                0
            } else {
                rules.burst.max(rules.per_hour)
            },
            fingerprint: crate::moderation::fingerprint(body),
            duplicate_since: now - rules.duplicate_window,
            here_since: now - rules.slow_mode_interval,
            rate_cap: if staff {
                0
            } else {
                rules.slow_mode_threshold.saturating_add(1)
            },
        }
    }
}

/// Reader Markdown to safe HTML: bold, italic, links, quotes and line breaks; anything else
/// becomes plain text. Links are http(s) only and marked as user content.
pub fn render(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.render.hardbreaks = true;
    let html = comrak::markdown_to_html(markdown, &options);
    let tags: HashSet<&str> = ["p", "br", "strong", "em", "a", "blockquote"].into();
    let schemes: HashSet<&str> = ["http", "https"].into();
    ammonia::Builder::default()
        .tags(tags)
        .url_schemes(schemes)
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .url_relative(ammonia::UrlRelative::Deny)
        .clean(&html)
        .to_string()
}

/// Checks a comment's text before anything else looks at it.
pub fn check_body(markdown: &str) -> Result<(), String> {
    if markdown.trim().is_empty() {
        return Err("Je reactie is leeg.".to_string());
    }
    if markdown.chars().count() > MAX_COMMENT_CHARS {
        return Err(format!(
            "Een reactie mag hoogstens {MAX_COMMENT_CHARS} tekens lang zijn."
        ));
    }
    if markdown.contains('\0') {
        return Err("Je reactie bevat tekens die we niet toelaten.".to_string());
    }
    Ok(())
}

/// Milliseconds to a time, for cursors and rows.
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_renders_and_the_rest_is_text() {
        let html =
            render("**Goal!** en *wat* een [actie](https://example.org)\n> citaat\nregel twee");
        assert!(html.contains("<strong>Goal!</strong>"), "{html}");
        assert!(html.contains("<em>wat</em>"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.org\" rel=\"nofollow ugc noopener noreferrer\">actie</a>"
            ),
            "{html}"
        );
        assert!(html.contains("<blockquote>"), "{html}");
        let html = render("# Kop\n\n![foto](https://x/y.png)\n\n`code`\n\nregel\ntwee");
        assert!(!html.contains("<h1"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<code"), "{html}");
        assert!(html.contains("regel<br>"), "{html}");
    }

    #[test]
    fn hostile_links_and_markup_are_dropped() {
        for evil in [
            "[x](javascript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](/relatief)",
            "<a href=\"https://x\" onclick=\"alert(1)\">x</a>",
        ] {
            let html = render(evil);
            for bad in [
                "javascript:",
                "data:",
                "<script",
                "onerror",
                "onclick",
                "href=\"/relatief\"",
            ] {
                assert!(!html.contains(bad), "{evil} -> {html}");
            }
        }
    }

    #[test]
    fn bodies_are_checked() {
        assert!(check_body("  ").is_err());
        assert!(check_body(&"a".repeat(MAX_COMMENT_CHARS + 1)).is_err());
        assert!(check_body("a\0b").is_err());
        assert!(check_body("Sterke match van Vanaken").is_ok());
    }

    #[test]
    fn moderator_actions_follow_the_verdict() {
        assert_eq!(
            CommentAction::Approve.apply(Verdict::Pending),
            Ok(Verdict::Visible)
        );
        assert_eq!(
            CommentAction::Remove.apply(Verdict::Visible),
            Ok(Verdict::Rejected)
        );
        assert_eq!(
            CommentAction::Restore.apply(Verdict::Rejected),
            Ok(Verdict::Visible)
        );
        assert!(CommentAction::Approve.apply(Verdict::Visible).is_err());
        assert!(CommentAction::Remove.apply(Verdict::Pending).is_err());
    }

    #[test]
    fn cursors_round_trip() {
        let c = CommentCursor { key: -3, id: 7 };
        assert_eq!(CommentCursor::decode(&c.encode()), Some(c));
        assert_eq!(CommentCursor::decode("x.1"), None);
        assert_eq!(CommentCursor::decode("1.0"), None);
    }
}

/// Comments closed site-wide between two Brussels times each night ("23:00-07:00"), when
/// no moderator is on duty. Staff may still comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NightClosing {
    pub from: chrono::NaiveTime,
    pub until: chrono::NaiveTime,
}

impl NightClosing {
    /// "23:00-07:00" (the window may cross midnight, or not: "01:00-06:30").
    pub fn parse(s: &str) -> Result<Self, String> {
        let wrong = || format!("\"{s}\": give the night as HH:MM-HH:MM, e.g. 23:00-07:00");
        let (from, until) = s.trim().split_once('-').ok_or_else(wrong)?;
        let time =
            |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| wrong());
        let (from, until) = (time(from)?, time(until)?);
        if from == until {
            return Err(format!(
                "\"{s}\": the night starts and ends at the same time"
            ));
        }
        Ok(Self { from, until })
    }

    /// Whether comments are closed at `now`.
    pub fn is_closed(&self, now: DateTime<Utc>) -> bool {
        let t = now.with_timezone(&chrono_tz::Europe::Brussels).time();
        if self.from < self.until {
            t >= self.from && t < self.until
        } else {
            t >= self.from || t < self.until
        }
    }

    /// What a reader who tries is told.
    pub fn message(&self) -> String {
        format!(
            "De reacties zijn 's nachts gesloten, van {} tot {}. Tot straks!",
            self.from.format("%H:%M"),
            self.until.format("%H:%M")
        )
    }
}
