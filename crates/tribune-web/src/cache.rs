//! The page cache (DESIGN §5): every public page is the same bytes for every reader, so it is
//! rendered once, kept in memory with its ETag and surrogate keys, and dropped when an event
//! says something on it changed.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{DefaultHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tribune_core::Event;
use tribune_core::article::ArticleId;
use tribune_core::football::MatchId;

use crate::error::AppError;

/// Kept at most this long even without an event, so day headings ("Vandaag") and anything
/// else time-dependent stay right.
pub const TTL: Duration = Duration::from_secs(60);
/// What browsers and CDNs may do with a page.
pub const CACHE_CONTROL: &str = "public, max-age=30, stale-while-revalidate=60";
/// Past this many pages the cache starts over, so odd URLs cannot grow memory without bound.
const MAX_PAGES: usize = 20_000;

/// A render slower than this is logged.
const SLOW_RENDER: Duration = Duration::from_millis(50);
/// What a cached page shows, one surrogate key each: they go out in the `Surrogate-Key`
/// header (a CDN purges by them) and decide which pages an [`Event`] drops
/// ([`CacheKey::dropped_by`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    /// The home page ("Meest recent" and the ticker).
    Home,
    /// Every list of articles (home, topics, authors, feeds, sitemaps, the transparency
    /// report): any article change can reorder or recount one.
    Lists,
    /// The matches page: any match change can show there.
    Matches,
    /// The topics overview.
    Topics,
    /// An article, wherever it is shown whole or linked with its count.
    Article(ArticleId),
    /// A match's board or liveblog, on its page and beside the articles that lead to it.
    Match(MatchId),
    /// A topic's page and feeds, by slug.
    Topic(String),
    /// An author's page and feeds, by slug.
    Author(String),
    Sitemap,
    Robots,
    Search,
}

impl std::fmt::Display for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Home => f.write_str("home"),
            Self::Lists => f.write_str("lists"),
            Self::Matches => f.write_str("matches"),
            Self::Topics => f.write_str("topics"),
            Self::Article(id) => write!(f, "article-{id}"),
            Self::Match(id) => write!(f, "match-{id}"),
            Self::Topic(slug) => write!(f, "topic-{slug}"),
            Self::Author(slug) => write!(f, "author-{slug}"),
            Self::Sitemap => f.write_str("sitemap"),
            Self::Robots => f.write_str("robots"),
            Self::Search => f.write_str("search"),
        }
    }
}

impl CacheKey {
    /// The keys whose pages `event` changes; `None` for every page.
    pub fn dropped_by(event: &Event) -> Option<[Self; 2]> {
        match event {
            Event::ArticleChanged { id } => Some([Self::Article(*id), Self::Lists]),
            Event::MatchChanged { id } => Some([Self::Match(*id), Self::Matches]),
            // Everything at once is an operator's or a resync's doing: no page may linger.
            Event::Everything => None,
        }
    }
}

pub struct Page {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    pub etag: HeaderValue,
    /// `keys` joined, ready for the Surrogate-Key header.
    surrogate_key: HeaderValue,
    /// What this page shows (its Surrogate-Key).
    pub keys: Vec<CacheKey>,
    /// For article pages: the canonical path, so a wrong slug can be redirected from cache.
    pub canonical: Option<String>,
    rendered: Instant,
}

impl Page {
    pub fn new(content_type: &'static str, body: impl Into<Bytes>, keys: Vec<CacheKey>) -> Self {
        let body = body.into();
        let mut h = DefaultHasher::new();
        h.write(&body);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", h.finish()))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        let joined = keys
            .iter()
            .map(CacheKey::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let surrogate_key =
            HeaderValue::from_str(&joined).unwrap_or_else(|_| HeaderValue::from_static(""));
        Self {
            status: StatusCode::OK,
            content_type,
            body,
            etag,
            surrogate_key,
            keys,
            canonical: None,
            rendered: Instant::now(),
        }
    }

    pub fn html(body: String, keys: Vec<CacheKey>) -> Self {
        Self::new("text/html; charset=utf-8", body, keys)
    }

    pub fn json(body: Vec<u8>, keys: Vec<CacheKey>) -> Self {
        Self::new("application/json", body, keys)
    }

    pub fn with_canonical(mut self, path: String) -> Self {
        self.canonical = Some(path);
        self
    }

    /// The page as an answer to a request: 304 when the reader already has these bytes.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|t| t.trim() == self.etag || t.trim() == "*")
            });
        let headers = [
            (header::ETAG, self.etag.clone()),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
            (
                header::HeaderName::from_static("surrogate-key"),
                self.surrogate_key.clone(),
            ),
        ];
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (
            self.status,
            headers,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            )],
            self.body.clone(),
        )
            .into_response()
    }
}

pub struct PageCache {
    enabled: bool,
    /// How long a page may go on being served after an event changed what it shows (see
    /// [`PageCache::new`]).
    refresh: Duration,
    pages: RwLock<HashMap<String, Kept>>,
    /// Bumped by every invalidation.
    generation: AtomicU64,
    /// For each surrogate key, the generation of its last invalidation (and for
    /// [`Event::Everything`], `all`). A render that started before one of its page's keys was
    /// invalidated is not stored, so a page rendered from old data can never outlive the
    /// event that made it old; a render overtaken only by other articles' events is kept.
    invalidated: Mutex<Invalidated>,
    /// One render at a time per page: readers who miss while a page is being rendered wait
    /// for that render instead of starting their own (a busy article on a match evening is
    /// invalidated by every comment, and would otherwise be rendered by every reader).
    rendering: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

/// A page in the cache.
struct Kept {
    page: Arc<Page>,
    /// When its render started: it shows what was stored at that moment or later.
    started: Instant,
    /// Set once an event changed what it shows: from then on it is no longer served.
    drop_at: Option<Instant>,
}

#[derive(Default)]
struct Invalidated {
    keys: HashMap<CacheKey, u64>,
    all: u64,
}

impl Invalidated {
    /// Whether anything a page with `keys` shows was invalidated after `since`.
    fn since(&self, since: u64, keys: &[CacheKey]) -> bool {
        self.all > since
            || keys
                .iter()
                .any(|k| self.keys.get(k).is_some_and(|g| *g > since))
    }
}

impl PageCache {
    /// With `refresh` zero, a page is dropped the moment an event changes what it shows.
    /// Above zero, a changed page is served on until `refresh` after its render started, and
    /// then rendered once for everyone waiting: a busy article on a match evening, changed
    /// by every comment, is rendered a few times a second instead of for nearly every
    /// reader, and shows each new comment at most `refresh` late, plus the time of one
    /// render: while one reader renders the replacement, the others still get the changed
    /// page (up to four times `refresh` after its render started) instead of all waiting.
    pub fn new(enabled: bool, refresh: Duration) -> Self {
        Self {
            enabled,
            refresh,
            pages: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            invalidated: Mutex::new(Invalidated::default()),
            rendering: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn len(&self) -> usize {
        self.pages.read().map(|p| p.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kept page for `key`: fresh, or changed but still within its stale window.
    fn get(&self, key: &str) -> Option<(Arc<Page>, bool)> {
        let pages = self.pages.read().ok()?;
        let kept = pages.get(key)?;
        if kept.page.rendered.elapsed() >= TTL {
            return None;
        }
        let now = Instant::now();
        let changed = kept.drop_at.is_some_and(|at| now >= at);
        if !changed {
            return Some((kept.page.clone(), true));
        }
        (now < kept.started + self.stale_limit()).then(|| (kept.page.clone(), false))
    }

    /// How long after its render started a changed page may still be served to readers
    /// while someone else renders its replacement (zero when `refresh` is zero).
    fn stale_limit(&self) -> Duration {
        self.refresh * 4
    }

    /// The cached page for `key`, or a fresh render that is then kept.
    pub async fn get_or_render<F, Fut>(&self, key: &str, render: F) -> Result<Arc<Page>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Page, AppError>>,
    {
        if !self.enabled {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::new(render().await?));
        }
        let kept = self.get(key);
        if let Some((page, true)) = kept {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(page);
        }
        let turn = self
            .rendering
            .lock()
            .map(|mut r| r.entry(key.to_string()).or_default().clone())
            .unwrap_or_default();
        // While one reader renders a changed page, the others get the page as it was, so a
        // slow render holds up one reader, not all of them.
        let _turn = match (turn.try_lock(), kept) {
            (Ok(turn), _) => turn,
            (Err(_), Some((page, false))) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(page);
            }
            (Err(_), _) => turn.lock().await,
        };
        // The render this reader waited for may have stored the page.
        if let Some((page, true)) = self.get(key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(page);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let generation = self.generation.load(Ordering::SeqCst);
        let started = Instant::now();
        let rendered = render().await;
        if let Ok(mut r) = self.rendering.lock() {
            r.remove(key);
        }
        let took = started.elapsed();
        if took > SLOW_RENDER {
            tracing::info!(key, ?took, "slow page render");
        }
        let page = Arc::new(rendered?);
        if let Ok(mut pages) = self.pages.write() {
            let overtaken = self
                .invalidated
                .lock()
                .map(|i| i.since(generation, &page.keys))
                .unwrap_or(true);
            // A render overtaken by an event that changed it is kept only as long as a
            // changed page may be served.
            let drop_at = overtaken.then(|| started + self.refresh);
            if !overtaken || started + self.stale_limit() > Instant::now() {
                if pages.len() >= MAX_PAGES {
                    pages.clear();
                }
                let kept = Kept {
                    page: page.clone(),
                    started,
                    drop_at,
                };
                pages.insert(key.to_string(), kept);
            }
        }
        Ok(page)
    }

    /// A fresh render that bypasses the cache (and is not kept): for the reader who must
    /// see their own change at once.
    pub async fn render_now<F, Fut>(&self, render: F) -> Result<Arc<Page>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Page, AppError>>,
    {
        self.misses.fetch_add(1, Ordering::Relaxed);
        Ok(Arc::new(render().await?))
    }

    /// Forgets every page that shows something the event changed.
    pub fn apply(&self, event: &Event) {
        match CacheKey::dropped_by(event) {
            Some(keys) => self.forget(&keys, |page| page.keys.iter().any(|k| keys.contains(k))),
            None => self.forget(&[], |_| true),
        }
    }

    /// Drops the pages `touched` picks; `keys` are the surrogate keys the event touched
    /// (none: everything).
    fn forget(&self, keys: &[CacheKey], touched: impl Fn(&Page) -> bool) {
        if let Ok(mut pages) = self.pages.write() {
            // Under the page lock, so a render that checks after this sees the new mark.
            let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
            if let Ok(mut marks) = self.invalidated.lock() {
                // One mark per article ever changed; past that many, a mark for everything.
                if keys.is_empty() || marks.keys.len() > MAX_PAGES {
                    marks.all = generation;
                    marks.keys.clear();
                } else {
                    for key in keys {
                        marks.keys.insert(key.clone(), generation);
                    }
                }
            }
            let now = Instant::now();
            let everything = keys.is_empty();
            pages.retain(|_, kept| {
                if !touched(&kept.page) {
                    return true;
                }
                if everything {
                    return false;
                }
                let at = kept.started + self.refresh;
                kept.drop_at = Some(kept.drop_at.map_or(at, |earlier| earlier.min(at)));
                kept.started + self.stale_limit() > now
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[CacheKey]) -> Result<Page, AppError> {
        Ok(Page::html("x".into(), keys.to_vec()))
    }

    #[tokio::test]
    async fn an_article_change_drops_its_page_and_every_list_but_nothing_else() {
        let cache = PageCache::new(true, Duration::ZERO);
        cache
            .get_or_render("a1", || async { page(&[CacheKey::Article(1)]) })
            .await
            .unwrap();
        cache
            .get_or_render("a2", || async { page(&[CacheKey::Article(2)]) })
            .await
            .unwrap();
        cache
            .get_or_render("home", || async {
                page(&[CacheKey::Home, CacheKey::Lists])
            })
            .await
            .unwrap();
        cache.apply(&Event::ArticleChanged { id: 1 });
        assert!(cache.get("a1").is_none());
        assert!(cache.get("home").is_none());
        assert!(cache.get("a2").is_some());
    }

    #[tokio::test]
    async fn a_render_overtaken_by_an_invalidation_is_not_kept() {
        let cache = PageCache::new(true, Duration::ZERO);
        cache
            .get_or_render("a1", || async {
                cache.apply(&Event::ArticleChanged { id: 1 });
                page(&[CacheKey::Article(1)])
            })
            .await
            .unwrap();
        assert!(cache.get("a1").is_none());
    }

    #[tokio::test]
    async fn a_render_overtaken_by_another_articles_change_is_kept() {
        let cache = PageCache::new(true, Duration::ZERO);
        cache
            .get_or_render("a1", || async {
                cache.apply(&Event::ArticleChanged { id: 2 });
                page(&[CacheKey::Article(1)])
            })
            .await
            .unwrap();
        assert!(cache.get("a1").is_some());
        // A list shows every article, so the same change does drop a list render.
        cache
            .get_or_render("home", || async {
                cache.apply(&Event::ArticleChanged { id: 2 });
                page(&[CacheKey::Home, CacheKey::Lists])
            })
            .await
            .unwrap();
        assert!(cache.get("home").is_none());
    }

    #[tokio::test]
    async fn with_a_refresh_interval_a_changed_page_is_served_on_until_it_is_due() {
        let cache = PageCache::new(true, Duration::from_secs(3600));
        cache
            .get_or_render("a1", || async { page(&[CacheKey::Article(1)]) })
            .await
            .unwrap();
        cache.apply(&Event::ArticleChanged { id: 1 });
        assert!(cache.get("a1").is_some(), "served on within the interval");
        // A render overtaken by a change of its own article is kept as well.
        cache
            .get_or_render("a2", || async {
                cache.apply(&Event::ArticleChanged { id: 2 });
                page(&[CacheKey::Article(2)])
            })
            .await
            .unwrap();
        assert!(cache.get("a2").is_some());
        // Everything at once (a resync) drops every page at once.
        cache.apply(&Event::Everything);
        assert!(cache.get("a1").is_none() && cache.get("a2").is_none());
    }

    #[tokio::test]
    async fn a_changed_page_is_rendered_again_once_its_interval_has_passed() {
        let refresh = Duration::from_millis(20);
        let cache = PageCache::new(true, refresh);
        cache
            .get_or_render("a1", || async { page(&[CacheKey::Article(1)]) })
            .await
            .unwrap();
        // Unchanged, a page outlives its interval.
        std::thread::sleep(refresh * 2);
        assert!(
            cache.get("a1").is_some_and(|(_, fresh)| fresh),
            "nothing changed, nothing to refresh"
        );
        cache.apply(&Event::ArticleChanged { id: 1 });
        assert!(
            cache.get("a1").is_none_or(|(_, fresh)| !fresh),
            "changed and older than the interval"
        );
        cache
            .get_or_render("a1", || async { page(&[CacheKey::Article(1)]) })
            .await
            .unwrap();
        cache.apply(&Event::ArticleChanged { id: 1 });
        std::thread::sleep(refresh * 2);
        assert!(
            cache.get("a1").is_none_or(|(_, fresh)| !fresh),
            "changed, and the interval has passed"
        );
    }

    #[tokio::test]
    async fn while_a_changed_page_renders_the_other_readers_get_it_as_it_was() {
        let refresh = Duration::from_secs(10);
        let cache = PageCache::new(true, refresh);
        // A page rendered 15 s ago and changed since: due for a render, still within its
        // stale window (40 s).
        let started = Instant::now().checked_sub(Duration::from_secs(15)).unwrap();
        let mut old = page(&[CacheKey::Article(1)]).unwrap();
        old.body = Bytes::from_static(b"old");
        cache.pages.write().unwrap().insert(
            "a1".into(),
            Kept {
                page: Arc::new(old),
                started,
                drop_at: Some(started + refresh),
            },
        );
        let (go, wait) = tokio::sync::watch::channel(false);
        let (rendering, mut render_started) = tokio::sync::watch::channel(false);
        let renderer = async {
            cache
                .get_or_render("a1", || async {
                    rendering.send_replace(true);
                    let mut wait = wait.clone();
                    let _ = wait.wait_for(|go| *go).await;
                    let mut new = page(&[CacheKey::Article(1)])?;
                    new.body = Bytes::from_static(b"new");
                    Ok(new)
                })
                .await
                .unwrap()
        };
        let other = async {
            let _ = render_started.wait_for(|r| *r).await;
            // Without the old page this reader would wait for a render that waits for it.
            let page = tokio::time::timeout(
                Duration::from_secs(10),
                cache.get_or_render("a1", || async { panic!("a second render") }),
            )
            .await;
            go.send_replace(true);
            page.expect("the second reader waited for the render")
                .unwrap()
        };
        let (first, second) = tokio::join!(renderer, other);
        assert_eq!(
            &first.body[..],
            b"new",
            "the reader who renders waits for it"
        );
        assert_eq!(&second.body[..], b"old", "the others do not wait");
        let (now, fresh) = cache.get("a1").unwrap();
        assert!(fresh);
        assert_eq!(&now.body[..], b"new");
    }

    #[tokio::test]
    async fn readers_who_miss_together_share_one_render() {
        let cache = PageCache::new(true, Duration::ZERO);
        let renders = AtomicU64::new(0);
        let (go, wait) = tokio::sync::watch::channel(false);
        let read = || async {
            cache
                .get_or_render("a1", || async {
                    renders.fetch_add(1, Ordering::SeqCst);
                    // Hold the render until every reader has asked.
                    let mut wait = wait.clone();
                    let _ = wait.wait_for(|go| *go).await;
                    page(&[CacheKey::Article(1)])
                })
                .await
                .unwrap()
                .body
                .clone()
        };
        let (a, b, c, ()) = tokio::join!(read(), read(), read(), async {
            tokio::task::yield_now().await;
            go.send(true).unwrap();
        });
        assert_eq!(
            (a.as_ref(), b.as_ref(), c.as_ref()),
            (&b"x"[..], &b"x"[..], &b"x"[..])
        );
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "three readers, one render"
        );
    }

    #[test]
    fn surrogate_keys_read_as_a_cdn_knows_them() {
        let p = Page::html(
            "x".into(),
            vec![
                CacheKey::Home,
                CacheKey::Lists,
                CacheKey::Matches,
                CacheKey::Topics,
                CacheKey::Article(12),
                CacheKey::Match(7),
                CacheKey::Topic("club-brugge".into()),
                CacheKey::Author("sofie-vermeulen".into()),
                CacheKey::Sitemap,
                CacheKey::Robots,
                CacheKey::Search,
            ],
        );
        let response = p.respond(&HeaderMap::new());
        assert_eq!(
            response.headers()["surrogate-key"],
            "home lists matches topics article-12 match-7 topic-club-brugge \
             author-sofie-vermeulen sitemap robots search"
        );
    }

    #[test]
    fn matching_etag_answers_not_modified() {
        let p = Page::html("hallo".into(), vec![CacheKey::Home]);
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, p.etag.clone());
        assert_eq!(p.respond(&h).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(p.respond(&HeaderMap::new()).status(), StatusCode::OK);
    }
}
