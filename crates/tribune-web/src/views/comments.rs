//! Comments as every reader sees them: one comment, a thread, the comment section under an
//! article (and on its match page), a thread's own page, and the small forms behind a
//! comment's links (reply, report, edit).

use askama::Template;
use chrono::{DateTime, Utc};
use tribune_core::account::Role;
use tribune_core::comment::{Comment, CommentSort, CommentsPage, Thread};
use tribune_core::time::{clock_time, day_heading, iso, short_date_time};

use super::{Layout, url_encode};

/// When a comment was written: "14:05" today, "22/11 14:05" before.
pub fn comment_time(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let day = day_heading(t, now);
    if day == "Vandaag" {
        clock_time(t)
    } else {
        short_date_time(t)
    }
}

/// One comment as every reader sees it. Deleted and removed comments keep their place in a
/// thread as a placeholder without text or name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentView {
    pub id: i64,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub role_label: Option<&'static str>,
    pub reply_to_name: Option<String>,
    pub root_id: Option<i64>,
    pub html: String,
    pub time: String,
    pub datetime: String,
    pub edited: bool,
    pub placeholder: Option<&'static str>,
    pub up: i64,
    pub down: i64,
}

impl CommentView {
    pub fn new(c: &Comment, now: DateTime<Utc>) -> Self {
        let placeholder = if c.deleted {
            Some("Deze reactie werd verwijderd door de auteur.")
        } else if !c.public {
            Some("Deze reactie werd verwijderd door een moderator.")
        } else {
            None
        };
        let role_label = c
            .author_role
            .as_deref()
            .and_then(Role::parse)
            .filter(|r| r.is_staff())
            .map(Role::label);
        Self {
            id: c.id,
            author_id: placeholder.is_none().then_some(c.author_id).flatten(),
            author_name: if placeholder.is_some() {
                String::new()
            } else {
                c.author_name.clone()
            },
            role_label: if placeholder.is_some() {
                None
            } else {
                role_label
            },
            reply_to_name: c.reply_to_name.clone(),
            root_id: c.root_id,
            html: if placeholder.is_some() {
                String::new()
            } else {
                c.body_html.clone()
            },
            time: comment_time(c.created_at, now),
            datetime: iso(c.created_at),
            edited: c.edited_at.is_some(),
            placeholder,
            up: c.up,
            down: c.down,
        }
    }
}

pub struct ThreadView {
    pub root: CommentView,
    pub replies: Vec<CommentView>,
    /// Replies not shown here, and where they are.
    pub more_replies: i64,
    pub thread_url: String,
}

impl ThreadView {
    pub fn new(t: &Thread, now: DateTime<Utc>) -> Self {
        Self {
            root: CommentView::new(&t.root, now),
            replies: t.replies.iter().map(|c| CommentView::new(c, now)).collect(),
            more_replies: t.more_replies(),
            thread_url: format!("/reacties/{}", t.root.id),
        }
    }
}

/// The comment section under an article (and on a thread's own page).
pub struct CommentSection {
    pub article_id: i64,
    /// The page the section is on (an article's, or the match page that shows its live
    /// article's comments): sorting, paging and a posted comment come back here.
    pub page_path: String,
    pub count: i64,
    pub threads: Vec<ThreadView>,
    /// Sort links: (label, url, current).
    pub sorts: Vec<(&'static str, String, bool)>,
    pub more: Option<String>,
}

impl CommentSection {
    pub fn new(
        article_path: &str,
        article_id: i64,
        count: i64,
        sort: CommentSort,
        page: &CommentsPage,
        now: DateTime<Utc>,
    ) -> Self {
        let sort_url = |s: CommentSort| match s {
            CommentSort::Newest => format!("{article_path}#reacties"),
            s => format!("{article_path}?sorteer={}#reacties", s.as_str()),
        };
        Self {
            article_id,
            page_path: article_path.to_string(),
            count,
            threads: page
                .threads
                .iter()
                .map(|t| ThreadView::new(t, now))
                .collect(),
            sorts: [
                ("Nieuwste", CommentSort::Newest),
                ("Oudste", CommentSort::Oldest),
                ("Beste", CommentSort::Best),
            ]
            .into_iter()
            .map(|(label, s)| (label, sort_url(s), s == sort))
            .collect(),
            more: page.next.as_ref().map(|cursor| {
                format!(
                    "{article_path}?sorteer={}&na={}#reacties",
                    sort.as_str(),
                    url_encode(cursor)
                )
            }),
        }
    }
}

/// A comment with all its replies; as public as the article, and cached with it.
#[derive(Template)]
#[template(path = "thread.html")]
pub struct ThreadPage {
    pub layout: Layout,
    pub article_url: String,
    pub article_title: String,
    pub thread: ThreadView,
}

/// The small personal pages behind a comment's links: reply, report, edit.
#[derive(Template)]
#[template(path = "comment_form.html")]
pub struct CommentFormPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub comment: CommentView,
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub text: Option<String>,
    pub reasons: Vec<(&'static str, &'static str)>,
    pub submit: &'static str,
    pub csrf: String,
    pub delete_action: Option<String>,
}

/// One comment as page HTML, for the script to insert after posting.
#[derive(Template)]
#[template(path = "_comment.html")]
pub struct CommentFragment {
    pub c: CommentView,
}
