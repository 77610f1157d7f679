//! Competitions, teams and matches: the fixtures import, and a match's status, score and
//! events as the live console plays them. Every match write appends to the match log
//! (`log_match_changes`, the dialect's) as its last step.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tribune_core::football::{
    Competition, EventKind, FixturesReport, ImportedMatch, ImportedTeam, LiveEntry, LiveEntryId,
    Match, MatchChange, MatchEvent, MatchEventId, MatchId, MatchStatus, MatchTeam, Minute,
    NewLiveEntry, NewMatchEvent, Score, Side, Team, TeamId, check_reversal, score_of,
};
use tribune_core::store::{MatchStore, StoreError, StoreResult};
use tribune_core::topic::{TopicId, fold_name};
use tribune_core::{markdown, slugify};

use super::{Backend, Conn, db, for_update, log_match_changes, settle};
use crate::at::At;

/// A match with its competition and teams: [`MatchRow`]'s columns.
macro_rules! match_select {
    () => {
        "SELECT m.id, c.id AS competition_id, c.slug AS competition_slug,
            c.name AS competition_name, m.round,
            h.id AS home_id, h.slug AS home_slug, h.name AS home_name,
            h.short_name AS home_short_name, h.topic_id AS home_topic_id,
            a.id AS away_id, a.slug AS away_slug, a.name AS away_name,
            a.short_name AS away_short_name, a.topic_id AS away_topic_id,
            m.kickoff_at, m.time_known, m.status, m.minute, m.added_minute,
            m.home_score, m.away_score, m.ht_home, m.ht_away, m.pen_home, m.pen_away,
            m.updated_at, m.article_id, m.high_risk
         FROM matches m JOIN competitions c ON c.id = m.competition_id
         JOIN teams h ON h.id = m.home_id JOIN teams a ON a.id = m.away_id"
    };
}

/// A liveblog entry: [`EntryRow`]'s columns.
macro_rules! entry_select {
    () => {
        "SELECT id, match_id, event_id, minute, added_minute, body_markdown, body_html,
            key_event, pinned, author_id, created_at, edited_at FROM live_entries"
    };
}

/// A match event: [`EventRow`]'s columns.
macro_rules! event_select {
    () => {
        "SELECT id, match_id, kind, side, minute, added_minute, player, other_player,
            reverses, cancelled, created_at FROM match_events"
    };
}

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: MatchId,
    competition_id: i64,
    competition_slug: String,
    competition_name: String,
    round: String,
    home_id: TeamId,
    home_slug: String,
    home_name: String,
    home_short_name: String,
    home_topic_id: Option<TopicId>,
    away_id: TeamId,
    away_slug: String,
    away_name: String,
    away_short_name: String,
    away_topic_id: Option<TopicId>,
    kickoff_at: At,
    time_known: bool,
    status: String,
    minute: Option<i32>,
    added_minute: Option<i32>,
    home_score: Option<i32>,
    away_score: Option<i32>,
    ht_home: Option<i32>,
    ht_away: Option<i32>,
    pen_home: Option<i32>,
    pen_away: Option<i32>,
    updated_at: At,
    article_id: Option<tribune_core::article::ArticleId>,
    high_risk: bool,
}

fn pair(home: Option<i32>, away: Option<i32>) -> Option<Score> {
    home.zip(away).map(|(h, a)| Score::new(h, a))
}

impl MatchRow {
    fn into_match(self) -> StoreResult<Match> {
        let status = MatchStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown match status {}", self.status)))?;
        Ok(Match {
            id: self.id,
            competition: Competition {
                id: self.competition_id,
                slug: self.competition_slug,
                name: self.competition_name,
            },
            round: self.round,
            home: MatchTeam {
                id: self.home_id,
                slug: self.home_slug,
                name: self.home_name,
                short_name: self.home_short_name,
                topic_id: self.home_topic_id,
            },
            away: MatchTeam {
                id: self.away_id,
                slug: self.away_slug,
                name: self.away_name,
                short_name: self.away_short_name,
                topic_id: self.away_topic_id,
            },
            kickoff_at: self.kickoff_at.0,
            time_known: self.time_known,
            status,
            minute: self.minute.map(|m| Minute::new(m, self.added_minute)),
            score: pair(self.home_score, self.away_score),
            half_time: pair(self.ht_home, self.ht_away),
            penalties: pair(self.pen_home, self.pen_away),
            updated_at: self.updated_at.0,
            article_id: self.article_id,
            high_risk: self.high_risk,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: LiveEntryId,
    match_id: MatchId,
    event_id: Option<MatchEventId>,
    minute: Option<i32>,
    added_minute: Option<i32>,
    body_markdown: String,
    body_html: String,
    key_event: bool,
    pinned: bool,
    author_id: Option<tribune_core::account::AccountId>,
    created_at: At,
    edited_at: Option<At>,
}

impl From<EntryRow> for LiveEntry {
    fn from(r: EntryRow) -> Self {
        Self {
            id: r.id,
            match_id: r.match_id,
            event_id: r.event_id,
            minute: r.minute.map(|m| Minute::new(m, r.added_minute)),
            body_markdown: r.body_markdown,
            body_html: r.body_html,
            key_event: r.key_event,
            pinned: r.pinned,
            author_id: r.author_id,
            created_at: r.created_at.0,
            edited_at: r.edited_at.map(Into::into),
        }
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: MatchEventId,
    match_id: MatchId,
    kind: String,
    side: String,
    minute: i32,
    added_minute: Option<i32>,
    player: String,
    other_player: String,
    reverses: Option<MatchEventId>,
    cancelled: bool,
    created_at: At,
}

impl EventRow {
    fn into_event(self) -> StoreResult<MatchEvent> {
        Ok(MatchEvent {
            id: self.id,
            match_id: self.match_id,
            kind: EventKind::parse(&self.kind)
                .ok_or_else(|| StoreError::Invalid(format!("unknown event kind {}", self.kind)))?,
            side: Side::parse(&self.side)
                .ok_or_else(|| StoreError::Invalid(format!("unknown side {}", self.side)))?,
            minute: Minute::new(self.minute, self.added_minute),
            player: self.player,
            other_player: self.other_player,
            reverses: self.reverses,
            cancelled: self.cancelled,
            created_at: self.created_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: TeamId,
    slug: String,
    name: String,
    name_fr: Option<String>,
    short_name: String,
    topic_id: Option<TopicId>,
}

#[derive(sqlx::FromRow)]
struct TeamAlias {
    team_id: TeamId,
    alias: String,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    match_id: MatchId,
    entry_id: Option<LiveEntryId>,
}

#[derive(sqlx::FromRow)]
struct LogSpan {
    first: i64,
    last: i64,
}

/// Checks an entry and that its event is one of the match's.
async fn check_entry(conn: &mut Conn, id: MatchId, e: &NewLiveEntry) -> StoreResult<()> {
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

async fn entry_in(conn: &mut Conn, id: MatchId, entry: LiveEntryId) -> StoreResult<LiveEntry> {
    sqlx::query_as::<_, EntryRow>(concat!(
        entry_select!(),
        " WHERE id = $1 AND match_id = $2 AND NOT deleted"
    ))
    .bind(entry)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .map(Into::into)
    .ok_or(StoreError::NotFound)
}

async fn match_in(conn: &mut Conn, id: MatchId) -> StoreResult<Option<Match>> {
    sqlx::query_as::<_, MatchRow>(concat!(match_select!(), " WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(MatchRow::into_match)
        .transpose()
}

async fn events_in(conn: &mut Conn, id: MatchId) -> StoreResult<Vec<MatchEvent>> {
    sqlx::query_as::<_, EventRow>(concat!(event_select!(), " WHERE match_id = $1 ORDER BY id"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .into_iter()
        .map(EventRow::into_event)
        .collect()
}

async fn insert_event(
    conn: &mut Conn,
    id: MatchId,
    e: &NewMatchEvent,
    imported: bool,
    now: DateTime<Utc>,
) -> StoreResult<MatchEventId> {
    sqlx::query_scalar(
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
    .bind(At(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)
}

/// Adds `name` as an alias of `team` unless some team has it already.
async fn add_alias(conn: &mut Conn, team: TeamId, name: &str) -> StoreResult<()> {
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
    conn: &mut Conn,
    t: &ImportedTeam,
    report: &mut FixturesReport,
) -> StoreResult<TeamId> {
    let names: Vec<&str> = [Some(t.name.as_str()), t.short_name.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut found: Option<TeamId> = None;
    for name in &names {
        found = sqlx::query_scalar("SELECT team_id FROM team_aliases WHERE alias_key = $1")
            .bind(fold_name(name))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        if found.is_some() {
            break;
        }
    }
    if found.is_none()
        && let Some(topic) = t.topic_id
    {
        found = sqlx::query_scalar("SELECT id FROM teams WHERE topic_id = $1 ORDER BY id LIMIT 1")
            .bind(topic)
            .fetch_optional(&mut *conn)
            .await
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
            sqlx::query_scalar(
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
        }
    };
    for name in names.iter().copied().chain(t.topic_name.as_deref()) {
        add_alias(conn, id, name).await?;
    }
    Ok(id)
}

/// What a match row holds that an import sets, to tell an update from no change.
#[derive(sqlx::FromRow, PartialEq)]
struct Fixture {
    competition_id: i64,
    round: String,
    home_id: TeamId,
    away_id: TeamId,
    kickoff_at: At,
    time_known: bool,
    status: String,
    home_score: Option<i32>,
    away_score: Option<i32>,
    ht_home: Option<i32>,
    ht_away: Option<i32>,
    pen_home: Option<i32>,
    pen_away: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct StoredFixture {
    id: MatchId,
    #[sqlx(flatten)]
    fixture: Fixture,
}

async fn import_one(
    conn: &mut Conn,
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
    let wanted = Fixture {
        competition_id: competition,
        round: m.round.clone(),
        home_id: home,
        away_id: away,
        kickoff_at: At(m.kickoff_at).stored(),
        time_known: m.time_known,
        status: m.status.as_str().to_string(),
        home_score: m.score.map(|s| s.home),
        away_score: m.score.map(|s| s.away),
        ht_home: m.half_time.map(|s| s.home),
        ht_away: m.half_time.map(|s| s.away),
        pen_home: m.penalties.map(|s| s.home),
        pen_away: m.penalties.map(|s| s.away),
    };
    let existing: Option<StoredFixture> = sqlx::query_as(
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
    if let Some(stored) = existing {
        changed = stored.fixture != wanted;
        id = Some(stored.id);
    }
    let id: MatchId = match id {
        Some(id) if !changed => id,
        _ => sqlx::query_scalar(
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
        .bind(At(m.kickoff_at))
        .bind(m.time_known)
        .bind(m.status.as_str())
        .bind(wanted.home_score)
        .bind(wanted.away_score)
        .bind(wanted.ht_home)
        .bind(wanted.ht_away)
        .bind(wanted.pen_home)
        .bind(wanted.pen_away)
        .bind(At(now))
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?,
    };
    if !m.goals.is_empty() {
        let events: Vec<NewMatchEvent> = m.goals.iter().map(|g| g.as_event()).collect();
        let stored: Vec<NewMatchEvent> = sqlx::query_as::<_, EventRow>(concat!(
            event_select!(),
            " WHERE match_id = $1 AND imported ORDER BY id"
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .into_iter()
        .map(|r| {
            let e = r.into_event()?;
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

/// The entries tied to an event (those a reversal of it marks).
async fn entries_about(conn: &mut Conn, event: MatchEventId) -> StoreResult<Vec<LiveEntryId>> {
    sqlx::query_scalar("SELECT id FROM live_entries WHERE event_id = $1 AND NOT deleted")
        .bind(event)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)
}

/// Writes the score the events add up to, when the match has a score at all.
async fn settle_score(conn: &mut Conn, id: MatchId, now: DateTime<Utc>) -> StoreResult<()> {
    let score = score_of(&events_in(conn, id).await?);
    sqlx::query(
        "UPDATE matches SET home_score = $1, away_score = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(score.home)
    .bind(score.away)
    .bind(At(now))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl MatchStore for Backend {
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
        // One importer at a time, across nodes: two would both create a new team.
        let mut tx = self.begin_write().await?;
        let done = async {
            let competition: i64 = sqlx::query_scalar(
                "INSERT INTO competitions (slug, name) VALUES ($1, $2)
                 ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id",
            )
            .bind(slugify(name))
            .bind(name)
            .fetch_one(&mut *tx)
            .await
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
            log_match_changes(&mut tx, &written, now).await?;
            Ok(report)
        }
        .await;
        settle(tx, done).await
    }

    async fn teams(&self) -> StoreResult<Vec<Team>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        let rows: Vec<TeamRow> = sqlx::query_as(
            "SELECT id, slug, name, name_fr, short_name, topic_id FROM teams ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut aliases: HashMap<TeamId, Vec<String>> = HashMap::new();
        for a in
            sqlx::query_as::<_, TeamAlias>("SELECT team_id, alias FROM team_aliases ORDER BY alias")
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?
        {
            aliases.entry(a.team_id).or_default().push(a.alias);
        }
        Ok(rows
            .into_iter()
            .map(|r| Team {
                id: r.id,
                slug: r.slug,
                name: r.name,
                name_fr: r.name_fr,
                short_name: r.short_name,
                topic_id: r.topic_id,
                aliases: aliases.remove(&r.id).unwrap_or_default(),
            })
            .collect())
    }

    async fn match_by_id(&self, id: MatchId) -> StoreResult<Option<Match>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        match_in(&mut conn, id).await
    }

    async fn matches_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Match>> {
        sqlx::query_as::<_, MatchRow>(concat!(
            match_select!(),
            " WHERE m.kickoff_at >= $1 AND m.kickoff_at < $2 ORDER BY m.kickoff_at, m.id
             LIMIT $3"
        ))
        .bind(At(from))
        .bind(At(to))
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db)?
        .into_iter()
        .map(MatchRow::into_match)
        .collect()
    }

    async fn live_matches(&self) -> StoreResult<Vec<Match>> {
        sqlx::query_as::<_, MatchRow>(concat!(
            match_select!(),
            " WHERE m.status IN ('first_half', 'half_time', 'second_half', 'extra_time',
                'penalties') ORDER BY m.kickoff_at, m.id"
        ))
        .fetch_all(self.reader())
        .await
        .map_err(db)?
        .into_iter()
        .map(MatchRow::into_match)
        .collect()
    }

    async fn match_events(&self, id: MatchId) -> StoreResult<Vec<MatchEvent>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
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
        let mut tx = self.begin_rows().await?;
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
            .bind(At(now))
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
            log_match_changes(&mut tx, &[(id, None)], now).await?;
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
        let mut tx = self.begin_rows().await?;
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
            log_match_changes(&mut tx, &changes, now).await?;
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
        let mut tx = self.begin_rows().await?;
        let done = async {
            let done =
                sqlx::query("UPDATE matches SET high_risk = $1, updated_at = $2 WHERE id = $3")
                    .bind(high_risk)
                    .bind(At(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            log_match_changes(&mut tx, &[(id, None)], now).await?;
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
        let mut tx = self.begin_rows().await?;
        let done = async {
            if sqlx::query(concat!(
                "SELECT 1 FROM matches WHERE id = $1",
                for_update!()
            ))
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
                .bind(At(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let m = match_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            log_match_changes(&mut tx, &[(id, None)], now).await?;
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
        let mut tx = self.begin_rows().await?;
        let done = async {
            // Writers of one match take turns: two decisions cannot both reverse one goal.
            if sqlx::query(concat!(
                "SELECT 1 FROM matches WHERE id = $1",
                for_update!()
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .is_none()
            {
                return Err(StoreError::NotFound);
            }
            if let Some(target) = event.reverses {
                let target = sqlx::query_as::<_, EventRow>(concat!(
                    event_select!(),
                    " WHERE id = $1 AND match_id = $2"
                ))
                .bind(target)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(EventRow::into_event)
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
            let e = sqlx::query_as::<_, EventRow>(concat!(event_select!(), " WHERE id = $1"))
                .bind(event_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
                .into_event()?;
            log_match_changes(&mut tx, &changes, now).await?;
            Ok((m, e))
        }
        .await;
        settle(tx, done).await
    }

    async fn match_event(
        &self,
        id: MatchId,
        event: MatchEventId,
    ) -> StoreResult<Option<MatchEvent>> {
        sqlx::query_as::<_, EventRow>(concat!(event_select!(), " WHERE id = $1 AND match_id = $2"))
            .bind(event)
            .bind(id)
            .fetch_optional(self.reader())
            .await
            .map_err(db)?
            .map(EventRow::into_event)
            .transpose()
    }
    async fn add_live_entry(
        &self,
        id: MatchId,
        entry: &NewLiveEntry,
        by: Option<tribune_core::account::AccountId>,
        now: DateTime<Utc>,
    ) -> StoreResult<LiveEntry> {
        let mut tx = self.begin_rows().await?;
        let done = async {
            if match_in(&mut tx, id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            check_entry(&mut tx, id, entry).await?;
            let body = entry.body_markdown.trim();
            let new: LiveEntryId = sqlx::query_scalar(
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
            .bind(At(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let written = entry_in(&mut tx, id, new).await?;
            log_match_changes(&mut tx, &[(id, Some(new))], now).await?;
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
        let mut tx = self.begin_rows().await?;
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
            .bind(At(now))
            .bind(entry)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            let written = entry_in(&mut tx, id, entry).await?;
            log_match_changes(&mut tx, &[(id, Some(entry))], now).await?;
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
        let mut tx = self.begin_rows().await?;
        let done = async {
            let done = sqlx::query(
                "UPDATE live_entries SET deleted = TRUE, edited_at = $1
                 WHERE id = $2 AND match_id = $3 AND NOT deleted",
            )
            .bind(At(now))
            .bind(entry)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            log_match_changes(&mut tx, &[(id, Some(entry))], now).await
        }
        .await;
        settle(tx, done).await
    }

    async fn live_entries(&self, id: MatchId) -> StoreResult<Vec<LiveEntry>> {
        let rows: Vec<EntryRow> = sqlx::query_as(concat!(
            entry_select!(),
            " WHERE match_id = $1 AND NOT deleted ORDER BY id"
        ))
        .bind(id)
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn live_entry(&self, id: MatchId, entry: LiveEntryId) -> StoreResult<Option<LiveEntry>> {
        let row: Option<EntryRow> = sqlx::query_as(concat!(
            entry_select!(),
            " WHERE id = $1 AND match_id = $2 AND NOT deleted"
        ))
        .bind(entry)
        .bind(id)
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn match_changes(
        &self,
        since: i64,
        of: Option<MatchId>,
        limit: u32,
    ) -> StoreResult<Vec<MatchChange>> {
        // No lower number can show up after this read (see `begin_log_read`).
        let mut tx = self.begin_log_read().await?;
        let done = async {
            let rows: Vec<ChangeRow> = sqlx::query_as(
                "SELECT seq, match_id, entry_id FROM match_changes
                 WHERE seq > $1 AND (CAST($2 AS BIGINT) IS NULL OR match_id = $2)
                 ORDER BY seq LIMIT $3",
            )
            .bind(since)
            .bind(of)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            Ok(rows
                .into_iter()
                .map(|r| MatchChange {
                    seq: r.seq,
                    match_id: r.match_id,
                    entry: r.entry_id,
                })
                .collect())
        }
        .await;
        settle(tx, done).await
    }

    async fn match_log_span(&self) -> StoreResult<(i64, i64)> {
        let mut tx = self.begin_log_read().await?;
        let done = async {
            let span: LogSpan = sqlx::query_as(
                "SELECT COALESCE(MIN(seq), 0) AS first, COALESCE(MAX(seq), 0) AS last
                 FROM match_changes",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            Ok((span.first, span.last))
        }
        .await;
        settle(tx, done).await
    }
}
