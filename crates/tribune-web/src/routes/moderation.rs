//! The moderation desk: queues of pending, reported and flagged comments (riskiest first),
//! actions on comments and accounts, and the audit log. Moderators, editors and admins only.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Json, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;
use serde::Deserialize;
use tribune_core::account::{Account, AccountId};
use tribune_core::comment::{AccountAction, Comment, CommentAction, CommentId, Queue};
use tribune_core::time::long_date_time;

use super::personal;
use super::{Params, form, json, params, private_json};
use crate::auth::{ApiViewer, Viewer};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::law::{contest_rows, notice_rows};
use crate::views::moderation::{
    AccountPage, ContestsPage, DeskPage, ItemView, LogPage, NoticesPage, RecentView, standing,
};
use crate::writes;

/// Items shown per queue page.
const QUEUE_SIZE: u32 = 100;
const LOG_SIZE: u32 = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/moderatie", get(desk))
        .route("/moderatie/reacties/{id}", post(comment_form))
        .route("/moderatie/bulk", post(bulk_form))
        .route(
            "/moderatie/accounts/{id}",
            get(account_page).post(account_form),
        )
        .route("/moderatie/logboek", get(log_page))
        .route("/api/v1/moderation/queues/{queue}", get(api_queue))
        .route("/api/v1/moderation/comments/{id}", post(api_comment))
        .route("/api/v1/moderation/accounts/{id}", post(api_account))
        .route("/api/v1/moderation/log", get(api_log))
}

fn moderator(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(|r| r.can_moderate())
}

fn why(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::BadRequest(
            "De reden mag hoogstens 500 tekens lang zijn.".to_string(),
        ));
    }
    Ok(reason.to_string())
}

/// Checks and applies a moderator's verdict.
async fn act_on_comment(
    state: &AppState,
    viewer: &Viewer,
    id: CommentId,
    action: &str,
    reason: &str,
) -> Result<Comment, AppError> {
    moderator(viewer)?;
    let action = CommentAction::parse(action)
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende actie \"{action}\".")))?;
    writes::moderation::moderate_comment(state, viewer.account.id, id, action, &why(reason)?).await
}

/// Checks and applies a moderator's measure on an account: never their own, and a
/// moderator's only by an admin.
async fn act_on_account(
    state: &AppState,
    viewer: &Viewer,
    id: AccountId,
    action: &str,
    days: Option<i64>,
    reason: &str,
) -> Result<Account, AppError> {
    moderator(viewer)?;
    if id == viewer.account.id {
        return Err(AppError::BadRequest(
            "Je kan je eigen account niet schorsen of blokkeren.".to_string(),
        ));
    }
    let now = state.clock.now();
    let action = match action {
        "suspend" => {
            let days = days.filter(|d| (1..=365).contains(d)).ok_or_else(|| {
                AppError::BadRequest("Schorsen kan voor 1 tot 365 dagen.".to_string())
            })?;
            AccountAction::Suspend {
                until: now + Duration::days(days),
            }
        }
        "ban" => AccountAction::Ban,
        "shadowban" => AccountAction::ShadowBan,
        "reinstate" => AccountAction::Reinstate,
        other => {
            return Err(AppError::BadRequest(format!(
                "Onbekende actie \"{other}\"."
            )));
        }
    };
    let target = state.store.account(id).await?.ok_or(AppError::NotFound)?;
    if target.role.can_moderate() && viewer.account.role != tribune_core::account::Role::Admin {
        return Err(AppError::Forbidden(
            "Alleen een beheerder kan een moderator schorsen of blokkeren.".to_string(),
        ));
    }
    writes::moderation::moderate_account(state, viewer.account.id, id, action, &why(reason)?).await
}

fn queue_param(q: &std::collections::HashMap<String, String>) -> Result<Queue, AppError> {
    match q.get("wachtrij") {
        None => Ok(Queue::Pending),
        Some(s) => Queue::parse(s)
            .ok_or_else(|| AppError::BadRequest(format!("Onbekende wachtrij \"{s}\"."))),
    }
}

async fn desk(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Params,
) -> Result<Response, AppError> {
    moderator(&viewer)?;
    let p = params(q)?;
    let wanted = p.get("wachtrij").map(String::as_str);
    let law_queue = matches!(wanted, Some(CONTESTS | NOTICES));
    let queue = if law_queue {
        Queue::Pending
    } else {
        queue_param(&p)?
    };
    let sizes = state.store.queue_sizes().await?;
    let (open_contests, open_notices) = state.store.law_queue_sizes().await?;
    let now = state.clock.now();
    let label = |q: Queue| match q {
        Queue::Pending => "Wachtend",
        Queue::Reported => "Gemeld",
        Queue::Flagged => "Gemarkeerd door filters",
    };
    let mut tabs: Vec<(&'static str, String, i64, bool)> = Queue::ALL
        .iter()
        .map(|q| {
            let n = sizes
                .iter()
                .find(|(s, _)| s == q)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (
                label(*q),
                format!("/moderatie?wachtrij={}", q.as_str()),
                n,
                !law_queue && *q == queue,
            )
        })
        .collect();
    tabs.push((
        "Bezwaren",
        format!("/moderatie?wachtrij={CONTESTS}"),
        open_contests,
        wanted == Some(CONTESTS),
    ));
    tabs.push((
        "Meldingen illegale inhoud",
        format!("/moderatie?wachtrij={NOTICES}"),
        open_notices,
        wanted == Some(NOTICES),
    ));
    let csrf = viewer.session.csrf_token.clone();
    if wanted == Some(CONTESTS) {
        let items = state.store.contests(true, QUEUE_SIZE).await?;
        let page = ContestsPage {
            layout: Layout::new("Bezwaren — Moderatie — Tribune", "Bezwaren van auteurs"),
            tabs,
            items: contest_rows(&items),
            csrf,
        };
        return Ok(personal(page.render()?));
    }
    if wanted == Some(NOTICES) {
        let items = state.store.notices(true, QUEUE_SIZE).await?;
        let page = NoticesPage {
            layout: Layout::new(
                "Meldingen — Moderatie — Tribune",
                "Meldingen van illegale inhoud",
            ),
            tabs,
            items: notice_rows(&items),
            csrf,
        };
        return Ok(personal(page.render()?));
    }
    let items = state.store.queue(queue, QUEUE_SIZE).await?;
    let mut authors: Vec<AccountId> = items.iter().filter_map(|i| i.comment.author_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let recent = state
        .store
        .recent_comments_of(&authors, RECENT_SHOWN)
        .await?;
    let page = DeskPage {
        layout: Layout::new("Moderatie — Tribune", "De moderatiewachtrijen"),
        tabs,
        items: items
            .iter()
            .map(|i| {
                let mut view = ItemView::new(i, now);
                view.recent = recent
                    .iter()
                    .filter(|c| c.author_id.is_some() && c.author_id == i.comment.author_id)
                    .map(|c| RecentView::new(c, i.comment.id))
                    .collect();
                view
            })
            .collect(),
        queue: queue.as_str(),
        csrf,
        bulk: BULK_ACTIONS.to_vec(),
    };
    Ok(personal(page.render()?))
}

/// The desk's two queues of the Digital Services Act (see routes/law.rs).
const CONTESTS: &str = "bezwaren";
const NOTICES: &str = "meldingen";
/// How many of an author's newest comments the desk shows beside a queue item.
pub const RECENT_SHOWN: u32 = 10;
/// What a moderator may do to many comments at once.
const BULK_ACTIONS: [(&str, &str); 3] = [
    ("approve", "Geselecteerde goedkeuren"),
    ("reject", "Geselecteerde afwijzen"),
    ("remove", "Geselecteerde verwijderen"),
];

/// The queue a form came from, to go back to.
fn back_to(wachtrij: &str) -> String {
    let queue = match wachtrij {
        CONTESTS | NOTICES => wachtrij,
        other => Queue::parse(other).unwrap_or(Queue::Pending).as_str(),
    };
    format!("/moderatie?wachtrij={queue}")
}

/// Many comments at once: the ticked ones (`ids`), or every one the page listed (`lijst`)
/// when the "all" button was used. Each goes through [`act_on_comment`] and so gets its own
/// audit line; one that no longer fits the action (someone else was quicker) is skipped.
async fn bulk_form(
    State(state): State<AppState>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    moderator(&viewer)?;
    let mut ids = Vec::new();
    let mut listed = Vec::new();
    let (mut action, mut reason, mut queue, mut csrf, mut all) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        false,
    );
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "ids" | "lijst" => {
                let id = v
                    .trim()
                    .parse::<CommentId>()
                    .map_err(|_| AppError::BadRequest(format!("\"{v}\" is geen reactienummer.")))?;
                if k == "ids" {
                    ids.push(id);
                } else {
                    listed.push(id);
                }
            }
            "actie" => action = v.into_owned(),
            "reden" => reason = v.into_owned(),
            "wachtrij" => queue = v.into_owned(),
            "csrf" => csrf = v.into_owned(),
            "bereik" => all = v == "alles",
            _ => {}
        }
    }
    viewer.check_form_token(&csrf)?;
    if all {
        ids = listed;
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Kies eerst een of meer reacties.".to_string(),
        ));
    }
    if ids.len() > QUEUE_SIZE as usize {
        return Err(AppError::BadRequest(format!(
            "Hoogstens {QUEUE_SIZE} reacties tegelijk."
        )));
    }
    if !BULK_ACTIONS.iter().any(|(a, _)| *a == action) {
        return Err(AppError::BadRequest(format!(
            "Onbekende actie \"{action}\"."
        )));
    }
    why(&reason)?;
    for id in ids {
        match act_on_comment(&state, &viewer, id, &action, &reason).await {
            Ok(_)
            | Err(AppError::NotFound)
            | Err(AppError::Store(tribune_core::StoreError::Invalid(_)))
            | Err(AppError::Store(tribune_core::StoreError::NotFound)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Redirect::to(&back_to(&queue)).into_response())
}

#[derive(Deserialize)]
struct CommentForm {
    actie: String,
    #[serde(default)]
    reden: String,
    #[serde(default)]
    wachtrij: String,
    #[serde(default)]
    csrf: String,
}

async fn comment_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<CommentId>,
    f: Result<Form<CommentForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    act_on_comment(&state, &viewer, id, &f.actie, &f.reden).await?;
    Ok(Redirect::to(&back_to(&f.wachtrij)).into_response())
}

async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<AccountId>,
) -> Result<Response, AppError> {
    moderator(&viewer)?;
    let account = state.store.account(id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let page = AccountPage {
        layout: Layout::new(
            format!("{} — Moderatie — Tribune", account.display_name),
            "Een account modereren",
        ),
        standing: standing(&account, now),
        created: long_date_time(account.created_at),
        account,
        csrf: viewer.session.csrf_token.clone(),
    };
    Ok(personal(page.render()?))
}

#[derive(Deserialize)]
struct AccountForm {
    actie: String,
    #[serde(default)]
    dagen: String,
    #[serde(default)]
    reden: String,
    #[serde(default)]
    csrf: String,
}

async fn account_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<AccountId>,
    f: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let days = f.dagen.trim().parse::<i64>().ok();
    act_on_account(&state, &viewer, id, &f.actie, days, &f.reden).await?;
    Ok(Redirect::to(&format!("/moderatie/accounts/{id}")).into_response())
}

async fn log_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    moderator(&viewer)?;
    let entries = state.store.moderation_log(LOG_SIZE).await?;
    let page = LogPage {
        layout: Layout::new(
            "Logboek — Moderatie — Tribune",
            "Wie deed wat, wanneer en waarom",
        ),
        entries: entries
            .iter()
            .map(|e| {
                let target = match (e.comment_id, e.account_id) {
                    (Some(c), _) => format!("reactie {c}"),
                    (None, Some(a)) => format!("account {a}"),
                    _ => String::new(),
                };
                (
                    long_date_time(e.at),
                    e.moderator_name.clone(),
                    e.action.clone(),
                    target,
                    e.reason.clone(),
                )
            })
            .collect(),
    };
    Ok(personal(page.render()?))
}

async fn api_queue(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(queue): Path<String>,
) -> Result<Response, ApiError> {
    moderator(&viewer)?;
    let queue = Queue::parse(&queue)
        .or(match queue.as_str() {
            "pending" => Some(Queue::Pending),
            "reported" => Some(Queue::Reported),
            "flagged" => Some(Queue::Flagged),
            _ => None,
        })
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende wachtrij \"{queue}\".")))?;
    let items = state.store.queue(queue, QUEUE_SIZE).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "items": items }),
    ))
}

#[derive(Deserialize)]
struct CommentActionJson {
    action: String,
    #[serde(default)]
    reason: String,
}

async fn api_comment(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<CommentId>,
    body: Result<Json<CommentActionJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let c = act_on_comment(&state, &viewer, id, &body.action, &body.reason).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "id": c.id, "status": c.verdict, "public": c.public }),
    ))
}

#[derive(Deserialize)]
struct AccountActionJson {
    action: String,
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    reason: String,
}

async fn api_account(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<AccountId>,
    body: Result<Json<AccountActionJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let a = act_on_account(&state, &viewer, id, &body.action, body.days, &body.reason).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({
            "id": a.id,
            "banned": a.banned,
            "suspended_until": a.suspended_until,
            "shadow_banned": a.shadow_banned,
        }),
    ))
}

async fn api_log(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Response, ApiError> {
    moderator(&viewer)?;
    let entries = state.store.moderation_log(LOG_SIZE).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "entries": entries }),
    ))
}
