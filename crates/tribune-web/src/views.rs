//! What the templates see: plain strings prepared from the domain, so templates stay dumb.

use askama::Template;
use chrono::{DateTime, Utc};
use tribune_core::article::{Article, ArticleSummary};
use tribune_core::time::{clock_time, day_heading, iso, long_date_time};
use tribune_core::topic::{Topic, TopicKind};

use crate::assets::{ICON, STYLESHEET};

pub struct Layout {
    pub title: String,
    pub description: String,
    pub canonical: Option<String>,
    pub stylesheet: &'static str,
    pub icon: &'static str,
}

impl Layout {
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: description.into(),
            canonical: None,
            stylesheet: &STYLESHEET.path,
            icon: &ICON.path,
        }
    }
    pub fn canonical(mut self, path: String) -> Self {
        self.canonical = Some(path);
        self
    }
}

/// "1 reactie", "12 reacties".
pub fn reactions(n: i64) -> String {
    if n == 1 {
        "1 reactie".to_string()
    } else {
        format!("{n} reacties")
    }
}

/// One headline in a list ("Meest recent", topic and author pages, related links).
pub struct Headline {
    pub url: String,
    pub headline: String,
    pub kind_label: Option<&'static str>,
    pub source: Option<String>,
    pub teaser: String,
    pub comment_count: i64,
    pub reactions: String,
    pub time: String,
    pub datetime: String,
}

impl Headline {
    /// For lists that span days: "14:30" today, "gisteren 14:30", "vrijdag 20/11 14:30".
    pub fn dated(a: &ArticleSummary, now: DateTime<Utc>) -> Self {
        let mut h = Self::from(a);
        let day = day_heading(a.published_at, now);
        if day != "Vandaag" {
            h.time = format!("{} {}", day.to_lowercase(), h.time);
        }
        h
    }
}

impl From<&ArticleSummary> for Headline {
    fn from(a: &ArticleSummary) -> Self {
        Self {
            url: a.path(),
            headline: a.display_title(),
            kind_label: a.kind.label(),
            source: a.source.clone(),
            teaser: a.teaser.clone(),
            comment_count: a.comment_count,
            reactions: reactions(a.comment_count),
            time: clock_time(a.published_at),
            datetime: iso(a.published_at),
        }
    }
}

pub struct TickerDay {
    pub heading: String,
    pub items: Vec<Headline>,
}

/// The ticker: newest first, grouped under Brussels day headings.
pub fn ticker(articles: &[ArticleSummary], now: DateTime<Utc>) -> Vec<TickerDay> {
    let mut days: Vec<TickerDay> = Vec::new();
    for a in articles {
        let heading = day_heading(a.published_at, now);
        match days.last_mut() {
            Some(day) if day.heading == heading => day.items.push(a.into()),
            _ => days.push(TickerDay {
                heading,
                items: vec![a.into()],
            }),
        }
    }
    days
}

/// Links to the previous and next page of a list.
pub struct Pager {
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// The address of page `page` of the list at `base`; page 1 is the bare address.
pub fn page_link(base: &str, page: u32) -> String {
    if page <= 1 {
        base.to_string()
    } else {
        format!("{base}?pagina={page}")
    }
}

impl Pager {
    pub fn new(base: &str, page: u32, has_more: bool) -> Self {
        Self {
            previous: (page > 1).then(|| page_link(base, page - 1)),
            next: has_more.then(|| page_link(base, page + 1)),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub page: u32,
    pub recent: Vec<Headline>,
    pub pager: Pager,
    pub ticker: Vec<TickerDay>,
}

pub struct PhotoView {
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: String,
}

pub struct TopicLink {
    pub url: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub layout: Layout,
    pub headline: String,
    pub kind_label: Option<&'static str>,
    pub source: Option<String>,
    pub author_name: String,
    pub author_url: String,
    pub published: String,
    pub datetime: String,
    pub photo: Option<PhotoView>,
    pub lead: String,
    pub body_html: String,
    pub related: Vec<Headline>,
    pub topics: Vec<TopicLink>,
    pub comment_count: i64,
    pub reactions: String,
}

impl ArticlePage {
    pub fn new(a: &Article) -> Self {
        Self {
            layout: Layout::new(a.display_title(), a.lead.clone()).canonical(a.path()),
            headline: a.display_title(),
            kind_label: a.kind.label(),
            source: a.source.clone(),
            author_name: a.author.name.clone(),
            author_url: format!("/auteur/{}", a.author.slug),
            published: long_date_time(a.published_at),
            datetime: iso(a.published_at),
            photo: a.photo.as_ref().map(|p| PhotoView {
                src: format!("/media/{}", p.path),
                width: p.width,
                height: p.height,
                alt: p.caption.clone().unwrap_or_else(|| a.title.clone()),
                caption: p.caption.clone(),
                credit: p.credit.clone(),
            }),
            lead: a.lead.clone(),
            body_html: a.body_html.clone(),
            related: a.related.iter().map(Headline::from).collect(),
            topics: a
                .topics
                .iter()
                .map(|t| TopicLink {
                    url: t.path(),
                    name: t.name.clone(),
                })
                .collect(),
            comment_count: a.comment_count,
            reactions: reactions(a.comment_count),
        }
    }
}

/// A topic page or an author page: a heading and a list of headlines.
#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub kicker: String,
    pub heading: String,
    pub intro: Option<String>,
    pub items: Vec<Headline>,
    pub pager: Pager,
}

pub struct TopicGroup {
    pub label: &'static str,
    pub topics: Vec<TopicLink>,
}

#[derive(Template)]
#[template(path = "topics.html")]
pub struct TopicsPage {
    pub layout: Layout,
    pub groups: Vec<TopicGroup>,
}

impl TopicsPage {
    pub fn new(topics: &[Topic]) -> Self {
        let groups = TopicKind::ALL
            .into_iter()
            .map(|kind| TopicGroup {
                label: match kind {
                    TopicKind::Competition => "Competities",
                    TopicKind::Club => "Clubs",
                    TopicKind::Person => "Personen",
                    TopicKind::NationalTeam => "Nationale ploegen",
                    TopicKind::Theme => "Thema's",
                },
                topics: topics
                    .iter()
                    .filter(|t| t.kind == kind)
                    .map(|t| TopicLink {
                        url: tribune_core::topic::topic_path(&t.slug),
                        name: t.name.clone(),
                    })
                    .collect(),
            })
            .filter(|g| !g.topics.is_empty())
            .collect();
        Self {
            layout: Layout::new(
                "Onderwerpen — Tribune",
                "Alle competities, clubs en personen",
            )
            .canonical("/onderwerpen".into()),
            groups,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
}
