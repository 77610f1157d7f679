//! Matches over JSON: readers' apps read matches with their events and liveblog; newsroom
//! scripts (a personal API token, journalists and up) play a match as the live console
//! does. Documented in openapi.json.

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Json, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::Duration;
use serde::Deserialize;
use tribune_core::account::Role;
use tribune_core::football::{
    EventKind, LiveEntry, Match, MatchEventId, MatchId, MatchStatus, Minute, NewLiveEntry,
    NewMatchEvent, Side,
};

use super::{Params, json, params, private_json};
use crate::auth::ApiViewer;
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::writes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/matches", get(list))
        .route("/api/v1/matches/{id}", get(one))
        .route("/api/v1/desk/matches/{id}/status", put(set_status))
        .route("/api/v1/desk/matches/{id}/article", put(set_article))
        .route("/api/v1/desk/matches/{id}/events", post(add_event))
        .route("/api/v1/desk/matches/{id}/entries", post(add_entry))
}

fn match_json(m: &Match) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    v["path"] = m.path().into();
    v["live"] = m.status.is_live().into();
    v
}

fn entry_json(e: &LiveEntry) -> serde_json::Value {
    serde_json::to_value(e).unwrap_or_default()
}

/// Public data that changes by the minute: caches may keep it a few seconds.
fn public_json(body: serde_json::Value) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=5")], Json(body)).into_response()
}

/// `?live=true`: the matches being played; else from yesterday to a week ahead.
async fn list(State(state): State<AppState>, p: Params) -> Result<Response, ApiError> {
    let p = params(p)?;
    let matches = match p.get("live").map(String::as_str) {
        Some("true") => state.store.live_matches().await?,
        None | Some("false") => {
            let now = state.clock.now();
            state
                .store
                .matches_between(now - Duration::days(1), now + Duration::days(7), 200)
                .await?
        }
        Some(other) => {
            return Err(
                AppError::BadRequest(format!("live is true or false, not {other:?}")).into(),
            );
        }
    };
    Ok(public_json(serde_json::json!({
        "matches": matches.iter().map(match_json).collect::<Vec<_>>(),
    })))
}

async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id: MatchId = id.parse().map_err(|_| AppError::NotFound)?;
    let m = state
        .store
        .match_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut v = match_json(&m);
    v["events"] = serde_json::to_value(state.store.match_events(id).await?).unwrap_or_default();
    v["entries"] = state
        .store
        .live_entries(id)
        .await?
        .iter()
        .map(entry_json)
        .collect::<Vec<_>>()
        .into();
    Ok(public_json(v))
}

fn minute(minute: Option<i32>, added: Option<i32>) -> Option<Minute> {
    minute.map(|m| Minute::new(m, added))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusJson {
    status: String,
    minute: Option<i32>,
    added: Option<i32>,
}

async fn set_status(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<MatchId>,
    body: Result<Json<StatusJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    viewer.require(Role::can_write)?;
    let b = json(body)?;
    let status = MatchStatus::parse(&b.status)
        .ok_or_else(|| AppError::BadRequest(format!("unknown status {:?}", b.status)))?;
    let m = writes::matches::set_status(&state, id, status, minute(b.minute, b.added)).await?;
    Ok(private_json(StatusCode::OK, match_json(&m)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleJson {
    /// Required, so that a misspelt field never unlinks by accident.
    article_id: Option<tribune_core::article::ArticleId>,
}

async fn set_article(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<MatchId>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    viewer.require(Role::can_write)?;
    let raw = json(body)?;
    if raw.get("article_id").is_none() {
        return Err(AppError::BadRequest("article_id is required (null unlinks)".into()).into());
    }
    let b: ArticleJson =
        serde_json::from_value(raw).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let m = writes::matches::link_article(&state, id, b.article_id).await?;
    Ok(private_json(StatusCode::OK, match_json(&m)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventJson {
    kind: String,
    side: String,
    minute: i32,
    added: Option<i32>,
    #[serde(default)]
    player: String,
    #[serde(default)]
    other_player: String,
    reverses: Option<MatchEventId>,
}

async fn add_event(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<MatchId>,
    body: Result<Json<EventJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    viewer.require(Role::can_write)?;
    let b = json(body)?;
    let event = NewMatchEvent {
        kind: EventKind::parse(&b.kind)
            .ok_or_else(|| AppError::BadRequest(format!("unknown kind {:?}", b.kind)))?,
        side: Side::parse(&b.side).ok_or_else(|| {
            AppError::BadRequest(format!("side is home or away, not {:?}", b.side))
        })?,
        minute: Minute::new(b.minute, b.added),
        player: b.player.trim().to_string(),
        other_player: b.other_player.trim().to_string(),
        reverses: b.reverses,
    };
    event.check().map_err(AppError::BadRequest)?;
    let (m, added) = writes::matches::add_event(&state, id, &event).await?;
    Ok(private_json(
        StatusCode::CREATED,
        serde_json::json!({"match": match_json(&m), "event": added}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryJson {
    text: String,
    minute: Option<i32>,
    added: Option<i32>,
    event_id: Option<MatchEventId>,
    #[serde(default)]
    key_event: bool,
    #[serde(default)]
    pinned: bool,
}

async fn add_entry(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<MatchId>,
    body: Result<Json<EntryJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    viewer.require(Role::can_write)?;
    let b = json(body)?;
    let entry = NewLiveEntry {
        event_id: b.event_id,
        minute: minute(b.minute, b.added),
        body_markdown: b.text.trim().to_string(),
        key_event: b.key_event,
        pinned: b.pinned,
    };
    entry.check().map_err(AppError::BadRequest)?;
    let added = writes::matches::add_entry(&state, id, &entry, viewer.account.id).await?;
    Ok(private_json(StatusCode::CREATED, entry_json(&added)))
}
