//! The newsroom's back office for articles (/redactie): the list, the editor with autosave,
//! live preview, topic suggestions, photo and related-article pickers, the workflow
//! (journalists submit, editors publish or schedule), revisions with their differences, and
//! the same writes as JSON for scripts (/api/v1/desk/...).
//!
//! Who may do what: journalists, editors and admins write; a journalist changes only their
//! own pieces while they are not out; editors and admins change, publish, schedule and take
//! off anything.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Json, Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tribune_core::account::Role;
use tribune_core::article::{ArticleId, ArticleKind, Photo};
use tribune_core::desk::{ArticleDraft, DeskArticle, DeskQuery, DeskStatus};
use tribune_core::markdown;
use tribune_core::poll::NewPoll;
use tribune_core::time::{from_input, long_date_time};
use tribune_core::topic::TopicId;

use super::personal;
use super::{Params, json, page_number, params, private_json};
use crate::auth::{ApiViewer, Viewer};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::desk::{
    ArticleListPage, ArticleRow, DiffPage, EditorArticle, EditorFields, EditorPage, RevisionLine,
    RevisionsPage, desk_menu, field_diffs,
};
use crate::writes;
use crate::writes::articles::Step;

/// Articles on one page of the back office's list.
const LIST_SIZE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redactie", get(list))
        .route("/redactie/artikels/nieuw", get(new_form).post(create))
        .route("/redactie/artikels/nieuw/autosave", post(autosave_new))
        .route("/redactie/artikels/zoek", get(pick_related))
        .route("/redactie/voorbeeld", post(preview))
        .route("/redactie/artikels/{id}", get(edit_form).post(update))
        .route("/redactie/artikels/{id}/autosave", post(autosave))
        .route("/redactie/artikels/{id}/autosave/verwerpen", post(discard))
        .route("/redactie/artikels/{id}/peiling", post(attach_poll))
        .route("/redactie/artikels/{id}/versies", get(revisions))
        .route("/redactie/artikels/{id}/versies/vergelijk", get(compare))
        .route(
            "/redactie/artikels/{id}/versies/{n}/herstellen",
            post(restore),
        )
        .route("/api/v1/desk/articles", get(api_list).post(api_create))
        .route("/api/v1/desk/articles/{id}", get(api_get).put(api_update))
        .route("/api/v1/desk/articles/{id}/submit", post(api_submit))
        .route("/api/v1/desk/articles/{id}/publish", post(api_publish))
        .route("/api/v1/desk/articles/{id}/withdraw", post(api_withdraw))
        .route("/api/v1/desk/articles/{id}/revisions", get(api_revisions))
        .route(
            "/api/v1/desk/articles/{id}/revisions/{n}/restore",
            post(api_restore),
        )
}

fn writer(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(Role::can_write)
}

/// 403 unless the viewer may change this article's text.
fn may_edit(viewer: &Viewer, a: &DeskArticle) -> Result<(), AppError> {
    writer(viewer)?;
    let role = viewer.account.role;
    if role.can_publish() {
        return Ok(());
    }
    if a.owner_id != Some(viewer.account.id) {
        return Err(AppError::Forbidden(
            "Dit artikel is van een collega: vraag een eindredacteur om het aan te passen.".into(),
        ));
    }
    if a.status.is_out() {
        return Err(AppError::Forbidden(
            "Dit artikel staat online of is ingepland: alleen een eindredacteur past het nog aan."
                .into(),
        ));
    }
    Ok(())
}

async fn load(state: &AppState, id: ArticleId) -> Result<DeskArticle, AppError> {
    state
        .store
        .desk_article(id, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------
// What every way in (form, JSON) does.

/// The step a form's button asks for besides saving.
fn step_of(button: &str) -> Option<Step> {
    match button {
        "" | "opslaan" => Some(Step::Save),
        "indienen" => Some(Step::Submit),
        "publiceren" => Some(Step::Publish),
        "offline" | "terugsturen" => Some(Step::Withdraw),
        _ => None,
    }
}

/// Checks who may save the draft (a new article when `id` is `None`) and take `step`, then
/// writes it. Publishing and withdrawing need an editor; the save is checked first, so
/// nothing is half done.
async fn write(
    state: &AppState,
    viewer: &Viewer,
    id: Option<ArticleId>,
    draft: &ArticleDraft,
    step: Step,
    note: &str,
) -> Result<DeskArticle, AppError> {
    writer(viewer)?;
    if matches!(step, Step::Publish | Step::Withdraw) {
        viewer.require(Role::can_publish).map_err(|_| {
            AppError::Forbidden(
                "Publiceren, inplannen en offline halen doet een eindredacteur: dien het artikel in."
                    .into(),
            )
        })?;
    }
    if let Some(id) = id {
        may_edit(viewer, &load(state, id).await?)?;
    }
    if step == Step::Publish {
        draft.check_publishable().map_err(AppError::BadRequest)?;
    }
    writes::articles::write(state, viewer.account.id, id, draft, step, note).await
}

async fn restore_revision(
    state: &AppState,
    viewer: &Viewer,
    id: ArticleId,
    n: i64,
) -> Result<DeskArticle, AppError> {
    let rev = state
        .store
        .revision(id, n)
        .await?
        .ok_or(AppError::NotFound)?;
    write(
        state,
        viewer,
        Some(id),
        &rev.draft,
        Step::Save,
        &format!("hersteld uit versie {n}"),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The editor's fields.

/// The fields of a form post, and its `csrf` and `actie`.
fn read_form(body: &[u8]) -> (EditorFields, HashMap<String, String>) {
    let mut f = EditorFields::default();
    let mut other = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = v.into_owned();
        match &*k {
            "titel" => f.titel = v,
            "soort" => f.soort = v,
            "bron" => f.bron = v,
            "auteur" => f.auteur = v,
            "inleiding" => f.inleiding = v,
            "tekst" => f.tekst = v,
            "foto_pad" => f.foto_pad = v,
            "foto_credit" => f.foto_credit = v,
            "foto_bijschrift" => f.foto_bijschrift = v,
            "foto_breedte" => f.foto_breedte = v,
            "foto_hoogte" => f.foto_hoogte = v,
            "onderwerp" => f.onderwerp.push(v),
            "verwant" => f.verwant.extend(
                v.split([',', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            ),
            "datum" => f.datum = v,
            "tijd" => f.tijd = v,
            _ => {
                other.insert(k.into_owned(), v);
            }
        }
    }
    (f, other)
}

fn ids(values: &[String], what: &str) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    for v in values {
        let id: i64 = v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{what} \"{v}\" bestaat niet."))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// A photo an article may carry: a file the upload wrote (a plain name in the media
/// directory), its credit and caption checked, its size known.
fn checked_photo(
    media_dir: &std::path::Path,
    path: &str,
    credit: &str,
    caption: &str,
    size: Option<(u32, u32)>,
) -> Result<Photo, String> {
    let path = path.trim();
    let plain = !path.contains(['/', '\\']) && !path.starts_with('.');
    if !plain || crate::photos::media_type(path).is_none() || !media_dir.join(path).is_file() {
        return Err("De foto is niet (meer) te vinden: laad ze opnieuw op.".into());
    }
    let (width, height) = size.ok_or("De foto mist haar afmetingen: laad ze opnieuw op.")?;
    Ok(Photo {
        path: path.to_string(),
        credit: crate::photos::check_credit(credit)?,
        caption: crate::photos::check_caption(caption)?,
        width,
        height,
    })
}

/// The draft these fields describe; the error says, in Dutch, what to fix.
fn draft_of(fields: &EditorFields, media_dir: &std::path::Path) -> Result<ArticleDraft, String> {
    let kind = ArticleKind::parse(fields.soort.trim())
        .ok_or_else(|| "Kies wat voor artikel het is.".to_string())?;
    let photo = if fields.foto_pad.trim().is_empty() {
        None
    } else {
        let px = |s: &str| s.trim().parse::<u32>().ok().filter(|n| *n > 0);
        Some(checked_photo(
            media_dir,
            &fields.foto_pad,
            &fields.foto_credit,
            &fields.foto_bijschrift,
            px(&fields.foto_breedte).zip(px(&fields.foto_hoogte)),
        )?)
    };
    let publish_at = match (fields.datum.trim(), fields.tijd.trim()) {
        ("", "") => None,
        (d, t) => Some(
            from_input(d, if t.is_empty() { "00:00" } else { t }).ok_or_else(|| {
                "Die publicatiedatum of -tijd bestaat niet (JJJJ-MM-DD en UU:MM).".to_string()
            })?,
        ),
    };
    let draft = ArticleDraft {
        title: fields.titel.trim().to_string(),
        kind,
        source: Some(fields.bron.trim().to_string()).filter(|s| !s.is_empty()),
        byline: fields.auteur.trim().to_string(),
        lead: fields.inleiding.trim().to_string(),
        body_markdown: fields.tekst.replace("\r\n", "\n"),
        photo,
        topics: ids(&fields.onderwerp, "Onderwerp")?,
        related: ids(&fields.verwant, "Verwant artikel")?,
        publish_at,
    };
    draft.check_draft()?;
    Ok(draft)
}

// ---------------------------------------------------------------------------------------
// Pages.

fn filter_url(p: &HashMap<String, String>, page: u32) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let mut keys: Vec<_> = p
        .iter()
        .filter(|(k, v)| *k != "pagina" && !v.is_empty())
        .collect();
    keys.sort();
    for (k, v) in keys {
        s.append_pair(k, v);
    }
    if page > 1 {
        s.append_pair("pagina", &page.to_string());
    }
    format!("/redactie?{}", s.finish())
}

/// The list's filters from the query string; a wrong one is the reader's error.
fn desk_query(p: &HashMap<String, String>) -> Result<DeskQuery, AppError> {
    let get = |k: &str| p.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let bad = |what: &str| AppError::BadRequest(format!("Het filter {what} klopt niet."));
    let day = |k: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        get(k)
            .map(|d| from_input(d, "00:00").ok_or_else(|| bad(k)))
            .transpose()
    };
    let mut until = day("tot")?;
    // "tot" is the last day shown, so the list runs to its end.
    if let Some(t) = until.as_mut() {
        *t += chrono::Duration::days(1);
    }
    Ok(DeskQuery {
        status: get("status")
            .map(|s| DeskStatus::parse(s).ok_or_else(|| bad("status")))
            .transpose()?,
        author: get("auteur")
            .map(|s| s.parse().map_err(|_| bad("auteur")))
            .transpose()?,
        topic: get("onderwerp")
            .map(|s| s.parse().map_err(|_| bad("onderwerp")))
            .transpose()?,
        kind: get("soort")
            .map(|s| ArticleKind::parse(s).ok_or_else(|| bad("soort")))
            .transpose()?,
        from: day("van")?,
        until,
        title: get("q").map(str::to_string),
        offset: 0,
        limit: LIST_SIZE,
    })
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Params,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let p = params(q)?;
    let page = page_number(&p)?;
    let mut query = desk_query(&p)?;
    query.offset = (page - 1) * LIST_SIZE;
    query.limit = LIST_SIZE + 1;
    let mut rows = state.store.desk_articles(&query, state.clock.now()).await?;
    let more = rows.len() > LIST_SIZE as usize;
    rows.truncate(LIST_SIZE as usize);
    let authors = state.store.authors().await?;
    let topics = state.store.topics().await?;
    let page = ArticleListPage {
        layout: Layout::new("Redactie — Tribune", "De artikels van de redactie"),
        menu: desk_menu(viewer.account.role),
        rows: rows.iter().map(ArticleRow::of).collect(),
        statuses: DeskStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), query.status == Some(*s)))
            .collect(),
        kinds: ArticleKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    k.label().unwrap_or("Nieuws"),
                    query.kind == Some(*k),
                )
            })
            .collect(),
        authors: authors
            .iter()
            .map(|a| (a.id, a.name.clone(), query.author == Some(a.id)))
            .collect(),
        topics: topics
            .iter()
            .map(|t| (t.id, t.name.clone(), query.topic == Some(t.id)))
            .collect(),
        q: p.get("q").cloned().unwrap_or_default(),
        van: p.get("van").cloned().unwrap_or_default(),
        tot: p.get("tot").cloned().unwrap_or_default(),
        prev: (page > 1).then(|| filter_url(&p, page - 1)),
        next: more.then(|| filter_url(&p, page + 1)),
    };
    Ok(personal(page.render()?))
}

/// Renders the editor with `fields` (as stored, autosaved, or as just typed).
async fn editor(
    state: &AppState,
    viewer: &Viewer,
    article: Option<&DeskArticle>,
    fields: EditorFields,
    error: Option<String>,
    notice: Option<String>,
    restored_at: Option<DateTime<Utc>>,
) -> Result<EditorPage, AppError> {
    let topics = state.store.topics().await?;
    let chosen: Vec<String> = fields.onderwerp.clone();
    let now = state.clock.now();
    let mut related = Vec::new();
    for id in ids(&fields.verwant, "").unwrap_or_default() {
        if let Some(r) = state.store.desk_article(id, now).await? {
            related.push((id, r.draft.title));
        }
    }
    let poll = match article {
        Some(a) => state
            .store
            .poll_of_article(a.id)
            .await?
            .map(|p| (p.question, p.options.into_iter().map(|o| o.label).collect())),
        None => None,
    };
    let photo_src = (!fields.foto_pad.is_empty()).then(|| format!("/media/{}", fields.foto_pad));
    Ok(EditorPage {
        layout: Layout::new(
            match article {
                Some(a) => format!("{} — Redactie — Tribune", a.draft.title),
                None => "Nieuw artikel — Redactie — Tribune".into(),
            },
            "Artikel schrijven",
        )
        .with_desk_script(),
        menu: desk_menu(viewer.account.role),
        csrf: viewer.session.csrf_token.clone(),
        article: article.map(|a| EditorArticle {
            id: a.id,
            status: a.status.label(),
            status_key: a.status.as_str(),
            public_url: (a.status == DeskStatus::Published).then(|| a.path()),
            revision: a.revision,
            updated: long_date_time(a.updated_at),
            published: long_date_time(a.published_at),
            is_out: a.status.is_out(),
            submitted: a.status == DeskStatus::Submitted,
        }),
        kinds: ArticleKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label().unwrap_or("Nieuws")))
            .collect(),
        topics: topics
            .iter()
            .map(|t| {
                (
                    t.id,
                    t.name.clone(),
                    t.kind.label(),
                    chosen.contains(&t.id.to_string()),
                )
            })
            .collect(),
        related,
        photo_src,
        authors: state
            .store
            .authors()
            .await?
            .into_iter()
            .map(|a| a.name)
            .collect(),
        can_publish: viewer.account.role.can_publish(),
        poll,
        fields,
        error,
        notice,
        restored_at: restored_at.map(long_date_time),
    })
}

/// The autosaved fields, when they are newer than `than`.
async fn autosaved(
    state: &AppState,
    viewer: &Viewer,
    id: Option<ArticleId>,
    than: Option<DateTime<Utc>>,
) -> Result<Option<(EditorFields, DateTime<Utc>)>, AppError> {
    let Some(a) = state.store.autosaved(viewer.account.id, id).await? else {
        return Ok(None);
    };
    // Older than the stored article: someone saved since, so it would only take that back.
    if than.is_some_and(|t| a.saved_at < t) {
        return Ok(None);
    }
    Ok(serde_json::from_str(&a.fields)
        .ok()
        .map(|f| (f, a.saved_at)))
}

async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    writer(&viewer)?;
    let (fields, restored) = match autosaved(&state, &viewer, None, None).await? {
        Some((f, at)) => (f, Some(at)),
        None => (
            EditorFields {
                soort: "news".into(),
                auteur: viewer.account.display_name.clone(),
                ..EditorFields::default()
            },
            None,
        ),
    };
    let page = editor(&state, &viewer, None, fields, None, None, restored).await?;
    Ok(personal(page.render()?))
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
    q: Params,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let a = load(&state, id).await?;
    let p = params(q)?;
    let notice = p.get("bewaard").map(|_| match a.status {
        DeskStatus::Draft => "Bewaard als concept.".to_string(),
        DeskStatus::Submitted => "Bewaard en ingediend bij de eindredactie.".to_string(),
        DeskStatus::Scheduled => format!(
            "Ingepland: online vanaf {}.",
            long_date_time(a.published_at)
        ),
        DeskStatus::Published => "Bewaard: het staat online.".to_string(),
    });
    let (fields, restored) = match autosaved(&state, &viewer, Some(id), Some(a.updated_at)).await? {
        Some((f, at)) => (f, Some(at)),
        None => (EditorFields::of(&a.draft), None),
    };
    let page = editor(&state, &viewer, Some(&a), fields, None, notice, restored).await?;
    Ok(personal(page.render()?))
}

/// A form post of the editor: saves and takes the step its button asked for; on an error
/// the form comes back with everything as typed and the message on top.
async fn save_form(
    state: &AppState,
    viewer: &Viewer,
    id: Option<ArticleId>,
    body: &[u8],
) -> Result<Response, AppError> {
    writer(viewer)?;
    let (fields, other) = read_form(body);
    viewer.check_form_token(other.get("csrf").map(String::as_str).unwrap_or(""))?;
    let step = step_of(other.get("actie").map(String::as_str).unwrap_or(""))
        .ok_or_else(|| AppError::BadRequest("Onbekende actie.".into()))?;
    let article = match id {
        Some(id) => Some(load(state, id).await?),
        None => None,
    };
    let outcome = match draft_of(&fields, &state.config.media_dir) {
        Ok(draft) => write(state, viewer, id, &draft, step, "opgeslagen").await,
        Err(message) => Err(AppError::BadRequest(message)),
    };
    match outcome {
        Ok(saved) => {
            Ok(Redirect::to(&format!("/redactie/artikels/{}?bewaard=1", saved.id)).into_response())
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Store(_) | AppError::Forbidden(_)))
            if e.status().is_client_error() =>
        {
            let status = e.status();
            let page = editor(
                state,
                viewer,
                article.as_ref(),
                fields,
                Some(e.public_detail()),
                None,
                None,
            )
            .await?;
            Ok((status, personal(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    save_form(&state, &viewer, None, &body).await
}

async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    save_form(&state, &viewer, Some(id), &body).await
}

/// Keeps the fields as typed: the editor's script posts them every few seconds while
/// something changed, and once more when the tab is closed.
async fn keep(
    state: &AppState,
    viewer: &Viewer,
    id: Option<ArticleId>,
    body: &[u8],
) -> Result<Response, AppError> {
    writer(viewer)?;
    if let Some(id) = id {
        may_edit(viewer, &load(state, id).await?)?;
    }
    let (fields, other) = read_form(body);
    viewer.check_form_token(other.get("csrf").map(String::as_str).unwrap_or(""))?;
    let text = serde_json::to_string(&fields).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = writes::articles::autosave(state, viewer.account.id, id, &text).await?;
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "saved_at": now, "time": tribune_core::time::clock_time(now) }),
    ))
}

async fn autosave_new(
    State(state): State<AppState>,
    viewer: Viewer,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    keep(&state, &viewer, None, &body).await
}

async fn autosave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    keep(&state, &viewer, Some(id), &body).await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn discard(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
    f: Result<axum::extract::Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    // 0 is the new-article form.
    let id = (id > 0).then_some(id);
    writes::articles::discard_autosave(&state, viewer.account.id, id).await?;
    Ok(Redirect::to(&match id {
        Some(id) => format!("/redactie/artikels/{id}"),
        None => "/redactie/artikels/nieuw".into(),
    })
    .into_response())
}

/// The body as readers will see it (Markdown rendered and cleaned like on save).
async fn preview(viewer: Viewer, RawForm(body): RawForm) -> Result<Response, AppError> {
    writer(&viewer)?;
    let (fields, _) = read_form(&body);
    if fields.tekst.len() > tribune_core::article::BODY_MAX {
        return Err(AppError::BadRequest("De tekst is te lang.".into()));
    }
    Ok(private_json(
        StatusCode::OK,
        serde_json::json!({ "html": markdown::render(&fields.tekst) }),
    ))
}

/// Articles whose title has these words, for the related-article picker.
async fn pick_related(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Params,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let p = params(q)?;
    let query = DeskQuery {
        title: p.get("q").cloned(),
        limit: 10,
        ..DeskQuery::default()
    };
    let rows = state.store.desk_articles(&query, state.clock.now()).await?;
    let found: Vec<_> = rows
        .iter()
        .map(|r| serde_json::json!({ "id": r.id, "title": r.title, "status": r.status.label() }))
        .collect();
    Ok(private_json(StatusCode::OK, found))
}

async fn attach_poll(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let a = load(&state, id).await?;
    may_edit(&viewer, &a)?;
    let mut f: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    viewer.check_form_token(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let closes_at = match (
        f.remove("sluit_datum").unwrap_or_default(),
        f.remove("sluit_tijd").unwrap_or_default(),
    ) {
        (d, _) if d.trim().is_empty() => None,
        (d, t) => Some(
            from_input(&d, if t.trim().is_empty() { "23:59" } else { &t })
                .ok_or_else(|| AppError::BadRequest("Die sluitingsdatum bestaat niet.".into()))?,
        ),
    };
    let new = NewPoll {
        article_id: id,
        question: f.remove("vraag").unwrap_or_default().trim().to_string(),
        options: f
            .remove("opties")
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        closes_at,
    };
    writes::polls::attach(&state, new).await?;
    Ok(Redirect::to(&format!("/redactie/artikels/{id}?bewaard=1")).into_response())
}

async fn revisions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let a = load(&state, id).await?;
    let revisions = state.store.revisions(id).await?;
    let page = RevisionsPage {
        layout: Layout::new(
            format!("Versies van {} — Redactie — Tribune", a.draft.title),
            "Eerdere versies van het artikel",
        ),
        menu: desk_menu(viewer.account.role),
        csrf: viewer.session.csrf_token.clone(),
        id,
        title: a.draft.title.clone(),
        may_restore: may_edit(&viewer, &a).is_ok(),
        revisions: revisions
            .iter()
            .map(|r| RevisionLine {
                number: r.number,
                when: long_date_time(r.saved_at),
                who: r.saved_by.clone().unwrap_or_else(|| "—".into()),
                note: r.note.clone(),
            })
            .collect(),
    };
    Ok(personal(page.render()?))
}

async fn compare(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ArticleId>,
    q: Params,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let p = params(q)?;
    let number = |k: &str| -> Result<i64, AppError> {
        p.get(k)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| AppError::BadRequest("Kies twee versies om te vergelijken.".into()))
    };
    let (from, to) = (number("van")?, number("naar")?);
    let old = state
        .store
        .revision(id, from)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = state
        .store
        .revision(id, to)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = DiffPage {
        layout: Layout::new(
            format!("Versie {from} en {to} — Redactie — Tribune"),
            "Wat er veranderde",
        ),
        menu: desk_menu(viewer.account.role),
        id,
        from,
        to,
        nothing_changed: old.draft == new.draft,
        fields: field_diffs(&old.draft, &new.draft),
    };
    Ok(personal(page.render()?))
}

async fn restore(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, n)): Path<(ArticleId, i64)>,
    f: Result<axum::extract::Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    writer(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    restore_revision(&state, &viewer, id, n).await?;
    Ok(Redirect::to(&format!("/redactie/artikels/{id}?bewaard=1")).into_response())
}

// ---------------------------------------------------------------------------------------
// JSON for scripts and apps (documented in openapi.json).

/// An article as a script hands it in. `byline` defaults to the account's name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftJson {
    title: String,
    kind: ArticleKind,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    byline: Option<String>,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    body_markdown: String,
    #[serde(default)]
    photo: Option<Photo>,
    #[serde(default)]
    topics: Vec<TopicId>,
    #[serde(default)]
    related: Vec<ArticleId>,
    #[serde(default)]
    publish_at: Option<DateTime<Utc>>,
    /// "draft" (default), "submitted" or "published" (now or at publish_at).
    #[serde(default)]
    status: Option<String>,
}

impl DraftJson {
    fn split(
        self,
        viewer: &Viewer,
        media_dir: &std::path::Path,
    ) -> Result<(ArticleDraft, Step), AppError> {
        let step = match self.status.as_deref() {
            None | Some("draft") => Step::Save,
            Some("submitted") => Step::Submit,
            Some("published") => Step::Publish,
            Some(other) => {
                return Err(AppError::BadRequest(format!(
                    "status must be draft, submitted or published, not {other}"
                )));
            }
        };
        // The same checks as the form: a file the upload wrote, with its credit.
        let photo = self
            .photo
            .map(|p| {
                checked_photo(
                    media_dir,
                    &p.path,
                    &p.credit,
                    p.caption.as_deref().unwrap_or(""),
                    Some((p.width, p.height)).filter(|(w, h)| *w > 0 && *h > 0),
                )
            })
            .transpose()
            .map_err(AppError::BadRequest)?;
        let draft = ArticleDraft {
            title: self.title.trim().to_string(),
            kind: self.kind,
            source: self
                .source
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            byline: self
                .byline
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| viewer.account.display_name.clone()),
            lead: self.lead.trim().to_string(),
            body_markdown: self.body_markdown,
            photo,
            topics: self.topics,
            related: self.related,
            publish_at: self.publish_at,
        };
        draft.check_draft().map_err(AppError::BadRequest)?;
        Ok((draft, step))
    }
}

#[derive(Serialize)]
struct ArticleJson<'a> {
    id: ArticleId,
    status: DeskStatus,
    url: String,
    revision: i64,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(flatten)]
    draft: &'a ArticleDraft,
}

fn article_json(a: &DeskArticle) -> ArticleJson<'_> {
    ArticleJson {
        id: a.id,
        status: a.status,
        url: a.path(),
        revision: a.revision,
        published_at: a.published_at,
        updated_at: a.updated_at,
        draft: &a.draft,
    }
}

async fn api_list(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    q: Params,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    let p = params(q)?;
    let mut query = desk_query(&p)?;
    query.limit = super::limit(&p, 20)?;
    query.offset = p
        .get("offset")
        .map(|o| {
            o.parse::<u32>()
                .map_err(|_| AppError::BadRequest("offset must be a number".into()))
        })
        .transpose()?
        .unwrap_or(0);
    let rows = state.store.desk_articles(&query, state.clock.now()).await?;
    Ok(private_json(StatusCode::OK, rows))
}

async fn api_get(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<ArticleId>,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    let a = load(&state, id).await?;
    Ok(private_json(StatusCode::OK, article_json(&a)))
}

async fn api_create(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    body: Result<Json<DraftJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    let (draft, step) = json(body)?.split(&viewer, &state.config.media_dir)?;
    let a = write(&state, &viewer, None, &draft, step, "via de API").await?;
    Ok(private_json(StatusCode::CREATED, article_json(&a)))
}

async fn api_update(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<ArticleId>,
    body: Result<Json<DraftJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    let (draft, step) = json(body)?.split(&viewer, &state.config.media_dir)?;
    let a = write(&state, &viewer, Some(id), &draft, step, "via de API").await?;
    Ok(private_json(StatusCode::OK, article_json(&a)))
}

/// Moves an article without changing its text.
async fn api_step(
    state: &AppState,
    viewer: &Viewer,
    id: ArticleId,
    step: Step,
    at: Option<DateTime<Utc>>,
) -> Result<Response, ApiError> {
    let a = load(state, id).await?;
    let mut draft = a.draft.clone();
    if at.is_some() {
        draft.publish_at = at;
    } else if step == Step::Publish && !a.status.is_out() {
        draft.publish_at = None;
    }
    let done = write(state, viewer, Some(id), &draft, step, "via de API").await?;
    Ok(private_json(StatusCode::OK, article_json(&done)))
}

async fn api_submit(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<ArticleId>,
) -> Result<Response, ApiError> {
    api_step(&state, &viewer, id, Step::Submit, None).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PublishJson {
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

async fn api_publish(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<ArticleId>,
    body: Option<Json<PublishJson>>,
) -> Result<Response, ApiError> {
    let at = body.and_then(|Json(b)| b.at);
    api_step(&state, &viewer, id, Step::Publish, at).await
}

async fn api_withdraw(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<ArticleId>,
) -> Result<Response, ApiError> {
    api_step(&state, &viewer, id, Step::Withdraw, None).await
}

async fn api_revisions(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<ArticleId>,
) -> Result<Response, ApiError> {
    writer(&viewer)?;
    load(&state, id).await?;
    Ok(private_json(
        StatusCode::OK,
        state.store.revisions(id).await?,
    ))
}

async fn api_restore(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path((id, n)): Path<(ArticleId, i64)>,
) -> Result<Response, ApiError> {
    let a = restore_revision(&state, &viewer, id, n).await?;
    Ok(private_json(StatusCode::OK, article_json(&a)))
}
