//! Matches: the line a match is shown as (lists, the page header, the live board), its
//! events and liveblog entries, the match page and the round, the "Volg X - Y live" line
//! under an article, and the pieces of the match page the live stream sends again.

use askama::Template;
use chrono::{DateTime, Duration, Utc};
use tribune_core::football::{LiveEntry, Match, MatchEvent, MatchId, MatchStatus, Side};
use tribune_core::time::{clock_time, day_heading, day_month, iso, long_date_time};
use tribune_core::topic::{Topic, topic_path};

use super::comments::CommentSection;
use super::{Headline, Layout, absolute, json_for_script};

/// The match an article leads to.
pub struct FollowMatch {
    pub id: MatchId,
    pub url: String,
    pub text: String,
}

impl FollowMatch {
    /// "Volg X - Y live vanaf 16:30 (20/01)"; once it is played, the score.
    pub fn new(m: &Match) -> Self {
        let line = MatchLine::new(m);
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
        Self {
            id: m.id,
            url: m.path(),
            text,
        }
    }
}

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
    /// With the clubs' names linked to their topic pages (the clubs' topics, as the store
    /// has them).
    pub fn linked(m: &Match, home: Option<&Topic>, away: Option<&Topic>) -> Self {
        let mut line = Self::new(m);
        line.home_topic = home.map(|t| topic_path(&t.slug));
        line.away_topic = away.map(|t| topic_path(&t.slug));
        line
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

pub fn event_line(m: &Match, e: &MatchEvent, all: &[MatchEvent]) -> EventLine {
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
pub fn entry_lines(entries: &[LiveEntry], events: &[MatchEvent]) -> Vec<EntryLine> {
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
pub struct MatchPage {
    pub layout: Layout,
    pub match_id: MatchId,
    /// The match-log position the page shows everything up to; its script asks the live
    /// stream for what comes after.
    pub live_since: i64,
    pub m: MatchLine,
    /// Newest first, as a live page reads.
    pub events: Vec<EventLine>,
    pub entries: Vec<EntryLine>,
    pub related: Vec<Headline>,
    /// None until the match's live article is linked and published.
    pub comments: Option<CommentSection>,
}

/// A match page's <head>: its title, a description with the score or the kick-off, and
/// schema.org LiveBlogPosting data.
pub fn match_layout(
    m: &Match,
    events: &[MatchEvent],
    entries: &[LiveEntry],
    public_url: &str,
) -> Layout {
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
        .public(public_url, &m.path());
    layout.json_ld = Some(json_for_script(&live_blog(m, events, entries, public_url)));
    layout
}

#[derive(Template)]
#[template(path = "matches.html")]
pub struct RoundPage {
    pub layout: Layout,
    pub live: Vec<MatchLine>,
    /// (day heading, matches), earliest day first.
    pub days: Vec<(String, Vec<MatchLine>)>,
}

impl RoundPage {
    /// The matches being played on top; the others (`round`, in kick-off order) under
    /// their Brussels day.
    pub fn new(live: &[Match], round: &[Match], now: DateTime<Utc>, public_url: &str) -> Self {
        let mut days: Vec<(String, Vec<MatchLine>)> = Vec::new();
        for m in round.iter().filter(|m| !m.status.is_live()) {
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
        .public(public_url, "/wedstrijden");
        Self {
            layout,
            live: live.iter().map(MatchLine::new).collect(),
            days,
        }
    }
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

/// The live board as the stream sends it (the match page's header).
#[derive(Template)]
#[template(path = "_scoreboard.html")]
pub struct Board<'a> {
    pub m: &'a MatchLine,
}

/// The events as the stream sends them.
#[derive(Template)]
#[template(path = "_timeline.html")]
pub struct Timeline<'a> {
    pub events: &'a [EventLine],
}

/// One liveblog entry as the stream sends it.
#[derive(Template)]
#[template(path = "_live_entry.html")]
pub struct Entry<'a> {
    pub e: &'a EntryLine,
}
