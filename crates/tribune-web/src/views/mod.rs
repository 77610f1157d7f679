//! What the templates see: plain strings prepared from the domain, so templates stay dumb.
//! Every askama template's struct is here, by room: the reading site (`site`), matches and
//! their live parts (`matches`), a reader's own pages (`account`), the newsroom's back office
//! (`desk`) and the moderation desk (`moderation`); what they share (the page layout,
//! headlines, pagers, the error and notice pages) is in this file. Views never read the
//! store: handlers and the live streams read it and hand the domain over.

pub mod account;
pub mod comments;
pub mod desk;
pub mod law;
pub mod matches;
pub mod moderation;
pub mod search;
pub mod site;

use askama::Template;
use chrono::{DateTime, Utc};
use tribune_core::article::ArticleSummary;
use tribune_core::time::{clock_time, day_heading, iso};

use crate::assets::{DESK_SCRIPT, ICON, SCRIPT, STYLESHEET};

/// The publication's name in feeds, link previews and the Google News sitemap.
pub const SITE_NAME: &str = "Tribune";

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
        self.feeds.push(site_feed(public_url));
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
}

impl FeedFormat {
    /// The file name beside the page: `feed.xml` or `atom.xml`.
    pub fn file(self) -> &'static str {
        match self {
            Self::Rss => "feed.xml",
            Self::Atom => "atom.xml",
        }
    }
}

/// The feed of the list page at `page` ("/", "/onderwerp/club-brugge"): the page's address
/// with `feed.xml` or `atom.xml` after it.
pub fn feed_path(page: &str, format: FeedFormat) -> String {
    format!("{}/{}", page.trim_end_matches('/'), format.file())
}

/// The site's own feeds, announced on every public page.
pub fn site_feed(public_url: &str) -> FeedLink {
    FeedLink {
        title: format!("{SITE_NAME} — voetbalnieuws"),
        rss: absolute(public_url, &feed_path("/", FeedFormat::Rss)),
        atom: absolute(public_url, &feed_path("/", FeedFormat::Atom)),
    }
}

/// The feeds of a topic or author page at `page`, named after it.
pub fn list_feed(public_url: &str, page: &str, name: &str) -> FeedLink {
    FeedLink {
        title: format!("{name} — {SITE_NAME}"),
        rss: absolute(public_url, &feed_path(page, FeedFormat::Rss)),
        atom: absolute(public_url, &feed_path(page, FeedFormat::Atom)),
    }
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

/// A short personal answer ("je reactie wacht op goedkeuring"), never cached.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub layout: Layout,
    pub title: String,
    pub message: String,
    pub back: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_sit_beside_their_page() {
        assert_eq!(feed_path("/", FeedFormat::Rss), "/feed.xml");
        assert_eq!(feed_path("/", FeedFormat::Atom), "/atom.xml");
        assert_eq!(
            feed_path("/onderwerp/club-brugge", FeedFormat::Rss),
            "/onderwerp/club-brugge/feed.xml"
        );
        assert_eq!(
            feed_path("/auteur/sofie-vermeulen", FeedFormat::Atom),
            "/auteur/sofie-vermeulen/atom.xml"
        );
    }
}
