//! What the EU Digital Services Act asks of comment moderation, on the site: the author's
//! statement of reasons and contest ("bezwaar") at /account/reacties, notices of illegal
//! content from anyone at /melden, the moderators' queues "bezwaren" and "meldingen" (shown
//! by the desk in moderation.rs), and the transparency report at /transparantie.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Json, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tribune_core::comment::CommentId;
use tribune_core::law::{
    Contest, ContestOutcome, Decision, MAX_CONTEST_CHARS, MAX_NOTE_CHARS, MAX_NOTICE_CHARS,
    NewNotice, Notice, NoticeCategory, NoticeOutcome, brussels_months, check_email, check_text,
};
use tribune_core::moderation::Verdict;

use super::{Params, form, json, params, personal, personal_with, private_json};
use crate::auth::{ApiViewer, Viewer};
use crate::cache::{CacheKey, Page};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::throttle::{ClientAddr, too_many};
use crate::views::Layout;
use crate::views::account::{Link, MessagePage};
use crate::views::law::{
    DecisionsPage, MonthReport, NoticeDone, NoticePage, TransparencyPage, category_of,
    decision_view, grounds_of, month_report,
};
use crate::writes;

/// Decisions shown on the author's page and in the API.
const DECISIONS_SHOWN: u32 = 100;
/// Items in the moderators' queues.
const QUEUE_SIZE: u32 = 100;
/// Months on the transparency report.
const MONTHS: u32 = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/reacties", get(decisions_page))
        .route("/account/reacties/{id}/bezwaar", post(contest_form))
        .route("/api/v1/me/decisions", get(api_decisions))
        .route("/api/v1/me/decisions/{id}/contest", post(api_contest))
        .route("/melden", get(notice_page).post(notice_form))
        .route("/api/v1/notices", post(api_notice))
        .route("/transparantie", get(transparency_page))
        .route("/api/v1/transparency", get(api_transparency))
        .route("/moderatie/bezwaren/{id}", post(decide_form))
        .route("/moderatie/meldingen/{id}", post(handle_form))
        .route("/api/v1/moderation/contests", get(api_contests))
        .route("/api/v1/moderation/contests/{id}", post(api_decide))
        .route("/api/v1/moderation/notices", get(api_notices))
        .route("/api/v1/moderation/notices/{id}", post(api_handle))
}

fn moderator(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(|r| r.can_moderate())
}

/// An optional note of a moderator: empty, or a checked text.
fn note(text: &str) -> Result<String, AppError> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    check_text(text, MAX_NOTE_CHARS, "De toelichting").map_err(AppError::BadRequest)
}

// ---------------------------------------------------------------------------------------
// Statement of reasons and contest (author)

async fn render_decisions(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let decisions = state
        .store
        .decisions_of(viewer.account.id, DECISIONS_SHOWN)
        .await?;
    let page = DecisionsPage {
        layout: Layout::new(
            "Mijn reacties — Tribune",
            "Welke reacties werden geweigerd of verwijderd, waarom, en hoe je bezwaar maakt",
        ),
        decisions: decisions.iter().map(decision_view).collect(),
        csrf: viewer.session.csrf_token.clone(),
        notice,
        error,
        max: MAX_CONTEST_CHARS,
    };
    Ok(personal_with(status, page.render()?))
}

async fn decisions_page(
    State(state): State<AppState>,
    viewer: Viewer,
    p: Params,
) -> Result<Response, AppError> {
    let p = params(p)?;
    let notice = p
        .contains_key("bezwaar-ingediend")
        .then_some("Je bezwaar is ingediend. Je ziet hier wat een moderator beslist.");
    render_decisions(&state, &viewer, StatusCode::OK, notice, None).await
}

/// The author contests the decision on their comment, once.
async fn file_contest(
    state: &AppState,
    viewer: &Viewer,
    comment_id: CommentId,
    explanation: &str,
) -> Result<Contest, AppError> {
    let text =
        check_text(explanation, MAX_CONTEST_CHARS, "Je uitleg").map_err(AppError::BadRequest)?;
    writes::moderation::contest(state, viewer.account.id, comment_id, &text).await
}

#[derive(Deserialize)]
struct ContestForm {
    #[serde(default)]
    uitleg: String,
    #[serde(default)]
    csrf: String,
}

async fn contest_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<CommentId>,
    f: Result<Form<ContestForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    match file_contest(&state, &viewer, id, &f.uitleg).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/account/reacties?bezwaar-ingediend#beslissing-{id}"
        ))
        .into_response()),
        Err(
            e @ (AppError::BadRequest(_)
            | AppError::Store(tribune_core::StoreError::Conflict(_))
            | AppError::Store(tribune_core::StoreError::Invalid(_))),
        ) => render_decisions(&state, &viewer, e.status(), None, Some(e.public_detail())).await,
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct DecisionJson<'a> {
    comment_id: CommentId,
    article_id: i64,
    article_title: &'a str,
    text: &'a str,
    decision: &'static str,
    decided_at: chrono::DateTime<chrono::Utc>,
    automated: bool,
    grounds: Vec<String>,
    reason_codes: &'a [String],
    category: &'static str,
    moderator_note: &'a str,
    visible_again: bool,
    can_contest: bool,
    contest: Option<&'a Contest>,
    how_to_contest: &'static str,
}

const HOW_TO_CONTEST: &str = "Je kan één keer bezwaar maken tegen elke beslissing, op \
    /account/reacties of met POST /api/v1/me/decisions/{comment_id}/contest. Een moderator \
    bekijkt je bezwaar en je ziet de uitkomst op dezelfde pagina. Je kan ook naar een erkende \
    instantie voor geschillenbeslechting buiten de rechter, of naar de rechter.";

fn decision_json(d: &Decision) -> DecisionJson<'_> {
    DecisionJson {
        comment_id: d.comment.id,
        article_id: d.comment.article_id,
        article_title: &d.article_title,
        text: &d.comment.body_markdown,
        decision: match d.kind {
            tribune_core::law::DecisionKind::Rejected => "rejected",
            tribune_core::law::DecisionKind::Removed => "removed",
        },
        decided_at: d.decided_at,
        automated: d.automated,
        grounds: grounds_of(&d.reasons),
        reason_codes: &d.reasons,
        category: category_of(&d.reasons),
        moderator_note: &d.moderator_note,
        visible_again: d.comment.verdict == Verdict::Visible,
        can_contest: d.contestable(),
        contest: d.contest.as_ref(),
        how_to_contest: HOW_TO_CONTEST,
    }
}

/// The author's decisions as JSON, for the API and the account export.
pub async fn decisions_json(
    state: &AppState,
    account: tribune_core::account::AccountId,
) -> Result<serde_json::Value, AppError> {
    let decisions = state.store.decisions_of(account, DECISIONS_SHOWN).await?;
    let list: Vec<DecisionJson> = decisions.iter().map(decision_json).collect();
    serde_json::to_value(list).map_err(|e| AppError::Internal(format!("decisions to JSON: {e}")))
}

async fn api_decisions(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Response, ApiError> {
    let list = decisions_json(&state, viewer.account.id).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "decisions": list }),
    ))
}

#[derive(Deserialize)]
struct ContestJson {
    #[serde(default)]
    explanation: String,
}

async fn api_contest(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<CommentId>,
    body: Result<Json<ContestJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let contest = file_contest(&state, &viewer, id, &body.explanation).await?;
    Ok(private_json(
        StatusCode::CREATED,
        serde_json::json!({ "contest": contest }),
    ))
}

// ---------------------------------------------------------------------------------------
// Notices of illegal content (anyone)

/// The public comment a notice may be about; hidden comments are not shown to anyone here.
async fn notifiable(
    state: &AppState,
    id: CommentId,
) -> Result<Option<tribune_core::comment::Comment>, AppError> {
    Ok(state.store.comment(id).await?.filter(|c| c.public))
}

fn unknown_comment() -> Result<Response, AppError> {
    let page = MessagePage {
        layout: Layout::new("Reactie niet gevonden — Tribune", "Reactie niet gevonden"),
        heading: "Deze reactie bestaat niet (meer)".to_string(),
        message: "We vinden geen reactie met dit nummer die op de site staat. Controleer de \
                  link, of meld de reactie vanaf de pagina waar je ze zag."
            .to_string(),
        link: Some(Link {
            url: "/".to_string(),
            label: "Naar de voorpagina".to_string(),
        }),
    };
    Ok(personal_with(StatusCode::NOT_FOUND, page.render()?))
}

fn comment_param(p: &std::collections::HashMap<String, String>) -> Option<CommentId> {
    p.get("reactie")
        .and_then(|v| v.trim().parse::<CommentId>().ok())
        .filter(|id| *id > 0)
}

#[allow(clippy::too_many_arguments)]
fn notice_page_for(
    c: &tribune_core::comment::Comment,
    viewer: Option<&Viewer>,
    category: &str,
    explanation: &str,
    email: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = NoticePage {
        layout: Layout::new(
            "Illegale inhoud melden — Tribune",
            "Meld een reactie die volgens jou illegaal is",
        ),
        comment_id: c.id,
        comment_text: c.body_markdown.clone(),
        author_name: c.author_name.clone(),
        categories: NoticeCategory::ALL
            .iter()
            .map(|k| (k.as_str(), k.label(), k.as_str() == category))
            .collect(),
        explanation: explanation.to_string(),
        email: email.to_string(),
        csrf: viewer
            .map(|v| v.session.csrf_token.clone())
            .unwrap_or_default(),
        error,
        max: MAX_NOTICE_CHARS,
    };
    Ok(personal_with(status, page.render()?))
}

async fn notice_page(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    p: Params,
) -> Result<Response, AppError> {
    let p = params(p)?;
    let Some(id) = comment_param(&p) else {
        return unknown_comment();
    };
    match notifiable(&state, id).await? {
        Some(c) => notice_page_for(&c, viewer.as_ref(), "", "", "", None, StatusCode::OK),
        None => unknown_comment(),
    }
}

/// Checks and stores a notice. NotFound (nothing stored) for a comment that is not on the
/// site; BadRequest for a bad category, explanation or address; 429 past the limit.
async fn file_notice(
    state: &AppState,
    viewer: Option<&Viewer>,
    client: &ClientAddr,
    comment_id: CommentId,
    category: &str,
    explanation: &str,
    email: &str,
) -> Result<Notice, AppError> {
    if notifiable(state, comment_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let category = NoticeCategory::parse(category.trim()).ok_or_else(|| {
        AppError::BadRequest("Kies wat er volgens jou illegaal is aan deze reactie.".into())
    })?;
    let explanation =
        check_text(explanation, MAX_NOTICE_CHARS, "Je uitleg").map_err(AppError::BadRequest)?;
    let email = check_email(email).map_err(AppError::BadRequest)?;
    let now = state.clock.now();
    state
        .limits
        .notices_by_address
        .hit(&client.0, now)
        .map_err(|wait| too_many("Je stuurde de laatste tijd te veel meldingen.", wait))?;
    let notice = NewNotice {
        comment_id,
        category,
        explanation,
        email,
        reporter_id: viewer.map(|v| v.account.id),
    };
    writes::moderation::add_notice(state, &notice).await
}

#[derive(Deserialize)]
struct NoticeFormData {
    #[serde(default)]
    reactie: String,
    #[serde(default)]
    categorie: String,
    #[serde(default)]
    uitleg: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

async fn notice_form(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    client: ClientAddr,
    f: Result<Form<NoticeFormData>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    if let Some(v) = &viewer {
        v.check_form_token(&f.csrf)?;
    }
    let Some(id) = f
        .reactie
        .trim()
        .parse::<CommentId>()
        .ok()
        .filter(|id| *id > 0)
    else {
        return unknown_comment();
    };
    let Some(comment) = notifiable(&state, id).await? else {
        return unknown_comment();
    };
    match file_notice(
        &state,
        viewer.as_ref(),
        &client,
        id,
        &f.categorie,
        &f.uitleg,
        &f.email,
    )
    .await
    {
        Ok(n) => {
            let page = NoticeDone {
                layout: Layout::new("Melding ontvangen — Tribune", "Je melding is ontvangen"),
                reference: n.reference.clone(),
                category: n.category.label(),
                article_url: format!("/nieuws/{}#reactie-{}", comment.article_id, comment.id),
                email: n.email.is_some(),
            };
            Ok(personal(page.render()?))
        }
        Err(AppError::NotFound) => unknown_comment(),
        Err(e @ AppError::BadRequest(_)) => notice_page_for(
            &comment,
            viewer.as_ref(),
            &f.categorie,
            &f.uitleg,
            &f.email,
            Some(e.public_detail()),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct NoticeJson {
    comment_id: CommentId,
    #[serde(default)]
    category: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    email: String,
}

async fn api_notice(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    client: ClientAddr,
    body: Result<Json<NoticeJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let n = file_notice(
        &state,
        viewer.as_ref(),
        &client,
        body.comment_id,
        &body.category,
        &body.explanation,
        &body.email,
    )
    .await?;
    Ok(private_json(
        StatusCode::CREATED,
        serde_json::json!({
            "reference": n.reference,
            "comment_id": n.comment_id,
            "category": n.category,
            "received_at": n.created_at,
        }),
    ))
}

// ---------------------------------------------------------------------------------------
// The moderators' side

/// A moderator decides a contest (see [`writes::moderation::decide_contest`]).
async fn decide_contest(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    outcome: &str,
    note_text: &str,
) -> Result<Contest, AppError> {
    moderator(viewer)?;
    let outcome = ContestOutcome::parse(outcome)
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende uitkomst \"{outcome}\".")))?;
    let note = note(note_text)?;
    writes::moderation::decide_contest(state, viewer.account.id, id, outcome, &note).await
}

/// A moderator closes a notice: action taken (on the comment, with the desk's own actions)
/// or none.
async fn handle_notice(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    outcome: &str,
    note_text: &str,
) -> Result<Notice, AppError> {
    moderator(viewer)?;
    let outcome = NoticeOutcome::parse(outcome)
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende uitkomst \"{outcome}\".")))?;
    let note = note(note_text)?;
    writes::moderation::handle_notice(state, viewer.account.id, id, outcome, &note).await
}

#[derive(Deserialize)]
struct DecideForm {
    actie: String,
    #[serde(default)]
    notitie: String,
    #[serde(default)]
    csrf: String,
}

async fn decide_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    f: Result<Form<DecideForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    decide_contest(&state, &viewer, id, &f.actie, &f.notitie).await?;
    Ok(Redirect::to("/moderatie?wachtrij=bezwaren").into_response())
}

async fn handle_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    f: Result<Form<DecideForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    handle_notice(&state, &viewer, id, &f.actie, &f.notitie).await?;
    Ok(Redirect::to("/moderatie?wachtrij=meldingen").into_response())
}

async fn api_contests(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Response, ApiError> {
    moderator(&viewer)?;
    let items = state.store.contests(true, QUEUE_SIZE).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "items": items }),
    ))
}

async fn api_notices(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Response, ApiError> {
    moderator(&viewer)?;
    let items = state.store.notices(true, QUEUE_SIZE).await?;
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            serde_json::json!({
                "notice": i.notice,
                "email": i.notice.email,
                "comment": i.comment,
                "article_title": i.article_title,
            })
        })
        .collect();
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "items": items }),
    ))
}

#[derive(Deserialize)]
struct OutcomeJson {
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn api_decide(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<i64>,
    body: Result<Json<OutcomeJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let c = decide_contest(&state, &viewer, id, &body.outcome, &body.note).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "contest": c }),
    ))
}

async fn api_handle(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<i64>,
    body: Result<Json<OutcomeJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let n = handle_notice(&state, &viewer, id, &body.outcome, &body.note).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "notice": n }),
    ))
}

// ---------------------------------------------------------------------------------------
// Transparency

/// The report's months, newest first.
pub async fn transparency_report(state: &AppState) -> Result<Vec<MonthReport>, AppError> {
    let mut out = Vec::new();
    for (month, from, to) in brussels_months(state.clock.now(), MONTHS) {
        let counts = state.store.transparency(from, to).await?;
        out.push(month_report(month, &counts));
    }
    Ok(out)
}

/// Cached like a list: moderation and notices publish a change of the comment's article,
/// which drops every list; the hour in the key starts a new month on time.
fn report_key(state: &AppState) -> String {
    let now = state.clock.now();
    format!("transparency:{}", now.format("%Y-%m-%dT%H"))
}

async fn transparency_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let key = report_key(&state);
    let page = state
        .cache
        .get_or_render(&key, || async {
            let months = transparency_report(&state).await?;
            let view = TransparencyPage {
                layout: Layout::new(
                    "Transparantie over moderatie — Tribune",
                    "Hoeveel reacties Tribune weigerde of verwijderde, waarom, en wat er met meldingen en bezwaren gebeurde",
                )
                .public(&state.config.public_url, "/transparantie"),
                months,
            };
            Ok(Page::html(
                view.render()?,
                vec![CacheKey::Lists],
            ))
        })
        .await?;
    Ok(page.respond(&headers))
}

async fn api_transparency(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = format!("api:{}", report_key(&state));
    let page = state
        .cache
        .get_or_render(&key, || async {
            let months = transparency_report(&state).await?;
            let body = serde_json::to_vec(&serde_json::json!({ "months": months }))
                .map_err(|e| AppError::Internal(format!("transparency to JSON: {e}")))?;
            Ok(Page::json(body, vec![CacheKey::Lists]))
        })
        .await?;
    Ok(page.respond(&headers))
}
