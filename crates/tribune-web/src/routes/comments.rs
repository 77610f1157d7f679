//! Reader comments: posting (with the moderation rules), replies, votes, reports, edits and
//! deletes, as HTML forms that work without JavaScript and as the JSON API the page script
//! uses. The writes themselves (with the moderation rules) are in writes/comments.rs; the
//! handlers here read the request, check the comment is the reader's own, and answer.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Json, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use tribune_core::ArticleId;
use tribune_core::comment::{self, Comment, CommentId, ReportReason};
use tribune_core::moderation::Verdict;

use super::{Params, comment_paging, form, json, params, private_json};
use crate::auth::{ApiViewer, Viewer};
use crate::cache::{CacheKey, Page};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::comments::{
    CommentFormPage, CommentFragment, CommentView, ThreadPage, ThreadView,
};
use crate::views::{Layout, NoticePage};
use crate::writes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reacties/nieuw", post(post_form))
        .route("/reacties/{id}", get(thread_page))
        .route("/reacties/{id}/beantwoorden", get(reply_page))
        .route("/reacties/{id}/melden", get(report_page).post(report_form))
        .route("/reacties/{id}/bewerken", get(edit_page).post(edit_form))
        .route("/reacties/{id}/verwijderen", post(delete_form))
        .route("/reacties/{id}/stem", post(vote_form))
        .route(
            "/api/v1/articles/{id}/comments",
            get(api_page).post(api_post),
        )
        .route("/api/v1/articles/{id}/comments/mine", get(api_mine))
        .route(
            "/api/v1/comments/{id}",
            get(api_comment).patch(api_edit).delete(api_delete),
        )
        .route("/api/v1/comments/{id}/vote", put(api_vote))
        .route("/api/v1/comments/{id}/reports", post(api_report))
        .route("/api/v1/comments/{id}/revisions", get(api_revisions))
}

async fn own_comment(
    state: &AppState,
    viewer: &Viewer,
    id: CommentId,
) -> Result<Comment, AppError> {
    state
        .store
        .comment(id)
        .await?
        .filter(|c| c.author_id == Some(viewer.account.id))
        .ok_or(AppError::NotFound)
}

/// A report as the reader sent it: a reason from the list and a short note.
async fn report(
    state: &AppState,
    viewer: &Viewer,
    id: CommentId,
    reason: &str,
    note: &str,
) -> Result<comment::Report, AppError> {
    let reason = ReportReason::parse(reason)
        .ok_or_else(|| AppError::BadRequest("Kies een reden voor je melding.".to_string()))?;
    if note.chars().count() > 1_000 {
        return Err(AppError::BadRequest(
            "Je toelichting mag hoogstens 1000 tekens lang zijn.".to_string(),
        ));
    }
    writes::comments::report(state, viewer.account.id, id, reason, note.trim()).await
}

/// Edits the viewer's own comment (anyone else's is not found).
async fn edit(
    state: &AppState,
    viewer: &Viewer,
    id: CommentId,
    body: &str,
) -> Result<Comment, AppError> {
    let before = own_comment(state, viewer, id).await?;
    writes::comments::edit(state, viewer, &before, body).await
}

/// What a reader is told after posting, by verdict.
fn outcome_message(c: &Comment) -> &'static str {
    match c.verdict {
        Verdict::Visible => "Je reactie staat online.",
        Verdict::Pending => {
            "Bedankt! Je reactie wacht op goedkeuring door een moderator. Dat gebeurt bij nieuwe accounts en bij reacties die onze filters opmerken."
        }
        Verdict::Rejected => {
            "Je reactie werd niet geplaatst: ze bevat taal die we op Tribune niet toelaten. Denk je dat dit een vergissing is, dan kijkt een moderator ze na."
        }
    }
}

fn comment_id(raw: &str) -> Result<CommentId, AppError> {
    raw.parse::<CommentId>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

// ---- HTML ----

#[derive(Deserialize)]
struct PostForm {
    artikel: String,
    #[serde(default)]
    antwoord_op: String,
    tekst: String,
    #[serde(default)]
    csrf: String,
    /// The page the form was on, when that is a match page showing the article's comments.
    #[serde(default)]
    terug: String,
}

/// Where a posted comment sends its author back to: the match page the form was on, or the
/// article. Only a match page's own address is taken, never another site.
fn back_to(article_id: ArticleId, terug: &str) -> String {
    let match_page = terug.strip_prefix("/wedstrijden/").is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_digit())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if match_page {
        terug.to_string()
    } else {
        format!("/nieuws/{article_id}")
    }
}

fn optional_id(raw: &str) -> Result<Option<CommentId>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    comment_id(raw.trim())
        .map(Some)
        .map_err(|_| AppError::BadRequest("Deze reactie bestaat niet.".to_string()))
}

/// Not logged in: the `Viewer` extractor sends the reader to the login page and back to the
/// page the form was on.
async fn post_form(
    State(state): State<AppState>,
    viewer: Viewer,
    f: Result<Form<PostForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    let article_id: ArticleId = f
        .artikel
        .parse()
        .map_err(|_| AppError::BadRequest("Bij welk artikel hoort je reactie?".to_string()))?;
    viewer.check_form_token(&f.csrf)?;
    let reply_to = optional_id(&f.antwoord_op)?;
    let c = writes::comments::post(&state, &viewer, article_id, reply_to, &f.tekst).await?;
    let back = back_to(article_id, &f.terug);
    if c.public {
        return Ok(Redirect::to(&format!("{back}?reactie={0}#reactie-{0}", c.id)).into_response());
    }
    let status = if c.verdict == Verdict::Rejected {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::ACCEPTED
    };
    notice(
        status,
        "Je reactie",
        outcome_message(&c),
        Some((format!("{back}#reacties"), "Terug naar de reacties")),
    )
}

fn notice(
    status: StatusCode,
    title: &str,
    message: &str,
    back: Option<(String, &str)>,
) -> Result<Response, AppError> {
    let page = NoticePage {
        layout: Layout::new(format!("{title} — Tribune"), title),
        title: title.to_string(),
        message: message.to_string(),
        back: back.map(|(u, l)| (u, l.to_string())),
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::response::Html(page.render()?),
    )
        .into_response())
}

async fn thread_page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = comment_id(&raw)?;
    let c = state.store.comment(id).await?.ok_or(AppError::NotFound)?;
    if let Some(root) = c.root_id {
        return Ok(Redirect::permanent(&format!("/reacties/{root}#reactie-{id}")).into_response());
    }
    let page = state
        .cache
        .get_or_render(&format!("thread:{id}"), || async {
            let now = state.clock.now();
            let article = state
                .store
                .article(c.article_id, now)
                .await?
                .ok_or(AppError::NotFound)?;
            let thread = state.store.thread(id).await?.ok_or(AppError::NotFound)?;
            let view = ThreadPage {
                layout: Layout::new(
                    format!("Reacties bij {} — Tribune", article.display_title()),
                    article.lead.clone(),
                ),
                article_url: article.path(),
                article_title: article.display_title(),
                thread: ThreadView::new(&thread, now),
            };
            Ok::<_, AppError>(Page::html(
                view.render()?,
                vec![CacheKey::Article(article.id)],
            ))
        })
        .await?;
    Ok(page.respond(&headers))
}

fn form_page(page: CommentFormPage) -> Result<Response, AppError> {
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::response::Html(page.render()?),
    )
        .into_response())
}

async fn public_comment(state: &AppState, raw: &str) -> Result<Comment, AppError> {
    state
        .store
        .comment(comment_id(raw)?)
        .await?
        .filter(|c| c.public)
        .ok_or(AppError::NotFound)
}

async fn reply_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let c = public_comment(&state, &raw).await?;
    form_page(CommentFormPage {
        layout: Layout::new("Beantwoorden — Tribune", "Antwoord op een reactie"),
        heading: "Beantwoorden",
        comment: CommentView::new(&c, state.clock.now()),
        action: "/reacties/nieuw".to_string(),
        hidden: vec![
            ("artikel", c.article_id.to_string()),
            ("antwoord_op", c.id.to_string()),
        ],
        text: Some(String::new()),
        reasons: vec![],
        submit: "Plaats antwoord",
        csrf: viewer.session.csrf_token.clone(),
        delete_action: None,
    })
}

async fn report_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let c = public_comment(&state, &raw).await?;
    form_page(CommentFormPage {
        layout: Layout::new("Melden — Tribune", "Een reactie melden"),
        heading: "Deze reactie melden",
        comment: CommentView::new(&c, state.clock.now()),
        action: format!("/reacties/{}/melden", c.id),
        hidden: vec![],
        text: None,
        reasons: ReportReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        submit: "Meld aan de moderators",
        csrf: viewer.session.csrf_token.clone(),
        delete_action: None,
    })
}

#[derive(Deserialize)]
struct ReportForm {
    reden: String,
    #[serde(default)]
    toelichting: String,
    #[serde(default)]
    csrf: String,
}

async fn report_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    f: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let r = report(&state, &viewer, comment_id(&raw)?, &f.reden, &f.toelichting).await?;
    let c = state
        .store
        .comment(r.comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    notice(
        StatusCode::OK,
        "Bedankt voor je melding",
        "Een moderator bekijkt de reactie zo snel mogelijk.",
        Some((
            format!("/nieuws/{}#reactie-{}", c.article_id, c.id),
            "Terug naar het artikel",
        )),
    )
}

async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let c = own_comment(&state, &viewer, comment_id(&raw)?).await?;
    let now = state.clock.now();
    if !c.editable(now) {
        return Err(AppError::BadRequest(
            "Een reactie kan je tot 10 minuten na het plaatsen bewerken.".to_string(),
        ));
    }
    form_page(CommentFormPage {
        layout: Layout::new("Bewerken — Tribune", "Je reactie bewerken"),
        heading: "Je reactie bewerken",
        comment: CommentView::new(&c, now),
        action: format!("/reacties/{}/bewerken", c.id),
        hidden: vec![],
        text: Some(c.body_markdown.clone()),
        reasons: vec![],
        submit: "Bewaar",
        csrf: viewer.session.csrf_token.clone(),
        delete_action: Some(format!("/reacties/{}/verwijderen", c.id)),
    })
}

#[derive(Deserialize)]
struct EditForm {
    tekst: String,
    #[serde(default)]
    csrf: String,
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    f: Result<Form<EditForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let c = edit(&state, &viewer, comment_id(&raw)?, &f.tekst).await?;
    if c.public {
        return Ok(Redirect::to(&format!(
            "/nieuws/{}?reactie={1}#reactie-{1}",
            c.article_id, c.id
        ))
        .into_response());
    }
    notice(
        StatusCode::ACCEPTED,
        "Je reactie",
        outcome_message(&c),
        Some((
            format!("/nieuws/{}#reacties", c.article_id),
            "Terug naar het artikel",
        )),
    )
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn delete_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    f: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, AppError> {
    viewer.check_form_token(&form(f)?.csrf)?;
    let c = writes::comments::delete(&state, viewer.account.id, comment_id(&raw)?).await?;
    Ok(Redirect::to(&format!(
        "/nieuws/{}?reactie={1}#reactie-{1}",
        c.article_id, c.id
    ))
    .into_response())
}

#[derive(Deserialize)]
struct VoteForm {
    waarde: String,
    #[serde(default)]
    csrf: String,
}

fn vote_value(raw: &str) -> Result<i32, AppError> {
    match raw.trim() {
        "1" | "+1" => Ok(1),
        "-1" => Ok(-1),
        "0" => Ok(0),
        _ => Err(AppError::BadRequest(
            "Een stem is 1 (goed), -1 (slecht) of 0 (terugnemen).".to_string(),
        )),
    }
}

async fn vote_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    f: Result<Form<VoteForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    let id = comment_id(&raw)?;
    viewer.check_form_token(&f.csrf)?;
    let (_, _, article_id) =
        writes::comments::vote(&state, &viewer, id, vote_value(&f.waarde)?).await?;
    Ok(Redirect::to(&format!("/nieuws/{article_id}?reactie={id}#reactie-{id}")).into_response())
}

// ---- JSON ----

/// A comment in the API: what the page shows, never the verdict of someone else's comment.
#[derive(Serialize)]
pub struct CommentJson {
    #[serde(flatten)]
    view: CommentView,
    article_id: ArticleId,
    reply_to: Option<CommentId>,
    /// The author's own view only: visible, pending or rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    editable: Option<bool>,
}

impl CommentJson {
    fn public(c: &Comment, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            view: CommentView::new(c, now),
            article_id: c.article_id,
            reply_to: c.reply_to,
            status: None,
            markdown: None,
            editable: None,
        }
    }

    /// With what only the author may see about their own comment.
    fn own(c: &Comment, now: chrono::DateTime<chrono::Utc>) -> Self {
        let mut j = Self::public(c, now);
        if !c.deleted {
            // Pending and shadowed comments look normal to their author.
            j.view.placeholder = None;
            j.view.author_name = c.author_name.clone();
            j.view.author_id = c.author_id;
            j.view.html = c.body_html.clone();
            j.markdown = Some(c.body_markdown.clone());
        }
        j.status = Some(if c.shadow {
            Verdict::Visible
        } else {
            c.verdict
        });
        j.editable = Some(c.editable(now));
        j
    }
}

#[derive(Serialize)]
struct PageJson {
    comments: Vec<ThreadJson>,
    next: Option<String>,
}

#[derive(Serialize)]
struct ThreadJson {
    #[serde(flatten)]
    root: CommentJson,
    replies: Vec<CommentJson>,
    more_replies: i64,
}

async fn api_page(
    State(state): State<AppState>,
    Path(article_id): Path<ArticleId>,
    q: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let q = params(q)?;
    let (sort, after) = comment_paging(&q)?;
    let key = format!(
        "api-comments:{article_id}:{}:{}",
        sort.as_str(),
        after.map(|c| c.encode()).unwrap_or_default()
    );
    let page = state
        .cache
        .get_or_render(&key, || async {
            let now = state.clock.now();
            state
                .store
                .article(article_id, now)
                .await?
                .ok_or(AppError::NotFound)?;
            let page = state
                .store
                .comments_page(
                    article_id,
                    sort,
                    after,
                    comment::PAGE_SIZE,
                    comment::REPLIES_SHOWN,
                )
                .await?;
            let body = PageJson {
                comments: page
                    .threads
                    .iter()
                    .map(|t| ThreadJson {
                        root: CommentJson::public(&t.root, now),
                        replies: t
                            .replies
                            .iter()
                            .map(|c| CommentJson::public(c, now))
                            .collect(),
                        more_replies: t.more_replies(),
                    })
                    .collect(),
                next: page.next,
            };
            let bytes = serde_json::to_vec(&body).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok::<_, AppError>(Page::json(bytes, vec![CacheKey::Article(article_id)]))
        })
        .await?;
    Ok(page.respond(&headers))
}

#[derive(Deserialize)]
struct PostJson {
    body: String,
    #[serde(default)]
    reply_to: Option<CommentId>,
}

#[derive(Serialize)]
struct PostedJson {
    comment: CommentJson,
    status: Verdict,
    message: &'static str,
    /// The comment as page HTML, ready to insert.
    html: String,
}

async fn api_post(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(article_id): Path<ArticleId>,
    body: Result<Json<PostJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let c = writes::comments::post(&state, &viewer, article_id, body.reply_to, &body.body).await?;
    let now = state.clock.now();
    let own = CommentJson::own(&c, now);
    let html = CommentFragment {
        c: own.view.clone(),
    }
    .render()
    .map_err(AppError::from)?;
    Ok(private_json(
        StatusCode::CREATED,
        PostedJson {
            status: own.status.unwrap_or(c.verdict),
            comment: own,
            message: outcome_message(&c),
            html,
        },
    ))
}

#[derive(Serialize)]
struct MineJson {
    /// Own comments others do not see (waiting for a moderator), to show to their author.
    unlisted: Vec<CommentJson>,
    /// Own votes among the comments asked about (`?ids=1,2,3`), as [id, value].
    votes: Vec<(CommentId, i32)>,
}

async fn api_mine(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(article_id): Path<ArticleId>,
    q: Params,
) -> Result<Response, ApiError> {
    let q = params(q)?;
    let ids: Vec<CommentId> = q
        .get("ids")
        .map(|s| {
            s.split(',')
                .filter_map(|p| p.trim().parse().ok())
                .take(500)
                .collect()
        })
        .unwrap_or_default();
    let now = state.clock.now();
    let unlisted = state
        .store
        .own_unlisted_comments(article_id, viewer.account.id)
        .await?;
    let votes = state
        .store
        .comment_votes_of(viewer.account.id, &ids)
        .await?;
    Ok(private_json(
        StatusCode::OK,
        MineJson {
            unlisted: unlisted.iter().map(|c| CommentJson::own(c, now)).collect(),
            votes,
        },
    ))
}

async fn api_comment(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let c = state
        .store
        .comment(comment_id(&raw)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mine = viewer.is_some_and(|v| c.author_id == Some(v.account.id));
    if mine {
        return Ok(private_json(StatusCode::OK, CommentJson::own(&c, now)));
    }
    if !c.public {
        return Err(AppError::NotFound.into());
    }
    Ok(private_json(StatusCode::OK, CommentJson::public(&c, now)))
}

#[derive(Deserialize)]
struct EditJson {
    body: String,
}

async fn api_edit(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(raw): Path<String>,
    body: Result<Json<EditJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let c = edit(&state, &viewer, comment_id(&raw)?, &body.body).await?;
    Ok(private_json(
        StatusCode::OK,
        CommentJson::own(&c, state.clock.now()),
    ))
}

async fn api_delete(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    writes::comments::delete(&state, viewer.account.id, comment_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct VoteJson {
    value: i32,
}

async fn api_vote(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(raw): Path<String>,
    body: Result<Json<VoteJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let (up, down, _) =
        writes::comments::vote(&state, &viewer, comment_id(&raw)?, body.value).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "up": up, "down": down, "value": body.value }),
    ))
}

#[derive(Deserialize)]
struct ReportJson {
    reason: String,
    #[serde(default)]
    note: String,
}

async fn api_report(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(raw): Path<String>,
    body: Result<Json<ReportJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json(body)?;
    let r = report(&state, &viewer, comment_id(&raw)?, &body.reason, &body.note).await?;
    Ok(private_json(
        StatusCode::CREATED,
        serde_json::json!({ "id": r.id, "comment_id": r.comment_id, "reason": r.reason }),
    ))
}

/// Earlier texts: for the author and for moderators.
async fn api_revisions(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let c = state
        .store
        .comment(comment_id(&raw)?)
        .await?
        .ok_or(AppError::NotFound)?;
    if c.author_id != Some(viewer.account.id) {
        viewer.require(|r| r.can_moderate())?;
    }
    let revisions: Vec<_> = state
        .store
        .comment_revisions(c.id)
        .await?
        .into_iter()
        .map(|(text, at)| serde_json::json!({ "markdown": text, "replaced_at": at }))
        .collect();
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "comment_id": c.id, "revisions": revisions }),
    ))
}
