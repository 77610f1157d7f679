//! Personal API tokens in the back office: journalists, editors and admins make, list and
//! revoke the tokens their scripts and apps publish with. A new token's secret is shown once,
//! on the answer to the form (or the POST), and never again: the store keeps its hash only.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Json, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use tribune_core::account::{ApiToken, ApiTokenId, check_api_token_name};

use super::{Segment, form, json, private_json, segment};
use crate::auth::{ApiViewer, Viewer};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::account::{TokenView, TokensPage};
use crate::writes;

/// Tokens an account may have that are not revoked: enough for every script a journalist
/// runs, few enough that nobody loses track of them.
pub const MAX_ACTIVE_TOKENS: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redactie/tokens", get(page).post(create_form))
        .route("/redactie/tokens/{id}/intrekken", post(revoke_form))
        .route("/api/v1/tokens", get(api_list).post(api_create))
        .route("/api/v1/tokens/{id}", delete(api_revoke))
}

/// Only staff who write have tokens.
fn writer(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(|r| r.can_write())
}

/// Forms that make or revoke credentials carry the session's own token, always: an empty
/// field (which cached public forms may send) is not enough here.
fn strict_form_token(viewer: &Viewer, token: &str) -> Result<(), AppError> {
    if token.is_empty() && viewer.api_token().is_none() {
        return Err(AppError::Forbidden(
            "Dit formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."
                .to_string(),
        ));
    }
    viewer.check_form_token(token)
}

/// Makes a token for the viewer (who must be logged in with a browser, not a token) and
/// returns its secret with it.
async fn create(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
) -> Result<(String, ApiToken), AppError> {
    writer(viewer)?;
    viewer.require_session()?;
    let name = check_api_token_name(name).map_err(AppError::BadRequest)?;
    let active = state
        .store
        .api_tokens(viewer.account.id)
        .await?
        .iter()
        .filter(|t| !t.is_revoked())
        .count();
    if active >= MAX_ACTIVE_TOKENS {
        return Err(AppError::BadRequest(format!(
            "Je hebt al {MAX_ACTIVE_TOKENS} API-sleutels in gebruik. Trek er eerst een in die je \
             niet meer nodig hebt."
        )));
    }
    writes::tokens::create(state, viewer.account.id, &name).await
}

async fn revoke(state: &AppState, viewer: &Viewer, id: &str) -> Result<ApiToken, AppError> {
    writer(viewer)?;
    // Someone else's token is "not found": its existence is none of this account's business.
    let id: ApiTokenId = id.parse().map_err(|_| AppError::NotFound)?;
    writes::tokens::revoke(state, viewer.account.id, id).await
}

// ---------------------------------------------------------------------------------------
// The page

/// The page as `viewer` sees it now; never stored anywhere, as it may hold a secret.
async fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    fill: impl FnOnce(&mut TokensPage),
) -> Result<Response, AppError> {
    let tokens = state.store.api_tokens(viewer.account.id).await?;
    let mut page = TokensPage {
        layout: Layout::new(
            "API-sleutels — Redactie — Tribune",
            "Je persoonlijke API-sleutels",
        ),
        tokens: tokens.iter().map(TokenView::new).collect(),
        csrf: viewer.session.csrf_token.clone(),
        new_secret: None,
        new_name: None,
        error: None,
        name: String::new(),
    };
    fill(&mut page);
    Ok((
        status,
        [(header::CACHE_CONTROL, "private, no-store")],
        Html(page.render()?),
    )
        .into_response())
}

async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    writer(&viewer)?;
    render(&state, &viewer, StatusCode::OK, |_| {}).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    naam: String,
    #[serde(default)]
    csrf: String,
}

async fn create_form(
    State(state): State<AppState>,
    viewer: Viewer,
    f: Result<Form<CreateForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    writer(&viewer)?;
    strict_form_token(&viewer, &f.csrf)?;
    match create(&state, &viewer, &f.naam).await {
        Ok((secret, token)) => {
            render(&state, &viewer, StatusCode::CREATED, |p| {
                p.new_secret = Some(secret);
                p.new_name = Some(token.name);
            })
            .await
        }
        // A name to fix: the same page, with what was typed and what is wrong.
        Err(AppError::BadRequest(message)) => {
            render(&state, &viewer, StatusCode::BAD_REQUEST, |p| {
                p.error = Some(message);
                p.name = f.naam.clone();
            })
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

async fn revoke_form(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Segment,
    f: Result<Form<RevokeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    writer(&viewer)?;
    strict_form_token(&viewer, &f.csrf)?;
    revoke(&state, &viewer, &segment(id)?).await?;
    Ok(Redirect::to("/redactie/tokens").into_response())
}

// ---------------------------------------------------------------------------------------
// JSON

async fn api_list(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    let tokens = state.store.api_tokens(viewer.account.id).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "tokens": tokens }),
    ))
}

#[derive(Deserialize)]
struct NewTokenJson {
    name: String,
}

async fn api_create(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    body: Result<Json<NewTokenJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    viewer.require_session()?;
    let body = json(body)?;
    let (secret, token) = create(&state, &viewer, &body.name).await?;
    let mut answer = serde_json::to_value(&token)
        .map_err(|e| AppError::Internal(format!("token as JSON: {e}")))?;
    answer["secret"] = serde_json::Value::String(secret);
    Ok(private_json(StatusCode::CREATED, answer))
}

async fn api_revoke(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    id: Segment,
) -> Result<Response, ApiError> {
    let token = revoke(&state, &viewer, &segment(id)?).await?;
    Ok(private_json(StatusCode::OK, token))
}
