//! The live streams' addresses: `/live/match/{id}`, `/live/article/{id}`, `/live/site`
//! (Server-Sent Events; what they carry is in crate::live).

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::broadcast;

use super::{Params, Segment, params, segment};
use crate::error::AppError;
use crate::live::{Frame, Start, reload_frame, stream};
use crate::state::AppState;

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
fn since(headers: &HeaderMap, p: &HashMap<String, String>) -> Result<Option<i64>, AppError> {
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    if from_header.is_some() {
        return Ok(from_header);
    }
    match p.get("since") {
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

type Side = Vec<(broadcast::Receiver<Frame>, Frame)>;

/// With `?site=1` a match or article stream carries the site's snapshots too: a page keeps
/// one connection open, not two (browsers allow six per host over HTTP/1.1, shared by
/// every tab).
async fn with_site(state: &AppState, p: &HashMap<String, String>) -> Result<Side, AppError> {
    match p.get("site").map(String::as_str) {
        None | Some("0") => Ok(Vec::new()),
        Some("1") => Ok(vec![
            state.live.join_site(&*state.store, &*state.clock).await?,
        ]),
        Some(_) => Err(AppError::BadRequest("site moet 0 of 1 zijn".to_string())),
    }
}

fn event_stream(
    state: &AppState,
    mut first: Vec<Frame>,
    last: i64,
    rx: broadcast::Receiver<Frame>,
    side: Side,
) -> Response {
    let side = side
        .into_iter()
        .map(|(rx, snapshot)| {
            first.insert(0, snapshot);
            rx
        })
        .collect();
    let body = Body::from_stream(stream(
        first,
        last,
        rx,
        side,
        state.live.closing(),
        retry_ms(),
    ));
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
    let p = params(p)?;
    let since = since(&headers, &p)?;
    let m = state
        .store
        .match_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut side = with_site(&state, &p).await?;
    // `?article=1`: the comment counts of the match's live article, for its comment section.
    match p.get("article").map(String::as_str) {
        None | Some("0") => {}
        Some("1") => {
            let now = state.clock.now();
            if let Some(a) = m.article_id
                && state.store.article(a, now).await?.is_some()
            {
                side.push(
                    state
                        .live
                        .join_article(&*state.store, &*state.clock, a)
                        .await?,
                );
            }
        }
        Some(_) => return Err(AppError::BadRequest("article moet 0 of 1 zijn".to_string())),
    }
    let (rx, start) = state.live.join_match(&*state.store, id, since).await?;
    Ok(match start {
        Start::From { frames, last } => event_stream(&state, frames, last, rx, side),
        Start::Reload => {
            // Ends right after the message: a channel nobody sends on.
            drop(rx);
            let (_, closed) = broadcast::channel(1);
            event_stream(&state, vec![reload_frame()], i64::MAX, closed, Vec::new())
        }
    })
}

async fn article_stream(
    State(state): State<AppState>,
    id: Segment,
    p: Params,
) -> Result<Response, AppError> {
    let id = id_of(id)?;
    let p = params(p)?;
    let now = state.clock.now();
    if state.store.article(id, now).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let site = with_site(&state, &p).await?;
    let (rx, first) = state
        .live
        .join_article(&*state.store, &*state.clock, id)
        .await?;
    Ok(event_stream(&state, vec![first], 0, rx, site))
}

async fn site_stream(State(state): State<AppState>) -> Result<Response, AppError> {
    let (rx, first) = state.live.join_site(&*state.store, &*state.clock).await?;
    Ok(event_stream(&state, vec![first], 0, rx, Vec::new()))
}
