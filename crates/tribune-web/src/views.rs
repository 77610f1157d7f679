//! What the templates see: plain strings prepared from the domain, so templates stay dumb.

use askama::Template;
use chrono::{DateTime, Utc};
use tribune_core::account::Role;
use tribune_core::article::{Article, ArticleSummary};
use tribune_core::comment::{Comment, CommentSort, CommentsPage, Thread};
use tribune_core::poll::Poll;
use tribune_core::time::{clock_time, day_heading, iso, long_date_time, short_date_time, w3c};
use tribune_core::topic::{Topic, TopicKind};

use crate::assets::{DESK_SCRIPT, ICON, SCRIPT, STYLESHEET};
use crate::photos;
use crate::routes::feeds;

pub struct Layout {
    pub title: String,
    pub description: String,
    /// Absolute: search engines and link previews take it as the page's one address.
    pub canonical: Option<String>,
    /// Feeds announced with `<link rel="alternate">`, the site's own first.
    pub feeds: Vec<FeedLink>,
    /// OpenGraph and Twitter card of a public page.
    pub social: Option<Social>,
    /// schema.org data for search engines, already safe inside a `<script>` element.
    pub json_ld: Option<String>,
    pub stylesheet: &'static str,
    pub script: &'static str,
    /// The back office's editor script, on /redactie pages that need it.
    pub desk_script: Option<&'static str>,
    pub icon: &'static str,
}

impl Layout {
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: description.into(),
            canonical: None,
            feeds: Vec::new(),
            social: None,
            json_ld: None,
            stylesheet: &STYLESHEET.path,
            script: &SCRIPT.path,
            desk_script: None,
            icon: &ICON.path,
        }
    }

    /// Adds the editor's script (autosave, preview, suggestions, uploads).
    pub fn with_desk_script(mut self) -> Self {
        self.desk_script = Some(&DESK_SCRIPT.path);
        self
    }

    /// A public page at `path`: its absolute canonical address, a link preview (OpenGraph,
    /// Twitter) and the site's feeds, all built from the configured public URL.
    pub fn public(mut self, public_url: &str, path: &str) -> Self {
        let url = absolute(public_url, path);
        self.canonical = Some(url.clone());
        self.social = Some(Social::website(url, &self.title, &self.description));
        self.feeds.push(feeds::site_feed(public_url));
        self
    }

    /// Announces another feed (a topic's or an author's) beside the site's own.
    pub fn feed(mut self, feed: FeedLink) -> Self {
        self.feeds.push(feed);
        self
    }
}

/// `path` on the site as readers reach it, e.g. `https://www.tribune.be/nieuws/12-x`.
pub fn absolute(public_url: &str, path: &str) -> String {
    format!("{}{}", public_url.trim_end_matches('/'), path)
}

/// A feed in both formats, as a page announces it.
pub struct FeedLink {
    pub title: String,
    pub rss: String,
    pub atom: String,
}

/// What a link preview shows (OpenGraph, read by Twitter/X as well).
pub struct Social {
    /// `website` or `article`.
    pub kind: &'static str,
    pub url: String,
    pub title: String,
    pub description: String,
    pub image: Option<SocialImage>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
}

impl Social {
    pub fn website(url: String, title: &str, description: &str) -> Self {
        Self {
            kind: "website",
            url,
            title: title.to_string(),
            description: description.to_string(),
            image: None,
            published: None,
            modified: None,
            author: None,
            tags: Vec::new(),
        }
    }
}

pub struct SocialImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

/// JSON that can stand inside `<script>`: `<`, `>` and `&` become `\u003c` and friends, so a
/// headline with `</script>` in it cannot end the element, and the JSON means the same.
pub fn json_for_script(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Valid in JSON, but line terminators in older JavaScript parsers.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
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
    /// Uploaded photos have smaller variants: `srcset` lists them all.
    pub srcset: Option<String>,
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

/// The match an article leads to.
pub struct FollowMatch {
    pub id: tribune_core::football::MatchId,
    pub url: String,
    pub text: String,
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
    pub poll: Option<PollView>,
    pub comments: CommentSection,
    pub follow: Option<FollowMatch>,
}

impl ArticlePage {
    pub fn new(
        a: &Article,
        poll: Option<PollView>,
        comments: CommentSection,
        follow: Option<FollowMatch>,
        public_url: &str,
    ) -> Self {
        Self {
            layout: article_layout(a, public_url),
            headline: a.display_title(),
            kind_label: a.kind.label(),
            source: a.source.clone(),
            author_name: a.author.name.clone(),
            author_url: format!("/auteur/{}", a.author.slug),
            published: long_date_time(a.published_at),
            datetime: iso(a.published_at),
            photo: a.photo.as_ref().map(|p| PhotoView {
                src: photos::src_for_master(&p.path, "/media/")
                    .unwrap_or_else(|| format!("/media/{}", p.path)),
                srcset: photos::srcset_for_master(&p.path, "/media/"),
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
            poll,
            comments,
            follow,
        }
    }
}

/// An article's <head>: canonical address, link preview and NewsArticle data, all absolute.
fn article_layout(a: &Article, public_url: &str) -> Layout {
    let url = absolute(public_url, &a.path());
    let author_url = absolute(public_url, &format!("/auteur/{}", a.author.slug));
    let published = w3c(a.published_at);
    // An article saved before its scheduled time changed when it appeared.
    let modified = w3c(a.updated_at.max(a.published_at));
    let image = a.photo.as_ref().map(|p| SocialImage {
        url: absolute(public_url, &format!("/media/{}", p.path)),
        width: p.width,
        height: p.height,
        alt: p.caption.clone().unwrap_or_else(|| a.title.clone()),
    });
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.display_title(),
        "description": a.lead,
        "url": url,
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "datePublished": published,
        "dateModified": modified,
        "inLanguage": "nl-BE",
        "author": [{ "@type": "Person", "name": a.author.name, "url": author_url }],
        "image": image.iter().map(|i| i.url.clone()).collect::<Vec<_>>(),
        "keywords": a.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": feeds::SITE_NAME,
            "url": absolute(public_url, "/"),
            "logo": { "@type": "ImageObject", "url": absolute(public_url, &ICON.path) },
        },
    });
    let mut layout = Layout::new(a.display_title(), a.lead.clone()).public(public_url, &a.path());
    layout.social = Some(Social {
        kind: "article",
        url,
        title: a.display_title(),
        description: a.lead.clone(),
        image,
        published: Some(published),
        modified: Some(modified),
        author: Some(author_url),
        tags: a.topics.iter().map(|t| t.name.clone()).collect(),
    });
    layout.json_ld = Some(json_for_script(&json_ld));
    layout
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
    pub fn new(topics: &[Topic], public_url: &str) -> Self {
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
            .public(public_url, "/onderwerpen"),
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

/// Percent-encodes everything but unreserved characters, for a value inside a query string.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

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

/// A poll as the cached article page shows it: the question and a form; results only once
/// it is closed (before that they are personal: shown after voting, via the script or
/// the poll's own page).
pub struct PollView {
    pub id: i64,
    pub question: String,
    pub closed: bool,
    pub closes: Option<String>,
    pub options: Vec<PollOptionView>,
    pub total: i64,
}

pub struct PollOptionView {
    pub id: i64,
    pub label: String,
    pub votes: i64,
    pub percent: u32,
}

impl PollView {
    pub fn new(p: &Poll, now: DateTime<Utc>) -> Self {
        let percents = p.percentages();
        Self {
            id: p.id,
            question: p.question.clone(),
            closed: p.closed(now),
            closes: p.closes_at.map(long_date_time),
            options: p
                .options
                .iter()
                .zip(percents)
                .map(|(o, percent)| PollOptionView {
                    id: o.id,
                    label: o.label.clone(),
                    votes: o.votes,
                    percent,
                })
                .collect(),
            total: p.total_votes,
        }
    }
}

/// A short personal answer ("je reactie wacht op goedkeuring"), never cached.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub layout: Layout,
    pub title: String,
    pub message: String,
    pub back: Option<(String, String)>,
}
