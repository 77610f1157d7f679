//! The back office's topic and user administration (admins only), and the topic suggestions
//! the article editor asks for while a text is written (journalists, editors and admins).
//!
//! Topic forms are `multipart/form-data` (they may carry a crest); a plain form without a
//! crest is read as well. Every state-changing form checks the session's CSRF token.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, FromRequest, Json, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tribune_core::account::{Account, AccountId, Role};
use tribune_core::store::AccountFilter;
use tribune_core::tagging::{Confidence, Part, Tagger};
use tribune_core::time::long_date_time;
use tribune_core::topic::{NewTopic, Topic, TopicId, TopicKind, topic_path};

use super::personal_with;
use super::{Params, Segment, form, json, page_number, params, private_json, segment};
use crate::auth::{ApiViewer, Viewer};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::desk::{TopicFormPage, TopicListPage, TopicRow, UserRow, UsersPage};
use crate::views::{Layout, url_encode};
use crate::writes;

/// Accounts per page of the user list.
const USERS_PER_PAGE: u32 = 50;
/// Most characters the suggestions read from title, lead and body together: a long
/// feature is some 60,000.
const DRAFT_MAX_CHARS: usize = 200_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redactie/suggesties", post(suggestions))
        .route("/redactie/onderwerpen", get(topic_list))
        .route(
            "/redactie/onderwerpen/nieuw",
            get(new_topic_page).post(create_topic),
        )
        .route(
            "/redactie/onderwerpen/{id}",
            get(edit_topic_page).post(update_topic),
        )
        .route("/redactie/gebruikers", get(users_page))
        .route("/redactie/gebruikers/{id}/rol", post(change_role))
}

fn admin(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(Role::can_administer)
}

/// An id in a path; anything else is no such page.
fn id_of(s: Segment) -> Result<i64, AppError> {
    segment(s)?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------
// Suggestions

#[derive(Deserialize)]
struct Draft {
    #[serde(default)]
    title: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    body: String,
}

#[derive(Serialize)]
struct SuggestionJson<'a> {
    topic_id: TopicId,
    name: &'a str,
    slug: &'a str,
    kind: TopicKind,
    confidence: Confidence,
    count: usize,
    first_text: String,
    first_part: Part,
}

/// `POST /redactie/suggesties` {title, lead, body}: the topics the text talks about, as
/// [`Tagger::suggest`] orders them (sure ones first). The editor's page asks at each pause
/// in typing; the editor confirms.
async fn suggestions(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    body: Result<Json<Draft>, JsonRejection>,
) -> Result<Response, ApiError> {
    viewer.require(Role::can_write)?;
    let draft = json(body)?;
    let chars =
        draft.title.chars().count() + draft.lead.chars().count() + draft.body.chars().count();
    if chars > DRAFT_MAX_CHARS {
        return Err(AppError::BadRequest(format!(
            "Deze tekst is te lang voor suggesties: hoogstens {DRAFT_MAX_CHARS} tekens."
        ))
        .into());
    }
    // The tagger is built for each request rather than kept in AppState: reading the
    // topics and building it took 1.5 to 4 ms for the demo's 26 topics (103 names) in a
    // debug build on a busy two-core machine, a writer asks a few times a minute, and built
    // from the store it is right on every node the moment a topic changes anywhere.
    let topics = state.store.topics().await?;
    let tagger = Tagger::new(topics.iter().flat_map(Topic::tag_names));
    let by_id: HashMap<TopicId, &Topic> = topics.iter().map(|t| (t.id, t)).collect();
    let found = tagger.suggest(&draft.title, &draft.lead, &draft.body);
    let list: Vec<SuggestionJson> = found
        .into_iter()
        .filter_map(|s| {
            let t = by_id.get(&s.topic_id)?;
            Some(SuggestionJson {
                topic_id: t.id,
                name: &t.name,
                slug: &t.slug,
                kind: t.kind,
                confidence: s.confidence,
                count: s.count,
                first_text: s.first_text,
                first_part: s.first_part,
            })
        })
        .collect();
    Ok(private_json(StatusCode::OK, list))
}

// ---------------------------------------------------------------------------------------
// Topics

async fn topic_list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    admin(&viewer)?;
    let topics = state.store.topics().await?;
    let counts: HashMap<TopicId, i64> = state
        .store
        .topic_article_counts()
        .await?
        .into_iter()
        .collect();
    let page = TopicListPage {
        layout: Layout::new("Onderwerpen — Redactie — Tribune", "Onderwerpen beheren"),
        topics: topics
            .into_iter()
            .map(|t| TopicRow {
                id: t.id,
                kind: t.kind.label(),
                aliases: t.aliases.join(", "),
                weak_aliases: t.weak_aliases.join(", "),
                articles: counts.get(&t.id).copied().unwrap_or(0),
                path: topic_path(&t.slug),
                name_fr: t.name_fr.unwrap_or_default(),
                name: t.name,
            })
            .collect(),
    };
    Ok(personal_with(StatusCode::OK, page.render()?))
}

/// The form again as it was sent, with what to fix.
fn refused(
    mut page: TopicFormPage,
    sent: &TopicForm,
    error: &AppError,
) -> Result<Response, AppError> {
    page.name = sent.naam.clone();
    page.name_fr = sent.naam_fr.clone();
    page.kind = TopicKind::parse(&sent.soort).map_or(page.kind, TopicKind::as_str);
    page.aliases = sent.bijnamen.clone();
    page.weak_aliases = sent.zwakke_bijnamen.clone();
    page.error = Some(error.to_string());
    Ok(personal_with(error.status(), page.render()?))
}

/// What a topic form sends.
#[derive(Deserialize, Default)]
struct TopicForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    naam: String,
    #[serde(default)]
    naam_fr: String,
    #[serde(default)]
    soort: String,
    /// One per line.
    #[serde(default)]
    bijnamen: String,
    /// One per line.
    #[serde(default)]
    zwakke_bijnamen: String,
    /// Present (any value) to take the crest away.
    #[serde(default)]
    wapen_weg: Option<String>,
    /// The uploaded crest; only in a multipart form.
    #[serde(skip)]
    wapen: Option<bytes::Bytes>,
}

impl TopicForm {
    /// Reads a multipart form (with or without a crest) or a plain one.
    async fn read(state: &AppState, request: Request) -> Result<Self, AppError> {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let f: Result<Form<TopicForm>, FormRejection> =
                Form::from_request(request, state).await;
            return form(f);
        }
        let unreadable = |e: String| {
            AppError::BadRequest(format!(
                "Het formulier is niet volledig of klopt niet (een wapen mag hoogstens 2 MB \
                 groot zijn): {e}"
            ))
        };
        let mut parts = Multipart::from_request(request, state)
            .await
            .map_err(|e| unreadable(e.body_text()))?;
        let mut f = TopicForm::default();
        while let Some(field) = parts
            .next_field()
            .await
            .map_err(|e| unreadable(e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if name == "wapen" {
                let bytes = field.bytes().await.map_err(|e| unreadable(e.body_text()))?;
                // A form sent without choosing a file still has the part, empty.
                f.wapen = (!bytes.is_empty()).then_some(bytes);
                continue;
            }
            let text = field.text().await.map_err(|e| unreadable(e.body_text()))?;
            match name.as_str() {
                "csrf" => f.csrf = text,
                "naam" => f.naam = text,
                "naam_fr" => f.naam_fr = text,
                "soort" => f.soort = text,
                "bijnamen" => f.bijnamen = text,
                "zwakke_bijnamen" => f.zwakke_bijnamen = text,
                "wapen_weg" => f.wapen_weg = Some(text),
                _ => {}
            }
        }
        Ok(f)
    }

    /// The topic it describes, checked; `crest` is what the topic keeps unless the form
    /// uploads another or takes it away.
    fn topic(&self, crest: Option<String>) -> Result<NewTopic, AppError> {
        let kind = TopicKind::parse(&self.soort)
            .ok_or_else(|| AppError::BadRequest("Kies de soort van het onderwerp.".to_string()))?;
        let lines = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
        NewTopic {
            name: self.naam.clone(),
            name_fr: Some(self.naam_fr.clone()),
            kind,
            aliases: lines(&self.bijnamen),
            weak_aliases: lines(&self.zwakke_bijnamen),
            crest: if self.wapen_weg.is_some() {
                None
            } else {
                crest
            },
        }
        .checked()
        .map_err(AppError::BadRequest)
    }
}

/// A new crest, judged and stored like a photo (by its bytes, without metadata); its
/// master's file name.
async fn store_crest(state: &AppState, bytes: bytes::Bytes) -> Result<String, AppError> {
    let photo = crate::photos::process_in_background(bytes, state.config.media_dir.clone()).await?;
    photo
        .master()
        .map(|m| m.file_name.clone())
        .ok_or_else(|| AppError::Internal("a stored crest has no master".to_string()))
}

async fn new_topic_page(State(_): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    admin(&viewer)?;
    Ok(personal_with(
        StatusCode::OK,
        TopicFormPage::new(&viewer.session.csrf_token, None).render()?,
    ))
}

async fn create_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let sent = TopicForm::read(&state, request).await?;
    viewer.check_form_token(&sent.csrf)?;
    let page = TopicFormPage::new(&viewer.session.csrf_token, None);
    let saved = async {
        let mut topic = sent.topic(None)?;
        if let Some(bytes) = sent.wapen.clone() {
            topic.crest = Some(store_crest(&state, bytes).await?);
        }
        writes::topics::create_topic(&state, &topic).await
    }
    .await;
    match saved {
        Ok(t) => {
            Ok(Redirect::to(&format!("/redactie/onderwerpen/{}?bewaard=1", t.id)).into_response())
        }
        Err(e) if matches!(e.status(), StatusCode::BAD_REQUEST | StatusCode::CONFLICT) => {
            refused(page, &sent, &e)
        }
        Err(e) => Err(e),
    }
}

async fn edit_topic_page(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Segment,
    q: Params,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let id = id_of(id)?;
    let q = params(q)?;
    let topic = state.store.topic(id).await?.ok_or(AppError::NotFound)?;
    let mut page = TopicFormPage::new(&viewer.session.csrf_token, Some(&topic));
    page.saved = q.contains_key("bewaard");
    Ok(personal_with(StatusCode::OK, page.render()?))
}

async fn update_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Segment,
    request: Request,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let id = id_of(id)?;
    let sent = TopicForm::read(&state, request).await?;
    viewer.check_form_token(&sent.csrf)?;
    let current = state.store.topic(id).await?.ok_or(AppError::NotFound)?;
    let page = TopicFormPage::new(&viewer.session.csrf_token, Some(&current));
    let saved = async {
        let mut topic = sent.topic(current.crest.clone())?;
        if let Some(bytes) = sent.wapen.clone() {
            topic.crest = Some(store_crest(&state, bytes).await?);
        }
        writes::topics::update_topic(&state, id, &topic).await
    }
    .await;
    match saved {
        Ok(t) => {
            Ok(Redirect::to(&format!("/redactie/onderwerpen/{}?bewaard=1", t.id)).into_response())
        }
        Err(e) if matches!(e.status(), StatusCode::BAD_REQUEST | StatusCode::CONFLICT) => {
            refused(page, &sent, &e)
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Users

/// The user list's address with its search, filter and page.
fn users_link(text: &str, role: Option<Role>, page: u32, extra: &str) -> String {
    let mut query = Vec::new();
    if !text.is_empty() {
        query.push(format!("q={}", url_encode(text)));
    }
    if let Some(r) = role {
        query.push(format!("rol={}", r.as_str()));
    }
    if page > 1 {
        query.push(format!("pagina={page}"));
    }
    if !extra.is_empty() {
        query.push(extra.to_string());
    }
    if query.is_empty() {
        "/redactie/gebruikers".to_string()
    } else {
        format!("/redactie/gebruikers?{}", query.join("&"))
    }
}

/// `?rol=` of the user list: empty is every role.
fn role_filter(value: Option<&String>) -> Result<Option<Role>, AppError> {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Role::parse(v)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest(format!("Onbekende rol \"{v}\"."))),
    }
}

async fn users_page(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Params,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let q = params(q)?;
    let text = q.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    if text.chars().count() > 200 {
        return Err(AppError::BadRequest(
            "Zoek met hoogstens 200 tekens.".to_string(),
        ));
    }
    let role = role_filter(q.get("rol"))?;
    let page = page_number(&q)?;
    let filter = AccountFilter {
        text: text.clone(),
        role,
    };
    // One more than shown tells whether there is a next page.
    let mut accounts = state
        .store
        .accounts(&filter, USERS_PER_PAGE + 1, (page - 1) * USERS_PER_PAGE)
        .await?;
    let has_more = accounts.len() > USERS_PER_PAGE as usize;
    accounts.truncate(USERS_PER_PAGE as usize);
    let saved = match q.get("bewaard").and_then(|id| id.parse::<AccountId>().ok()) {
        Some(id) => state
            .store
            .account(id)
            .await?
            .map(|a| format!("{} is nu {}.", a.display_name, a.role.label())),
        None => None,
    };
    let row = |a: Account| UserRow {
        id: a.id,
        role: a.role.as_str(),
        created: long_date_time(a.created_at),
        me: a.id == viewer.account.id,
        name: a.display_name,
        email: a.email,
    };
    let view = UsersPage {
        layout: Layout::new("Gebruikers — Redactie — Tribune", "Gebruikers en rollen"),
        csrf: viewer.session.csrf_token.clone(),
        role: role.map(Role::as_str).unwrap_or_default().to_string(),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        users: accounts.into_iter().map(row).collect(),
        previous: (page > 1).then(|| users_link(&text, role, page - 1, "")),
        next: has_more.then(|| users_link(&text, role, page + 1, "")),
        text,
        page,
        saved,
    };
    Ok(personal_with(StatusCode::OK, view.render()?))
}

#[derive(Deserialize)]
struct RoleForm {
    rol: String,
    #[serde(default)]
    csrf: String,
    /// The list's search, filter and page, to go back to.
    #[serde(default)]
    q: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    pagina: String,
}

/// `POST /redactie/gebruikers/{id}/rol`: an admin gives an account another role. The last
/// admin keeps theirs (the store refuses, see `AccountStore::change_role`).
async fn change_role(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Segment,
    f: Result<Form<RoleForm>, FormRejection>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let id = id_of(id)?;
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let role = Role::parse(f.rol.trim())
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende rol \"{}\".", f.rol)))?;
    let account = writes::topics::change_role(&state, id, role, viewer.account.id).await?;
    let back = users_link(
        f.q.trim(),
        Role::parse(f.filter.trim()),
        f.pagina.trim().parse().unwrap_or(1),
        &format!("bewaard={}", account.id),
    );
    Ok(Redirect::to(&back).into_response())
}
