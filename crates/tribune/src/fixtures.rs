//! `tribune import fixtures FILE`: competitions, teams and matches from the two formats
//! fixtures come in.
//!
//! - openfootball's football.json: `{"name", "matches": [{"round", "date", "time", "team1",
//!   "team2", "score": {"ht", "ft", "et", "p"}, "goals1", "goals2"}]}` (or the older
//!   `"rounds": [{"name", "matches"}]`). A time without an offset ("20:45") is Brussels time;
//!   "20:45 UTC+2" says its own. A match is the same match again when competition, round and
//!   teams are.
//! - football-data.org v4 match lists: `{"competition": {"name"}, "matches": [{"id",
//!   "utcDate", "status", "matchday", "homeTeam": {"name", "shortName"}, "awayTeam",
//!   "score": {"fullTime", "halfTime", "regularTime", "extraTime", "penalties"}}]}`. A match
//!   is the same match again when its id is. Matches whose teams are not known yet (a
//!   final before its semi-finals) are skipped.
//!
//! The whole file is read and checked before anything is written: a broken file is refused
//! with its line and column and changes nothing. Teams are found through their aliases (and
//! a new team is linked to the club topic its name mentions, taking the topic's name).

use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Deserialize;
use tribune_core::football::{
    FixturesReport, ImportedGoal, ImportedMatch, ImportedTeam, MatchStatus, Minute, Score, Side,
};
use tribune_core::tagging::{Confidence, TagName, Tagger};
use tribune_core::topic::fold_name;
use tribune_core::{Store, TopicKind, slugify};

/// Largest file read: a whole season of a big league is well under 2 MB.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// A file read and checked, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixtures {
    pub competition: String,
    pub matches: Vec<ImportedMatch>,
    /// Matches left out because a team is not known yet.
    pub skipped: usize,
}

/// Reads, checks and writes a fixtures file.
pub async fn import_file(
    store: &dyn Store,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<(FixturesReport, usize), String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if size > MAX_FILE {
        return Err(format!(
            "{}: {size} bytes; a fixtures file has at most {MAX_FILE}",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut fixtures = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    link_topics(store, &mut fixtures.matches)
        .await
        .map_err(|e| e.to_string())?;
    let report = store
        .import_fixtures(&fixtures.competition, &fixtures.matches, now)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((report, fixtures.skipped))
}

/// Points each team at the club (or national team) topic its name mentions for sure, in a
/// name found that covers at least half of the team's name, so a new team takes the topic's
/// name and its headlines carry the live score.
pub async fn link_topics(
    store: &dyn Store,
    matches: &mut [ImportedMatch],
) -> tribune_core::store::StoreResult<()> {
    let topics = store.topics().await?;
    let teams: Vec<_> = topics
        .iter()
        .filter(|t| matches!(t.kind, TopicKind::Club | TopicKind::NationalTeam))
        .collect();
    let tagger = Tagger::new(
        teams
            .iter()
            .flat_map(|t| t.tag_names())
            .collect::<Vec<TagName>>(),
    );
    for m in matches {
        for team in [&mut m.home, &mut m.away] {
            // Sure, and most of the name: "KV" inside "KV Kortrijk" is not KV Mechelen.
            let whole = fold_name(&team.name).chars().count();
            let sure: Vec<_> = tagger
                .suggest(&team.name, "", "")
                .into_iter()
                .filter(|s| {
                    s.confidence == Confidence::Sure
                        && fold_name(&s.first_text).chars().count() * 2 >= whole
                })
                .collect();
            if let [one] = sure.as_slice()
                && let Some(topic) = teams.iter().find(|t| t.id == one.topic_id)
            {
                team.topic_id = Some(topic.id);
                team.topic_name = Some(topic.name.clone());
                team.topic_name_fr = topic.name_fr.clone();
            }
        }
    }
    Ok(())
}

/// Reads either format, telling them apart by their matches' fields.
pub fn parse(text: &str) -> Result<Fixtures, String> {
    let probe: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let first = probe
        .get("matches")
        .and_then(|m| m.as_array())
        .and_then(|m| m.first())
        .or_else(|| {
            probe
                .get("rounds")
                .and_then(|r| r.as_array())
                .and_then(|r| r.first())
                .and_then(|r| r.get("matches"))
                .and_then(|m| m.as_array())
                .and_then(|m| m.first())
        });
    match first {
        Some(m) if m.get("homeTeam").is_some() => football_data(text),
        Some(m) if m.get("team1").is_some() => openfootball(text),
        Some(_) => Err(
            "the matches have neither team1/team2 (openfootball) nor homeTeam/awayTeam \
             (football-data.org)"
                .into(),
        ),
        None if probe.is_object() => Err("the file holds no matches".into()),
        None => Err("not a fixtures file: expected a JSON object with \"matches\"".into()),
    }
}

fn json_error(e: &serde_json::Error) -> String {
    // serde_json says "... at line L column C" itself.
    format!("{e}")
}

/// A name as a source writes it: trimmed, something in it, no control characters.
fn checked_name(what: &str, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("{what} has no name"));
    }
    if name.chars().any(char::is_control) || name.chars().count() > 80 {
        return Err(format!("{what} {name:?} is not a name"));
    }
    Ok(name.to_string())
}

fn both_teams(home: &str, away: &str) -> Result<(), String> {
    if fold_name(home) == fold_name(away) {
        return Err(format!("{home} cannot play against itself"));
    }
    Ok(())
}

// ---- openfootball ----

#[derive(Deserialize)]
struct OfFile {
    name: String,
    #[serde(default)]
    matches: Vec<OfMatch>,
    #[serde(default)]
    rounds: Vec<OfRound>,
}

#[derive(Deserialize)]
struct OfRound {
    name: String,
    matches: Vec<OfMatch>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OfTeam {
    Name(String),
    Object { name: String },
}

impl OfTeam {
    fn name(&self) -> &str {
        match self {
            Self::Name(n) | Self::Object { name: n } => n,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfScore {
    ht: Option<[u16; 2]>,
    ft: Option<[u16; 2]>,
    et: Option<[u16; 2]>,
    p: Option<[u16; 2]>,
}

#[derive(Deserialize)]
struct OfGoal {
    name: String,
    minute: u16,
    offset: Option<u16>,
    #[serde(default)]
    penalty: bool,
    #[serde(default)]
    owngoal: bool,
}

#[derive(Deserialize)]
struct OfRaw {
    round: Option<String>,
    date: String,
    time: Option<String>,
    team1: OfTeam,
    team2: OfTeam,
    score: Option<OfScore>,
    #[serde(default)]
    goals1: Vec<OfGoal>,
    #[serde(default)]
    goals2: Vec<OfGoal>,
}

/// A match checked as it is read, so that serde_json names the position of what is wrong.
#[derive(Deserialize)]
#[serde(try_from = "OfRaw")]
struct OfMatch {
    round: Option<String>,
    kickoff_at: DateTime<Utc>,
    time_known: bool,
    home: String,
    away: String,
    score: Option<Score>,
    half_time: Option<Score>,
    penalties: Option<Score>,
    goals: Vec<ImportedGoal>,
}

fn score(pair: Option<[u16; 2]>) -> Option<Score> {
    pair.map(|[h, a]| Score::new(h.into(), a.into()))
}

/// "20:45", "20:45 UTC+2", "20:45 UTC-3:30": the time and the offset it names, if any.
fn of_time(s: &str) -> Result<(NaiveTime, Option<FixedOffset>), String> {
    let s = s.trim();
    let (clock, zone) = match s.split_once(char::is_whitespace) {
        Some((c, z)) => (c, Some(z.trim())),
        None => (s, None),
    };
    let time = NaiveTime::parse_from_str(clock, "%H:%M")
        .map_err(|_| format!("time {s:?} is not HH:MM"))?;
    let offset = match zone {
        None => None,
        Some(z) => {
            let bad = || format!("time {s:?}: the offset is not UTC+H or UTC-H:MM");
            let rest = z.strip_prefix("UTC").ok_or_else(bad)?;
            let (sign, rest) = match rest.chars().next() {
                Some('+') => (1, &rest[1..]),
                Some('-') => (-1, &rest[1..]),
                _ => return Err(bad()),
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
            let h: i32 = h.parse().map_err(|_| bad())?;
            let m: i32 = m.parse().map_err(|_| bad())?;
            if h > 14 || m > 59 {
                return Err(bad());
            }
            Some(FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)?)
        }
    };
    Ok((time, offset))
}

impl TryFrom<OfRaw> for OfMatch {
    type Error = String;

    fn try_from(raw: OfRaw) -> Result<Self, String> {
        let home = checked_name("team1", raw.team1.name())?;
        let away = checked_name("team2", raw.team2.name())?;
        both_teams(&home, &away)?;
        let date = NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d")
            .map_err(|_| format!("date {:?} is not YYYY-MM-DD", raw.date))?;
        let (kickoff_at, time_known) = match raw.time.as_deref() {
            Some(t) => {
                let (time, offset) = of_time(t)?;
                let at = match offset {
                    Some(o) => o.from_local_datetime(&date.and_time(time)).single(),
                    None => tribune_core::time::from_input(
                        &date.to_string(),
                        &time.format("%H:%M").to_string(),
                    )
                    .map(|t| t.fixed_offset()),
                };
                let at = at.ok_or_else(|| format!("{date} {t} is not a time in Brussels"))?;
                (at.with_timezone(&Utc), true)
            }
            None => {
                let at = tribune_core::time::from_input(&date.to_string(), "00:00")
                    .ok_or_else(|| format!("{date} has no midnight in Brussels"))?;
                (at, false)
            }
        };
        let (mut scored, mut half_time, mut penalties) = (None, None, None);
        if let Some(s) = &raw.score {
            scored = score(s.et).or(score(s.ft));
            half_time = score(s.ht);
            penalties = score(s.p);
            if scored.is_none() && (half_time.is_some() || penalties.is_some()) {
                return Err("a score with ht or p needs ft".into());
            }
        }
        let mut goals = Vec::new();
        for (list, side) in [(&raw.goals1, Side::Home), (&raw.goals2, Side::Away)] {
            for g in list {
                let minute = Minute::new(g.minute.into(), g.offset.map(i32::from));
                if !minute.is_plausible() {
                    return Err(format!("goal by {}: {minute} is not a minute", g.name));
                }
                goals.push(ImportedGoal {
                    for_side: side,
                    minute,
                    player: checked_name("a goal's scorer", &g.name)?,
                    penalty: g.penalty,
                    own_goal: g.owngoal,
                });
            }
        }
        goals.sort_by_key(|g| (g.minute.minute, g.minute.added));
        if let Some(s) = scored
            && !goals.is_empty()
        {
            let (h, a) = goals.iter().fold((0, 0), |(h, a), g| match g.for_side {
                Side::Home => (h + 1, a),
                Side::Away => (h, a + 1),
            });
            if (h, a) != (s.home, s.away) {
                return Err(format!("the goals add up to {h}-{a}, the score says {}", s));
            }
        }
        Ok(OfMatch {
            round: raw.round.map(|r| r.trim().to_string()),
            kickoff_at,
            time_known,
            home,
            away,
            score: scored,
            half_time,
            penalties,
            goals,
        })
    }
}

fn openfootball(text: &str) -> Result<Fixtures, String> {
    let file: OfFile = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let competition = checked_name("the competition", &file.name)?;
    let mut all: Vec<(String, OfMatch)> = file
        .matches
        .into_iter()
        .map(|m| (m.round.clone().unwrap_or_default(), m))
        .collect();
    for r in file.rounds {
        all.extend(
            r.matches
                .into_iter()
                .map(|m| (r.name.trim().to_string(), m)),
        );
    }
    let competition_slug = slugify(&competition);
    let mut seen = std::collections::HashMap::new();
    let mut matches = Vec::with_capacity(all.len());
    for (i, (round, m)) in all.into_iter().enumerate() {
        let key = format!(
            "of:{competition_slug}:{}:{}:{}",
            slugify(&round),
            slugify(&m.home),
            slugify(&m.away)
        );
        if let Some(first) = seen.insert(key.clone(), i) {
            return Err(format!(
                "match {} ({} - {}, {round}) is match {} again",
                i + 1,
                m.home,
                m.away,
                first + 1
            ));
        }
        let status = if m.score.is_some() {
            MatchStatus::Finished
        } else {
            MatchStatus::Scheduled
        };
        matches.push(ImportedMatch {
            key,
            round,
            home: team(m.home, None),
            away: team(m.away, None),
            kickoff_at: m.kickoff_at,
            time_known: m.time_known,
            status,
            score: m.score,
            half_time: m.half_time,
            penalties: m.penalties,
            goals: m.goals,
        });
    }
    Ok(Fixtures {
        competition,
        matches,
        skipped: 0,
    })
}

fn team(name: String, short_name: Option<String>) -> ImportedTeam {
    ImportedTeam {
        name,
        short_name,
        topic_id: None,
        topic_name: None,
        topic_name_fr: None,
    }
}

// ---- football-data.org v4 ----

#[derive(Deserialize)]
struct FdFile {
    competition: Option<FdCompetition>,
    matches: Vec<FdMatch>,
}

#[derive(Deserialize)]
struct FdCompetition {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FdTeam {
    name: Option<String>,
    short_name: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
struct FdPair {
    home: Option<u16>,
    away: Option<u16>,
}

impl FdPair {
    fn score(self) -> Option<Score> {
        Some(Score::new(self.home?.into(), self.away?.into()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FdScore {
    duration: Option<String>,
    full_time: Option<FdPair>,
    half_time: Option<FdPair>,
    regular_time: Option<FdPair>,
    extra_time: Option<FdPair>,
    penalties: Option<FdPair>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FdRaw {
    id: i64,
    utc_date: String,
    status: String,
    matchday: Option<i64>,
    stage: Option<String>,
    home_team: FdTeam,
    away_team: FdTeam,
    score: Option<FdScore>,
    competition: Option<FdCompetition>,
}

#[derive(Deserialize)]
#[serde(try_from = "FdRaw")]
struct FdMatch {
    /// None when a team is not known yet: the match is skipped.
    imported: Option<ImportedMatch>,
    competition: Option<String>,
}

fn fd_status(status: &str, score: Option<&FdScore>) -> Result<MatchStatus, String> {
    let duration = score
        .and_then(|s| s.duration.as_deref())
        .unwrap_or("REGULAR");
    let half_time_seen = score
        .and_then(|s| s.half_time)
        .and_then(FdPair::score)
        .is_some();
    Ok(match status {
        "SCHEDULED" | "TIMED" => MatchStatus::Scheduled,
        "IN_PLAY" | "LIVE" => match duration {
            "PENALTY_SHOOTOUT" => MatchStatus::Penalties,
            "EXTRA_TIME" => MatchStatus::ExtraTime,
            _ if half_time_seen => MatchStatus::SecondHalf,
            _ => MatchStatus::FirstHalf,
        },
        "PAUSED" => MatchStatus::HalfTime,
        "FINISHED" => MatchStatus::Finished,
        "SUSPENDED" => MatchStatus::Suspended,
        "POSTPONED" => MatchStatus::Postponed,
        "CANCELLED" => MatchStatus::Cancelled,
        "AWARDED" => MatchStatus::Awarded,
        other => {
            return Err(format!(
                "status {other:?} is not one of football-data.org's"
            ));
        }
    })
}

impl TryFrom<FdRaw> for FdMatch {
    type Error = String;

    fn try_from(raw: FdRaw) -> Result<Self, String> {
        let competition = raw.competition.map(|c| c.name);
        let kickoff_at = DateTime::parse_from_rfc3339(raw.utc_date.trim())
            .map_err(|_| format!("utcDate {:?} is not an RFC 3339 time", raw.utc_date))?
            .with_timezone(&Utc);
        let status = fd_status(&raw.status, raw.score.as_ref())?;
        let (Some(home), Some(away)) = (raw.home_team.name, raw.away_team.name) else {
            return Ok(FdMatch {
                imported: None,
                competition,
            });
        };
        let home = checked_name("homeTeam", &home)?;
        let away = checked_name("awayTeam", &away)?;
        both_teams(&home, &away)?;
        let short = |s: Option<String>| {
            s.map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
        };
        let s = raw.score.as_ref();
        // fullTime counts the shoot-out when there was one; regular plus extra time does not.
        let played = s.and_then(|s| {
            let regular = s.regular_time.and_then(FdPair::score)?;
            let extra = s.extra_time.and_then(FdPair::score).unwrap_or_default();
            Some(Score::new(
                regular.home + extra.home,
                regular.away + extra.away,
            ))
        });
        let score = played.or_else(|| s.and_then(|s| s.full_time).and_then(FdPair::score));
        let round = match (raw.matchday, raw.stage.as_deref()) {
            (Some(day), _) => format!("Speeldag {day}"),
            (None, Some(stage)) => stage.replace('_', " ").to_lowercase(),
            (None, None) => String::new(),
        };
        Ok(FdMatch {
            imported: Some(ImportedMatch {
                key: format!("fd:{}", raw.id),
                round,
                home: team(home, short(raw.home_team.short_name)),
                away: team(away, short(raw.away_team.short_name)),
                kickoff_at,
                time_known: true,
                status,
                score: if status.has_score() { score } else { None },
                half_time: s.and_then(|s| s.half_time).and_then(FdPair::score),
                penalties: s.and_then(|s| s.penalties).and_then(FdPair::score),
                goals: Vec::new(),
            }),
            competition,
        })
    }
}

fn football_data(text: &str) -> Result<Fixtures, String> {
    let file: FdFile = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let competition = file
        .competition
        .map(|c| c.name)
        .or_else(|| file.matches.iter().find_map(|m| m.competition.clone()))
        .ok_or("the file names no competition (competition.name)")?;
    let competition = checked_name("the competition", &competition)?;
    let mut seen = std::collections::HashSet::new();
    let mut matches = Vec::new();
    let mut skipped = 0;
    for (i, m) in file.matches.into_iter().enumerate() {
        match m.imported {
            Some(m) => {
                if !seen.insert(m.key.clone()) {
                    return Err(format!("match {} ({}) appears twice", i + 1, m.key));
                }
                matches.push(m);
            }
            None => skipped += 1,
        }
    }
    Ok(Fixtures {
        competition,
        matches,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn times_with_and_without_offsets() {
        let (t, o) = of_time("20:45").unwrap();
        assert_eq!((t.format("%H:%M").to_string(), o), ("20:45".into(), None));
        let (_, o) = of_time("18:00 UTC+2").unwrap();
        assert_eq!(o, FixedOffset::east_opt(7200));
        let (_, o) = of_time("21:30 UTC-3:30").unwrap();
        assert_eq!(o, FixedOffset::east_opt(-(3 * 3600 + 1800)));
        assert!(of_time("8 uur").is_err());
        assert!(of_time("20:45 CET").is_err());
        assert!(of_time("20:45 UTC+99").is_err());
    }
}
