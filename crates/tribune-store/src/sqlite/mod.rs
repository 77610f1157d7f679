//! Tribune's [`Store`](tribune_core::Store) on embedded SQLite: one file in the data
//! directory, WAL mode, foreign keys on. Reads use a pool; writes go through a single
//! connection so they never fight over the write lock, and new comments through a writer task
//! that commits them in groups (`group_commit.rs`).
//!
//! This module is SQLite's dialect: what differs from PostgreSQL. The operations themselves
//! are written once, in `../sql/`, and compiled here with `super::` meaning this module.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tribune_core::article::ArticleId;
use tribune_core::football::{LiveEntryId, MatchId};
use tribune_core::store::{StoreError, StoreResult, Woke};

use crate::SCHEMA_VERSION;
use crate::at::At;

mod copy_rows;
mod group_commit;
// The operations written once for both databases (see ARCHITECTURE.md, "The store"). This
// list is the same in pg/mod.rs on purpose: each file is compiled once per dialect.
#[path = "../sql/accounts.rs"]
mod accounts;
#[path = "../sql/articles.rs"]
mod articles;
#[path = "../sql/comment_writer.rs"]
mod comment_writer;
#[path = "../sql/comments.rs"]
mod comments;
#[path = "../sql/copy.rs"]
mod copy;
#[path = "../sql/desk.rs"]
mod desk;
#[path = "../sql/imports.rs"]
mod imports;
#[path = "../sql/law.rs"]
mod law;
#[path = "../sql/matches.rs"]
mod matches;
#[path = "../sql/migrate.rs"]
mod migrate;
#[path = "../sql/model.rs"]
mod model;
#[path = "../sql/polls.rs"]
mod polls;
#[path = "../sql/topics.rs"]
mod topics;

use comment_writer::CommentWriter;

// ---- The dialect: the names the shared operations in ../sql/ reach as `super::`. ----

/// No row locks to take: SQLite's one writer holds the whole database (PostgreSQL says
/// `FOR UPDATE` here).
macro_rules! for_update {
    () => {
        ""
    };
}
pub(crate) use for_update;

/// Nothing to override: SQLite takes a given id as it is (PostgreSQL's identities are
/// GENERATED ALWAYS and must be told).
macro_rules! overriding {
    () => {
        ""
    };
}
pub(crate) use overriding;

/// LIKE, which in SQLite ignores the case of ASCII letters (PostgreSQL needs ILIKE).
macro_rules! ilike {
    () => {
        "LIKE"
    };
}
pub(crate) use ilike;

/// No row locks (PostgreSQL: `FOR NO KEY UPDATE`, a comment a write changes).
macro_rules! for_no_key_update {
    () => {
        ""
    };
}
pub(crate) use for_no_key_update;

/// No row locks (PostgreSQL: `FOR KEY SHARE`, an account a write names).
macro_rules! for_key_share {
    () => {
        ""
    };
}
pub(crate) use for_key_share;

/// The partial index a query must read: without statistics SQLite may pick a plain index
/// and wade through every reply of an article (PostgreSQL plans by its statistics).
macro_rules! indexed_by {
    ($index:literal) => {
        concat!(" INDEXED BY ", $index)
    };
}
pub(crate) use indexed_by;

/// Where one text occurs in another, 1-based, 0 when it does not: `instr(haystack, needle)`
/// (PostgreSQL calls it `strpos`).
macro_rules! strpos {
    () => {
        "instr"
    };
}
pub(crate) use strpos;

/// `IN` a list of ids bound with [`id_list`] (a JSON array: SQLite has no array type).
macro_rules! in_ids {
    ($p:literal) => {
        concat!("IN (SELECT value FROM json_each(", $p, "))")
    };
}
pub(crate) use in_ids;

/// The first N ($2) public replies of each thread in a list ($1), as `c`: numbered with a
/// window over the covering partial index of public replies (SQLite has no LATERAL join).
macro_rules! first_replies_from {
    () => {
        " FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY root_id ORDER BY created_at, id) AS n
                FROM comments
                WHERE root_id IN (SELECT value FROM json_each($1)) AND root_id IS NOT NULL
                  AND public) first
          JOIN comments c ON c.id = first.id AND first.n <= $2 "
    };
}
pub(crate) use first_replies_from;

/// A list of ids as [`in_ids`] binds it.
pub(crate) fn id_list(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", ids.join(","))
}

/// The store the shared operations are written for.
pub(crate) type Backend = SqliteStore;
/// A connection, or a transaction's (`&mut *tx`).
pub(crate) type Conn = SqliteConnection;
/// A pool of connections.
pub(crate) type Pool = sqlx::SqlitePool;
/// A transaction from one of the pools.
pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

impl SqliteStore {
    /// A write transaction: SQLite has one writer, so this takes the write connection and
    /// the database's write lock at once (see [`IMMEDIATE`]).
    pub(crate) async fn begin_write(&self) -> StoreResult<Tx> {
        self.write.begin_with(IMMEDIATE).await.map_err(db)
    }

    /// A write that on PostgreSQL locks only its rows (comments, votes, polls): here the
    /// same one writer as every other write.
    pub(crate) async fn begin_rows(&self) -> StoreResult<Tx> {
        self.begin_write().await
    }

    /// Where reads go: the read-only pool, beside the writer.
    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// Where a write of one statement goes: the one write connection.
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.write
    }

    /// A read transaction whose snapshot holds for all its queries (WAL gives each reader
    /// one from its first read).
    pub(crate) async fn begin_snapshot(&self) -> StoreResult<Tx> {
        self.read.begin().await.map_err(db)
    }

    /// A read of a change log. With one writer, numbers commit in the order they are handed
    /// out, so a plain read transaction never skips one.
    pub(crate) async fn begin_log_read(&self) -> StoreResult<Tx> {
        self.begin_snapshot().await
    }

    /// SQLite cannot tell us of other writers: wait, then the caller looks at the change log.
    pub(crate) async fn listen(&self, max_wait: Duration) -> Woke {
        tokio::time::sleep(max_wait).await;
        Woke::TimedOut
    }

    /// Nothing to do after a copy: SQLite gives a new row the id after the highest one there.
    pub(crate) async fn after_restore(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// Appends one change-log row per article (in one statement, the ids bound as a JSON list)
/// and forgets the oldest rows beyond [`CHANGES_KEPT`], inside the caller's transaction.
/// Nobody to notify: other processes look at the log.
pub(crate) async fn record_changes(
    tx: &mut Conn,
    ids: &[ArticleId],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // Once each, in the order given.
    let mut seen = std::collections::HashSet::new();
    let list: Vec<String> = ids
        .iter()
        .filter(|id| seen.insert(**id))
        .map(ArticleId::to_string)
        .collect();
    if list.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO article_changes (article_id, changed_at)
         SELECT value, $1 FROM json_each($2) ORDER BY key RETURNING seq",
    )
    .bind(At(now))
    .bind(format!("[{}]", list.join(",")))
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    if let Some(last) = seqs.iter().max() {
        sqlx::query("DELETE FROM article_changes WHERE seq <= $1")
            .bind(last - CHANGES_KEPT)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Changes an article's comment count by `delta` and records the change, inside the caller's
/// transaction (one writer: no lock order to keep).
pub(crate) async fn count_and_record(
    tx: &mut Conn,
    id: ArticleId,
    delta: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if delta != 0 {
        sqlx::query("UPDATE articles SET comment_count = comment_count + $1 WHERE id = $2")
            .bind(delta)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    record_changes(tx, &[id], now).await
}

/// Match-log rows kept; older ones are pruned as new ones arrive. A reader away longer
/// than that many changes is told to reload.
const MATCH_LOG_KEPT: i64 = 100_000;

/// Appends to the match log: (match, None) for its board, (match, Some(entry)) for one
/// liveblog entry, in one statement (the list bound as JSON), inside the caller's
/// transaction. Nobody to notify: other processes look at the log.
pub(crate) async fn log_match_changes(
    tx: &mut Conn,
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
    let seqs: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO match_changes (match_id, entry_id, changed_at)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), $1
         FROM json_each($2) ORDER BY key RETURNING seq",
    )
    .bind(At(now))
    .bind(format!("[{}]", rows.join(",")))
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    if let Some(last) = seqs.iter().max() {
        sqlx::query("DELETE FROM match_changes WHERE seq <= $1")
            .bind(last - MATCH_LOG_KEPT)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Schema steps in order; a database records the highest it has applied.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/sqlite/0001_reading_site.sql"),
    ),
    (2, include_str!("../../migrations/sqlite/0002_comments.sql")),
    (
        3,
        include_str!("../../migrations/sqlite/0003_comment_lookback.sql"),
    ),
    (4, include_str!("../../migrations/sqlite/0004_imports.sql")),
    (5, include_str!("../../migrations/sqlite/0005_newsroom.sql")),
    (
        6,
        include_str!("../../migrations/sqlite/0006_api_tokens.sql"),
    ),
    (
        7,
        include_str!("../../migrations/sqlite/0007_topic_names.sql"),
    ),
    (8, include_str!("../../migrations/sqlite/0008_matches.sql")),
    (
        9,
        include_str!("../../migrations/sqlite/0009_match_log.sql"),
    ),
    (
        10,
        include_str!("../../migrations/sqlite/0010_match_article.sql"),
    ),
    (11, include_str!("../../migrations/sqlite/0011_law.sql")),
    (
        12,
        include_str!("../../migrations/sqlite/0012_moderation_model.sql"),
    ),
    (13, include_str!("../../migrations/sqlite/0013_bylines.sql")),
    (
        14,
        include_str!("../../migrations/sqlite/0014_shared_queries.sql"),
    ),
];

// The list ends at the schema this build knows.
const _: () = assert!(MIGRATIONS[MIGRATIONS.len() - 1].0 == SCHEMA_VERSION);

/// Change-log rows kept; older ones are pruned as new ones arrive.
const CHANGES_KEPT: i64 = 10_000;

#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// New comments go through this writer, which commits them in groups.
    comments: CommentWriter,
}

/// How every write transaction begins: it takes the write lock at once, waiting its turn
/// (busy_timeout) behind another process's writer. A deferred transaction that read first
/// and then wants to write cannot wait: SQLite answers SQLITE_BUSY at once when another
/// connection wrote meanwhile.
pub(crate) const IMMEDIATE: &str = "BEGIN IMMEDIATE";

/// How long a write waits for another process's write (the import command, `tribune user`)
/// before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A database error as the store reports it: `Unavailable` when the write lock stayed taken
/// past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED and their extended codes) or no
/// connection came in time, else `Backend`.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    let busy = matches!(&e, sqlx::Error::Database(d)
        if matches!(d.code().as_deref(), Some("5" | "6" | "261" | "517")));
    // Locked past busy_timeout, or the pool could not hand out a connection in time.
    if busy || matches!(e, sqlx::Error::PoolTimedOut) {
        StoreError::Unavailable(Box::new(e))
    } else {
        StoreError::Backend(Box::new(e))
    }
}

/// Commits what went well; rolls back explicitly what did not.
pub(crate) async fn settle<T>(tx: Tx, done: StoreResult<T>) -> StoreResult<T> {
    match done {
        Ok(v) => {
            tx.commit().await.map_err(db)?;
            Ok(v)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

// ---- Connecting and migrating. ----

impl SqliteStore {
    /// Opens (creating if needed) `tribune.db` in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Backend(Box::new(e)))?;
        Self::open_file(&data_dir.join("tribune.db")).await
    }

    pub async fn open_file(path: &Path) -> StoreResult<Self> {
        // Setting WAL mode on a new file, or migrating, meets another process doing the
        // same (a `tribune user add` beside a starting server); SQLite answers that lock at
        // once rather than through the busy timeout, so opening waits its turn here.
        let started = std::time::Instant::now();
        loop {
            match Self::open_once(path).await {
                Err(StoreError::Unavailable(e)) if started.elapsed() < BUSY_TIMEOUT => {
                    tracing::debug!(error = %e, "database busy while opening; trying again");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                done => return done,
            }
        }
    }

    async fn open_once(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(db)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged write survives a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // Writers of this process queue for the one connection while it may wait out
            // another process's write: longer than the busy timeout, so a queued write is
            // not given up on while the one ahead of it is still waiting its turn.
            .acquire_timeout(BUSY_TIMEOUT * 3)
            .connect_with(options.clone())
            .await
            .map_err(db)?;
        let comments = CommentWriter::start(write.clone());
        let store_for_migrate = Self {
            read: write.clone(),
            write: write.clone(),
            comments: comments.clone(),
        };
        store_for_migrate.migrate().await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options.read_only(true))
            .await
            .map_err(db)?;
        Ok(Self {
            read,
            write,
            comments,
        })
    }

    /// Applies the migrations this database lacks. Refuses a database whose schema is newer
    /// than this build: running old code on it could damage data.
    pub async fn migrate(&self) -> StoreResult<i64> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let done = migrate::apply(&mut tx, MIGRATIONS).await;
        settle(tx, done).await
    }

    /// Marks the database as migrated to `version`, to test what an older build does with
    /// a newer database.
    #[doc(hidden)]
    pub async fn force_schema_version_for_tests(&self, version: i64) {
        let _ = sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)")
            .bind(version)
            .execute(&self.write)
            .await;
    }
}

#[cfg(test)]
mod byline_migration_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::SqliteStore;

    /// Migration 13 gives authors of an older database the byline rule: names normalised,
    /// keys equal to them, addresses unchanged.
    #[tokio::test]
    async fn migration_13_rekeys_authors_by_their_normalised_byline() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        for (name, key, slug) in [
            ("Jan De Smet", "jan de smet", "jan-de-smet"),
            (
                "<svg\u{c}onload=alert(1)>",
                "<svg onload=alert(1)>",
                "svg-onload-alert-1",
            ),
        ] {
            sqlx::query("INSERT INTO authors (name, name_key, slug) VALUES (?, ?, ?)")
                .bind(name)
                .bind(key)
                .bind(slug)
                .execute(&store.write)
                .await
                .unwrap();
        }
        sqlx::query("DELETE FROM schema_migrations WHERE version >= 13")
            .execute(&store.write)
            .await
            .unwrap();
        let again = SqliteStore::open(dir.path()).await.unwrap();
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT name, name_key, slug FROM authors ORDER BY id")
                .fetch_all(&again.read)
                .await
                .unwrap();
        let expected = [
            ("Jan De Smet", "Jan De Smet", "jan-de-smet"),
            (
                "<svg onload=alert(1)>",
                "<svg onload=alert(1)>",
                "svg-onload-alert-1",
            ),
        ];
        let rows: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        assert_eq!(rows, expected);
    }
}
