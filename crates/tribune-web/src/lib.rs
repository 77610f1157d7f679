//! Tribune's HTTP side: the reading site, the JSON API, operations endpoints, and the page
//! cache in front of them all.

pub mod assets;
pub mod cache;
pub mod error;
pub mod follow;
pub mod metrics;
pub mod routes;
pub mod views;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::sync::broadcast;
use tribune_core::{Clock, Event, Store};

pub use error::AppError;

/// Settings the web side needs; the binary fills them from flags and environment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub media_dir: PathBuf,
    /// Off only for benchmarks that measure rendering.
    pub page_cache: bool,
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
    bus: broadcast::Sender<Event>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let (bus, _) = broadcast::channel(1024);
        let now = clock.now();
        Self {
            store,
            cache: Arc::new(cache::PageCache::new(config.page_cache)),
            metrics: Arc::new(metrics::Metrics::default()),
            config: Arc::new(config),
            follower: Arc::new(follow::ChangeFollower::new(now)),
            clock,
            bus,
        }
    }

    /// Tells this node what happened: the page cache forgets what the event touches before
    /// this returns, then every other subscriber hears of it.
    pub fn publish(&self, event: Event) {
        self.cache.apply(&event);
        // No subscribers yet is fine: nobody is listening live.
        let _ = self.bus.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.bus.subscribe()
    }
}

/// The whole site.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::site::router())
        .merge(routes::api::router())
        .merge(routes::ops::router())
        .fallback(routes::site::not_found)
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
    let app = router(state);
    // No Nagle delay on small responses, as nginx does by default (tcp_nodelay).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    follower.abort();
    result
}
