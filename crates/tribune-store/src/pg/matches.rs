//! Competitions, teams and matches: the fixtures import, and a match's status, score and
//! events as the live console plays them.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use tribune_core::football::{
    Competition, EventKind, FixturesReport, ImportedMatch, ImportedTeam, LiveEntry, LiveEntryId,
    Match, MatchChange, MatchEvent, MatchEventId, MatchId, MatchStatus, MatchTeam, Minute,
    NewLiveEntry, NewMatchEvent, Score, Side, Team, TeamId, check_reversal, score_of,
};
use tribune_core::store::{MatchStore, StoreError, StoreResult};
use tribune_core::topic::fold_name;
use tribune_core::{markdown, slugify};

use super::{CHANNEL, LOCK_CHANGES, LOCK_WRITE, PgStore, db, lock, ms, settle};

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

fn entry_of(r: &PgRow) -> StoreResult<LiveEntry> {
    let minute: Option<i32> = r.try_get(3).map_err(db)?;
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
        created_at: r.try_get(10).map_err(db)?,
        edited_at: r.try_get(11).map_err(db)?,
    })
}

/// Checks an entry and that its event is one of the match's.
async fn check_entry(conn: &mut PgConnection, id: MatchId, e: &NewLiveEntry) -> StoreResult<()> {
    e.check().map_err(StoreError::Invalid)?;
    if let Some(event) = e.event_id
        && sqlx::query("SELECT 1 FROM match_events WHERE id = $1 AND match_id = $2")
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
    conn: &mut PgConnection,
    id: MatchId,
    entry: LiveEntryId,
) -> StoreResult<LiveEntry> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE id = $1 AND match_id = $2 AND NOT deleted"
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

fn pair(r: &PgRow, i: usize) -> StoreResult<Option<Score>> {
    let home: Option<i32> = r.try_get(i).map_err(db)?;
    let away: Option<i32> = r.try_get(i + 1).map_err(db)?;
    Ok(home.zip(away).map(|(h, a)| Score::new(h, a)))
}

fn team_at(r: &PgRow, i: usize) -> StoreResult<MatchTeam> {
    Ok(MatchTeam {
        id: r.try_get(i).map_err(db)?,
        slug: r.try_get(i + 1).map_err(db)?,
        name: r.try_get(i + 2).map_err(db)?,
        short_name: r.try_get(i + 3).map_err(db)?,
        topic_id: r.try_get(i + 4).map_err(db)?,
    })
}

fn match_of(r: &PgRow) -> StoreResult<Match> {
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
        kickoff_at: r.try_get(15).map_err(db)?,
        time_known: r.try_get(16).map_err(db)?,
        status: MatchStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown match status {status}")))?,
        minute: minute.map(|m| Minute::new(m, r.try_get(19).ok().flatten())),
        score: pair(r, 20)?,
        half_time: pair(r, 22)?,
        penalties: pair(r, 24)?,
        updated_at: r.try_get(26).map_err(db)?,
        article_id: r.try_get(27).map_err(db)?,
        high_risk: r.try_get(28).map_err(db)?,
    })
}

fn event_of(r: &PgRow) -> StoreResult<MatchEvent> {
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
        created_at: r.try_get(10).map_err(db)?,
    })
}

async fn match_in(conn: &mut PgConnection, id: MatchId) -> StoreResult<Option<Match>> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{MATCH} WHERE m.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .as_ref()
        .map(match_of)
        .transpose()
}

async fn events_in(conn: &mut PgConnection, id: MatchId) -> StoreResult<Vec<MatchEvent>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{EVENT} WHERE match_id = $1 ORDER BY id"
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
    conn: &mut PgConnection,
    id: MatchId,
    e: &NewMatchEvent,
    imported: bool,
    now: DateTime<Utc>,
) -> StoreResult<MatchEventId> {
    let row = sqlx::query(
        "INSERT INTO match_events (match_id, kind, side, minute, added_minute, player,
            other_player, reverses, imported, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
async fn add_alias(conn: &mut PgConnection, team: TeamId, name: &str) -> StoreResult<()> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO team_aliases (alias_key, team_id, alias) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
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
    conn: &mut PgConnection,
    t: &ImportedTeam,
    report: &mut FixturesReport,
) -> StoreResult<TeamId> {
    let names: Vec<&str> = [Some(t.name.as_str()), t.short_name.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut found: Option<TeamId> = None;
    for name in &names {
        found = sqlx::query("SELECT team_id FROM team_aliases WHERE alias_key = $1")
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
        found = sqlx::query("SELECT id FROM teams WHERE topic_id = $1 ORDER BY id LIMIT 1")
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
            while sqlx::query("SELECT 1 FROM teams WHERE slug = $1")
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
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
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
    DateTime<Utc>,
    bool,
    String,
    [Option<i32>; 6],
);

async fn import_one(
    conn: &mut PgConnection,
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
         FROM matches WHERE external_key = $1",
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
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
            "{EVENT} WHERE match_id = $1 AND imported ORDER BY id"
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
            sqlx::query("DELETE FROM match_events WHERE match_id = $1 AND imported")
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
/// liveblog entry, and tells the other nodes. Like the article change log, the last step
/// of the caller's transaction, under the shared change-log lock (see lib.rs).
async fn log_changes(
    tx: &mut PgConnection,
    changes: &[(MatchId, Option<LiveEntryId>)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let matches: Vec<i64> = changes.iter().map(|c| c.0).collect();
    // 0 stands for "the board": entry ids start at 1.
    let entries: Vec<i64> = changes.iter().map(|c| c.1.unwrap_or(0)).collect();
    let seqs: Vec<i64> = sqlx::query(
        "WITH locked AS (
             SELECT pg_advisory_xact_lock_shared($4, hashtext(COALESCE(current_schema(), '')))
         ),
         added AS (
             INSERT INTO match_changes (match_id, entry_id, changed_at)
             SELECT c.m, NULLIF(c.e, 0), $3
             FROM locked, UNNEST($1::bigint[], $2::bigint[]) WITH ORDINALITY AS c(m, e, n)
             ORDER BY c.n
             RETURNING seq, match_id
         )
         SELECT seq, pg_notify($5, 'm' || match_id::text) FROM added ORDER BY seq",
    )
    .bind(&matches)
    .bind(&entries)
    .bind(ms(now))
    .bind(LOCK_CHANGES)
    .bind(CHANNEL)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()
    .map_err(db)?;
    // Pruned now and then, not on every append (writers would queue on the delete).
    if let Some(seq) = seqs.iter().find(|s| *s % 64 == 0) {
        sqlx::query("DELETE FROM match_changes WHERE seq <= $1")
            .bind(seq - LOG_KEPT)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// The entries tied to an event (those a reversal of it marks).
async fn entries_about(
    conn: &mut PgConnection,
    event: MatchEventId,
) -> StoreResult<Vec<LiveEntryId>> {
    sqlx::query("SELECT id FROM live_entries WHERE event_id = $1 AND NOT deleted")
        .bind(event)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.try_get(0).map_err(db))
        .collect()
}

/// Writes the score the events add up to, when the match has a score at all.
async fn settle_score(conn: &mut PgConnection, id: MatchId, now: DateTime<Utc>) -> StoreResult<()> {
    let score = score_of(&events_in(conn, id).await?);
    sqlx::query(
        "UPDATE matches SET home_score = $1, away_score = $2, updated_at = $3 WHERE id = $4",
    )
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
impl MatchStore for PgStore {
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        // One importer at a time, across nodes: two would both create a new team.
        lock(&mut tx, LOCK_WRITE).await?;
        let done = async {
            let competition: i64 = sqlx::query(
                "INSERT INTO competitions (slug, name) VALUES ($1, $2)
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
        settle(tx, done).await
    }

    async fn teams(&self) -> StoreResult<Vec<Team>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
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
        let mut conn = self.pool.acquire().await.map_err(db)?;
        match_in(&mut conn, id).await
    }

    async fn matches_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Match>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MATCH} WHERE m.kickoff_at >= $1 AND m.kickoff_at < $2 ORDER BY m.kickoff_at, m.id
             LIMIT $3"
        )))
        .bind(ms(from))
        .bind(ms(to))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
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
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(match_of)
        .collect()
    }

    async fn match_events(&self, id: MatchId) -> StoreResult<Vec<MatchEvent>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            let done = sqlx::query(
                "UPDATE matches SET status = $1, minute = $2, added_minute = $3, updated_at = $4,
                    home_score = CASE WHEN $5 THEN COALESCE(home_score, 0) ELSE home_score END,
                    away_score = CASE WHEN $6 THEN COALESCE(away_score, 0) ELSE away_score END
                 WHERE id = $7",
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
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            log_changes(&mut tx, &[(id, None)], now).await?;
            Ok(m)
        }
        .await;
        settle(tx, done).await
    }

    async fn save_team(
        &self,
        id: TeamId,
        edit: &tribune_core::football::TeamEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Team> {
        let edit = edit.clone().tidy();
        edit.check().map_err(StoreError::Invalid)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            if let Some(topic) = edit.topic_id
                && sqlx::query("SELECT 1 FROM topics WHERE id = $1")
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
                "UPDATE teams SET name = $1, name_fr = $2, short_name = $3, topic_id = $4
                 WHERE id = $5",
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
            sqlx::query("DELETE FROM team_aliases WHERE team_id = $1")
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
                     WHERE a.alias_key = $1",
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
                    "INSERT INTO team_aliases (alias_key, team_id, alias) VALUES ($1, $2, $3)",
                )
                .bind(&key)
                .bind(id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            let played: Vec<MatchId> =
                sqlx::query_scalar("SELECT id FROM matches WHERE home_id = $1 OR away_id = $1")
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
        settle(tx, done).await?;
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            let done =
                sqlx::query("UPDATE matches SET high_risk = $1, updated_at = $2 WHERE id = $3")
                    .bind(high_risk)
                    .bind(ms(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            log_changes(&mut tx, &[(id, None)], now).await?;
            Ok(m)
        }
        .await;
        settle(tx, done).await
    }

    async fn set_match_article(
        &self,
        id: MatchId,
        article: Option<tribune_core::article::ArticleId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Match> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            if sqlx::query("SELECT 1 FROM matches WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .is_none()
            {
                return Err(StoreError::NotFound);
            }
            if let Some(article) = article {
                if sqlx::query("SELECT 1 FROM articles WHERE id = $1")
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
                    sqlx::query_scalar("SELECT id FROM matches WHERE article_id = $1 AND id <> $2")
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
            // Two desks linking one article at once: the unique index refuses the second.
            sqlx::query("UPDATE matches SET article_id = $1, updated_at = $2 WHERE id = $3")
                .bind(article)
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            log_changes(&mut tx, &[(id, None)], now).await?;
            Ok(m)
        }
        .await;
        settle(tx, done).await
    }

    async fn add_match_event(
        &self,
        id: MatchId,
        event: &NewMatchEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<(Match, MatchEvent)> {
        event.check().map_err(StoreError::Invalid)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            // Writers of one match take turns: two decisions cannot both reverse one goal.
            if sqlx::query("SELECT 1 FROM matches WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .is_none()
            {
                return Err(StoreError::NotFound);
            }
            if let Some(target) = event.reverses {
                let target = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{EVENT} WHERE id = $1 AND match_id = $2"
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
                sqlx::query("UPDATE match_events SET cancelled = TRUE WHERE id = $1")
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
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            let e = sqlx::query(sqlx::AssertSqlSafe(format!("{EVENT} WHERE id = $1")))
                .bind(event_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            log_changes(&mut tx, &changes, now).await?;
            Ok((m, event_of(&e)?))
        }
        .await;
        settle(tx, done).await
    }

    async fn match_event(
        &self,
        id: MatchId,
        event: MatchEventId,
    ) -> StoreResult<Option<MatchEvent>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{EVENT} WHERE id = $1 AND match_id = $2"
        )))
        .bind(event)
        .bind(id)
        .fetch_optional(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            if match_in(&mut tx, id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            check_entry(&mut tx, id, entry).await?;
            let body = entry.body_markdown.trim();
            let new: LiveEntryId = sqlx::query(
                "INSERT INTO live_entries (match_id, event_id, minute, added_minute,
                    body_markdown, body_html, key_event, pinned, author_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
            let written = entry_in(&mut tx, id, new).await?;
            log_changes(&mut tx, &[(id, Some(new))], now).await?;
            Ok(written)
        }
        .await;
        settle(tx, done).await
    }

    async fn edit_live_entry(
        &self,
        id: MatchId,
        entry: LiveEntryId,
        new: &NewLiveEntry,
        now: DateTime<Utc>,
    ) -> StoreResult<LiveEntry> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            entry_in(&mut tx, id, entry).await?;
            check_entry(&mut tx, id, new).await?;
            let body = new.body_markdown.trim();
            sqlx::query(
                "UPDATE live_entries SET event_id = $1, minute = $2, added_minute = $3,
                    body_markdown = $4, body_html = $5, key_event = $6, pinned = $7, edited_at = $8
                 WHERE id = $9",
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
            let written = entry_in(&mut tx, id, entry).await?;
            log_changes(&mut tx, &[(id, Some(entry))], now).await?;
            Ok(written)
        }
        .await;
        settle(tx, done).await
    }

    async fn delete_live_entry(
        &self,
        id: MatchId,
        entry: LiveEntryId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            let done = sqlx::query(
                "UPDATE live_entries SET deleted = TRUE, edited_at = $1
                 WHERE id = $2 AND match_id = $3 AND NOT deleted",
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
        settle(tx, done).await
    }

    async fn live_entries(&self, id: MatchId) -> StoreResult<Vec<LiveEntry>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ENTRY} WHERE match_id = $1 AND NOT deleted ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(entry_of)
        .collect()
    }

    async fn live_entry(&self, id: MatchId, entry: LiveEntryId) -> StoreResult<Option<LiveEntry>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ENTRY} WHERE id = $1 AND match_id = $2 AND NOT deleted"
        )))
        .bind(entry)
        .bind(id)
        .fetch_optional(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            // Waits for appends in flight: no lower number can show up after this read.
            lock(&mut tx, LOCK_CHANGES).await?;
            sqlx::query(
                "SELECT seq, match_id, entry_id FROM match_changes
                 WHERE seq > $1 AND ($2::bigint IS NULL OR match_id = $2) ORDER BY seq LIMIT $3",
            )
            .bind(since)
            .bind(of)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
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
        .await;
        settle(tx, done).await
    }

    async fn match_log_span(&self) -> StoreResult<(i64, i64)> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            lock(&mut tx, LOCK_CHANGES).await?;
            let r = sqlx::query(
                "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM match_changes",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?))
        }
        .await;
        settle(tx, done).await
    }
}
