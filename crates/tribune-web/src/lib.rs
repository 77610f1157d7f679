//! Tribune's HTTP side: the reading site, the JSON API, operations endpoints, and the page
//! cache in front of them all.

pub mod assets;
pub mod auth;
pub mod cache;
pub mod error;
pub mod evening;
pub mod follow;
pub mod learning;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod photos;
pub mod routes;
pub mod throttle;
pub mod views;
pub mod xml;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::sync::broadcast;
use tribune_core::moderation::Rules;
use tribune_core::{Clock, Event, Store};

pub use error::AppError;

/// A quarter of a second: nobody notices a comment that late, and a page that every
/// comment changes is rendered four times a second instead of for every reader.
pub const DEFAULT_PAGE_REFRESH: std::time::Duration = std::time::Duration::from_millis(250);

/// Settings the web side needs; the binary fills them from flags and environment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub media_dir: PathBuf,
    /// Off only for benchmarks that measure rendering.
    pub page_cache: bool,
    /// How late a cached page may show a change (a new comment on a busy article): see
    /// [`cache::PageCache::new`]. Zero drops a changed page at once.
    pub page_refresh: std::time::Duration,
    /// The site is served over TLS (directly or behind a TLS proxy): the session cookie is
    /// `__Host-` and Secure, and our own origin is https.
    pub secure_cookies: bool,
    /// A reverse proxy in front of us appends the client to X-Forwarded-For and sets
    /// X-Forwarded-Proto; only then are those headers believed.
    pub trusted_proxy: bool,
    /// Where readers reach the site, e.g. `https://www.tribune.be`: links in mails point
    /// here (never at whatever Host a request claimed), and it counts as our own origin.
    pub public_url: String,
    /// Without an SMTP relay, mails are logged and written here as files (DATA_DIR/outbox).
    pub outbox_dir: Option<PathBuf>,
    /// A plain SMTP relay (a local MTA or smarthost) that delivers the mail.
    pub smtp: Option<mail::SmtpSettings>,
    /// The From of every mail, e.g. `Tribune <noreply@tribune.be>`.
    pub mail_from: String,
    /// The automatic moderation rules for comments.
    pub rules: Rules,
    /// Comments closed every night between these Brussels times (readers; staff may post).
    pub night_closing: Option<tribune_core::comment::NightClosing>,
    /// Feeds carry whole articles; otherwise only the teaser (readers come to the site).
    pub feed_full_text: bool,
    /// Most addresses in one sitemap file; more are split over several (at most 50,000).
    pub sitemap_size: u32,
    /// Where this node keeps its search index (DATA_DIR/search); each node has its own.
    /// `None`: no search (the search pages answer 503).
    pub search_dir: Option<PathBuf>,
}

impl WebConfig {
    /// Settings for a site on plain http at 127.0.0.1:8080 with mail written to the log only.
    pub fn new(media_dir: PathBuf) -> Self {
        Self {
            media_dir,
            page_cache: true,
            page_refresh: DEFAULT_PAGE_REFRESH,
            secure_cookies: false,
            trusted_proxy: false,
            public_url: "http://127.0.0.1:8080".to_string(),
            outbox_dir: None,
            smtp: None,
            mail_from: "Tribune <noreply@localhost>".to_string(),
            rules: Rules::default(),
            night_closing: None,
            feed_full_text: false,
            sitemap_size: routes::feeds::SITEMAP_MAX,
            search_dir: None,
        }
    }
}

/// Everything a handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub cache: Arc<cache::PageCache>,
    pub metrics: Arc<metrics::Metrics>,
    pub config: Arc<WebConfig>,
    pub follower: Arc<follow::ChangeFollower>,
    /// The automatic moderation rules for comments.
    pub rules: Arc<Rules>,
    /// Sends account mails (activation, password reset) in the background.
    pub mailer: mail::Mailer,
    /// Limits on password guessing and on mail requests, per node.
    pub limits: Arc<auth::Limits>,
    /// This node's search index, kept up to date by its indexer task (see [`start_search`]).
    pub search: Option<Arc<tribune_search::SearchIndex>>,
    /// This node's live streams (SSE).
    pub live: Arc<live::Live>,
    /// The moderation model as this node knows it, learning from moderators' decisions.
    pub learning: Arc<learning::Learning>,
    /// Which articles are in match-evening mode (stricter moderation).
    pub evening: Arc<evening::Evening>,
    bus: broadcast::Sender<Event>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let (bus, _) = broadcast::channel(1024);
        let now = clock.now();
        let mailer = mail::Mailer::new(&config);
        let rules = Arc::new(config.rules.clone());
        let search = config
            .search_dir
            .as_deref()
            .and_then(|dir| start_search(dir, &store, &bus));
        Self {
            store,
            cache: Arc::new(cache::PageCache::new(
                config.page_cache,
                config.page_refresh,
            )),
            metrics: Arc::new(metrics::Metrics::default()),
            config: Arc::new(config),
            follower: Arc::new(follow::ChangeFollower::new(now)),
            rules,
            mailer,
            limits: Arc::new(auth::Limits::default()),
            search,
            live: Arc::new(live::Live::default()),
            learning: Arc::new(learning::Learning::new()),
            evening: Arc::new(evening::Evening::default()),
            clock,
            bus,
        }
    }

    /// Tells this node what happened: the page cache forgets what the event touches before
    /// this returns, then every other subscriber hears of it.
    pub fn publish(&self, event: Event) {
        self.cache.apply(&event);
        if matches!(event, Event::MatchChanged { .. } | Event::Everything) {
            self.evening.match_changed();
        }
        // No subscribers yet is fine: nobody is listening live.
        let _ = self.bus.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.bus.subscribe()
    }
}

/// Opens the node's search index and starts its one writer, which follows the bus from here
/// on (rebuilding a missing or unreadable index, or catching up one that is behind, first).
/// Without a running tokio runtime, or when another process holds the index, search answers
/// from what the index holds and says so in the log.
fn start_search(
    dir: &std::path::Path,
    store: &Arc<dyn Store>,
    bus: &broadcast::Sender<Event>,
) -> Option<Arc<tribune_search::SearchIndex>> {
    let (index, found) = match tribune_search::SearchIndex::open(dir) {
        Ok(opened) => opened,
        Err(e) => {
            tracing::error!(error = %e, "no search on this node");
            return None;
        }
    };
    let index = Arc::new(index);
    match (
        tokio::runtime::Handle::try_current(),
        tribune_search::Indexer::new(index.clone(), store.clone()),
    ) {
        (Ok(runtime), Ok(indexer)) => {
            runtime.spawn(indexer.run(found, bus.subscribe()));
        }
        (Err(_), _) => tracing::warn!("no runtime: the search index is not kept up to date"),
        (_, Err(e)) => tracing::error!(error = %e, "the search index is not kept up to date"),
    }
    Some(index)
}

/// The whole site.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::site::router())
        .merge(routes::feeds::router())
        .merge(routes::matches::router())
        .merge(routes::live::router())
        .merge(routes::live_console::router())
        .merge(routes::match_api::router())
        .merge(routes::api::router())
        .merge(routes::comments::router())
        .merge(routes::polls::router())
        .merge(routes::moderation::router())
        .merge(routes::match_evening::router())
        .merge(routes::law::router())
        .merge(routes::newsroom::router())
        .merge(routes::ops::router())
        .merge(routes::account::router())
        .merge(routes::search::router())
        .merge(routes::tokens::router())
        .merge(routes::topics_desk::router())
        .merge(routes::teams_desk::router())
        .merge(routes::photos::router())
        .fallback(routes::site::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::redirects::old_addresses,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::map_response(routes::security_headers))
        .with_state(state)
}

/// Serves until ctrl-c, with the change follower running beside it.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    // Fix the position in the change log before the first page is rendered and cached.
    if let Err(e) = state.follower.catch_up(&state).await {
        tracing::warn!(error = %e, "cannot read the change log yet");
    }
    let follower = tokio::spawn(follow::run(state.clone()));
    let live = state.live.clone();
    let app = router(state);
    // No Nagle delay on small responses, as nginx does by default (tcp_nodelay).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // The peer address feeds the rate limits (auth::ClientAddr).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Open event streams would hold the shutdown up forever.
            live.close();
        })
        .await;
    follower.abort();
    result
}
