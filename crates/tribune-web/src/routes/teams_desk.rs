//! The teams in the back office (editors and admins): what imports made of them can be put
//! right here. Names in Dutch and French, the short name of the score chips, the other
//! names imports use, and the club topic whose headlines carry the team's live score.

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tribune_core::account::Role;
use tribune_core::football::{Team, TeamEdit, TeamId};
use tribune_core::topic::TopicId;

use super::personal_with;
use super::{Params, Segment, form, params, segment};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::desk::{TeamFormPage, TeamListPage, TeamRow, desk_menu};
use crate::writes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redactie/ploegen", get(list))
        .route("/redactie/ploegen/{id}", get(edit_page).post(save))
}

fn editor(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(Role::can_publish)
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    editor(&viewer)?;
    let topics = state.store.topics().await?;
    let topic_name = |id: Option<TopicId>| {
        id.and_then(|id| topics.iter().find(|t| t.id == id))
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    let teams = state
        .store
        .teams()
        .await?
        .into_iter()
        .map(|t| TeamRow {
            id: t.id,
            topic: topic_name(t.topic_id),
            aliases: t.aliases.len(),
            name: t.name,
            short_name: t.short_name,
        })
        .collect();
    let page = TeamListPage {
        layout: Layout::new("Ploegen — Redactie — Tribune", ""),
        menu: desk_menu(viewer.account.role),
        teams,
    };
    Ok(personal_with(StatusCode::OK, page.render()?))
}

/// What the team form sends.
#[derive(Deserialize, Default)]
struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    naam: String,
    #[serde(default)]
    naam_fr: String,
    #[serde(default)]
    kort: String,
    /// One per line.
    #[serde(default)]
    namen: String,
    /// A topic id, or empty for none.
    #[serde(default)]
    onderwerp: String,
}

async fn team(state: &AppState, id: Segment) -> Result<Team, AppError> {
    let id: TeamId = segment(id)?.parse().map_err(|_| AppError::NotFound)?;
    state
        .store
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)
}

async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Segment,
    q: Params,
) -> Result<Response, AppError> {
    editor(&viewer)?;
    let q = params(q)?;
    let t = team(&state, id).await?;
    let topics = state.store.topics().await?;
    let mut page = TeamFormPage::new(&viewer.session.csrf_token, &t, topics);
    page.saved = q.contains_key("bewaard");
    Ok(personal_with(StatusCode::OK, page.render()?))
}

async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Segment,
    f: Result<Form<TeamForm>, FormRejection>,
) -> Result<Response, AppError> {
    editor(&viewer)?;
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let t = team(&state, id).await?;
    let topic_id = match f.onderwerp.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<TopicId>()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("Onbekend onderwerp {raw:?}."))),
    };
    let edit = topic_id.map(|topic_id| TeamEdit {
        name: f.naam.clone(),
        name_fr: Some(f.naam_fr.clone()),
        short_name: f.kort.clone(),
        aliases: f.namen.lines().map(str::to_string).collect(),
        topic_id,
    });
    let saved = match edit {
        Ok(edit) => writes::topics::save_team(&state, t.id, &edit).await,
        Err(e) => return refused(&state, &viewer, &t, &f, e).await,
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/redactie/ploegen/{}?bewaard=1", t.id)).into_response()),
        Err(e) => refused(&state, &viewer, &t, &f, e).await,
    }
}

/// The form again as it was sent, with what to fix; nothing was saved.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    t: &Team,
    sent: &TeamForm,
    error: AppError,
) -> Result<Response, AppError> {
    if error.status() != StatusCode::BAD_REQUEST {
        return Err(error);
    }
    let topics = state.store.topics().await?;
    let mut page = TeamFormPage::new(&viewer.session.csrf_token, t, topics);
    page.name = sent.naam.clone();
    page.name_fr = sent.naam_fr.clone();
    page.short_name = sent.kort.clone();
    page.aliases = sent.namen.clone();
    page.topic = sent.onderwerp.clone();
    page.error = Some(error.to_string());
    Ok(personal_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        page.render()?,
    ))
}
