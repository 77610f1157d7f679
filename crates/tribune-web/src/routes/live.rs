//! The live streams' addresses: `/live/match/{id}`, `/live/article/{id}`, `/live/site`
//! (Server-Sent Events; what they carry is in crate::live).

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::broadcast;

use super::{Params, Segment, params, segment};
use crate::live::{Frame, Live, Start, reload_frame, stream};
use crate::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/live/match/{id}", get(match_stream))
        .route("/live/article/{id}", get(article_stream))
        .route("/live/site", get(site_stream))
}

fn id_of(s: Segment) -> Result<i64, AppError> {
    segment(s)?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// Where the client was: Last-Event-ID on a reconnect, else `?since=` from the page.
fn since(headers: &HeaderMap, p: Params) -> Result<Option<i64>, AppError> {
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    if from_header.is_some() {
        return Ok(from_header);
    }
    match params(p)?.get("since") {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest("since moet een getal zijn".to_string())),
    }
}

/// A reconnect delay between 1 and 5 seconds, different per client.
fn retry_ms() -> u64 {
    let mut b = [0u8; 2];
    let r = getrandom::fill(&mut b).map_or(0, |_| u64::from(u16::from_le_bytes(b)));
    1_000 + r % 4_000
}

fn event_stream(
    state: &AppState,
    first: Vec<Frame>,
    last: i64,
    rx: broadcast::Receiver<Frame>,
) -> Response {
    let body = Body::from_stream(stream(first, last, rx, state.live.closing(), retry_ms()));
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
            // nginx and friends: pass each message on at once.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response()
}

async fn match_stream(
    State(state): State<AppState>,
    id: Segment,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    let id = id_of(id)?;
    let since = since(&headers, p)?;
    if state.store.match_by_id(id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let (rx, start) = Live::join_match(&state, id, since).await?;
    Ok(match start {
        Start::From { frames, last } => event_stream(&state, frames, last, rx),
        Start::Reload => event_stream(&state, vec![reload_frame()], i64::MAX, rx),
    })
}

async fn article_stream(State(state): State<AppState>, id: Segment) -> Result<Response, AppError> {
    let id = id_of(id)?;
    let now = state.clock.now();
    if state.store.article(id, now).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let (rx, first) = Live::join_article(&state, id).await?;
    Ok(event_stream(&state, vec![first], 0, rx))
}

async fn site_stream(State(state): State<AppState>) -> Result<Response, AppError> {
    let (rx, first) = Live::join_site(&state).await?;
    Ok(event_stream(&state, vec![first], 0, rx))
}
