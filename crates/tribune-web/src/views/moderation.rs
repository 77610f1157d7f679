//! The moderation desk: the queues (with each item's verdict, reasons, reports and the
//! author's recent comments), the Digital Services Act's contests and notices, one account,
//! the log, and which articles match evenings make strict.

use askama::Template;
use chrono::{DateTime, Utc};
use tribune_core::account::Account;
use tribune_core::comment::{Comment, CommentAction, CommentId, QueueItem};
use tribune_core::moderation::Reason;
use tribune_core::time::long_date_time;

use super::Layout;
use super::comments::CommentView;
use super::law::{ContestRow, NoticeRow};

pub struct ItemView {
    pub comment: CommentView,
    pub text: String,
    pub article_url: String,
    pub article_title: String,
    pub author_url: Option<String>,
    pub verdict: &'static str,
    pub reasons: Vec<String>,
    pub risk: u32,
    pub reports: Vec<ReportView>,
    pub actions: Vec<(&'static str, &'static str)>,
    pub recent: Vec<RecentView>,
}

pub struct ReportView {
    pub who: String,
    pub reason: &'static str,
    pub note: String,
    pub text: String,
    pub when: String,
}

impl ItemView {
    pub fn new(item: &QueueItem, now: DateTime<Utc>) -> Self {
        let c = &item.comment;
        let mut comment = CommentView::new(c, now);
        // Moderators see what readers do not: the text and name of hidden comments.
        comment.placeholder = None;
        comment.html = c.body_html.clone();
        comment.author_name = c.author_name.clone();
        let actions = [
            ("approve", "Goedkeuren"),
            ("reject", "Afwijzen"),
            ("remove", "Verwijderen"),
            ("restore", "Terugzetten"),
            ("dismiss", "Meldingen sluiten"),
        ]
        .into_iter()
        .filter(|(a, _)| {
            CommentAction::parse(a).is_some_and(|act| {
                act.apply(c.verdict).is_ok()
                    && (act != CommentAction::Dismiss || !item.reports.is_empty())
            })
        })
        .collect();
        Self {
            comment,
            text: c.body_markdown.clone(),
            article_url: format!("/nieuws/{}#reactie-{}", c.article_id, c.id),
            article_title: item.article_title.clone(),
            author_url: c.author_id.map(|a| format!("/moderatie/accounts/{a}")),
            verdict: match c.verdict {
                tribune_core::moderation::Verdict::Visible if c.shadow => {
                    "zichtbaar voor auteur alleen (shadow-ban)"
                }
                tribune_core::moderation::Verdict::Visible => "zichtbaar",
                tribune_core::moderation::Verdict::Pending => "wacht",
                tribune_core::moderation::Verdict::Rejected => "afgewezen",
            },
            reasons: item
                .reasons
                .iter()
                .map(|code| {
                    Reason::parse(code)
                        .map(|r| r.describe())
                        .unwrap_or_else(|| code.clone())
                })
                .collect(),
            risk: item.risk,
            reports: item
                .reports
                .iter()
                .map(|r| ReportView {
                    who: r.reporter_name.clone(),
                    reason: r.reason.label(),
                    note: r.note.clone(),
                    text: r.comment_text.clone(),
                    when: long_date_time(r.created_at),
                })
                .collect(),
            actions,
            recent: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "moderation.html")]
pub struct DeskPage {
    pub layout: Layout,
    pub tabs: Vec<(&'static str, String, i64, bool)>,
    pub items: Vec<ItemView>,
    pub queue: &'static str,
    pub csrf: String,
    pub bulk: Vec<(&'static str, &'static str)>,
}

/// One of the author's recent comments, beside a queue item.
pub struct RecentView {
    pub id: CommentId,
    pub text: String,
    pub status: &'static str,
    pub when: String,
    pub article_url: String,
    pub this_one: bool,
}

impl RecentView {
    pub fn new(c: &Comment, current: CommentId) -> Self {
        use tribune_core::moderation::Verdict;
        Self {
            id: c.id,
            text: c.body_markdown.chars().take(280).collect(),
            status: if c.deleted {
                "verwijderd door de auteur"
            } else {
                match c.verdict {
                    Verdict::Visible if c.shadow => "shadow-ban",
                    Verdict::Visible => "zichtbaar",
                    Verdict::Pending => "wacht",
                    Verdict::Rejected => "afgewezen",
                }
            },
            when: long_date_time(c.created_at),
            article_url: format!("/nieuws/{}#reactie-{}", c.article_id, c.id),
            this_one: c.id == current,
        }
    }
}

#[derive(Template)]
#[template(path = "moderation_contests.html")]
pub struct ContestsPage {
    pub layout: Layout,
    pub tabs: Vec<(&'static str, String, i64, bool)>,
    pub items: Vec<ContestRow>,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "moderation_notices.html")]
pub struct NoticesPage {
    pub layout: Layout,
    pub tabs: Vec<(&'static str, String, i64, bool)>,
    pub items: Vec<NoticeRow>,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "moderation_account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub account: Account,
    pub standing: String,
    pub created: String,
    pub csrf: String,
}

pub fn standing(a: &Account, now: DateTime<Utc>) -> String {
    let mut parts = Vec::new();
    if a.banned {
        parts.push("geblokkeerd".to_string());
    }
    if let Some(until) = a.suspended_until.filter(|u| *u > now) {
        parts.push(format!("geschorst tot {}", long_date_time(until)));
    }
    if a.shadow_banned {
        parts.push("shadow-ban".to_string());
    }
    if parts.is_empty() {
        "in orde".to_string()
    } else {
        parts.join(", ")
    }
}

#[derive(Template)]
#[template(path = "moderation_log.html")]
pub struct LogPage {
    pub layout: Layout,
    pub entries: Vec<(String, String, String, String, String)>,
}

pub struct HotView {
    pub title: String,
    pub url: String,
    pub kickoff: String,
    pub why: &'static str,
    /// (address, title) of each article moderated strictly because of this match.
    pub articles: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "moderation_evening.html")]
pub struct EveningPage {
    pub layout: Layout,
    pub matches: Vec<HotView>,
    pub night: Option<String>,
}
