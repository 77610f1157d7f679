//! Tribune's HTTP side: the reading site, the JSON API, operations endpoints, the live
//! streams, and the page cache in front of them all.
//!
//! This file only wires the app together (the router and `serve`); the rooms of the crate
//! and the order they depend on each other are described in ARCHITECTURE.md, and
//! `scripts/web-imports.py` checks that no module imports another in a circle and that the
//! routes leave every write to the application layer (writes/).

pub mod assets;
pub mod auth;
pub mod cache;
pub mod config;
pub mod error;
pub mod evening;
pub mod follow;
pub mod learning;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod photos;
pub mod routes;
pub mod state;
pub mod throttle;
pub mod views;
pub mod writes;
pub mod xml;

use axum::Router;
use axum::serve::ListenerExt;

pub use config::{DEFAULT_PAGE_REFRESH, WebConfig};
pub use error::AppError;
pub use state::AppState;

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
            state.metrics.clone(),
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
    // The peer address feeds the rate limits (throttle::ClientAddr).
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
