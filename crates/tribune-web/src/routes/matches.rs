//! Matches for readers: the round around today (/wedstrijden) and a match page with its
//! score, status and minute, events (a goal VAR took back is shown struck through), the
//! clubs' latest news, and schema.org LiveBlogPosting data.
//!
//! A match page is cached like any page and dropped by every change of the match
//! (`Event::MatchChanged`) and every comment on its live article. An open page keeps itself
//! up to date through its live stream (crate::live), from the match-log position it was
//! rendered at, which is cached with it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use tribune_core::comment;
use tribune_core::football::{LiveEntry, Match, MatchEvent, MatchId, MatchStatus, Side};
use tribune_core::store::ArticleQuery;
use tribune_core::time::{clock_time, day_heading, day_month, iso, long_date_time};
use tribune_core::topic::TopicId;

use super::comments::comment_paging;
use super::{Params, Segment, params, segment};
use crate::cache::{LISTS, MATCHES, Page};
use crate::views::{CommentSection, Headline, Layout, absolute, json_for_script};
use crate::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wedstrijden", get(round))
        .route("/wedstrijden/{id_slug}", get(match_page))
}

/// The match an article is about: the first one of its clubs that kicks off from three
/// hours before the article appeared to three days after it ("Volg X - Y live vanaf
/// 16:30"; once played, the score). The match is fixed by the article's own time; the page
/// is cached under `match-{id}`, which every change of the match's board drops.
pub async fn match_to_follow(
    state: &AppState,
    published_at: DateTime<Utc>,
    topics: &[TopicId],
) -> Result<Option<crate::views::FollowMatch>, AppError> {
    if topics.is_empty() {
        return Ok(None);
    }
    let found = state
        .store
        .matches_between(
            published_at - Duration::hours(3),
            published_at + Duration::days(3),
            200,
        )
        .await?
        .into_iter()
        .find(|m| {
            [m.home.topic_id, m.away.topic_id]
                .into_iter()
                .flatten()
                .any(|t| topics.contains(&t))
        });
    Ok(found.map(|m| {
        let line = MatchLine::new(&m);
        let text = if m.status == MatchStatus::Scheduled {
            format!(
                "Volg {} live vanaf {} ({})",
                m.title(),
                clock_time(m.kickoff_at),
                day_month(m.kickoff_at)
            )
        } else if m.status.is_live() {
            format!("Nu live: {} {} {}", m.home.name, line.score, m.away.name)
        } else if m.status.has_score() {
            format!(
                "{} {} {} ({})",
                m.home.name,
                line.score,
                m.away.name,
                m.status.label().to_lowercase()
            )
        } else {
            format!("{}: {}", m.title(), m.status.label().to_lowercase())
        };
        crate::views::FollowMatch {
            id: m.id,
            url: m.path(),
            text,
        }
    }))
}

/// Headlines of the clubs' latest news under a match.
const RELATED: u32 = 6;

/// A match as a list line and the page header show it.
pub struct MatchLine {
    pub path: String,
    pub home: String,
    pub away: String,
    pub home_topic: Option<String>,
    pub away_topic: Option<String>,
    /// "2-1", or the kick-off time ("20:45") before there is a score.
    pub score: String,
    pub has_score: bool,
    pub status: String,
    pub status_key: &'static str,
    pub live: bool,
    /// "30'" or "45+2'" while it is played.
    pub minute: Option<String>,
    pub kickoff: String,
    pub kickoff_iso: String,
    pub competition: String,
    pub round: String,
    pub half_time: Option<String>,
    pub penalties: Option<String>,
}

impl MatchLine {
    pub fn new(m: &Match) -> Self {
        let kickoff = if m.time_known {
            long_date_time(m.kickoff_at)
        } else {
            format!("{} (uur nog niet bekend)", day_month(m.kickoff_at))
        };
        Self {
            path: m.path(),
            home: m.home.name.clone(),
            away: m.away.name.clone(),
            home_topic: None,
            away_topic: None,
            score: match m.score {
                Some(s) if m.status.has_score() => s.to_string(),
                _ if m.time_known => clock_time(m.kickoff_at),
                _ => "-".to_string(),
            },
            has_score: m.score.is_some() && m.status.has_score(),
            status: m.status.label().to_string(),
            status_key: m.status.as_str(),
            live: m.status.is_live(),
            minute: m
                .minute
                .filter(|_| m.status.is_live() && m.status != MatchStatus::HalfTime)
                .map(|mi| mi.to_string()),
            kickoff,
            kickoff_iso: iso(m.kickoff_at),
            competition: m.competition.name.clone(),
            round: m.round.clone(),
            half_time: m.half_time.map(|s| s.to_string()),
            penalties: m.penalties.map(|s| s.to_string()),
        }
    }
}

impl MatchLine {
    /// With the clubs' names linked to their topic pages.
    pub async fn linked(state: &AppState, m: &Match) -> tribune_core::store::StoreResult<Self> {
        let mut line = Self::new(m);
        let path = |t: Option<tribune_core::topic::Topic>| {
            t.map(|t| tribune_core::topic::topic_path(&t.slug))
        };
        if let Some(id) = m.home.topic_id {
            line.home_topic = path(state.store.topic(id).await?);
        }
        if let Some(id) = m.away.topic_id {
            line.away_topic = path(state.store.topic(id).await?);
        }
        Ok(line)
    }
}

/// One event on the match page.
pub struct EventLine {
    pub minute: String,
    pub label: &'static str,
    pub kind: &'static str,
    pub side: &'static str,
    pub team: String,
    pub player: String,
    pub other_player: String,
    pub cancelled: bool,
    /// For a VAR decision: what it took back ("Doelpunt van Sven Willaert").
    pub reverses: Option<String>,
}

pub(crate) fn event_line(m: &Match, e: &MatchEvent, all: &[MatchEvent]) -> EventLine {
    let team = match e.side {
        Side::Home => &m.home.name,
        Side::Away => &m.away.name,
    };
    EventLine {
        minute: e.minute.to_string(),
        label: e.kind.label(),
        kind: e.kind.as_str(),
        side: e.side.as_str(),
        team: team.clone(),
        player: e.player.clone(),
        other_player: e.other_player.clone(),
        cancelled: e.cancelled,
        reverses: e
            .reverses
            .and_then(|id| all.iter().find(|t| t.id == id))
            .map(|t| {
                if t.player.is_empty() {
                    format!("{} ({})", t.kind.label(), t.minute)
                } else {
                    format!("{} van {} ({})", t.kind.label(), t.player, t.minute)
                }
            }),
    }
}

/// One liveblog entry on the match page.
pub struct EntryLine {
    pub id: i64,
    pub minute: Option<String>,
    /// Cleaned when it was written.
    pub html: String,
    pub markdown: String,
    pub key_event: bool,
    pub pinned: bool,
    /// Its event was taken back by VAR.
    pub reversed: bool,
    pub event_id: Option<i64>,
    pub time: String,
    pub edited: bool,
    /// The minute and added time as the console's edit form holds them.
    pub minute_field: String,
    pub added_field: String,
}

/// Entries as the liveblog reads: pinned ones on top, then newest first.
pub(crate) fn entry_lines(entries: &[LiveEntry], events: &[MatchEvent]) -> Vec<EntryLine> {
    let mut lines: Vec<EntryLine> = entries
        .iter()
        .rev()
        .map(|e| EntryLine {
            id: e.id,
            minute: e.minute.map(|m| m.to_string()),
            html: e.body_html.clone(),
            markdown: e.body_markdown.clone(),
            key_event: e.key_event,
            pinned: e.pinned,
            reversed: e
                .event_id
                .and_then(|id| events.iter().find(|ev| ev.id == id))
                .is_some_and(|ev| ev.cancelled),
            event_id: e.event_id,
            time: clock_time(e.created_at),
            edited: e.edited_at.is_some(),
            minute_field: e.minute.map(|m| m.minute.to_string()).unwrap_or_default(),
            added_field: e
                .minute
                .and_then(|m| m.added)
                .map(|a| a.to_string())
                .unwrap_or_default(),
        })
        .collect();
    // Stable: within each group the newest stays first.
    lines.sort_by_key(|l| !l.pinned);
    lines
}

#[derive(Template)]
#[template(path = "match.html")]
struct MatchPage {
    layout: Layout,
    match_id: MatchId,
    live_since: i64,
    m: MatchLine,
    /// Newest first, as a live page reads.
    events: Vec<EventLine>,
    entries: Vec<EntryLine>,
    related: Vec<Headline>,
    /// None until the match's live article is linked and published.
    comments: Option<CommentSection>,
}

#[derive(Template)]
#[template(path = "matches.html")]
struct RoundPage {
    layout: Layout,
    live: Vec<MatchLine>,
    /// (day heading, matches), earliest day first.
    days: Vec<(String, Vec<MatchLine>)>,
}

fn match_id(id_slug: &str) -> Option<MatchId> {
    id_slug
        .split('-')
        .next()?
        .parse::<MatchId>()
        .ok()
        .filter(|id| *id > 0)
}

/// An entry's Markdown as plain text for search engines: no emphasis, headings or quotes.
fn plain(markdown: &str) -> String {
    markdown
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '#' | '`' | '>'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// schema.org: a live blog about a sports event, its updates the match's events.
fn live_blog(
    m: &Match,
    events: &[MatchEvent],
    entries: &[LiveEntry],
    public_url: &str,
) -> serde_json::Value {
    let team = |name: &str| serde_json::json!({ "@type": "SportsTeam", "name": name });
    // The liveblog's own entries when it has them; else the bare events.
    let written = entries.iter().rev().map(|e| {
        let text = plain(&e.body_markdown);
        let minute = e.minute.map(|m| format!("{m} ")).unwrap_or_default();
        serde_json::json!({
            "@type": "BlogPosting",
            "headline": tribune_core::teaser(&format!("{minute}{text}")),
            "articleBody": text,
            "datePublished": iso(e.created_at),
        })
    });
    let updates: Vec<serde_json::Value> = if !entries.is_empty() {
        written.collect()
    } else {
        events
            .iter()
            .rev()
            .map(|e| {
                let who = if e.player.is_empty() {
                    String::new()
                } else {
                    format!(" {}", e.player)
                };
                let cancelled = if e.cancelled { " (geannuleerd)" } else { "" };
                serde_json::json!({
                    "@type": "BlogPosting",
                    "headline": format!("{} {}{who}{cancelled}", e.minute, e.kind.label()),
                    "datePublished": iso(e.created_at),
                })
            })
            .collect()
    };
    let mut data = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": format!("{} live", m.title()),
        "url": absolute(public_url, &m.path()),
        "coverageStartTime": iso(m.kickoff_at - Duration::minutes(30)),
        "dateModified": iso(m.updated_at),
        "about": {
            "@type": "SportsEvent",
            "name": m.title(),
            "startDate": iso(m.kickoff_at),
            "homeTeam": team(&m.home.name),
            "awayTeam": team(&m.away.name),
            "eventStatus": match m.status {
                MatchStatus::Postponed => "https://schema.org/EventPostponed",
                MatchStatus::Cancelled => "https://schema.org/EventCancelled",
                _ => "https://schema.org/EventScheduled",
            },
        },
        "liveBlogUpdate": updates,
    });
    if !m.status.is_live() && m.status.has_score() {
        data["coverageEndTime"] = serde_json::Value::String(iso(m.updated_at));
    }
    data
}

async fn match_page(
    State(state): State<AppState>,
    id_slug: Segment,
    uri: Uri,
    q: Params,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = match_id(&segment(id_slug)?).ok_or(AppError::NotFound)?;
    let q = params(q)?;
    let (sort, after) = comment_paging(&q)?;
    // A reader who posted without JavaScript comes back with `?reactie=ID` and must see it.
    let own_change = q.contains_key("reactie");
    let key = format!(
        "match:{id}:{}:{}",
        sort.as_str(),
        after.map(|c| c.encode()).unwrap_or_default()
    );
    let render = || async {
        // Read before the match and kept with the page: the page shows at least everything
        // up to here, and its script asks the live stream for what comes after.
        let live_since = crate::live::Live::rendered_at(&state).await?;
        let m = state
            .store
            .match_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let events = state.store.match_events(id).await?;
        let entries = state.store.live_entries(id).await?;
        let now = state.clock.now();
        let topics: Vec<TopicId> = [m.home.topic_id, m.away.topic_id]
            .into_iter()
            .flatten()
            .collect();
        let mut related = Vec::new();
        for topic in &topics {
            related.extend(
                state
                    .store
                    .articles(
                        &ArticleQuery {
                            topic: Some(*topic),
                            limit: RELATED,
                            ..Default::default()
                        },
                        now,
                    )
                    .await?,
            );
        }
        related.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
        related.dedup_by_key(|a| a.id);
        // The live article is this page's own conversation, not other news.
        related.retain(|a| Some(a.id) != m.article_id);
        related.truncate(RELATED as usize);
        // The live article's comments, once it is linked and out.
        let mut comments = None;
        if let Some(article) = m.article_id
            && let Some(a) = state.store.article(article, now).await?
        {
            let page = state
                .store
                .comments_page(
                    a.id,
                    sort,
                    after,
                    comment::PAGE_SIZE,
                    comment::REPLIES_SHOWN,
                )
                .await?;
            comments = Some(CommentSection::new(
                &m.path(),
                a.id,
                a.comment_count,
                sort,
                &page,
                now,
            ));
        }
        let line = MatchLine::linked(&state, &m).await?;
        let description = match m.score.filter(|_| m.status.has_score()) {
            Some(s) => format!(
                "{} {s}: {}. Alle doelpunten, kaarten en wissels.",
                m.title(),
                m.status.label().to_lowercase()
            ),
            None => format!(
                "Volg {} live vanaf {} ({}).",
                m.title(),
                clock_time(m.kickoff_at),
                day_month(m.kickoff_at)
            ),
        };
        let mut layout = Layout::new(format!("{} — live — Tribune", m.title()), description)
            .public(&state.config.public_url, &m.path());
        layout.json_ld = Some(json_for_script(&live_blog(
            &m,
            &events,
            &entries,
            &state.config.public_url,
        )));
        // Every change of the match drops `match-{id}`; a comment drops its article; a new
        // headline about the clubs drops the lists.
        let mut keys = vec![format!("match-{id}"), LISTS.to_string()];
        keys.extend(m.article_id.map(|a| format!("article-{a}")));
        let view = MatchPage {
            layout,
            match_id: id,
            live_since,
            events: events
                .iter()
                .rev()
                .map(|e| event_line(&m, e, &events))
                .collect(),
            entries: entry_lines(&entries, &events),
            related: related.iter().map(|a| Headline::dated(a, now)).collect(),
            comments,
            m: line,
        };
        Ok::<_, AppError>(Page::html(view.render()?, keys).with_canonical(m.path()))
    };
    let rendered = if own_change {
        state.cache.render_now(render).await?
    } else {
        state.cache.get_or_render(&key, render).await?
    };
    Ok(super::site::at_canonical(&rendered, &uri, &headers))
}

/// Matches from yesterday morning to a week ahead, the ones being played on top.
async fn round(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let page = state
        .cache
        .get_or_render("matches", || async {
            Ok::<_, AppError>(Page::html(round_page(&state).await?, vec![MATCHES.into()]))
        })
        .await?;
    Ok(page.respond(&headers))
}

async fn round_page(state: &AppState) -> Result<String, AppError> {
    let now = state.clock.now();
    // From the start of yesterday in Brussels, so that "Gisteren" is the whole day.
    let yesterday = tribune_core::time::input_date(now - Duration::days(1));
    let from: DateTime<Utc> =
        tribune_core::time::from_input(&yesterday, "00:00").unwrap_or(now - Duration::days(1));
    let matches = state
        .store
        .matches_between(from, now + Duration::days(7), 200)
        .await?;
    let live: Vec<MatchLine> = state
        .store
        .live_matches()
        .await?
        .iter()
        .map(MatchLine::new)
        .collect();
    let mut days: Vec<(String, Vec<MatchLine>)> = Vec::new();
    for m in matches.iter().filter(|m| !m.status.is_live()) {
        let heading = day_heading(m.kickoff_at, now);
        match days.last_mut() {
            Some((h, list)) if *h == heading => list.push(MatchLine::new(m)),
            _ => days.push((heading, vec![MatchLine::new(m)])),
        }
    }
    let layout = Layout::new(
        "Wedstrijden — Tribune",
        "Uitslagen, live scores en het programma van de komende week.",
    )
    .public(&state.config.public_url, "/wedstrijden");
    Ok(RoundPage { layout, live, days }.render()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_ids_come_from_the_front_of_the_path() {
        assert_eq!(match_id("7-krc-genk-royal-antwerp-fc"), Some(7));
        assert_eq!(match_id("x-7"), None);
        assert_eq!(match_id("0"), None);
    }
}
