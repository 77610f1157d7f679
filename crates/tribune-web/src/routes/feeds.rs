//! What readers' feed apps and search engines fetch: RSS 2.0 and Atom feeds of the home page,
//! every topic and every author; a sitemap index with sitemaps of articles, topics and
//! authors, a Google News sitemap; robots.txt. All of it is the same bytes for everyone and
//! goes through the page cache with the `lists` key, so any article change refreshes it.
//! Every address in them is absolute, built from the configured public URL.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use tribune_core::article::{Article, ArticleSummary, Photo, article_path};
use tribune_core::store::{ArticleQuery, ListStamp};
use tribune_core::time::{rfc822, w3c};
use tribune_core::topic::topic_path;

use super::{Segment, segment};
use crate::assets::ICON;
use crate::cache::{CacheKey, Page};
use crate::error::AppError;
use crate::photos::media_type;
use crate::state::AppState;
use crate::views::{FeedFormat as Format, SITE_NAME, absolute, feed_path};
use crate::xml::{Xml, escape_into};

/// Articles in a feed, newest first.
pub const FEED_SIZE: u32 = 30;
pub use crate::config::SITEMAP_MAX;
/// Google News reads articles of the last two days, at most 1,000 of them.
pub const NEWS_WINDOW: Duration = Duration::hours(48);
pub const NEWS_MAX: u32 = 1_000;

const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
const XML_TYPE: &str = "application/xml; charset=utf-8";
const TEXT_TYPE: &str = "text/plain; charset=utf-8";

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feed.xml", get(site_rss))
        .route("/atom.xml", get(site_atom))
        .route("/onderwerp/{slug}/feed.xml", get(topic_rss))
        .route("/onderwerp/{slug}/atom.xml", get(topic_atom))
        .route("/auteur/{slug}/feed.xml", get(author_rss))
        .route("/auteur/{slug}/atom.xml", get(author_atom))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/{file}", get(sitemap))
        .route("/robots.txt", get(robots))
}

/// Which list a feed follows, by the slug in its address.
enum List {
    Site,
    Topic(String),
    Author(String),
}

/// A feed's list, found: what it is called, where its page is, which articles it holds.
struct Channel {
    title: String,
    description: String,
    page: String,
    query: ArticleQuery,
    /// The surrogate key of its page: the feed shows what the page shows.
    key: CacheKey,
}

async fn channel(state: &AppState, list: &List) -> Result<Channel, AppError> {
    let query = ArticleQuery {
        limit: FEED_SIZE,
        ..Default::default()
    };
    Ok(match list {
        List::Site => Channel {
            title: format!("{SITE_NAME} — voetbalnieuws uit België"),
            description: "Het laatste voetbalnieuws uit België".to_string(),
            page: "/".to_string(),
            query,
            key: CacheKey::Home,
        },
        List::Topic(slug) => {
            let topic = state
                .store
                .topic_by_slug(slug)
                .await?
                .ok_or(AppError::NotFound)?;
            Channel {
                title: format!("{} — {SITE_NAME}", topic.name),
                description: format!("Het laatste nieuws over {}", topic.name),
                page: topic_path(&topic.slug),
                query: ArticleQuery {
                    topic: Some(topic.id),
                    ..query
                },
                key: CacheKey::Topic(topic.slug.clone()),
            }
        }
        List::Author(slug) => {
            let author = state
                .store
                .author_by_slug(slug)
                .await?
                .ok_or(AppError::NotFound)?;
            Channel {
                title: format!("{} — {SITE_NAME}", author.name),
                description: format!("Artikels van {}", author.name),
                page: format!("/auteur/{}", author.slug),
                query: ArticleQuery {
                    author: Some(author.id),
                    ..query
                },
                key: CacheKey::Author(author.slug.clone()),
            }
        }
    })
}

/// One article in a feed.
struct Item {
    article: Article,
    teaser: String,
    enclosure: Option<Enclosure>,
}

/// The lead photo as a feed attaches it: where, how many bytes, what type.
struct Enclosure {
    url: String,
    length: u64,
    mime: &'static str,
}

async fn items(state: &AppState, query: &ArticleQuery) -> Result<Vec<Item>, AppError> {
    let now = state.clock.now();
    let summaries = state.store.articles(query, now).await?;
    let mut items = Vec::with_capacity(summaries.len());
    for summary in summaries {
        // One article after another: a feed is rendered rarely (it is cached) and is short.
        let Some(article) = state.store.article(summary.id, now).await? else {
            continue;
        };
        let enclosure = match &article.photo {
            Some(photo) => enclosure(state, photo).await,
            None => None,
        };
        items.push(Item {
            article,
            teaser: summary.teaser,
            enclosure,
        });
    }
    Ok(items)
}

/// The photo's file decides the length; a photo whose file is missing is left out rather
/// than announced with a wrong length.
async fn enclosure(state: &AppState, photo: &Photo) -> Option<Enclosure> {
    let mime = media_type(&photo.path)?;
    match tokio::fs::metadata(state.config.media_dir.join(&photo.path)).await {
        Ok(meta) => Some(Enclosure {
            url: absolute(&state.config.public_url, &format!("/media/{}", photo.path)),
            length: meta.len(),
            mime,
        }),
        Err(e) => {
            tracing::warn!(photo = %photo.path, error = %e, "a feed item goes without its photo");
            None
        }
    }
}

/// When an article last changed as readers see it: an article saved before its scheduled
/// time changed when it appeared.
fn updated(a: &Article) -> DateTime<Utc> {
    a.updated_at.max(a.published_at)
}

/// A stable address of an article that does not change with its headline (the slug does):
/// `/nieuws/12` answers with a redirect to the article. It is the RSS guid and the Atom id.
fn permalink(public_url: &str, a: &Article) -> String {
    absolute(public_url, &format!("/nieuws/{}", a.id))
}

/// The whole article for a feed reader: the lead, then the body with the site's own links
/// made absolute (a feed reader does not know where a relative link points).
fn full_text(a: &Article, public_url: &str) -> String {
    let mut html = String::from("<p><strong>");
    escape_into(&mut html, &a.lead, false);
    html.push_str("</strong></p>\n");
    html.push_str(&absolutize(&a.body_html, public_url));
    html
}

/// Turns `href="/..."` and `src="/..."` into absolute addresses on the site. The body HTML
/// was cleaned by ammonia, which always writes attributes in double quotes.
fn absolutize(html: &str, public_url: &str) -> String {
    let base = public_url.trim_end_matches('/');
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let next = ["href=\"/", "src=\"/"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| i + p.len()))
            .min();
        let Some(slash) = next else {
            out.push_str(rest);
            return out;
        };
        // `slash` is just past the "/" that starts the path.
        out.push_str(&rest[..slash - 1]);
        // A "//host" address already names its host.
        if !rest[slash..].starts_with('/') {
            out.push_str(base);
        }
        out.push('/');
        rest = &rest[slash..];
    }
}

async fn site_rss(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    feed(&state, &headers, List::Site, Format::Rss).await
}

async fn site_atom(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(&state, &headers, List::Site, Format::Atom).await
}

async fn topic_rss(
    State(state): State<AppState>,
    slug: Segment,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(&state, &headers, List::Topic(segment(slug)?), Format::Rss).await
}

async fn topic_atom(
    State(state): State<AppState>,
    slug: Segment,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(&state, &headers, List::Topic(segment(slug)?), Format::Atom).await
}

async fn author_rss(
    State(state): State<AppState>,
    slug: Segment,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(&state, &headers, List::Author(segment(slug)?), Format::Rss).await
}

async fn author_atom(
    State(state): State<AppState>,
    slug: Segment,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(&state, &headers, List::Author(segment(slug)?), Format::Atom).await
}

async fn feed(
    state: &AppState,
    headers: &HeaderMap,
    list: List,
    format: Format,
) -> Result<Response, AppError> {
    let which = match &list {
        List::Site => "site".to_string(),
        List::Topic(slug) => format!("topic:{slug}"),
        List::Author(slug) => format!("author:{slug}"),
    };
    let key = format!("feed:{}:{which}", format.file());
    let rendered = state
        .cache
        .get_or_render(&key, || async {
            let channel = channel(state, &list).await?;
            let items = items(state, &channel.query).await?;
            let config = &state.config;
            let (content_type, body) = match format {
                Format::Rss => (
                    RSS_TYPE,
                    rss(&channel, &items, &config.public_url, config.feed_full_text),
                ),
                Format::Atom => (
                    ATOM_TYPE,
                    atom(
                        &channel,
                        &items,
                        &config.public_url,
                        config.feed_full_text,
                        state.clock.now(),
                    ),
                ),
            };
            Ok::<_, AppError>(Page::new(
                content_type,
                body,
                vec![channel.key, CacheKey::Lists],
            ))
        })
        .await?;
    Ok(rendered.respond(headers))
}

fn rss(channel: &Channel, items: &[Item], public_url: &str, full: bool) -> String {
    let mut x = Xml::new();
    x.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", ATOM_NS),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
        ],
    );
    x.open("channel", &[]);
    // RSS readers take <title> and <description> as HTML: plain text goes in escaped twice.
    x.plain_as_html("title", &[], &channel.title);
    x.text("link", &[], &absolute(public_url, &channel.page));
    x.plain_as_html("description", &[], &channel.description);
    x.text("language", &[], "nl-BE");
    x.empty(
        "atom:link",
        &[
            (
                "href",
                &absolute(public_url, &feed_path(&channel.page, Format::Rss)),
            ),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    );
    if let Some(newest) = items.iter().map(|i| updated(&i.article)).max() {
        x.text("lastBuildDate", &[], &rfc822(newest));
    }
    x.text("generator", &[], SITE_NAME);
    for item in items {
        let a = &item.article;
        x.open("item", &[]);
        x.plain_as_html("title", &[], &a.display_title());
        x.text("link", &[], &absolute(public_url, &a.path()));
        x.text(
            "guid",
            &[("isPermaLink", "true")],
            &permalink(public_url, a),
        );
        x.text("pubDate", &[], &rfc822(a.published_at));
        // <author> must be an e-mail address; Dublin Core carries a name.
        x.text("dc:creator", &[], &a.author.name);
        for t in &a.topics {
            x.text(
                "category",
                &[("domain", &absolute(public_url, &t.path()))],
                &t.name,
            );
        }
        if full {
            x.plain_as_html("description", &[], &a.lead);
            x.text("content:encoded", &[], &full_text(a, public_url));
        } else {
            x.plain_as_html("description", &[], &item.teaser);
        }
        if let Some(e) = &item.enclosure {
            x.empty(
                "enclosure",
                &[
                    ("url", &e.url),
                    ("length", &e.length.to_string()),
                    ("type", e.mime),
                ],
            );
        }
        x.close();
    }
    x.finish()
}

fn atom(
    channel: &Channel,
    items: &[Item],
    public_url: &str,
    full: bool,
    now: DateTime<Utc>,
) -> String {
    let self_url = absolute(public_url, &feed_path(&channel.page, Format::Atom));
    let home = absolute(public_url, "/");
    let scheme = absolute(public_url, "/onderwerp/");
    let mut x = Xml::new();
    x.open("feed", &[("xmlns", ATOM_NS), ("xml:lang", "nl-BE")]);
    x.text("id", &[], &self_url);
    x.text("title", &[("type", "text")], &channel.title);
    x.text("subtitle", &[("type", "text")], &channel.description);
    x.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &absolute(public_url, &channel.page)),
        ],
    );
    x.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &self_url),
        ],
    );
    // A feed without articles still needs a time; it changed no later than now.
    let newest = items
        .iter()
        .map(|i| updated(&i.article))
        .max()
        .unwrap_or(now);
    x.text("updated", &[], &w3c(newest));
    x.open("author", &[]);
    x.text("name", &[], SITE_NAME);
    x.text("uri", &[], &home);
    x.close();
    x.text("generator", &[("uri", &home)], SITE_NAME);
    x.text("icon", &[], &absolute(public_url, &ICON.path));
    for item in items {
        let a = &item.article;
        x.open("entry", &[]);
        x.text("id", &[], &permalink(public_url, a));
        x.text("title", &[("type", "text")], &a.display_title());
        x.empty(
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", &absolute(public_url, &a.path())),
            ],
        );
        x.text("published", &[], &w3c(a.published_at));
        x.text("updated", &[], &w3c(updated(a)));
        x.open("author", &[]);
        x.text("name", &[], &a.author.name);
        x.text(
            "uri",
            &[],
            &absolute(public_url, &format!("/auteur/{}", a.author.slug)),
        );
        x.close();
        for t in &a.topics {
            x.empty(
                "category",
                &[("term", &t.slug), ("scheme", &scheme), ("label", &t.name)],
            );
        }
        if let Some(e) = &item.enclosure {
            x.empty(
                "link",
                &[
                    ("rel", "enclosure"),
                    ("type", e.mime),
                    ("length", &e.length.to_string()),
                    ("href", &e.url),
                ],
            );
        }
        if full {
            x.text("summary", &[("type", "text")], &a.lead);
            x.text("content", &[("type", "html")], &full_text(a, public_url));
        } else {
            x.text("summary", &[("type", "text")], &item.teaser);
        }
        x.close();
    }
    x.finish()
}

/// How many addresses one sitemap holds here (configurable for tests, never above the limit).
fn sitemap_size(state: &AppState) -> u32 {
    state.config.sitemap_size.clamp(1, SITEMAP_MAX)
}

/// One file of the sitemap, by its name under /sitemaps/.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    News,
    Articles(u32),
    Topics(u32),
    Authors(u32),
}

impl Part {
    /// "nieuws.xml", "artikels-3.xml", ...; numbers start at 1, without leading zeros, so
    /// each file has one name.
    fn parse(file: &str) -> Option<Self> {
        if file == "nieuws.xml" {
            return Some(Self::News);
        }
        let (kind, number) = file.strip_suffix(".xml")?.rsplit_once('-')?;
        if number.starts_with('0') || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = number.parse::<u32>().ok()?;
        match kind {
            "artikels" => Some(Self::Articles(n)),
            "onderwerpen" => Some(Self::Topics(n)),
            "auteurs" => Some(Self::Authors(n)),
            _ => None,
        }
    }

    fn path(self) -> String {
        match self {
            Self::News => "/sitemaps/nieuws.xml".to_string(),
            Self::Articles(n) => format!("/sitemaps/artikels-{n}.xml"),
            Self::Topics(n) => format!("/sitemaps/onderwerpen-{n}.xml"),
            Self::Authors(n) => format!("/sitemaps/auteurs-{n}.xml"),
        }
    }
}

/// What the news sitemap holds: visible articles of the last 48 hours, newest first.
async fn news(state: &AppState, now: DateTime<Utc>) -> Result<Vec<ArticleSummary>, AppError> {
    let since = now - NEWS_WINDOW;
    let query = ArticleQuery {
        limit: NEWS_MAX,
        ..Default::default()
    };
    let mut recent = state.store.articles(&query, now).await?;
    recent.retain(|a| a.published_at > since);
    Ok(recent)
}

fn lastmod_of(stamps: &[ListStamp]) -> Option<DateTime<Utc>> {
    stamps.iter().map(|s| s.lastmod).max()
}

async fn sitemap_index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let rendered = state
        .cache
        .get_or_render("sitemap", || async {
            let now = state.clock.now();
            let size = sitemap_size(&state);
            let chunks = state.store.sitemap_chunks(size, now).await?;
            let topics = state.store.topic_stamps(now).await?;
            let authors = state.store.author_stamps(now).await?;
            let news = news(&state, now).await?;
            let mut files = vec![(Part::News, news.iter().map(|a| a.published_at).max())];
            files.extend(
                (1..)
                    .zip(&chunks)
                    .map(|(n, lastmod)| (Part::Articles(n), Some(*lastmod))),
            );
            files.extend(
                (1..)
                    .zip(topics.chunks(size as usize))
                    .map(|(n, chunk)| (Part::Topics(n), lastmod_of(chunk))),
            );
            files.extend(
                (1..)
                    .zip(authors.chunks(size as usize))
                    .map(|(n, chunk)| (Part::Authors(n), lastmod_of(chunk))),
            );
            let mut x = Xml::new();
            x.open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
            for (part, lastmod) in files {
                x.open("sitemap", &[]);
                x.text(
                    "loc",
                    &[],
                    &absolute(&state.config.public_url, &part.path()),
                );
                if let Some(t) = lastmod {
                    x.text("lastmod", &[], &w3c(t));
                }
                x.close();
            }
            Ok::<_, AppError>(Page::new(
                XML_TYPE,
                x.finish(),
                vec![CacheKey::Sitemap, CacheKey::Lists],
            ))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

async fn sitemap(
    State(state): State<AppState>,
    file: Segment,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let file = segment(file)?;
    let part = Part::parse(&file).ok_or(AppError::NotFound)?;
    let rendered = state
        .cache
        .get_or_render(&format!("sitemap:{file}"), || async {
            let body = match part {
                Part::News => news_sitemap(&state).await?,
                Part::Articles(n) => articles_sitemap(&state, n).await?,
                Part::Topics(n) => {
                    let stamps = state.store.topic_stamps(state.clock.now()).await?;
                    list_sitemap(&state, &stamps, n, topic_path)?
                }
                Part::Authors(n) => {
                    let stamps = state.store.author_stamps(state.clock.now()).await?;
                    list_sitemap(&state, &stamps, n, |slug| format!("/auteur/{slug}"))?
                }
            };
            Ok::<_, AppError>(Page::new(
                XML_TYPE,
                body,
                vec![CacheKey::Sitemap, CacheKey::Lists],
            ))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

/// A `<url>` of a sitemap.
fn url_entry(x: &mut Xml, loc: &str, lastmod: DateTime<Utc>) {
    x.open("url", &[]);
    x.text("loc", &[], loc);
    x.text("lastmod", &[], &w3c(lastmod));
    x.close();
}

async fn articles_sitemap(state: &AppState, n: u32) -> Result<String, AppError> {
    let size = sitemap_size(state);
    let offset = u64::from(n - 1) * u64::from(size);
    let stamps = state
        .store
        .article_stamps(offset, size, state.clock.now())
        .await?;
    if stamps.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut x = Xml::new();
    x.open("urlset", &[("xmlns", SITEMAP_NS)]);
    for s in &stamps {
        let loc = absolute(&state.config.public_url, &article_path(s.id, &s.slug));
        url_entry(&mut x, &loc, s.lastmod);
    }
    Ok(x.finish())
}

fn list_sitemap(
    state: &AppState,
    stamps: &[ListStamp],
    n: u32,
    path: impl Fn(&str) -> String,
) -> Result<String, AppError> {
    let chunk = stamps
        .chunks(sitemap_size(state) as usize)
        .nth(n as usize - 1)
        .ok_or(AppError::NotFound)?;
    let mut x = Xml::new();
    x.open("urlset", &[("xmlns", SITEMAP_NS)]);
    for s in chunk {
        url_entry(
            &mut x,
            &absolute(&state.config.public_url, &path(&s.slug)),
            s.lastmod,
        );
    }
    Ok(x.finish())
}

async fn news_sitemap(state: &AppState) -> Result<String, AppError> {
    let recent = news(state, state.clock.now()).await?;
    let mut x = Xml::new();
    x.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)]);
    for a in &recent {
        x.open("url", &[]);
        x.text("loc", &[], &absolute(&state.config.public_url, &a.path()));
        x.open("news:news", &[]);
        x.open("news:publication", &[]);
        x.text("news:name", &[], SITE_NAME);
        x.text("news:language", &[], "nl");
        x.close();
        x.text("news:publication_date", &[], &w3c(a.published_at));
        x.text("news:title", &[], &a.display_title());
        x.close();
        x.close();
    }
    Ok(x.finish())
}

/// Crawlers may read everything public; accounts, the moderation desk, the API and the
/// comment forms are nobody's search result.
async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let rendered = state
        .cache
        .get_or_render("robots", || async {
            let body = format!(
                "# {SITE_NAME}: what search engines may read.\n\
                 User-agent: *\n\
                 Disallow: /account\n\
                 Disallow: /moderatie\n\
                 Disallow: /api/\n\
                 Disallow: /inloggen\n\
                 Disallow: /uitloggen\n\
                 Disallow: /registreren\n\
                 Disallow: /wachtwoord-vergeten\n\
                 Disallow: /wachtwoord-herstellen\n\
                 Disallow: /reacties/*/beantwoorden\n\
                 Disallow: /reacties/*/melden\n\
                 Disallow: /melden\n\
                 Disallow: /reacties/*/bewerken\n\
                 Disallow: /zoeken\n\
                 Allow: /\n\
                 \n\
                 Sitemap: {}\n",
                absolute(&state.config.public_url, "/sitemap.xml")
            );
            Ok::<_, AppError>(Page::new(TEXT_TYPE, body, vec![CacheKey::Robots]))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemap_files_have_one_name_each() {
        assert_eq!(Part::parse("nieuws.xml"), Some(Part::News));
        assert_eq!(Part::parse("artikels-1.xml"), Some(Part::Articles(1)));
        assert_eq!(Part::parse("onderwerpen-12.xml"), Some(Part::Topics(12)));
        assert_eq!(Part::parse("auteurs-2.xml"), Some(Part::Authors(2)));
        for wrong in [
            "artikels-0.xml",
            "artikels-01.xml",
            "artikels-+1.xml",
            "artikels-1",
            "artikels.xml",
            "foto-1.xml",
            "artikels-99999999999.xml",
        ] {
            assert_eq!(Part::parse(wrong), None, "{wrong}");
        }
        for part in [
            Part::News,
            Part::Articles(3),
            Part::Topics(1),
            Part::Authors(7),
        ] {
            let path = part.path();
            let file = path.trim_start_matches("/sitemaps/");
            assert_eq!(Part::parse(file), Some(part));
        }
    }

    #[test]
    fn site_links_in_a_body_become_absolute() {
        let body = r#"<p>Lees <a href="/nieuws/3-x">dit</a>, <a href="https://sporza.be/a">dat</a>, <a href="//cdn.be/x">ginds</a> <img src="/media/a.jpg"></p>"#;
        assert_eq!(
            absolutize(body, "https://www.tribune.be/"),
            r#"<p>Lees <a href="https://www.tribune.be/nieuws/3-x">dit</a>, <a href="https://sporza.be/a">dat</a>, <a href="//cdn.be/x">ginds</a> <img src="https://www.tribune.be/media/a.jpg"></p>"#
        );
    }
}
