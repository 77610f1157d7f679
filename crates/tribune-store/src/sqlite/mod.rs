//! Tribune's [`Store`] on embedded SQLite: one file in the data directory, WAL mode, foreign
//! keys on. Reads use a pool; writes go through a single connection so they never fight over
//! the write lock, and new comments through a writer task that commits them in groups
//! (`group_commit.rs`). Accounts, comments and polls live in their own modules.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, Row, SqliteConnection};
use tracing::instrument;

use crate::SCHEMA_VERSION;
use tribune_core::article::{Article, ArticleId, ArticleSummary, Author, Photo};
use tribune_core::copy::{CopyTable, Row as CopyRow};
use tribune_core::imported::{ImportOutcome, SiteImport};
use tribune_core::store::{
    ArticleQuery, ArticleRecord, ArticleStamp, ListStamp, PhotoRecord, RelatedLinks, SaveOutcome,
    SiteCounts, Store, StoreError, StoreResult, Woke,
};
use tribune_core::topic::{NewTopic, Topic, TopicId, TopicRef, fold_name};
use tribune_core::{NewArticle, markdown, slugify, teaser};

mod accounts;
mod comments;
mod copy_rows;
mod desk;
mod group_commit;
mod imports;
mod law;
mod matches;
// The operations written once for both databases (see ARCHITECTURE.md, "The store").
#[path = "../sql/model.rs"]
mod model;
#[path = "../sql/polls.rs"]
mod polls;
#[path = "../sql/topics.rs"]
mod topics;

use group_commit::CommentWriter;

// ---- The dialect: the names the shared operations in ../sql/ reach as `super::`. ----

/// The store the shared operations are written for.
pub(crate) type Backend = SqliteStore;
/// A connection, or a transaction's (`&mut *tx`).
pub(crate) type Conn = SqliteConnection;
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
}

/// Appends one change-log row per article, inside the caller's transaction (see
/// [`SqliteStore::record_changes`]).
pub(crate) async fn record_changes(
    tx: &mut Conn,
    ids: &[ArticleId],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    SqliteStore::record_changes(tx, ids.iter().copied(), now).await
}

/// Schema steps in order; a database records the highest it has applied.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_reading_site.sql")),
    (2, include_str!("../../migrations/sqlite/0002_comments.sql")),
    (3, include_str!("../../migrations/sqlite/0003_comment_lookback.sql")),
    (4, include_str!("../../migrations/sqlite/0004_imports.sql")),
    (5, include_str!("../../migrations/sqlite/0005_newsroom.sql")),
    (6, include_str!("../../migrations/sqlite/0006_api_tokens.sql")),
    (7, include_str!("../../migrations/sqlite/0007_topic_names.sql")),
    (8, include_str!("../../migrations/sqlite/0008_matches.sql")),
    (9, include_str!("../../migrations/sqlite/0009_match_log.sql")),
    (10, include_str!("../../migrations/sqlite/0010_match_article.sql")),
    (11, include_str!("../../migrations/sqlite/0011_law.sql")),
    (12, include_str!("../../migrations/sqlite/0012_moderation_model.sql")),
    (13, include_str!("../../migrations/sqlite/0013_bylines.sql")),
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

/// Migration 13: every author's name and key become its normalised byline. Names that only
/// differed in white space or control characters were one author already (their folded keys
/// were equal), so two rows cannot meet here unless one held other control characters; such
/// a later row keeps a key of its own.
async fn rekey_authors(tx: &mut SqliteConnection) -> StoreResult<()> {
    let rows = sqlx::query("SELECT id, name FROM authors ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let id: i64 = row.try_get(0).map_err(db)?;
        let name: String = row.try_get(1).map_err(db)?;
        let normal = tribune_core::article::normalize_byline(&name);
        let shown = if normal.is_empty() {
            name
        } else {
            normal.clone()
        };
        let mut key = normal;
        while !seen.insert(key.clone()) {
            key = format!("{key} #{id}");
        }
        sqlx::query("UPDATE authors SET name = ?, name_key = ? WHERE id = ?")
            .bind(shown)
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

// The name the files not yet shared use.
pub(crate) use settle as finish;

/// Commits what went well; rolls back explicitly what did not.
pub(crate) async fn settle<T>(
    tx: sqlx::Transaction<'_, sqlx::Sqlite>,
    done: StoreResult<T>,
) -> StoreResult<T> {
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

fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn list_stamp(r: &sqlx::sqlite::SqliteRow) -> StoreResult<ListStamp> {
    Ok(ListStamp {
        slug: r.try_get(0).map_err(db)?,
        lastmod: from_ms(r.try_get(1).map_err(db)?),
    })
}

pub(crate) use crate::rows::{kind_of, topic_kind_of};

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
        let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::Invalid(format!(
                "the database has schema version {current}, newer than this Tribune knows \
                 ({SCHEMA_VERSION}); upgrade Tribune before using it"
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(db)?;
            if *version == 13 {
                rekey_authors(&mut tx).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                .bind(version)
                .bind(ms(Utc::now()))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(SCHEMA_VERSION)
    }

    /// Marks the database as migrated to `version`, to test what an older build does with
    /// a newer database.
    #[doc(hidden)]
    pub async fn force_schema_version_for_tests(&self, version: i64) {
        let _ = sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)")
            .bind(version)
            .execute(&self.write)
            .await;
    }

    async fn author_id(tx: &mut SqliteConnection, name: &str) -> StoreResult<i64> {
        // The byline rule (see `normalize_byline`): the normalised name is the key.
        let name = tribune_core::article::normalize_byline(name);
        if name.is_empty() {
            return Err(StoreError::Invalid("the byline is empty".into()));
        }
        let name = name.as_str();
        let key = name;
        if let Some(row) = sqlx::query("SELECT id FROM authors WHERE name_key = ?")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
        {
            return row.try_get(0).map_err(db);
        }
        let base = slugify(name);
        let mut slug = base.clone();
        let mut n = 1;
        while sqlx::query("SELECT 1 FROM authors WHERE slug = ?")
            .bind(&slug)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .is_some()
        {
            n += 1;
            slug = format!("{base}-{n}");
        }
        sqlx::query("INSERT INTO authors (name, name_key, slug) VALUES (?, ?, ?) RETURNING id")
            .bind(name)
            .bind(key)
            .bind(&slug)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)
    }

    async fn photo_id(tx: &mut SqliteConnection, photo: &Photo) -> StoreResult<i64> {
        sqlx::query(
            "INSERT INTO photos (path, credit, caption, width, height) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (path) DO UPDATE SET credit = excluded.credit,
                caption = excluded.caption, width = excluded.width, height = excluded.height
             RETURNING id",
        )
        .bind(&photo.path)
        .bind(photo.credit.trim())
        .bind(photo.caption.as_deref())
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)
    }

    /// Appends to the change log (pruning its oldest rows), inside the caller's transaction.
    async fn record_change(
        tx: &mut SqliteConnection,
        id: ArticleId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        Self::record_changes(tx, [id], now).await
    }

    /// Appends one change-log row per article (in one statement) and forgets the oldest
    /// rows beyond [`CHANGES_KEPT`].
    async fn record_changes(
        tx: &mut SqliteConnection,
        articles: impl IntoIterator<Item = ArticleId>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let ids: Vec<String> = articles.into_iter().map(|id| id.to_string()).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let mut last = None;
        for r in sqlx::query(
            "INSERT INTO article_changes (article_id, changed_at)
             SELECT value, ? FROM json_each(?) ORDER BY key RETURNING seq",
        )
        .bind(ms(now))
        .bind(format!("[{}]", ids.join(",")))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        {
            last = last.max(Some(r.try_get::<i64, _>(0).map_err(db)?));
        }
        if let Some(seq) = last {
            sqlx::query("DELETE FROM article_changes WHERE seq <= ?")
                .bind(seq - CHANGES_KEPT)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    /// Replaces an article's topic links (each carrying its publish time for topic pages).
    async fn set_topics(
        tx: &mut SqliteConnection,
        id: ArticleId,
        topics: &[i64],
        published_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM article_topics WHERE article_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for topic in topics {
            sqlx::query(
                "INSERT OR IGNORE INTO article_topics (article_id, topic_id, published_at)
                 VALUES (?, ?, ?)",
            )
            .bind(id)
            .bind(topic)
            .bind(ms(published_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// Replaces an article's related links, keeping their order.
    async fn set_related(
        tx: &mut SqliteConnection,
        id: ArticleId,
        related: &[ArticleId],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM related_articles WHERE article_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for (position, related) in related.iter().enumerate() {
            sqlx::query(
                "INSERT OR IGNORE INTO related_articles (article_id, related_id, position)
                 VALUES (?, ?, ?)",
            )
            .bind(id)
            .bind(related)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// One article inside the caller's transaction; on error the caller rolls back.
    async fn save_one(
        tx: &mut SqliteConnection,
        a: &NewArticle,
        now: DateTime<Utc>,
    ) -> StoreResult<SaveOutcome> {
        a.check().map_err(StoreError::Invalid)?;
        let existing: Option<i64> = match &a.external_key {
            Some(key) => sqlx::query("SELECT id FROM articles WHERE external_key = ?")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(db)?,
            None => None,
        };
        let id = Self::write_article_row(tx, existing, a, now).await?;
        Ok(SaveOutcome {
            id,
            created: existing.is_none(),
        })
    }

    /// Writes an article's row (a new one when `existing` is `None`, status "published"
    /// unless the caller changes it), its topics and related links, and the change log.
    /// The caller checked the article against the rules that apply to it.
    pub(crate) async fn write_article_row(
        tx: &mut SqliteConnection,
        existing: Option<ArticleId>,
        a: &NewArticle,
        now: DateTime<Utc>,
    ) -> StoreResult<ArticleId> {
        let body_html = markdown::render(&a.body_markdown);
        let author_id = Self::author_id(tx, &a.author_name).await?;
        let photo_id = match &a.photo {
            Some(p) => Some(Self::photo_id(tx, p).await?),
            None => None,
        };
        for topic in &a.topics {
            let found = sqlx::query("SELECT 1 FROM topics WHERE id = ?")
                .bind(topic)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if found.is_none() {
                return Err(StoreError::Invalid(format!("topic {topic} does not exist")));
            }
        }
        for related in &a.related {
            let found = sqlx::query("SELECT 1 FROM articles WHERE id = ?")
                .bind(related)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if found.is_none() || Some(*related) == existing {
                return Err(StoreError::Invalid(format!(
                    "related article {related} does not exist"
                )));
            }
        }
        let title = a.title.trim();
        let source = a.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let lead = a.lead.trim();
        let id: i64 = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE articles SET slug = ?, title = ?, kind = ?, source = ?, author_id = ?,
                        published_at = ?, updated_at = ?, lead = ?, teaser = ?, body_markdown = ?,
                        body_html = ?, photo_id = ?
                     WHERE id = ?",
                )
                .bind(slugify(title))
                .bind(title)
                .bind(a.kind.as_str())
                .bind(source)
                .bind(author_id)
                .bind(ms(a.published_at))
                .bind(ms(now))
                .bind(lead)
                .bind(teaser(lead))
                .bind(&a.body_markdown)
                .bind(&body_html)
                .bind(photo_id)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                id
            }
            None => sqlx::query(
                "INSERT INTO articles (external_key, slug, title, kind, source, author_id,
                    published_at, created_at, updated_at, lead, teaser, body_markdown, body_html,
                    photo_id, comment_count)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id",
            )
            .bind(a.external_key.as_deref())
            .bind(slugify(title))
            .bind(title)
            .bind(a.kind.as_str())
            .bind(source)
            .bind(author_id)
            .bind(ms(a.published_at))
            .bind(ms(now))
            .bind(ms(now))
            .bind(lead)
            .bind(teaser(lead))
            .bind(&a.body_markdown)
            .bind(&body_html)
            .bind(photo_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?,
        };
        Self::set_topics(tx, id, &a.topics, a.published_at).await?;
        Self::set_related(tx, id, &a.related).await?;
        Self::record_change(tx, id, now).await?;
        Ok(id)
    }

    async fn article_topics(&self, id: ArticleId) -> StoreResult<Vec<TopicRef>> {
        let rows = sqlx::query(
            "SELECT t.id, t.slug, t.name, t.kind FROM article_topics at
             JOIN topics t ON t.id = at.topic_id WHERE at.article_id = ? ORDER BY t.name",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(TopicRef {
                    id: r.try_get(0).map_err(db)?,
                    slug: r.try_get(1).map_err(db)?,
                    name: r.try_get(2).map_err(db)?,
                    kind: topic_kind_of(r.try_get(3).map_err(db)?)?,
                })
            })
            .collect()
    }

    /// Authors, topics with aliases and photos with their ids, inside the caller's
    /// transaction; a row with the same id is overwritten.
    async fn restore_people_and_topics_in(
        tx: &mut SqliteConnection,
        authors: &[Author],
        topics: &[Topic],
        photos: &[PhotoRecord],
    ) -> StoreResult<()> {
        for a in authors {
            sqlx::query(
                "INSERT INTO authors (id, name, name_key, slug) VALUES (?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                    name_key = excluded.name_key, slug = excluded.slug",
            )
            .bind(a.id)
            .bind(&a.name)
            .bind(tribune_core::article::normalize_byline(&a.name))
            .bind(&a.slug)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for t in topics {
            sqlx::query(
                "INSERT INTO topics (id, name, name_key, slug, kind, name_fr, crest)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                    name_key = excluded.name_key, slug = excluded.slug, kind = excluded.kind,
                    name_fr = excluded.name_fr, crest = excluded.crest",
            )
            .bind(t.id)
            .bind(&t.name)
            .bind(fold_name(&t.name))
            .bind(&t.slug)
            .bind(t.kind.as_str())
            .bind(t.name_fr.as_deref())
            .bind(t.crest.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            Self::set_aliases(tx, t.id, &t.aliases, &t.weak_aliases).await?;
        }
        for p in photos {
            sqlx::query(
                "INSERT INTO photos (id, path, credit, caption, width, height)
                 VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET path = excluded.path, credit = excluded.credit,
                    caption = excluded.caption, width = excluded.width, height = excluded.height",
            )
            .bind(p.id)
            .bind(&p.photo.path)
            .bind(&p.photo.credit)
            .bind(p.photo.caption.as_deref())
            .bind(i64::from(p.photo.width))
            .bind(i64::from(p.photo.height))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// Articles with their ids and topic links, inside the caller's transaction; their old
    /// related links (if the target had these ids) are removed.
    async fn restore_articles_in(
        tx: &mut SqliteConnection,
        batch: &[ArticleRecord],
    ) -> StoreResult<()> {
        for a in batch {
            sqlx::query(
                "INSERT INTO articles (id, external_key, slug, title, kind, source, author_id,
                    status, published_at, created_at, updated_at, lead, teaser, body_markdown,
                    body_html, photo_id, comment_count)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET external_key = excluded.external_key,
                    slug = excluded.slug, title = excluded.title, kind = excluded.kind,
                    source = excluded.source, author_id = excluded.author_id,
                    status = excluded.status, published_at = excluded.published_at,
                    created_at = excluded.created_at, updated_at = excluded.updated_at,
                    lead = excluded.lead, teaser = excluded.teaser,
                    body_markdown = excluded.body_markdown, body_html = excluded.body_html,
                    photo_id = excluded.photo_id, comment_count = excluded.comment_count",
            )
            .bind(a.id)
            .bind(a.external_key.as_deref())
            .bind(&a.slug)
            .bind(&a.title)
            .bind(a.kind.as_str())
            .bind(a.source.as_deref())
            .bind(a.author_id)
            .bind(if a.published { "published" } else { "draft" })
            .bind(ms(a.published_at))
            .bind(ms(a.created_at))
            .bind(ms(a.updated_at))
            .bind(&a.lead)
            .bind(&a.teaser)
            .bind(&a.body_markdown)
            .bind(&a.body_html)
            .bind(a.photo_id)
            .bind(a.comment_count)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            Self::set_topics(tx, a.id, &a.topics, a.published_at).await?;
            // Related links come in a second pass, once every article exists.
            Self::set_related(tx, a.id, &[]).await?;
        }
        Ok(())
    }

    /// Replaces the related links of these articles, inside the caller's transaction.
    async fn restore_related_in(
        tx: &mut SqliteConnection,
        links: &[RelatedLinks],
    ) -> StoreResult<()> {
        for l in links {
            Self::set_related(tx, l.article_id, &l.related).await?;
        }
        Ok(())
    }

    /// Up to `limit` article rows after `after_id` with their links, inside one read
    /// transaction so rows and links agree.
    async fn export_articles_in(
        tx: &mut SqliteConnection,
        after_id: ArticleId,
        limit: u32,
    ) -> StoreResult<Vec<ArticleRecord>> {
        let rows = sqlx::query(
            "SELECT id, external_key, slug, title, kind, source, author_id, status,
                    published_at, created_at, updated_at, lead, teaser, body_markdown,
                    body_html, photo_id, comment_count
             FROM articles WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut records = rows
            .iter()
            .map(|r| {
                Ok(ArticleRecord {
                    id: r.try_get(0).map_err(db)?,
                    external_key: r.try_get(1).map_err(db)?,
                    slug: r.try_get(2).map_err(db)?,
                    title: r.try_get(3).map_err(db)?,
                    kind: kind_of(r.try_get(4).map_err(db)?)?,
                    source: r.try_get(5).map_err(db)?,
                    author_id: r.try_get(6).map_err(db)?,
                    published: r.try_get::<&str, _>(7).map_err(db)? == "published",
                    published_at: from_ms(r.try_get(8).map_err(db)?),
                    created_at: from_ms(r.try_get(9).map_err(db)?),
                    updated_at: from_ms(r.try_get(10).map_err(db)?),
                    lead: r.try_get(11).map_err(db)?,
                    teaser: r.try_get(12).map_err(db)?,
                    body_markdown: r.try_get(13).map_err(db)?,
                    body_html: r.try_get(14).map_err(db)?,
                    photo_id: r.try_get(15).map_err(db)?,
                    comment_count: r.try_get(16).map_err(db)?,
                    topics: Vec::new(),
                    related: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Ok(records);
        };
        let (first, last) = (first.id, last.id);
        let index: HashMap<ArticleId, usize> =
            records.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let topics = sqlx::query(
            "SELECT article_id, topic_id FROM article_topics
             WHERE article_id BETWEEN ? AND ? ORDER BY article_id, topic_id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for r in &topics {
            let id: ArticleId = r.try_get(0).map_err(db)?;
            if let Some(&i) = index.get(&id) {
                records[i].topics.push(r.try_get(1).map_err(db)?);
            }
        }
        let related = sqlx::query(
            "SELECT article_id, related_id FROM related_articles
             WHERE article_id BETWEEN ? AND ? ORDER BY article_id, position",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for r in &related {
            let id: ArticleId = r.try_get(0).map_err(db)?;
            if let Some(&i) = index.get(&id) {
                records[i].related.push(r.try_get(1).map_err(db)?);
            }
        }
        Ok(records)
    }
}

/// The columns every list selects, in this order (see [`summary`]).
macro_rules! summary_columns {
    () => {
        "a.id, a.slug, a.title, a.kind, a.source, au.name, a.published_at, a.teaser, a.comment_count"
    };
}

fn summary(r: &SqliteRow) -> StoreResult<ArticleSummary> {
    Ok(ArticleSummary {
        id: r.try_get(0).map_err(db)?,
        slug: r.try_get(1).map_err(db)?,
        title: r.try_get(2).map_err(db)?,
        kind: kind_of(r.try_get(3).map_err(db)?)?,
        source: r.try_get(4).map_err(db)?,
        author_name: r.try_get(5).map_err(db)?,
        published_at: from_ms(r.try_get(6).map_err(db)?),
        teaser: r.try_get(7).map_err(db)?,
        comment_count: r.try_get(8).map_err(db)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    /// SQLite cannot tell us of other writers: wait, then the caller looks at the change log.
    async fn wait_for_changes(&self, max_wait: Duration) -> Woke {
        tokio::time::sleep(max_wait).await;
        Woke::TimedOut
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn save_articles(
        &self,
        batch: &[NewArticle],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StoreResult<SaveOutcome>>> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for a in batch {
            // A savepoint per article: a bad one leaves no trace, the others still land.
            let mut one = tx.begin().await.map_err(db)?;
            match Self::save_one(&mut one, a, now).await {
                Ok(outcome) => {
                    one.commit().await.map_err(db)?;
                    outcomes.push(Ok(outcome));
                }
                Err(StoreError::Backend(e)) => return Err(StoreError::Backend(e)),
                Err(e) => {
                    one.rollback().await.map_err(db)?;
                    outcomes.push(Err(e));
                }
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(outcomes)
    }

    #[instrument(skip_all)]
    async fn set_published(
        &self,
        id: ArticleId,
        published: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = sqlx::query("UPDATE articles SET status = ?, updated_at = ? WHERE id = ?")
            .bind(if published { "published" } else { "draft" })
            .bind(ms(now))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Self::record_change(&mut tx, id, now).await?;
        tx.commit().await.map_err(db)
    }

    #[instrument(skip_all)]
    async fn import_site(
        &self,
        site: &SiteImport,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportOutcome> {
        imports::import_site(self, site, now).await
    }

    async fn old_path(&self, path: &str, now: DateTime<Utc>) -> StoreResult<Option<String>> {
        imports::old_path(self, path, now).await
    }

    async fn article_by_key(&self, external_key: &str) -> StoreResult<Option<ArticleId>> {
        sqlx::query("SELECT id FROM articles WHERE external_key = ?")
            .bind(external_key)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db)
    }

    #[instrument(skip_all)]
    async fn article(&self, id: ArticleId, now: DateTime<Utc>) -> StoreResult<Option<Article>> {
        let Some(r) = sqlx::query(
            "SELECT a.id, a.slug, a.title, a.kind, a.source, au.id, au.name, au.slug,
                    a.published_at, a.updated_at, a.lead, a.body_markdown, a.body_html,
                    p.path, p.credit, p.caption, p.width, p.height, a.comment_count
             FROM articles a
             JOIN authors au ON au.id = a.author_id
             LEFT JOIN photos p ON p.id = a.photo_id
             WHERE a.id = ? AND a.status = 'published' AND a.published_at <= ?",
        )
        .bind(id)
        .bind(ms(now))
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let photo = match r.try_get::<Option<String>, _>(13).map_err(db)? {
            Some(path) => Some(Photo {
                path,
                credit: r.try_get(14).map_err(db)?,
                caption: r.try_get(15).map_err(db)?,
                width: u32::try_from(r.try_get::<i64, _>(16).map_err(db)?).unwrap_or(0),
                height: u32::try_from(r.try_get::<i64, _>(17).map_err(db)?).unwrap_or(0),
            }),
            None => None,
        };
        let related_rows = sqlx::query(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM related_articles r
              JOIN articles a ON a.id = r.related_id
              JOIN authors au ON au.id = a.author_id
              WHERE r.article_id = ? AND a.status = 'published' AND a.published_at <= ?
              ORDER BY r.position"
        ))
        .bind(id)
        .bind(ms(now))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(Some(Article {
            id: r.try_get(0).map_err(db)?,
            slug: r.try_get(1).map_err(db)?,
            title: r.try_get(2).map_err(db)?,
            kind: kind_of(r.try_get(3).map_err(db)?)?,
            source: r.try_get(4).map_err(db)?,
            author: Author {
                id: r.try_get(5).map_err(db)?,
                name: r.try_get(6).map_err(db)?,
                slug: r.try_get(7).map_err(db)?,
            },
            published_at: from_ms(r.try_get(8).map_err(db)?),
            updated_at: from_ms(r.try_get(9).map_err(db)?),
            lead: r.try_get(10).map_err(db)?,
            body_markdown: r.try_get(11).map_err(db)?,
            body_html: r.try_get(12).map_err(db)?,
            photo,
            comment_count: r.try_get(18).map_err(db)?,
            topics: self.article_topics(id).await?,
            related: related_rows
                .iter()
                .map(summary)
                .collect::<StoreResult<_>>()?,
        }))
    }

    #[instrument(skip_all)]
    async fn articles(
        &self,
        q: &ArticleQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleSummary>> {
        // Without a cursor, start past the newest possible position.
        let (after_ms, after_id) = q
            .after
            .map_or((i64::MAX, i64::MAX), |c| (ms(c.published_at), c.id));
        let query = match (q.topic, q.author) {
            (Some(topic), _) => sqlx::query(concat!(
                "SELECT ",
                summary_columns!(),
                " FROM article_topics t
                  JOIN articles a ON a.id = t.article_id
                  JOIN authors au ON au.id = a.author_id
                  WHERE t.topic_id = ? AND t.published_at <= ?
                    AND (t.published_at, t.article_id) < (?, ?) AND a.status = 'published'
                  ORDER BY t.published_at DESC, t.article_id DESC LIMIT ? OFFSET ?"
            ))
            .bind(topic),
            (None, Some(author)) => sqlx::query(concat!(
                "SELECT ",
                summary_columns!(),
                " FROM articles a
                  JOIN authors au ON au.id = a.author_id
                  WHERE a.author_id = ? AND a.status = 'published' AND a.published_at <= ?
                    AND (a.published_at, a.id) < (?, ?)
                  ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?"
            ))
            .bind(author),
            (None, None) => sqlx::query(concat!(
                "SELECT ",
                summary_columns!(),
                " FROM articles a
                  JOIN authors au ON au.id = a.author_id
                  WHERE a.status = 'published' AND a.published_at <= ?
                    AND (a.published_at, a.id) < (?, ?)
                  ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?"
            )),
        };
        let rows = query
            .bind(ms(now))
            .bind(after_ms)
            .bind(after_id)
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(summary).collect()
    }

    async fn article_count(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) FROM articles")
            .fetch_one(&self.read)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)
    }

    #[instrument(skip_all)]
    async fn sitemap_chunks(
        &self,
        size: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows = sqlx::query(
            "SELECT MAX(lastmod) FROM (
                 SELECT (ROW_NUMBER() OVER (ORDER BY id) - 1) / ? AS chunk,
                        MAX(published_at, updated_at) AS lastmod
                 FROM articles WHERE status = 'published' AND published_at <= ?)
             GROUP BY chunk ORDER BY chunk",
        )
        .bind(i64::from(size.max(1)))
        .bind(ms(now))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok(from_ms(r.try_get(0).map_err(db)?)))
            .collect()
    }

    #[instrument(skip_all)]
    async fn article_stamps(
        &self,
        offset: u64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleStamp>> {
        let rows = sqlx::query(
            "SELECT id, slug, MAX(published_at, updated_at) FROM articles
             WHERE status = 'published' AND published_at <= ?
             ORDER BY id LIMIT ? OFFSET ?",
        )
        .bind(ms(now))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(ArticleStamp {
                    id: r.try_get(0).map_err(db)?,
                    slug: r.try_get(1).map_err(db)?,
                    lastmod: from_ms(r.try_get(2).map_err(db)?),
                })
            })
            .collect()
    }

    #[instrument(skip_all)]
    async fn topic_stamps(&self, now: DateTime<Utc>) -> StoreResult<Vec<ListStamp>> {
        let rows = sqlx::query(
            "SELECT tp.slug, MAX(MAX(a.published_at, a.updated_at))
             FROM article_topics t
             JOIN articles a ON a.id = t.article_id
             JOIN topics tp ON tp.id = t.topic_id
             WHERE a.status = 'published' AND a.published_at <= ?
             GROUP BY tp.slug ORDER BY tp.slug",
        )
        .bind(ms(now))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(list_stamp).collect()
    }

    #[instrument(skip_all)]
    async fn author_stamps(&self, now: DateTime<Utc>) -> StoreResult<Vec<ListStamp>> {
        let rows = sqlx::query(
            "SELECT au.slug, MAX(MAX(a.published_at, a.updated_at))
             FROM articles a JOIN authors au ON au.id = a.author_id
             WHERE a.status = 'published' AND a.published_at <= ?
             GROUP BY au.slug ORDER BY au.slug",
        )
        .bind(ms(now))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(list_stamp).collect()
    }

    #[instrument(skip_all)]
    async fn save_topic(&self, t: &NewTopic) -> StoreResult<Topic> {
        self.save_topic_impl(t).await
    }

    async fn topics(&self) -> StoreResult<Vec<Topic>> {
        self.topics_impl().await
    }

    async fn topic(&self, id: TopicId) -> StoreResult<Option<Topic>> {
        self.topic_impl(id).await
    }

    async fn topic_by_slug(&self, slug: &str) -> StoreResult<Option<Topic>> {
        Ok(self.topics().await?.into_iter().find(|t| t.slug == slug))
    }

    #[instrument(skip_all)]
    async fn create_topic(&self, t: &NewTopic) -> StoreResult<Topic> {
        self.create_topic_impl(t).await
    }

    #[instrument(skip_all)]
    async fn update_topic(
        &self,
        id: TopicId,
        t: &NewTopic,
        now: DateTime<Utc>,
    ) -> StoreResult<Topic> {
        self.update_topic_impl(id, t, now).await
    }

    async fn topic_article_counts(&self) -> StoreResult<Vec<(TopicId, i64)>> {
        self.topic_article_counts_impl().await
    }

    async fn find_topic(&self, name_or_alias: &str) -> StoreResult<Option<Topic>> {
        let key = fold_name(name_or_alias);
        let row = sqlx::query(
            "SELECT id FROM topics WHERE name_key = ?1
             UNION ALL SELECT topic_id FROM topic_aliases WHERE alias_key = ?1 AND weak = 0
             LIMIT 1",
        )
        .bind(&key)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.try_get(0).map_err(db)?;
        Ok(self.topics().await?.into_iter().find(|t| t.id == id))
    }

    async fn authors(&self) -> StoreResult<Vec<Author>> {
        let rows = sqlx::query("SELECT id, name, slug FROM authors ORDER BY name")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Author {
                    id: r.try_get(0).map_err(db)?,
                    name: r.try_get(1).map_err(db)?,
                    slug: r.try_get(2).map_err(db)?,
                })
            })
            .collect()
    }

    async fn author_by_slug(&self, slug: &str) -> StoreResult<Option<Author>> {
        let row = sqlx::query("SELECT id, name, slug FROM authors WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(Author {
                id: r.try_get(0).map_err(db)?,
                name: r.try_get(1).map_err(db)?,
                slug: r.try_get(2).map_err(db)?,
            })
        })
        .transpose()
    }

    async fn changes_since(&self, seq: i64, limit: u32) -> StoreResult<Vec<(i64, ArticleId)>> {
        let rows = sqlx::query(
            "SELECT seq, article_id FROM article_changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(seq)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
            .collect()
    }

    async fn last_change(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM article_changes")
            .fetch_one(&self.read)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)
    }

    async fn came_due(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>> {
        let rows = sqlx::query(
            "SELECT id FROM articles WHERE status = 'published' AND published_at > ? AND published_at <= ?",
        )
        .bind(ms(after))
        .bind(ms(upto))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(|r| r.try_get(0).map_err(db)).collect()
    }

    async fn photos(&self) -> StoreResult<Vec<PhotoRecord>> {
        let rows =
            sqlx::query("SELECT id, path, credit, caption, width, height FROM photos ORDER BY id")
                .fetch_all(&self.read)
                .await
                .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(PhotoRecord {
                    id: r.try_get(0).map_err(db)?,
                    photo: Photo {
                        path: r.try_get(1).map_err(db)?,
                        credit: r.try_get(2).map_err(db)?,
                        caption: r.try_get(3).map_err(db)?,
                        width: u32::try_from(r.try_get::<i64, _>(4).map_err(db)?).unwrap_or(0),
                        height: u32::try_from(r.try_get::<i64, _>(5).map_err(db)?).unwrap_or(0),
                    },
                })
            })
            .collect()
    }

    #[instrument(skip_all)]
    async fn export_articles(
        &self,
        after_id: ArticleId,
        limit: u32,
    ) -> StoreResult<Vec<ArticleRecord>> {
        let mut tx = self.read.begin().await.map_err(db)?;
        match Self::export_articles_in(&mut tx, after_id, limit).await {
            Ok(records) => {
                tx.commit().await.map_err(db)?;
                Ok(records)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    #[instrument(skip_all)]
    async fn restore_people_and_topics(
        &self,
        authors: &[Author],
        topics: &[Topic],
        photos: &[PhotoRecord],
    ) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::restore_people_and_topics_in(&mut tx, authors, topics, photos).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn restore_articles(&self, batch: &[ArticleRecord]) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::restore_articles_in(&mut tx, batch).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn restore_related(&self, links: &[RelatedLinks]) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::restore_related_in(&mut tx, links).await;
        settle(tx, done).await
    }

    #[instrument(skip_all, fields(table = table.name))]
    async fn export_rows(
        &self,
        table: &CopyTable,
        offset: u64,
        limit: u32,
    ) -> StoreResult<Vec<CopyRow>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        copy_rows::export(&mut conn, table, offset, limit).await
    }

    #[instrument(skip_all, fields(table = table.name))]
    async fn restore_rows(&self, table: &CopyTable, rows: &[CopyRow]) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = copy_rows::restore(&mut tx, table, rows).await;
        settle(tx, done).await
    }

    /// Nothing to do: SQLite gives a new row the id after the highest one there.
    async fn finish_restore(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn site_counts(&self) -> StoreResult<SiteCounts> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM authors), (SELECT COUNT(*) FROM topics),
                    (SELECT COUNT(*) FROM topic_aliases), (SELECT COUNT(*) FROM photos),
                    (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM article_topics),
                    (SELECT COUNT(*) FROM related_articles), (SELECT COUNT(*) FROM accounts),
                    (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM comment_revisions),
                    (SELECT COUNT(*) FROM comment_votes), (SELECT COUNT(*) FROM comment_reports),
                    (SELECT COUNT(*) FROM moderation_log), (SELECT COUNT(*) FROM polls),
                    (SELECT COUNT(*) FROM poll_options), (SELECT COUNT(*) FROM poll_votes),
                    (SELECT COUNT(*) FROM old_paths), (SELECT COUNT(*) FROM imported_comments),
                    (SELECT COUNT(*) FROM article_desk), (SELECT COUNT(*) FROM article_revisions),
                    (SELECT COUNT(*) FROM api_tokens), (SELECT COUNT(*) FROM competitions),
                    (SELECT COUNT(*) FROM teams), (SELECT COUNT(*) FROM team_aliases),
                    (SELECT COUNT(*) FROM matches), (SELECT COUNT(*) FROM match_events),
                    (SELECT COUNT(*) FROM live_entries), (SELECT COUNT(*) FROM moderation_models),
                    (SELECT COUNT(*) FROM moderation_lessons), (SELECT COUNT(*) FROM comment_contests),
                    (SELECT COUNT(*) FROM content_notices)",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(SiteCounts {
            authors: r.try_get(0).map_err(db)?,
            topics: r.try_get(1).map_err(db)?,
            aliases: r.try_get(2).map_err(db)?,
            photos: r.try_get(3).map_err(db)?,
            articles: r.try_get(4).map_err(db)?,
            article_topics: r.try_get(5).map_err(db)?,
            related: r.try_get(6).map_err(db)?,
            accounts: r.try_get(7).map_err(db)?,
            comments: r.try_get(8).map_err(db)?,
            comment_revisions: r.try_get(9).map_err(db)?,
            comment_votes: r.try_get(10).map_err(db)?,
            comment_reports: r.try_get(11).map_err(db)?,
            moderation_log: r.try_get(12).map_err(db)?,
            polls: r.try_get(13).map_err(db)?,
            poll_options: r.try_get(14).map_err(db)?,
            poll_votes: r.try_get(15).map_err(db)?,
            old_paths: r.try_get(16).map_err(db)?,
            imported_comments: r.try_get(17).map_err(db)?,
            article_desk: r.try_get(18).map_err(db)?,
            article_revisions: r.try_get(19).map_err(db)?,
            api_tokens: r.try_get(20).map_err(db)?,
            competitions: r.try_get(21).map_err(db)?,
            teams: r.try_get(22).map_err(db)?,
            team_aliases: r.try_get(23).map_err(db)?,
            matches: r.try_get(24).map_err(db)?,
            match_events: r.try_get(25).map_err(db)?,
            live_entries: r.try_get(26).map_err(db)?,
            moderation_models: r.try_get(27).map_err(db)?,
            moderation_lessons: r.try_get(28).map_err(db)?,
            comment_contests: r.try_get(29).map_err(db)?,
            content_notices: r.try_get(30).map_err(db)?,
        })
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
        sqlx::query("DELETE FROM schema_migrations WHERE version = 13")
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
