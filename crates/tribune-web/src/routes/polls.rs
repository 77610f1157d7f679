//! Reader polls: one vote per account; results once you voted or the poll closed. The
//! article page shows only the form (it is the same for everyone); results are personal and
//! come from the poll's own page or its JSON.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Json, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tribune_core::ArticleId;
use tribune_core::poll::{NewPoll, OptionId, Poll, PollId};

use super::{form, json, private_json};
use crate::auth::{ApiViewer, Viewer};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::site::{PollPage, PollView};
use crate::writes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/peilingen/{id}", get(poll_page))
        .route("/peilingen/{id}/stem", post(vote_form))
        .route("/api/v1/polls/{id}", get(api_poll))
        .route("/api/v1/polls/{id}/votes", post(api_vote))
        .route("/api/v1/articles/{id}/poll", post(api_create))
}

async fn find(state: &AppState, id: PollId) -> Result<Poll, AppError> {
    state.store.poll(id).await?.ok_or(AppError::NotFound)
}

/// The poll as one reader may see it: results only after voting or closing.
#[derive(Serialize)]
struct PollJson {
    id: PollId,
    article_id: ArticleId,
    question: String,
    closes_at: Option<chrono::DateTime<chrono::Utc>>,
    closed: bool,
    options: Vec<OptionJson>,
    my_vote: Option<OptionId>,
    /// Present when the reader voted or the poll is closed.
    results: Option<ResultsJson>,
}

#[derive(Serialize)]
struct OptionJson {
    id: OptionId,
    label: String,
}

#[derive(Serialize)]
struct ResultsJson {
    total: i64,
    /// [{id, votes, percent}] in option order.
    options: Vec<serde_json::Value>,
}

fn poll_json(p: &Poll, my_vote: Option<OptionId>, now: chrono::DateTime<chrono::Utc>) -> PollJson {
    let closed = p.closed(now);
    let results = (closed || my_vote.is_some()).then(|| ResultsJson {
        total: p.total_votes,
        options: p
            .options
            .iter()
            .zip(p.percentages())
            .map(|(o, pct)| serde_json::json!({ "id": o.id, "votes": o.votes, "percent": pct }))
            .collect(),
    });
    PollJson {
        id: p.id,
        article_id: p.article_id,
        question: p.question.clone(),
        closes_at: p.closes_at,
        closed,
        options: p
            .options
            .iter()
            .map(|o| OptionJson {
                id: o.id,
                label: o.label.clone(),
            })
            .collect(),
        my_vote,
        results,
    }
}

fn poll_id(raw: &str) -> Result<PollId, AppError> {
    raw.parse::<PollId>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

async fn poll_page(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let p = find(&state, poll_id(&raw)?).await?;
    let now = state.clock.now();
    let my_vote = match &viewer {
        Some(v) => state.store.poll_vote_of(p.id, v.account.id).await?,
        None => None,
    };
    let page = PollPage {
        layout: Layout::new(
            format!("Peiling: {} — Tribune", p.question),
            p.question.clone(),
        ),
        show_results: my_vote.is_some() || p.closed(now),
        poll: PollView::new(&p, now),
        article_url: format!("/nieuws/{}", p.article_id),
        my_vote,
        csrf: viewer.map(|v| v.session.csrf_token).unwrap_or_default(),
    };
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        Html(page.render()?),
    )
        .into_response())
}

#[derive(Deserialize)]
struct VoteForm {
    option: String,
    #[serde(default)]
    csrf: String,
}

async fn vote_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    f: Result<Form<VoteForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    let id = poll_id(&raw)?;
    viewer.check_form_token(&f.csrf)?;
    let option: OptionId = f
        .option
        .parse()
        .map_err(|_| AppError::BadRequest("Kies een antwoord.".to_string()))?;
    writes::polls::vote(&state, &viewer, id, option).await?;
    Ok(Redirect::to(&format!("/peilingen/{id}")).into_response())
}

async fn api_poll(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let p = find(&state, poll_id(&raw)?).await?;
    let my_vote = match &viewer {
        Some(v) => state.store.poll_vote_of(p.id, v.account.id).await?,
        None => None,
    };
    Ok(private_json(
        StatusCode::OK,
        poll_json(&p, my_vote, state.clock.now()),
    ))
}

#[derive(Deserialize)]
struct VoteJson {
    option_id: OptionId,
}

async fn api_vote(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(raw): Path<String>,
    body: Result<Json<VoteJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let p = writes::polls::vote(&state, &viewer, poll_id(&raw)?, body.option_id).await?;
    Ok(private_json(
        StatusCode::CREATED,
        poll_json(&p, Some(body.option_id), state.clock.now()),
    ))
}

#[derive(Deserialize)]
struct CreateJson {
    question: String,
    options: Vec<String>,
    #[serde(default)]
    closes_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Editors attach a poll to an article (the back office will offer a form for it).
async fn api_create(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(article_id): Path<ArticleId>,
    body: Result<Json<CreateJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    viewer.require(|r| {
        matches!(
            r,
            tribune_core::account::Role::Editor | tribune_core::account::Role::Admin
        )
    })?;
    let body = json(body)?;
    let new = NewPoll {
        article_id,
        question: body.question.trim().to_string(),
        options: body.options.iter().map(|o| o.trim().to_string()).collect(),
        closes_at: body.closes_at,
    };
    let p = writes::polls::attach(&state, new).await?;
    Ok(private_json(
        StatusCode::CREATED,
        poll_json(&p, None, state.clock.now()),
    ))
}
