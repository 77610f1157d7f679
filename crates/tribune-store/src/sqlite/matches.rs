//! Competitions, teams and matches: the fixtures import, and a match's status, score and
//! events as the live console plays them.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use tribune_core::football::{
    Competition, EventKind, FixturesReport, ImportedMatch, ImportedTeam, LiveEntry, LiveEntryId,
    Match, MatchChange, MatchEvent, MatchEventId, MatchId, MatchStatus, MatchTeam, Minute,
    NewLiveEntry, NewMatchEvent, Score, Side, Team, TeamId, check_reversal, score_of,
};
use tribune_core::store::{MatchStore, StoreError, StoreResult};
use tribune_core::topic::fold_name;
use tribune_core::{markdown, slugify};

use super::{IMMEDIATE, SqliteStore, db, finish, from_ms, ms};

const MATCH: &str = "SELECT m.id, c.id, c.slug, c.name, m.round,
        h.id, h.slug, h.name, h.short_name, h.topic_id,
        a.id, a.slug, a.name, a.short_name, a.topic_id,
        m.kickoff_at, m.time_known, m.status, m.minute, m.added_minute,
        m.home_score, m.away_score, m.ht_home, m.ht_away, m.pen_home, m.pen_away, m.updated_at,
        m.article_id, m.high_risk
     FROM matches m JOIN competitions c ON c.id = m.competition_id
     JOIN teams h ON h.id = m.home_id JOIN teams a ON a.id = m.away_id";

const ENTRY: &str = "SELECT id, match_id, event_id, minute, added_minute, body_markdown,
        body_html, key_event, pinned, author_id, created_at, edited_at FROM live_entries";

fn entry_of(r: &SqliteRow) -> StoreResult<LiveEntry> {
    let minute: Option<i32> = r.try_get(3).map_err(db)?;
    let edited: Option<i64> = r.try_get(11).map_err(db)?;
    Ok(LiveEntry {
        id: r.try_get(0).map_err(db)?,
        match_id: r.try_get(1).map_err(db)?,
        event_id: r.try_get(2).map_err(db)?,
        minute: minute.map(|m| Minute::new(m, r.try_get(4).ok().flatten())),
        body_markdown: r.try_get(5).map_err(db)?,
        body_html: r.try_get(6).map_err(db)?,
        key_event: r.try_get(7).map_err(db)?,
        pinned: r.try_get(8).map_err(db)?,
        author_id: r.try_get(9).map_err(db)?,
        created_at: from_ms(r.try_get(10).map_err(db)?),
        edited_at: edited.map(from_ms),
    })
}

/// Checks an entry and that its event is one of the match's.
async fn check_entry(
    conn: &mut SqliteConnection,
    id: MatchId,
    e: &NewLiveEntry,
) -> StoreResult<()> {
    e.check().map_err(StoreError::Invalid)?;
    if let Some(event) = e.event_id
        && sqlx::query("SELECT 1 FROM match_events WHERE id = ? AND match_id = ?")
            .bind(event)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .is_none()
    {
        return Err(StoreError::Invalid(
            "the entry's event is not one of this match".into(),
        ));
    }
    Ok(())
}

async fn entry_in(
    conn: &mut SqliteConnection,
    id: MatchId,
    entry: LiveEntryId,
) -> StoreResult<LiveEntry> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE id = ? AND match_id = ? AND deleted = 0"
    )))
    .bind(entry)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(entry_of)
    .transpose()?
    .ok_or(StoreError::NotFound)
}

const EVENT: &str = "SELECT id, match_id, kind, side, minute, added_minute, player,
        other_player, reverses, cancelled, created_at FROM match_events";

fn pair(r: &SqliteRow, i: usize) -> StoreResult<Option<Score>> {
    let home: Option<i32> = r.try_get(i).map_err(db)?;
    let away: Option<i32> = r.try_get(i + 1).map_err(db)?;
    Ok(home.zip(away).map(|(h, a)| Score::new(h, a)))
}

fn team_at(r: &SqliteRow, i: usize) -> StoreResult<MatchTeam> {
    Ok(MatchTeam {
        id: r.try_get(i).map_err(db)?,
        slug: r.try_get(i + 1).map_err(db)?,
        name: r.try_get(i + 2).map_err(db)?,
        short_name: r.try_get(i + 3).map_err(db)?,
        topic_id: r.try_get(i + 4).map_err(db)?,
    })
}

fn match_of(r: &SqliteRow) -> StoreResult<Match> {
    let status: String = r.try_get(17).map_err(db)?;
    let minute: Option<i32> = r.try_get(18).map_err(db)?;
    Ok(Match {
        id: r.try_get(0).map_err(db)?,
        competition: Competition {
            id: r.try_get(1).map_err(db)?,
            slug: r.try_get(2).map_err(db)?,
            name: r.try_get(3).map_err(db)?,
        },
        round: r.try_get(4).map_err(db)?,
        home: team_at(r, 5)?,
        away: team_at(r, 10)?,
        kickoff_at: from_ms(r.try_get(15).map_err(db)?),
        time_known: r.try_get(16).map_err(db)?,
        status: MatchStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown match status {status}")))?,
        minute: minute.map(|m| Minute::new(m, r.try_get(19).ok().flatten())),
        score: pair(r, 20)?,
        half_time: pair(r, 22)?,
        penalties: pair(r, 24)?,
        updated_at: from_ms(r.try_get(26).map_err(db)?),
        article_id: r.try_get(27).map_err(db)?,
        high_risk: r.try_get(28).map_err(db)?,
    })
}

fn event_of(r: &SqliteRow) -> StoreResult<MatchEvent> {
    let kind: String = r.try_get(2).map_err(db)?;
    let side: String = r.try_get(3).map_err(db)?;
    Ok(MatchEvent {
        id: r.try_get(0).map_err(db)?,
        match_id: r.try_get(1).map_err(db)?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("unknown event kind {kind}")))?,
        side: Side::parse(&side)
            .ok_or_else(|| StoreError::Invalid(format!("unknown side {side}")))?,
        minute: Minute::new(r.try_get(4).map_err(db)?, r.try_get(5).map_err(db)?),
        player: r.try_get(6).map_err(db)?,
        other_player: r.try_get(7).map_err(db)?,
        reverses: r.try_get(8).map_err(db)?,
        cancelled: r.try_get(9).map_err(db)?,
        created_at: from_ms(r.try_get(10).map_err(db)?),
    })
}

async fn match_in(conn: &mut SqliteConnection, id: MatchId) -> StoreResult<Option<Match>> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{MATCH} WHERE m.id = ?")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .as_ref()
        .map(match_of)
        .transpose()
}

async fn events_in(conn: &mut SqliteConnection, id: MatchId) -> StoreResult<Vec<MatchEvent>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{EVENT} WHERE match_id = ? ORDER BY id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(event_of)
    .collect()
}

async fn insert_event(
    conn: &mut SqliteConnection,
    id: MatchId,
    e: &NewMatchEvent,
    imported: bool,
    now: DateTime<Utc>,
) -> StoreResult<MatchEventId> {
    let row = sqlx::query(
        "INSERT INTO match_events (match_id, kind, side, minute, added_minute, player,
            other_player, reverses, imported, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(id)
    .bind(e.kind.as_str())
    .bind(e.side.as_str())
    .bind(e.minute.minute)
    .bind(e.minute.added)
    .bind(e.player.trim())
    .bind(e.other_player.trim())
    .bind(e.reverses)
    .bind(imported)
    .bind(ms(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    row.try_get(0).map_err(db)
}

/// Adds `name` as an alias of `team` unless some team has it already.
async fn add_alias(conn: &mut SqliteConnection, team: TeamId, name: &str) -> StoreResult<()> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT OR IGNORE INTO team_aliases (alias_key, team_id, alias) VALUES (?, ?, ?)")
        .bind(fold_name(name))
        .bind(team)
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// The team an import means: found by one of its names, else by its club topic, else new.
async fn team_for(
    conn: &mut SqliteConnection,
    t: &ImportedTeam,
    report: &mut FixturesReport,
) -> StoreResult<TeamId> {
    let names: Vec<&str> = [Some(t.name.as_str()), t.short_name.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut found: Option<TeamId> = None;
    for name in &names {
        found = sqlx::query("SELECT team_id FROM team_aliases WHERE alias_key = ?")
            .bind(fold_name(name))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db)?;
        if found.is_some() {
            break;
        }
    }
    if found.is_none()
        && let Some(topic) = t.topic_id
    {
        found = sqlx::query("SELECT id FROM teams WHERE topic_id = ? ORDER BY id LIMIT 1")
            .bind(topic)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db)?;
    }
    let id = match found {
        Some(id) => id,
        None => {
            let name = t.topic_name.as_deref().unwrap_or(&t.name).trim();
            let short = t.short_name.as_deref().unwrap_or(name).trim();
            let base = slugify(name);
            let mut slug = base.clone();
            let mut n = 1;
            while sqlx::query("SELECT 1 FROM teams WHERE slug = ?")
                .bind(&slug)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?
                .is_some()
            {
                n += 1;
                slug = format!("{base}-{n}");
            }
            report.teams_created += 1;
            sqlx::query(
                "INSERT INTO teams (slug, name, name_fr, short_name, topic_id)
                 VALUES (?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(&slug)
            .bind(name)
            .bind(t.topic_name_fr.as_deref())
            .bind(short)
            .bind(t.topic_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?
        }
    };
    for name in names.iter().copied().chain(t.topic_name.as_deref()) {
        add_alias(conn, id, name).await?;
    }
    Ok(id)
}

/// What a match row holds that an import sets, to tell an update from no change.
type Stored = (
    i64,
    String,
    TeamId,
    TeamId,
    i64,
    bool,
    String,
    [Option<i32>; 6],
);

async fn import_one(
    conn: &mut SqliteConnection,
    competition: i64,
    m: &ImportedMatch,
    teams: &mut HashMap<String, TeamId>,
    report: &mut FixturesReport,
    now: DateTime<Utc>,
) -> StoreResult<Option<MatchId>> {
    let mut ids = [0; 2];
    for (slot, team) in ids.iter_mut().zip([&m.home, &m.away]) {
        let key = fold_name(&team.name);
        *slot = match teams.get(&key) {
            Some(id) => *id,
            None => {
                let id = team_for(conn, team, report).await?;
                teams.insert(key, id);
                id
            }
        };
    }
    let [home, away] = ids;
    if home == away {
        return Err(StoreError::Invalid(format!(
            "{}: {} and {} are the same team",
            m.key, m.home.name, m.away.name
        )));
    }
    let scores = [
        m.score.map(|s| s.home),
        m.score.map(|s| s.away),
        m.half_time.map(|s| s.home),
        m.half_time.map(|s| s.away),
        m.penalties.map(|s| s.home),
        m.penalties.map(|s| s.away),
    ];
    let wanted: Stored = (
        competition,
        m.round.clone(),
        home,
        away,
        ms(m.kickoff_at),
        m.time_known,
        m.status.as_str().to_string(),
        scores,
    );
    let existing = sqlx::query(
        "SELECT id, competition_id, round, home_id, away_id, kickoff_at, time_known, status,
            home_score, away_score, ht_home, ht_away, pen_home, pen_away
         FROM matches WHERE external_key = ?",
    )
    .bind(&m.key)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let was_new = existing.is_none();
    let mut changed = true;
    let mut id: Option<MatchId> = None;
    if let Some(r) = existing {
        let mut s = [None; 6];
        for (i, slot) in s.iter_mut().enumerate() {
            *slot = r.try_get(8 + i).map_err(db)?;
        }
        let stored: Stored = (
            r.try_get(1).map_err(db)?,
            r.try_get(2).map_err(db)?,
            r.try_get(3).map_err(db)?,
            r.try_get(4).map_err(db)?,
            r.try_get(5).map_err(db)?,
            r.try_get(6).map_err(db)?,
            r.try_get(7).map_err(db)?,
            s,
        );
        changed = stored != wanted;
        id = Some(r.try_get(0).map_err(db)?);
    }
    let id: MatchId = match id {
        Some(id) if !changed => id,
        _ => sqlx::query(
            "INSERT INTO matches (competition_id, external_key, round, home_id, away_id,
                kickoff_at, time_known, status, home_score, away_score, ht_home, ht_away,
                pen_home, pen_away, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (external_key) DO UPDATE SET competition_id = excluded.competition_id,
                round = excluded.round, home_id = excluded.home_id, away_id = excluded.away_id,
                kickoff_at = excluded.kickoff_at, time_known = excluded.time_known,
                status = excluded.status, home_score = excluded.home_score,
                away_score = excluded.away_score, ht_home = excluded.ht_home,
                ht_away = excluded.ht_away, pen_home = excluded.pen_home,
                pen_away = excluded.pen_away, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(competition)
        .bind(&m.key)
        .bind(&m.round)
        .bind(home)
        .bind(away)
        .bind(ms(m.kickoff_at))
        .bind(m.time_known)
        .bind(m.status.as_str())
        .bind(scores[0])
        .bind(scores[1])
        .bind(scores[2])
        .bind(scores[3])
        .bind(scores[4])
        .bind(scores[5])
        .bind(ms(now))
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?,
    };
    if !m.goals.is_empty() {
        let events: Vec<NewMatchEvent> = m.goals.iter().map(|g| g.as_event()).collect();
        let stored: Vec<NewMatchEvent> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{EVENT} WHERE match_id = ? AND imported = 1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let e = event_of(r)?;
            Ok(NewMatchEvent {
                kind: e.kind,
                side: e.side,
                minute: e.minute,
                player: e.player,
                other_player: e.other_player,
                reverses: e.reverses,
            })
        })
        .collect::<StoreResult<_>>()?;
        if stored != events {
            changed = true;
            sqlx::query("DELETE FROM match_events WHERE match_id = ? AND imported = 1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            for e in &events {
                insert_event(conn, id, e, true, now).await?;
            }
        }
    }
    if was_new {
        report.created += 1;
    } else if changed {
        report.updated += 1;
    } else {
        report.unchanged += 1;
        return Ok(None);
    }
    Ok(Some(id))
}

/// Match-log rows kept; older ones are pruned as new ones arrive. A reader away longer
/// than that many changes is told to reload.
const LOG_KEPT: i64 = 100_000;

/// Appends to the match log: (match, None) for its board, (match, Some(entry)) for one
/// liveblog entry. Part of the caller's transaction.
async fn log_changes(
    conn: &mut SqliteConnection,
    changes: &[(MatchId, Option<LiveEntryId>)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = changes
        .iter()
        .map(|(m, e)| match e {
            Some(e) => format!("[{m},{e}]"),
            None => format!("[{m},null]"),
        })
        .collect();
    let mut last = 0;
    for r in sqlx::query(
        "INSERT INTO match_changes (match_id, entry_id, changed_at)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?
         FROM json_each(?) ORDER BY key RETURNING seq",
    )
    .bind(ms(now))
    .bind(format!("[{}]", rows.join(",")))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    {
        last = last.max(r.try_get::<i64, _>(0).map_err(db)?);
    }
    sqlx::query("DELETE FROM match_changes WHERE seq <= ?")
        .bind(last - LOG_KEPT)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// The entries tied to an event (those a reversal of it marks).
async fn entries_about(
    conn: &mut SqliteConnection,
    event: MatchEventId,
) -> StoreResult<Vec<LiveEntryId>> {
    sqlx::query("SELECT id FROM live_entries WHERE event_id = ? AND deleted = 0")
        .bind(event)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.try_get(0).map_err(db))
        .collect()
}

/// Writes the score the events add up to, when the match has a score at all.
async fn settle_score(
    conn: &mut SqliteConnection,
    id: MatchId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let score = score_of(&events_in(conn, id).await?);
    sqlx::query("UPDATE matches SET home_score = ?, away_score = ?, updated_at = ? WHERE id = ?")
        .bind(score.home)
        .bind(score.away)
        .bind(ms(now))
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

#[async_trait]
impl MatchStore for SqliteStore {
    async fn import_fixtures(
        &self,
        competition: &str,
        matches: &[ImportedMatch],
        now: DateTime<Utc>,
    ) -> StoreResult<FixturesReport> {
        let name = competition.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("the competition has no name".into()));
        }
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            let competition: i64 = sqlx::query(
                "INSERT INTO competitions (slug, name) VALUES (?, ?)
                 ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id",
            )
            .bind(slugify(name))
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
            let mut report = FixturesReport::default();
            let mut teams = HashMap::new();
            let mut written = Vec::new();
            for m in matches {
                written.extend(
                    import_one(&mut tx, competition, m, &mut teams, &mut report, now).await?,
                );
            }
            let written: Vec<_> = written.into_iter().map(|id| (id, None)).collect();
            log_changes(&mut tx, &written, now).await?;
            Ok(report)
        }
        .await;
        finish(tx, done).await
    }

    async fn teams(&self) -> StoreResult<Vec<Team>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let rows = sqlx::query(
            "SELECT id, slug, name, name_fr, short_name, topic_id FROM teams ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut aliases: HashMap<TeamId, Vec<String>> = HashMap::new();
        for r in sqlx::query("SELECT team_id, alias FROM team_aliases ORDER BY alias")
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
        {
            aliases
                .entry(r.try_get(0).map_err(db)?)
                .or_default()
                .push(r.try_get(1).map_err(db)?);
        }
        rows.iter()
            .map(|r| {
                let id: TeamId = r.try_get(0).map_err(db)?;
                Ok(Team {
                    id,
                    slug: r.try_get(1).map_err(db)?,
                    name: r.try_get(2).map_err(db)?,
                    name_fr: r.try_get(3).map_err(db)?,
                    short_name: r.try_get(4).map_err(db)?,
                    topic_id: r.try_get(5).map_err(db)?,
                    aliases: aliases.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn match_by_id(&self, id: MatchId) -> StoreResult<Option<Match>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        match_in(&mut conn, id).await
    }

    async fn matches_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Match>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MATCH} WHERE m.kickoff_at >= ? AND m.kickoff_at < ? ORDER BY m.kickoff_at, m.id
             LIMIT ?"
        )))
        .bind(ms(from))
        .bind(ms(to))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(match_of)
        .collect()
    }

    async fn live_matches(&self) -> StoreResult<Vec<Match>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MATCH} WHERE m.status IN ('first_half', 'half_time', 'second_half', 'extra_time',
                'penalties') ORDER BY m.kickoff_at, m.id"
        )))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(match_of)
        .collect()
    }

    async fn match_events(&self, id: MatchId) -> StoreResult<Vec<MatchEvent>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        events_in(&mut conn, id).await
    }

    async fn set_match_status(
        &self,
        id: MatchId,
        status: MatchStatus,
        minute: Option<Minute>,
        now: DateTime<Utc>,
    ) -> StoreResult<Match> {
        if let Some(m) = minute
            && !m.is_plausible()
        {
            return Err(StoreError::Invalid(format!(
                "{m} is not a minute of a match"
            )));
        }
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            let done = sqlx::query(
                "UPDATE matches SET status = ?, minute = ?, added_minute = ?, updated_at = ?,
                    home_score = CASE WHEN ? THEN COALESCE(home_score, 0) ELSE home_score END,
                    away_score = CASE WHEN ? THEN COALESCE(away_score, 0) ELSE away_score END
                 WHERE id = ?",
            )
            .bind(status.as_str())
            .bind(minute.map(|m| m.minute))
            .bind(minute.and_then(|m| m.added))
            .bind(ms(now))
            .bind(status.has_score())
            .bind(status.has_score())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            log_changes(&mut tx, &[(id, None)], now).await?;
            match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, done).await
    }

    async fn save_team(
        &self,
        id: TeamId,
        edit: &tribune_core::football::TeamEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Team> {
        let edit = edit.clone().tidy();
        edit.check().map_err(StoreError::Invalid)?;
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            if let Some(topic) = edit.topic_id
                && sqlx::query("SELECT 1 FROM topics WHERE id = ?")
                    .bind(topic)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?
                    .is_none()
            {
                return Err(StoreError::Invalid(format!(
                    "onderwerp {topic} bestaat niet"
                )));
            }
            let done = sqlx::query(
                "UPDATE teams SET name = ?, name_fr = ?, short_name = ?, topic_id = ?
                 WHERE id = ?",
            )
            .bind(&edit.name)
            .bind(&edit.name_fr)
            .bind(&edit.short_name)
            .bind(edit.topic_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM team_aliases WHERE team_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let mut added = std::collections::HashSet::new();
            for name in edit.all_names() {
                let key = fold_name(name);
                if !added.insert(key.clone()) {
                    continue;
                }
                let other: Option<String> = sqlx::query_scalar(
                    "SELECT t.name FROM team_aliases a JOIN teams t ON t.id = a.team_id
                     WHERE a.alias_key = ?",
                )
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
                if let Some(other) = other {
                    return Err(StoreError::Invalid(format!(
                        "de naam {name:?} hoort al bij {other}"
                    )));
                }
                sqlx::query(
                    "INSERT INTO team_aliases (alias_key, team_id, alias) VALUES (?, ?, ?)",
                )
                .bind(&key)
                .bind(id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            let played: Vec<MatchId> =
                sqlx::query_scalar("SELECT id FROM matches WHERE home_id = ? OR away_id = ?")
                    .bind(id)
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?;
            let changes: Vec<(MatchId, Option<LiveEntryId>)> =
                played.into_iter().map(|m| (m, None)).collect();
            log_changes(&mut tx, &changes, now).await?;
            Ok(())
        }
        .await;
        finish(tx, done).await?;
        self.teams()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound)
    }

    async fn set_match_high_risk(
        &self,
        id: MatchId,
        high_risk: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Match> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let done = async {
            let done = sqlx::query("UPDATE matches SET high_risk = ?, updated_at = ? WHERE id = ?")
                .bind(high_risk)
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            // Logged as a board change: every node hears of it (match-evening mode).
            log_changes(&mut tx, &[(id, None)], now).await?;
            match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, done).await
    }

    async fn set_match_article(
        &self,
        id: MatchId,
        article: Option<tribune_core::article::ArticleId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Match> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            if let Some(article) = article {
                if sqlx::query("SELECT 1 FROM articles WHERE id = ?")
                    .bind(article)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?
                    .is_none()
                {
                    return Err(StoreError::Invalid(format!(
                        "artikel {article} bestaat niet"
                    )));
                }
                let other: Option<MatchId> =
                    sqlx::query_scalar("SELECT id FROM matches WHERE article_id = ? AND id <> ?")
                        .bind(article)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db)?;
                if let Some(other) = other {
                    return Err(StoreError::Invalid(format!(
                        "artikel {article} draagt al de reacties van wedstrijd {other}"
                    )));
                }
            }
            let done =
                sqlx::query("UPDATE matches SET article_id = ?, updated_at = ? WHERE id = ?")
                    .bind(article)
                    .bind(ms(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            log_changes(&mut tx, &[(id, None)], now).await?;
            match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, done).await
    }

    async fn add_match_event(
        &self,
        id: MatchId,
        event: &NewMatchEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<(Match, MatchEvent)> {
        event.check().map_err(StoreError::Invalid)?;
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            if match_in(&mut tx, id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            if let Some(target) = event.reverses {
                let target = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{EVENT} WHERE id = ? AND match_id = ?"
                )))
                .bind(target)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .as_ref()
                .map(event_of)
                .transpose()?
                .ok_or_else(|| {
                    StoreError::Invalid("the event to reverse is not one of this match".into())
                })?;
                check_reversal(&target).map_err(StoreError::Invalid)?;
                sqlx::query("UPDATE match_events SET cancelled = 1 WHERE id = ?")
                    .bind(target.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            let event_id = insert_event(&mut tx, id, event, false, now).await?;
            if event.reverses.is_some() || event.kind.scores_for(event.side).is_some() {
                settle_score(&mut tx, id, now).await?;
            }
            let mut changes = vec![(id, None)];
            if let Some(target) = event.reverses {
                for entry in entries_about(&mut tx, target).await? {
                    changes.push((id, Some(entry)));
                }
            }
            log_changes(&mut tx, &changes, now).await?;
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            let e = sqlx::query(sqlx::AssertSqlSafe(format!("{EVENT} WHERE id = ?")))
                .bind(event_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            Ok((m, event_of(&e)?))
        }
        .await;
        finish(tx, done).await
    }

    async fn match_event(
        &self,
        id: MatchId,
        event: MatchEventId,
    ) -> StoreResult<Option<MatchEvent>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{EVENT} WHERE id = ? AND match_id = ?"
        )))
        .bind(event)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(event_of)
        .transpose()
    }
    async fn add_live_entry(
        &self,
        id: MatchId,
        entry: &NewLiveEntry,
        by: Option<tribune_core::account::AccountId>,
        now: DateTime<Utc>,
    ) -> StoreResult<LiveEntry> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            if match_in(&mut tx, id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            check_entry(&mut tx, id, entry).await?;
            let body = entry.body_markdown.trim();
            let new: LiveEntryId = sqlx::query(
                "INSERT INTO live_entries (match_id, event_id, minute, added_minute,
                    body_markdown, body_html, key_event, pinned, author_id, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(id)
            .bind(entry.event_id)
            .bind(entry.minute.map(|m| m.minute))
            .bind(entry.minute.and_then(|m| m.added))
            .bind(body)
            .bind(markdown::render(body))
            .bind(entry.key_event)
            .bind(entry.pinned)
            .bind(by)
            .bind(ms(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
            log_changes(&mut tx, &[(id, Some(new))], now).await?;
            entry_in(&mut tx, id, new).await
        }
        .await;
        finish(tx, done).await
    }

    async fn edit_live_entry(
        &self,
        id: MatchId,
        entry: LiveEntryId,
        new: &NewLiveEntry,
        now: DateTime<Utc>,
    ) -> StoreResult<LiveEntry> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            entry_in(&mut tx, id, entry).await?;
            check_entry(&mut tx, id, new).await?;
            let body = new.body_markdown.trim();
            sqlx::query(
                "UPDATE live_entries SET event_id = ?, minute = ?, added_minute = ?,
                    body_markdown = ?, body_html = ?, key_event = ?, pinned = ?, edited_at = ?
                 WHERE id = ?",
            )
            .bind(new.event_id)
            .bind(new.minute.map(|m| m.minute))
            .bind(new.minute.and_then(|m| m.added))
            .bind(body)
            .bind(markdown::render(body))
            .bind(new.key_event)
            .bind(new.pinned)
            .bind(ms(now))
            .bind(entry)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            log_changes(&mut tx, &[(id, Some(entry))], now).await?;
            entry_in(&mut tx, id, entry).await
        }
        .await;
        finish(tx, done).await
    }

    async fn delete_live_entry(
        &self,
        id: MatchId,
        entry: LiveEntryId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            let done = sqlx::query(
                "UPDATE live_entries SET deleted = 1, edited_at = ?
                 WHERE id = ? AND match_id = ? AND deleted = 0",
            )
            .bind(ms(now))
            .bind(entry)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            log_changes(&mut tx, &[(id, Some(entry))], now).await
        }
        .await;
        finish(tx, done).await
    }

    async fn live_entries(&self, id: MatchId) -> StoreResult<Vec<LiveEntry>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ENTRY} WHERE match_id = ? AND deleted = 0 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(entry_of)
        .collect()
    }

    async fn live_entry(&self, id: MatchId, entry: LiveEntryId) -> StoreResult<Option<LiveEntry>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ENTRY} WHERE id = ? AND match_id = ? AND deleted = 0"
        )))
        .bind(entry)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(entry_of)
        .transpose()
    }

    async fn match_changes(
        &self,
        since: i64,
        of: Option<MatchId>,
        limit: u32,
    ) -> StoreResult<Vec<MatchChange>> {
        sqlx::query(
            "SELECT seq, match_id, entry_id FROM match_changes
             WHERE seq > ? AND (? IS NULL OR match_id = ?) ORDER BY seq LIMIT ?",
        )
        .bind(since)
        .bind(of)
        .bind(of)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(MatchChange {
                seq: r.try_get(0).map_err(db)?,
                match_id: r.try_get(1).map_err(db)?,
                entry: r.try_get(2).map_err(db)?,
            })
        })
        .collect()
    }

    async fn match_log_span(&self) -> StoreResult<(i64, i64)> {
        let r =
            sqlx::query("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM match_changes")
                .fetch_one(&self.read)
                .await
                .map_err(db)?;
        Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?))
    }
}
