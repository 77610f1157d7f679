//! The search page: the form as the reader filled it in and the hits, their words marked.

use askama::Template;
use tribune_core::ArticleKind;
use tribune_core::article::article_path;
use tribune_core::time::{iso, short_date_time};
use tribune_search::Hit;

use super::{Layout, Pager};

pub struct TopicOption {
    pub slug: String,
    pub name: String,
    pub selected: bool,
}

pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct HitView {
    pub url: String,
    /// Escaped, hits in `<mark>`.
    pub title_html: String,
    pub kind_label: Option<&'static str>,
    /// Escaped, hits in `<mark>`.
    pub snippet_html: String,
    pub author: String,
    pub source: Option<String>,
    pub time: String,
    pub datetime: String,
}

impl From<&Hit> for HitView {
    fn from(h: &Hit) -> Self {
        Self {
            url: article_path(h.id, &h.slug),
            title_html: quoted(h.kind, &h.title_html),
            kind_label: h.kind.label(),
            snippet_html: h.snippet_html.clone(),
            author: h.author.clone(),
            source: h.source.clone(),
            time: short_date_time(h.published_at),
            datetime: iso(h.published_at),
        }
    }
}

/// A rumour's headline in single quotes, as everywhere on the site.
pub fn quoted(kind: ArticleKind, title_html: &str) -> String {
    if kind == ArticleKind::Rumour {
        format!("&#39;{title_html}&#39;")
    } else {
        title_html.to_string()
    }
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub q: String,
    pub topics: Vec<TopicOption>,
    pub kinds: Vec<KindOption>,
    pub from: String,
    pub to: String,
    pub newest: bool,
    pub summary: Option<String>,
    pub hits: Vec<HitView>,
    pub pager: Pager,
}
