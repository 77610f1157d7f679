//! The Digital Services Act's pages: the author's statement of reasons and contest (shown
//! with their own account), the notice form anyone may fill in and its receipt, the
//! moderators' two queues (contests and notices, shown on the moderation desk), and the
//! monthly transparency report (a page and the same numbers as JSON).

use askama::Template;
use serde::Serialize;
use tribune_core::comment::CommentId;
use tribune_core::law::{
    Contest, ContestItem, Decision, NoticeCategory, NoticeItem, TransparencyCounts,
};
use tribune_core::moderation::{Reason, Verdict};
use tribune_core::time::long_date_time;

use super::Layout;

/// The policy category of a decision's grounds ([`Reason::category`], in Dutch): that of the
/// weightiest reason that has one, or a moderator's own judgement when the rules found none.
pub fn category_of(codes: &[String]) -> &'static str {
    codes
        .iter()
        .filter_map(|c| Reason::parse(c))
        .filter_map(|r| r.category().map(|c| (r.risk(), c)))
        .max_by_key(|(risk, _)| *risk)
        .map_or(BY_JUDGEMENT, |(_, c)| c.describe())
}

/// The category of a decision the rules gave no category.
const BY_JUDGEMENT: &str = "oordeel van een moderator (huisregels)";

/// The Dutch description of each stored reason code.
pub fn grounds_of(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|c| Reason::parse(c).map_or_else(|| c.clone(), |r| r.describe()))
        .collect()
}

pub struct ContestView {
    pub explanation: String,
    pub date: String,
    pub status: String,
    pub note: String,
}

pub struct DecisionView {
    pub id: CommentId,
    pub text: String,
    pub article_url: String,
    pub article_title: String,
    pub kind: &'static str,
    pub date: String,
    pub by: &'static str,
    pub grounds: Vec<String>,
    pub category: &'static str,
    pub note: String,
    pub contest: Option<ContestView>,
    pub contestable: bool,
}

pub fn contest_view(c: &Contest) -> ContestView {
    ContestView {
        explanation: c.explanation.clone(),
        date: long_date_time(c.created_at),
        status: match c.outcome {
            Some(o) => format!(
                "{} ({})",
                o.label(),
                c.resolved_at.map(long_date_time).unwrap_or_default()
            ),
            None => "ingediend: een moderator bekijkt je bezwaar".to_string(),
        },
        note: c.note.clone(),
    }
}

pub fn decision_view(d: &Decision) -> DecisionView {
    let mut grounds = grounds_of(&d.reasons);
    if grounds.is_empty() {
        grounds.push("beslissing van een moderator aan de hand van de huisregels".to_string());
    }
    DecisionView {
        id: d.comment.id,
        text: d.comment.body_markdown.clone(),
        article_url: format!("/nieuws/{}", d.comment.article_id),
        article_title: d.article_title.clone(),
        kind: d.kind.label(),
        date: long_date_time(d.decided_at),
        by: if d.automated {
            "automatisch, door de filters van de site"
        } else {
            "door een moderator"
        },
        grounds,
        category: category_of(&d.reasons),
        note: d.moderator_note.clone(),
        contest: d.contest.as_ref().map(contest_view),
        contestable: d.contestable(),
    }
}

#[derive(Template)]
#[template(path = "account_decisions.html")]
pub struct DecisionsPage {
    pub layout: Layout,
    pub decisions: Vec<DecisionView>,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub max: usize,
}

#[derive(Template)]
#[template(path = "notice_form.html")]
pub struct NoticePage {
    pub layout: Layout,
    pub comment_id: CommentId,
    pub comment_text: String,
    pub author_name: String,
    pub categories: Vec<(&'static str, &'static str, bool)>,
    pub explanation: String,
    pub email: String,
    pub csrf: String,
    pub error: Option<String>,
    pub max: usize,
}

#[derive(Template)]
#[template(path = "notice_done.html")]
pub struct NoticeDone {
    pub layout: Layout,
    pub reference: String,
    pub category: &'static str,
    pub article_url: String,
    pub email: bool,
}

// The two queues as the desk shows them.

pub struct ContestRow {
    pub id: i64,
    pub comment_id: CommentId,
    pub author_url: Option<String>,
    pub author_name: String,
    pub article_url: String,
    pub article_title: String,
    pub text: String,
    pub decision: String,
    pub grounds: Vec<String>,
    pub category: &'static str,
    pub moderator_note: String,
    pub explanation: String,
    pub filed: String,
}

pub struct NoticeRow {
    pub id: i64,
    pub reference: String,
    pub category: &'static str,
    pub explanation: String,
    pub email: String,
    pub filed: String,
    pub text_then: String,
    pub comment_id: Option<CommentId>,
    pub text_now: Option<String>,
    pub status: &'static str,
    pub article_url: String,
    pub article_title: String,
    pub actions: Vec<(&'static str, &'static str)>,
}

pub fn contest_rows(items: &[ContestItem]) -> Vec<ContestRow> {
    items
        .iter()
        .map(|i| {
            let d = &i.decision;
            ContestRow {
                id: i.contest.id,
                comment_id: d.comment.id,
                author_url: d
                    .comment
                    .author_id
                    .map(|a| format!("/moderatie/accounts/{a}")),
                author_name: d.comment.author_name.clone(),
                article_url: format!("/nieuws/{}#reactie-{}", d.comment.article_id, d.comment.id),
                article_title: d.article_title.clone(),
                text: d.comment.body_markdown.clone(),
                decision: format!(
                    "{} {} op {}",
                    d.kind.label(),
                    if d.automated {
                        "door de filters"
                    } else {
                        "door een moderator"
                    },
                    long_date_time(d.decided_at)
                ),
                grounds: grounds_of(&d.reasons),
                category: category_of(&d.reasons),
                moderator_note: d.moderator_note.clone(),
                explanation: i.contest.explanation.clone(),
                filed: long_date_time(i.contest.created_at),
            }
        })
        .collect()
}

pub fn notice_rows(items: &[NoticeItem]) -> Vec<NoticeRow> {
    use tribune_core::comment::CommentAction;
    items
        .iter()
        .map(|i| {
            let n = &i.notice;
            let c = i.comment.as_ref();
            let actions = c
                .map(|c| {
                    [
                        ("remove", "Verwijderen"),
                        ("reject", "Afwijzen"),
                        ("restore", "Terugzetten"),
                    ]
                    .into_iter()
                    .filter(|(a, _)| {
                        CommentAction::parse(a).is_some_and(|act| act.apply(c.verdict).is_ok())
                    })
                    .collect()
                })
                .unwrap_or_default();
            NoticeRow {
                id: n.id,
                reference: n.reference.clone(),
                category: n.category.label(),
                explanation: n.explanation.clone(),
                email: n.email.clone().unwrap_or_default(),
                filed: long_date_time(n.created_at),
                text_then: n.comment_text.clone(),
                comment_id: n.comment_id,
                text_now: c.map(|c| c.body_markdown.clone()),
                status: match c {
                    None => "reactie bestaat niet meer",
                    Some(c) if c.deleted => "verwijderd door de auteur",
                    Some(c) => match c.verdict {
                        Verdict::Visible if c.public => "zichtbaar",
                        Verdict::Visible => "zichtbaar voor de auteur alleen",
                        Verdict::Pending => "wacht",
                        Verdict::Rejected => "afgewezen",
                    },
                },
                article_url: c
                    .map(|c| format!("/nieuws/{}#reactie-{}", c.article_id, c.id))
                    .unwrap_or_default(),
                article_title: i.article_title.clone(),
                actions,
            }
        })
        .collect()
}

// Transparency

#[derive(Serialize)]
pub struct MonthReport {
    pub month: String,
    /// Comments taken off, per policy category.
    pub removed_by_category: Vec<(String, i64)>,
    pub removed_total: i64,
    pub automated: i64,
    pub by_moderators: i64,
    pub notices_received: i64,
    pub notices_by_category: Vec<(String, i64)>,
    pub notices_action_taken: i64,
    pub notices_no_action: i64,
    pub contests_received: i64,
    pub contests_upheld: i64,
    pub contests_overturned: i64,
}

fn add(list: &mut Vec<(String, i64)>, key: &str, n: i64) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some((_, total)) => *total += n,
        None => list.push((key.to_string(), n)),
    }
}

fn codes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

pub fn month_report(month: String, t: &TransparencyCounts) -> MonthReport {
    let mut by_category = Vec::new();
    let mut automated = 0;
    let mut human = 0;
    for (reasons, n) in &t.automated {
        automated += n;
        add(&mut by_category, category_of(&codes(reasons)), *n);
    }
    for (_, reasons, n) in &t.human {
        human += n;
        add(&mut by_category, category_of(&codes(reasons)), *n);
    }
    by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut notices_by_category = Vec::new();
    for (c, n) in &t.notices {
        let label = NoticeCategory::parse(c).map_or(c.as_str(), |c| c.label());
        add(&mut notices_by_category, label, *n);
    }
    let count = |list: &[(String, i64)], key: &str| {
        list.iter()
            .filter(|(k, _)| k == key)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    MonthReport {
        month,
        removed_total: automated + human,
        removed_by_category: by_category,
        automated,
        by_moderators: human,
        notices_received: t.notices.iter().map(|(_, n)| n).sum(),
        notices_by_category,
        notices_action_taken: count(&t.notices_handled, "action_taken"),
        notices_no_action: count(&t.notices_handled, "no_action"),
        contests_received: t.contests,
        contests_upheld: count(&t.contests_resolved, "upheld"),
        contests_overturned: count(&t.contests_resolved, "overturned"),
    }
}

#[derive(Template)]
#[template(path = "transparency.html")]
pub struct TransparencyPage {
    pub layout: Layout,
    pub months: Vec<MonthReport>,
}
