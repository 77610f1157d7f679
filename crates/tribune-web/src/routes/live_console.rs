//! The live console in /redactie: the round's matches, and per match the status and minute,
//! events added in two taps (a name, then the button of what happened), and a VAR button on
//! every goal or card that can still be taken back. For journalists, editors and admins.
//! Forms post and come back here (303), so it works on any phone without JavaScript.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;
use serde::Deserialize;
use tribune_core::account::Role;
use tribune_core::article::{ArticleId, ArticleKind};
use tribune_core::desk::ArticleDraft;
use tribune_core::football::{
    EventKind, LiveEntryId, Match, MatchEventId, MatchId, MatchStatus, Minute, NewLiveEntry,
    NewMatchEvent, Side, suggested_entry,
};

use super::personal;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::desk::{ConsolePage, EntryDraft, MatchListPage, Reversible, SideForm, desk_menu};
use crate::views::matches::{MatchLine, entry_lines, event_line};
use crate::writes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redactie/wedstrijden", get(list))
        .route("/redactie/wedstrijden/{id}", get(console))
        .route("/redactie/wedstrijden/{id}/status", post(set_status))
        .route("/redactie/wedstrijden/{id}/fase", post(add_event))
        .route("/redactie/wedstrijden/{id}/verslag", post(add_entry))
        .route(
            "/redactie/wedstrijden/{id}/verslag/{entry}",
            post(edit_entry),
        )
        .route(
            "/redactie/wedstrijden/{id}/verslag/{entry}/verwijderen",
            post(delete_entry),
        )
        .route("/redactie/wedstrijden/{id}/artikel", post(set_article))
        .route("/redactie/wedstrijden/{id}/risico", post(set_high_risk))
}

/// The buttons of the event forms, in the order a reporter needs them most.
const EVENT_BUTTONS: [EventKind; 9] = [
    EventKind::Goal,
    EventKind::Yellow,
    EventKind::Substitution,
    EventKind::PenaltyScored,
    EventKind::PenaltyMissed,
    EventKind::OwnGoal,
    EventKind::SecondYellow,
    EventKind::Red,
    EventKind::VarCheck,
];

/// One-tap status changes: (status, the minute it starts at, button label).
const STATUS_BUTTONS: [(MatchStatus, i32, &str); 6] = [
    (MatchStatus::FirstHalf, 1, "Aftrap"),
    (MatchStatus::HalfTime, 45, "Rust"),
    (MatchStatus::SecondHalf, 46, "Tweede helft"),
    (MatchStatus::ExtraTime, 91, "Verlengingen"),
    (MatchStatus::Penalties, 120, "Strafschoppen"),
    (MatchStatus::Finished, 90, "Einde"),
];

fn reporter(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(Role::can_write)
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let now = state.clock.now();
    let mut matches = state.store.live_matches().await?;
    let around = state
        .store
        .matches_between(now - Duration::days(1), now + Duration::days(3), 100)
        .await?;
    matches.extend(around.into_iter().filter(|m| !m.status.is_live()));
    let page = MatchListPage {
        layout: Layout::new("Live — Redactie — Tribune", "Wedstrijden live volgen"),
        menu: desk_menu(viewer.account.role),
        matches: matches.iter().map(|m| (m.id, MatchLine::new(m))).collect(),
    };
    Ok(personal(page.render()?))
}

async fn load(state: &AppState, id: MatchId) -> Result<Match, AppError> {
    state.store.match_by_id(id).await?.ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
struct ConsoleQuery {
    /// The event just added: the entry form offers a text about it.
    fase: Option<MatchEventId>,
}

async fn console(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<MatchId>,
    q: Result<axum::extract::Query<ConsoleQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let q = q
        .map(|axum::extract::Query(q)| q)
        .unwrap_or(ConsoleQuery { fase: None });
    let m = load(&state, id).await?;
    let events = state.store.match_events(id).await?;
    let entries = state.store.live_entries(id).await?;
    let article = match m.article_id {
        Some(a) => state
            .store
            .desk_article(a, state.clock.now())
            .await?
            .map(|a| {
                (
                    format!("/redactie/artikels/{}", a.id),
                    a.draft.title.clone(),
                    a.status.label(),
                )
            }),
        None => None,
    };
    let team = |side: Side| match side {
        Side::Home => m.home.name.clone(),
        Side::Away => m.away.name.clone(),
    };
    let draft = q
        .fase
        .and_then(|f| events.iter().find(|e| e.id == f))
        .map(|e| EntryDraft {
            text: suggested_entry(e, &team(e.side)),
            minute: e.minute.minute.to_string(),
            event_id: Some(e.id),
            key_event: e.kind.can_be_reversed() || e.kind == EventKind::VarDecision,
        })
        .unwrap_or_else(|| EntryDraft {
            minute: m.minute.map(|mi| mi.minute.to_string()).unwrap_or_default(),
            ..EntryDraft::default()
        });
    let page = ConsolePage {
        high_risk: m.high_risk,
        layout: Layout::new(format!("Live: {} — Redactie — Tribune", m.title()), ""),
        menu: desk_menu(viewer.account.role),
        csrf: viewer.session.csrf_token.clone(),
        id,
        m: MatchLine::new(&m),
        status_key: m.status.as_str(),
        statuses: MatchStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        status_buttons: STATUS_BUTTONS
            .iter()
            .map(|(s, minute, label)| (s.as_str(), *minute, *label))
            .collect(),
        event_buttons: EVENT_BUTTONS
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        sides: [Side::Home, Side::Away]
            .into_iter()
            .map(|s| SideForm {
                key: s.as_str(),
                team: team(s),
            })
            .collect(),
        minute: m.minute.map(|mi| mi.minute.to_string()).unwrap_or_default(),
        added: m
            .minute
            .and_then(|mi| mi.added)
            .map(|a| a.to_string())
            .unwrap_or_default(),
        events: events
            .iter()
            .rev()
            .map(|e| event_line(&m, e, &events))
            .collect(),
        reversible: events
            .iter()
            .rev()
            .filter(|e| e.kind.can_be_reversed() && !e.cancelled)
            .map(|e| Reversible {
                id: e.id,
                side: e.side.as_str(),
                text: format!(
                    "{} {} {} ({})",
                    e.minute,
                    e.kind.label(),
                    e.player,
                    team(e.side)
                ),
            })
            .collect(),
        draft,
        event_choices: events
            .iter()
            .rev()
            .map(|e| {
                (
                    e.id,
                    format!("{} {} {}", e.minute, e.kind.label(), e.player)
                        .trim()
                        .to_string(),
                )
            })
            .collect(),
        entries: entry_lines(&entries, &events),
        article,
    };
    Ok(personal(page.render()?))
}

#[derive(Deserialize)]
struct ArticleForm {
    #[serde(default)]
    csrf: String,
    /// `nieuw` (write the live article), `koppelen` (link `artikel`) or `loskoppelen`.
    actie: String,
    #[serde(default)]
    artikel: String,
}

/// "12", "/nieuws/12-club-wint" or the full address: the article's id.
fn article_ref(raw: &str) -> Option<ArticleId> {
    let raw = raw.trim();
    let tail = raw.rsplit_once("/nieuws/").map_or(raw, |(_, t)| t);
    tail.split(['-', '?', '#'])
        .next()?
        .parse::<ArticleId>()
        .ok()
        .filter(|id| *id > 0)
}

/// The match's comments live on an article: write a new live article (a draft the editor
/// then publishes), link an existing one, or unlink.
async fn set_article(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<MatchId>,
    f: Result<axum::extract::Form<ArticleForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let m = load(&state, id).await?;
    let next = match f.actie.as_str() {
        "nieuw" => {
            if m.article_id.is_some() {
                return Err(AppError::BadRequest(
                    "Deze wedstrijd heeft al een live-artikel.".into(),
                ));
            }
            let draft = live_article(&m, &viewer.account.display_name);
            let written =
                writes::matches::start_live_article(&state, id, viewer.account.id, &draft).await?;
            // On to the editor: the live article goes out when an editor publishes it.
            return Ok(Redirect::to(&format!("/redactie/artikels/{}", written.id)).into_response());
        }
        "koppelen" => Some(article_ref(&f.artikel).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{:?} is geen artikel: geef het nummer of het adres.",
                f.artikel.trim()
            ))
        })?),
        "loskoppelen" => None,
        other => return Err(AppError::BadRequest(format!("Onbekende actie {other:?}."))),
    };
    writes::matches::link_article(&state, id, next).await?;
    Ok(Redirect::to(&format!("/redactie/wedstrijden/{id}")).into_response())
}

#[derive(Deserialize)]
struct RiskForm {
    #[serde(default)]
    csrf: String,
    /// "ja" marks the match as a derby or high-risk, "nee" takes the mark away.
    risico: String,
}

/// A derby or high-risk match tightens moderation on its clubs' articles all match day.
async fn set_high_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<MatchId>,
    f: Result<axum::extract::Form<RiskForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let high_risk = match f.risico.as_str() {
        "ja" => true,
        "nee" => false,
        other => return Err(AppError::BadRequest(format!("Onbekende keuze {other:?}."))),
    };
    writes::matches::mark_high_risk(&state, id, high_risk).await?;
    Ok(Redirect::to(&format!("/redactie/wedstrijden/{id}#risico")).into_response())
}

/// The live article a match's comments start on: tagged with both clubs, so that it shows
/// up on their pages and leads to the match.
fn live_article(m: &Match, byline: &str) -> ArticleDraft {
    ArticleDraft {
        title: format!("Live: {}", m.title()),
        kind: ArticleKind::News,
        source: None,
        byline: byline.to_string(),
        lead: format!(
            "Volg {} minuut per minuut: de doelpunten, de kaarten, de wissels en jullie reacties.",
            m.title()
        ),
        body_markdown: format!(
            "Het liveblog, de stand en het verloop staan op de [wedstrijdpagina]({}).",
            m.path()
        ),
        photo: None,
        topics: [m.home.topic_id, m.away.topic_id]
            .into_iter()
            .flatten()
            .collect(),
        related: Vec::new(),
        publish_at: None,
    }
}

/// A minute field: empty is none; otherwise a whole number.
fn number(field: &str, value: &str) -> Result<Option<i32>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<i32>()
        .map(Some)
        .map_err(|_| AppError::BadRequest(format!("{field}: {value:?} is geen getal.")))
}

fn minute_of(minute: &str, added: &str) -> Result<Option<Minute>, AppError> {
    let added = number("extra tijd", added)?;
    Ok(number("minuut", minute)?.map(|m| Minute::new(m, added)))
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
    #[serde(default)]
    minuut: String,
    #[serde(default)]
    extra: String,
}

async fn set_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<MatchId>,
    f: Result<axum::extract::Form<StatusForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let status = MatchStatus::parse(&f.status)
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende status {:?}.", f.status)))?;
    let minute = minute_of(&f.minuut, &f.extra)?;
    writes::matches::set_status(&state, id, status, minute).await?;
    Ok(Redirect::to(&format!("/redactie/wedstrijden/{id}")).into_response())
}

#[derive(Deserialize)]
struct EventForm {
    #[serde(default)]
    csrf: String,
    soort: String,
    kant: String,
    #[serde(default)]
    minuut: String,
    #[serde(default)]
    extra: String,
    #[serde(default)]
    speler: String,
    #[serde(default)]
    andere: String,
    /// For a VAR decision: the event it takes back.
    #[serde(default)]
    herroept: String,
}

async fn add_event(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<MatchId>,
    f: Result<axum::extract::Form<EventForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let kind = EventKind::parse(&f.soort)
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende fase {:?}.", f.soort)))?;
    let side = Side::parse(&f.kant)
        .ok_or_else(|| AppError::BadRequest(format!("Onbekende ploeg {:?}.", f.kant)))?;
    let current = load(&state, id).await?.minute;
    // No minute typed: the minute the match is at.
    let minute = minute_of(&f.minuut, &f.extra)?
        .or(current)
        .ok_or_else(|| AppError::BadRequest("In welke minuut? Vul de minuut in.".into()))?;
    let reverses = number("herroept", &f.herroept)?.map(MatchEventId::from);
    let event = NewMatchEvent {
        kind,
        side,
        minute,
        player: f.speler.trim().to_string(),
        other_player: f.andere.trim().to_string(),
        reverses,
    };
    event.check().map_err(AppError::BadRequest)?;
    let (_, added) = writes::matches::add_event(&state, id, &event).await?;
    // Back to the console with an entry about it ready to publish.
    Ok(Redirect::to(&format!(
        "/redactie/wedstrijden/{id}?fase={}#verslag",
        added.id
    ))
    .into_response())
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tekst: String,
    #[serde(default)]
    minuut: String,
    #[serde(default)]
    extra: String,
    #[serde(default)]
    fase: String,
    /// Checkboxes: present when ticked.
    sleutel: Option<String>,
    vastpinnen: Option<String>,
}

impl EntryForm {
    fn entry(&self) -> Result<NewLiveEntry, AppError> {
        let entry = NewLiveEntry {
            event_id: number("fase", &self.fase)?.map(MatchEventId::from),
            minute: minute_of(&self.minuut, &self.extra)?,
            body_markdown: self.tekst.trim().to_string(),
            key_event: self.sleutel.is_some(),
            pinned: self.vastpinnen.is_some(),
        };
        entry.check().map_err(AppError::BadRequest)?;
        Ok(entry)
    }
}

async fn add_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<MatchId>,
    f: Result<axum::extract::Form<EntryForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let entry = f.entry()?;
    let added = writes::matches::add_entry(&state, id, &entry, viewer.account.id).await?;
    Ok(Redirect::to(&format!("/redactie/wedstrijden/{id}#fase-{}", added.id)).into_response())
}

async fn edit_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, entry)): Path<(MatchId, LiveEntryId)>,
    f: Result<axum::extract::Form<EntryForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    let new = f.entry()?;
    writes::matches::edit_entry(&state, id, entry, &new).await?;
    Ok(Redirect::to(&format!("/redactie/wedstrijden/{id}#fase-{entry}")).into_response())
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn delete_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, entry)): Path<(MatchId, LiveEntryId)>,
    f: Result<axum::extract::Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    reporter(&viewer)?;
    let f = super::form(f)?;
    viewer.check_form_token(&f.csrf)?;
    writes::matches::delete_entry(&state, id, entry).await?;
    Ok(Redirect::to(&format!("/redactie/wedstrijden/{id}#verslag")).into_response())
}
