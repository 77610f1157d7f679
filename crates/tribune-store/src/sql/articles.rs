//! Articles with their authors, photos, topic links and related links; the lists, sitemaps and
//! change log the site reads; copying a site's articles; and [`Store`] itself, whose other
//! parts live in their own files.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;
use tribune_core::article::{Article, ArticleId, ArticleSummary, Author, Photo};
use tribune_core::copy::{CopyTable, Row as CopyRow};
use tribune_core::imported::{ImportOutcome, SiteImport};
use tribune_core::storable::{self, has_nul};
use tribune_core::store::{
    ArticleQuery, ArticleRecord, ArticleStamp, ListStamp, PhotoRecord, RelatedLinks, SaveOutcome,
    SiteCounts, Store, StoreError, StoreResult, Woke,
};
use tribune_core::topic::{NewTopic, Topic, TopicId, TopicRef, fold_name};
use tribune_core::{NewArticle, markdown, slugify, teaser};

use super::{Backend, Conn, copy, copy_rows, db, imports, overriding, record_changes, settle};
use crate::at::At;
use crate::rows::{kind_of, topic_kind_of};

/// The columns every list selects: [`SummaryRow`]'s.
macro_rules! summary_columns {
    () => {
        "a.id, a.slug, a.title, a.kind, a.source, au.name AS author_name, a.published_at,
         a.teaser, a.comment_count"
    };
}

/// When a visible article last changed, for sitemaps: the later of its publish and update
/// times (SQLite's two-argument MAX and PostgreSQL's GREATEST are each the other's error).
macro_rules! lastmod {
    ($a:literal) => {
        concat!(
            "CASE WHEN ",
            $a,
            "published_at > ",
            $a,
            "updated_at THEN ",
            $a,
            "published_at ELSE ",
            $a,
            "updated_at END"
        )
    };
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: ArticleId,
    slug: String,
    title: String,
    kind: String,
    source: Option<String>,
    author_name: String,
    published_at: At,
    teaser: String,
    comment_count: i64,
}

impl SummaryRow {
    fn into_summary(self) -> StoreResult<ArticleSummary> {
        Ok(ArticleSummary {
            id: self.id,
            slug: self.slug,
            title: self.title,
            kind: kind_of(&self.kind)?,
            source: self.source,
            author_name: self.author_name,
            published_at: self.published_at.0,
            teaser: self.teaser,
            comment_count: self.comment_count,
        })
    }
}

fn summaries(rows: Vec<SummaryRow>) -> StoreResult<Vec<ArticleSummary>> {
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: ArticleId,
    slug: String,
    title: String,
    kind: String,
    source: Option<String>,
    author_id: i64,
    author_name: String,
    author_slug: String,
    published_at: At,
    updated_at: At,
    lead: String,
    body_markdown: String,
    body_html: String,
    photo_path: Option<String>,
    photo_credit: Option<String>,
    photo_caption: Option<String>,
    photo_width: Option<i64>,
    photo_height: Option<i64>,
    comment_count: i64,
}

/// An article's row exactly as stored, for copying.
#[derive(sqlx::FromRow)]
struct RecordRow {
    id: ArticleId,
    external_key: Option<String>,
    slug: String,
    title: String,
    kind: String,
    source: Option<String>,
    author_id: i64,
    status: String,
    published_at: At,
    created_at: At,
    updated_at: At,
    lead: String,
    teaser: String,
    body_markdown: String,
    body_html: String,
    photo_id: Option<i64>,
    comment_count: i64,
}

#[derive(sqlx::FromRow)]
struct AuthorRow {
    id: i64,
    name: String,
    slug: String,
}

impl From<AuthorRow> for Author {
    fn from(r: AuthorRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            slug: r.slug,
        }
    }
}

#[derive(sqlx::FromRow)]
struct PhotoRow {
    id: i64,
    path: String,
    credit: String,
    caption: Option<String>,
    width: i64,
    height: i64,
}

#[derive(sqlx::FromRow)]
struct TopicRefRow {
    id: TopicId,
    slug: String,
    name: String,
    kind: String,
}

#[derive(sqlx::FromRow)]
struct StampRow {
    id: ArticleId,
    slug: String,
    lastmod: At,
}

#[derive(sqlx::FromRow)]
struct ListStampRow {
    slug: String,
    lastmod: At,
}

impl From<ListStampRow> for ListStamp {
    fn from(r: ListStampRow) -> Self {
        Self {
            slug: r.slug,
            lastmod: r.lastmod.0,
        }
    }
}

/// A link from an article to another (a topic, a related article).
#[derive(sqlx::FromRow)]
struct Link {
    article_id: ArticleId,
    target: i64,
}

#[derive(sqlx::FromRow)]
struct Change {
    seq: i64,
    article_id: ArticleId,
}

/// A photo's width or height as stored (whole pixels; 0 if it could not be one).
fn pixels(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Reads the change log from `seq` on (or its last entry), inside a transaction begun with
/// `begin_log_read`, so that no lower number can still appear once these are read.
async fn changes_in(
    tx: &mut Conn,
    seq: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<(i64, ArticleId)>> {
    let rows: Vec<Change> = match seq {
        Some(seq) => {
            sqlx::query_as(
                "SELECT seq, article_id FROM article_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(seq)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
        }
        None => {
            sqlx::query_as("SELECT seq, article_id FROM article_changes ORDER BY seq DESC LIMIT 1")
                .fetch_all(&mut *tx)
                .await
        }
    }
    .map_err(db)?;
    Ok(rows.into_iter().map(|c| (c.seq, c.article_id)).collect())
}

impl Backend {
    async fn author_id(tx: &mut Conn, name: &str) -> StoreResult<i64> {
        // The byline rule (see `normalize_byline`): the normalised name is the key.
        let name = tribune_core::article::normalize_byline(name);
        if name.is_empty() {
            return Err(StoreError::Invalid("the byline is empty".into()));
        }
        let name = name.as_str();
        let key = name;
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM authors WHERE name_key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(id) = found {
            return Ok(id);
        }
        let base = slugify(name);
        let mut slug = base.clone();
        let mut n = 1;
        while sqlx::query("SELECT 1 FROM authors WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .is_some()
        {
            n += 1;
            slug = format!("{base}-{n}");
        }
        sqlx::query_scalar(
            "INSERT INTO authors (name, name_key, slug) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(key)
        .bind(&slug)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)
    }

    async fn photo_id(tx: &mut Conn, photo: &Photo) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO photos (path, credit, caption, width, height) VALUES ($1, $2, $3, $4, $5)
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
        .map_err(db)
    }

    /// Replaces an article's topic links (each carrying its publish time for topic pages).
    async fn set_topics(
        tx: &mut Conn,
        id: ArticleId,
        topics: &[TopicId],
        published_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM article_topics WHERE article_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for topic in topics {
            sqlx::query(
                "INSERT INTO article_topics (article_id, topic_id, published_at)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(topic)
            .bind(At(published_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// Replaces an article's related links, keeping their order.
    async fn set_related(tx: &mut Conn, id: ArticleId, related: &[ArticleId]) -> StoreResult<()> {
        sqlx::query("DELETE FROM related_articles WHERE article_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for (position, related) in related.iter().enumerate() {
            sqlx::query(
                "INSERT INTO related_articles (article_id, related_id, position)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
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

    /// One article inside the caller's transaction; on error the caller rolls back. The
    /// caller records the change once the whole batch is in.
    pub(crate) async fn save_one(
        tx: &mut Conn,
        a: &NewArticle,
        now: DateTime<Utc>,
    ) -> StoreResult<SaveOutcome> {
        a.check().map_err(StoreError::Invalid)?;
        // Before the lookup by key: a key PostgreSQL cannot hold is refused as a rule.
        storable::article(a).map_err(StoreError::Invalid)?;
        let existing: Option<i64> = match &a.external_key {
            Some(key) => sqlx::query_scalar("SELECT id FROM articles WHERE external_key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
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
    /// unless the caller changes it), its topics and related links. The caller checked the
    /// article against the rules that apply to it, and records the change.
    pub(crate) async fn write_article_row(
        tx: &mut Conn,
        existing: Option<ArticleId>,
        a: &NewArticle,
        now: DateTime<Utc>,
    ) -> StoreResult<ArticleId> {
        storable::article(a).map_err(StoreError::Invalid)?;
        let body_html = markdown::render(&a.body_markdown);
        let author_id = Self::author_id(tx, &a.author_name).await?;
        let photo_id = match &a.photo {
            Some(p) => Some(Self::photo_id(tx, p).await?),
            None => None,
        };
        for topic in &a.topics {
            let found = sqlx::query("SELECT 1 FROM topics WHERE id = $1")
                .bind(topic)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if found.is_none() {
                return Err(StoreError::Invalid(format!("topic {topic} does not exist")));
            }
        }
        for related in &a.related {
            let found = sqlx::query("SELECT 1 FROM articles WHERE id = $1")
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
                    "UPDATE articles SET slug = $1, title = $2, kind = $3, source = $4,
                        author_id = $5, published_at = $6, updated_at = $7, lead = $8,
                        teaser = $9, body_markdown = $10, body_html = $11, photo_id = $12
                     WHERE id = $13",
                )
                .bind(slugify(title))
                .bind(title)
                .bind(a.kind.as_str())
                .bind(source)
                .bind(author_id)
                .bind(At(a.published_at))
                .bind(At(now))
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
            None => sqlx::query_scalar(
                "INSERT INTO articles (external_key, slug, title, kind, source, author_id,
                    published_at, created_at, updated_at, lead, teaser, body_markdown, body_html,
                    photo_id, comment_count)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0)
                 RETURNING id",
            )
            .bind(a.external_key.as_deref())
            .bind(slugify(title))
            .bind(title)
            .bind(a.kind.as_str())
            .bind(source)
            .bind(author_id)
            .bind(At(a.published_at))
            .bind(At(now))
            .bind(At(now))
            .bind(lead)
            .bind(teaser(lead))
            .bind(&a.body_markdown)
            .bind(&body_html)
            .bind(photo_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?,
        };
        Self::set_topics(tx, id, &a.topics, a.published_at).await?;
        Self::set_related(tx, id, &a.related).await?;
        Ok(id)
    }

    async fn article_topics(&self, id: ArticleId) -> StoreResult<Vec<TopicRef>> {
        let rows: Vec<TopicRefRow> = sqlx::query_as(
            "SELECT t.id, t.slug, t.name, t.kind FROM article_topics at
             JOIN topics t ON t.id = at.topic_id WHERE at.article_id = $1 ORDER BY t.name",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|r| {
                Ok(TopicRef {
                    id: r.id,
                    slug: r.slug,
                    name: r.name,
                    kind: topic_kind_of(&r.kind)?,
                })
            })
            .collect()
    }

    /// Authors, topics with aliases and photos with their ids, inside the caller's write
    /// transaction; a row with the same id is overwritten.
    async fn restore_people_and_topics_in(
        tx: &mut Conn,
        authors: &[Author],
        topics: &[Topic],
        photos: &[PhotoRecord],
    ) -> StoreResult<()> {
        storable::people_and_topics(authors, topics, photos).map_err(StoreError::Invalid)?;
        for a in authors {
            sqlx::query(concat!(
                "INSERT INTO authors (id, name, name_key, slug) ",
                overriding!(),
                " VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                    name_key = excluded.name_key, slug = excluded.slug"
            ))
            .bind(a.id)
            .bind(&a.name)
            .bind(tribune_core::article::normalize_byline(&a.name))
            .bind(&a.slug)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for t in topics {
            sqlx::query(concat!(
                "INSERT INTO topics (id, name, name_key, slug, kind, name_fr, crest) ",
                overriding!(),
                " VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                    name_key = excluded.name_key, slug = excluded.slug, kind = excluded.kind,
                    name_fr = excluded.name_fr, crest = excluded.crest"
            ))
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
            sqlx::query(concat!(
                "INSERT INTO photos (id, path, credit, caption, width, height) ",
                overriding!(),
                " VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id) DO UPDATE SET path = excluded.path, credit = excluded.credit,
                    caption = excluded.caption, width = excluded.width, height = excluded.height"
            ))
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

    /// Articles with their ids and topic links, inside the caller's write transaction; their
    /// old related links (if the target had these ids) are removed.
    async fn restore_articles_in(tx: &mut Conn, batch: &[ArticleRecord]) -> StoreResult<()> {
        for a in batch {
            storable::article_record(a).map_err(StoreError::Invalid)?;
        }
        for a in batch {
            sqlx::query(concat!(
                "INSERT INTO articles (id, external_key, slug, title, kind, source, author_id,
                    status, published_at, created_at, updated_at, lead, teaser, body_markdown,
                    body_html, photo_id, comment_count) ",
                overriding!(),
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17)
                 ON CONFLICT (id) DO UPDATE SET external_key = excluded.external_key,
                    slug = excluded.slug, title = excluded.title, kind = excluded.kind,
                    source = excluded.source, author_id = excluded.author_id,
                    status = excluded.status, published_at = excluded.published_at,
                    created_at = excluded.created_at, updated_at = excluded.updated_at,
                    lead = excluded.lead, teaser = excluded.teaser,
                    body_markdown = excluded.body_markdown, body_html = excluded.body_html,
                    photo_id = excluded.photo_id, comment_count = excluded.comment_count"
            ))
            .bind(a.id)
            .bind(a.external_key.as_deref())
            .bind(&a.slug)
            .bind(&a.title)
            .bind(a.kind.as_str())
            .bind(a.source.as_deref())
            .bind(a.author_id)
            .bind(if a.published { "published" } else { "draft" })
            .bind(At(a.published_at))
            .bind(At(a.created_at))
            .bind(At(a.updated_at))
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
    async fn restore_related_in(tx: &mut Conn, links: &[RelatedLinks]) -> StoreResult<()> {
        for l in links {
            Self::set_related(tx, l.article_id, &l.related).await?;
        }
        Ok(())
    }

    /// Up to `limit` article rows after `after_id` with their links, inside one read
    /// transaction whose snapshot holds for all three queries.
    async fn export_articles_in(
        tx: &mut Conn,
        after_id: ArticleId,
        limit: u32,
    ) -> StoreResult<Vec<ArticleRecord>> {
        let rows: Vec<RecordRow> = sqlx::query_as(
            "SELECT id, external_key, slug, title, kind, source, author_id, status,
                    published_at, created_at, updated_at, lead, teaser, body_markdown,
                    body_html, photo_id, comment_count
             FROM articles WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut records = rows
            .into_iter()
            .map(|r| {
                Ok(ArticleRecord {
                    id: r.id,
                    external_key: r.external_key,
                    slug: r.slug,
                    title: r.title,
                    kind: kind_of(&r.kind)?,
                    source: r.source,
                    author_id: r.author_id,
                    published: r.status == "published",
                    published_at: r.published_at.0,
                    created_at: r.created_at.0,
                    updated_at: r.updated_at.0,
                    lead: r.lead,
                    teaser: r.teaser,
                    body_markdown: r.body_markdown,
                    body_html: r.body_html,
                    photo_id: r.photo_id,
                    comment_count: r.comment_count,
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
        let topics: Vec<Link> = sqlx::query_as(
            "SELECT article_id, topic_id AS target FROM article_topics
             WHERE article_id BETWEEN $1 AND $2 ORDER BY article_id, topic_id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for l in topics {
            if let Some(&i) = index.get(&l.article_id) {
                records[i].topics.push(l.target);
            }
        }
        let related: Vec<Link> = sqlx::query_as(
            "SELECT article_id, related_id AS target FROM related_articles
             WHERE article_id BETWEEN $1 AND $2 ORDER BY article_id, position",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for l in related {
            if let Some(&i) = index.get(&l.article_id) {
                records[i].related.push(l.target);
            }
        }
        Ok(records)
    }
}

#[async_trait]
impl Store for Backend {
    async fn wait_for_changes(&self, max_wait: Duration) -> Woke {
        self.listen(max_wait).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .fetch_one(self.reader())
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
        let mut tx = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut saved = Vec::with_capacity(batch.len());
        for a in batch {
            // A savepoint per article: a bad one leaves no trace, the others still land.
            let mut one = sqlx::Connection::begin(&mut *tx).await.map_err(db)?;
            match Self::save_one(&mut one, a, now).await {
                Ok(outcome) => {
                    one.commit().await.map_err(db)?;
                    saved.push(outcome.id);
                    outcomes.push(Ok(outcome));
                }
                Err(StoreError::Backend(e)) => {
                    // Explicitly: a dropped transaction would keep the write lock until its
                    // connection is next used.
                    drop(one);
                    let _ = tx.rollback().await;
                    return Err(StoreError::Backend(e));
                }
                Err(e) => {
                    one.rollback().await.map_err(db)?;
                    outcomes.push(Err(e));
                }
            }
        }
        // Last, so the change-log lock is held only for the commit.
        let recorded = record_changes(&mut tx, &saved, now).await;
        settle(tx, recorded).await?;
        Ok(outcomes)
    }

    #[instrument(skip_all)]
    async fn set_published(
        &self,
        id: ArticleId,
        published: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = async {
            let done =
                sqlx::query("UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3")
                    .bind(if published { "published" } else { "draft" })
                    .bind(At(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            record_changes(&mut tx, &[id], now).await
        }
        .await;
        settle(tx, done).await
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
        if has_nul(external_key) {
            return Ok(None);
        }
        sqlx::query_scalar("SELECT id FROM articles WHERE external_key = $1")
            .bind(external_key)
            .fetch_optional(self.reader())
            .await
            .map_err(db)
    }

    #[instrument(skip_all)]
    async fn article(&self, id: ArticleId, now: DateTime<Utc>) -> StoreResult<Option<Article>> {
        let Some(r): Option<ArticleRow> = sqlx::query_as(
            "SELECT a.id, a.slug, a.title, a.kind, a.source, au.id AS author_id,
                    au.name AS author_name, au.slug AS author_slug, a.published_at,
                    a.updated_at, a.lead, a.body_markdown, a.body_html, p.path AS photo_path,
                    p.credit AS photo_credit, p.caption AS photo_caption,
                    p.width AS photo_width, p.height AS photo_height, a.comment_count
             FROM articles a
             JOIN authors au ON au.id = a.author_id
             LEFT JOIN photos p ON p.id = a.photo_id
             WHERE a.id = $1 AND a.status = 'published' AND a.published_at <= $2",
        )
        .bind(id)
        .bind(At(now))
        .fetch_optional(self.reader())
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let photo = r.photo_path.map(|path| Photo {
            path,
            credit: r.photo_credit.unwrap_or_default(),
            caption: r.photo_caption,
            width: pixels(r.photo_width.unwrap_or(0)),
            height: pixels(r.photo_height.unwrap_or(0)),
        });
        let related: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM related_articles r
              JOIN articles a ON a.id = r.related_id
              JOIN authors au ON au.id = a.author_id
              WHERE r.article_id = $1 AND a.status = 'published' AND a.published_at <= $2
              ORDER BY r.position"
        ))
        .bind(id)
        .bind(At(now))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(Some(Article {
            id: r.id,
            slug: r.slug,
            title: r.title,
            kind: kind_of(&r.kind)?,
            source: r.source,
            author: Author {
                id: r.author_id,
                name: r.author_name,
                slug: r.author_slug,
            },
            published_at: r.published_at.0,
            updated_at: r.updated_at.0,
            lead: r.lead,
            body_markdown: r.body_markdown,
            body_html: r.body_html,
            photo,
            comment_count: r.comment_count,
            topics: self.article_topics(id).await?,
            related: summaries(related)?,
        }))
    }

    #[instrument(skip_all)]
    async fn articles(
        &self,
        q: &ArticleQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleSummary>> {
        // Without a cursor, start just past the newest visible position: nothing visible lies
        // after `now`, and no id reaches i64::MAX.
        let (after_at, after_id) = q
            .after
            .map_or((At(now), i64::MAX), |c| (At(c.published_at), c.id));
        let query = match (q.topic, q.author) {
            (Some(topic), _) => sqlx::query_as(concat!(
                "SELECT ",
                summary_columns!(),
                " FROM article_topics t
                  JOIN articles a ON a.id = t.article_id
                  JOIN authors au ON au.id = a.author_id
                  WHERE t.topic_id = $1 AND t.published_at <= $2
                    AND (t.published_at, t.article_id) < ($3, $4) AND a.status = 'published'
                  ORDER BY t.published_at DESC, t.article_id DESC LIMIT $5 OFFSET $6"
            ))
            .bind(topic),
            (None, Some(author)) => sqlx::query_as(concat!(
                "SELECT ",
                summary_columns!(),
                " FROM articles a
                  JOIN authors au ON au.id = a.author_id
                  WHERE a.author_id = $1 AND a.status = 'published' AND a.published_at <= $2
                    AND (a.published_at, a.id) < ($3, $4)
                  ORDER BY a.published_at DESC, a.id DESC LIMIT $5 OFFSET $6"
            ))
            .bind(author),
            (None, None) => sqlx::query_as(concat!(
                "SELECT ",
                summary_columns!(),
                " FROM articles a
                  JOIN authors au ON au.id = a.author_id
                  WHERE a.status = 'published' AND a.published_at <= $1
                    AND (a.published_at, a.id) < ($2, $3)
                  ORDER BY a.published_at DESC, a.id DESC LIMIT $4 OFFSET $5"
            )),
        };
        let rows: Vec<SummaryRow> = query
            .bind(At(now))
            .bind(after_at)
            .bind(after_id)
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(self.reader())
            .await
            .map_err(db)?;
        summaries(rows)
    }

    async fn article_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM articles")
            .fetch_one(self.reader())
            .await
            .map_err(db)
    }

    #[instrument(skip_all)]
    async fn sitemap_chunks(
        &self,
        size: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows: Vec<At> = sqlx::query_scalar(concat!(
            "SELECT MAX(lastmod) FROM (
                 SELECT (ROW_NUMBER() OVER (ORDER BY id) - 1) / $1 AS chunk, ",
            lastmod!(""),
            " AS lastmod
                 FROM articles WHERE status = 'published' AND published_at <= $2) visible
             GROUP BY chunk ORDER BY chunk"
        ))
        .bind(i64::from(size.max(1)))
        .bind(At(now))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    #[instrument(skip_all)]
    async fn article_stamps(
        &self,
        offset: u64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleStamp>> {
        let rows: Vec<StampRow> = sqlx::query_as(concat!(
            "SELECT id, slug, ",
            lastmod!(""),
            " AS lastmod FROM articles
             WHERE status = 'published' AND published_at <= $1
             ORDER BY id LIMIT $2 OFFSET $3"
        ))
        .bind(At(now))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| ArticleStamp {
                id: r.id,
                slug: r.slug,
                lastmod: r.lastmod.0,
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn topic_stamps(&self, now: DateTime<Utc>) -> StoreResult<Vec<ListStamp>> {
        let rows: Vec<ListStampRow> = sqlx::query_as(concat!(
            "SELECT tp.slug, MAX(",
            lastmod!("a."),
            ") AS lastmod
             FROM article_topics t
             JOIN articles a ON a.id = t.article_id
             JOIN topics tp ON tp.id = t.topic_id
             WHERE a.status = 'published' AND a.published_at <= $1
             GROUP BY tp.slug ORDER BY tp.slug"
        ))
        .bind(At(now))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    #[instrument(skip_all)]
    async fn author_stamps(&self, now: DateTime<Utc>) -> StoreResult<Vec<ListStamp>> {
        let rows: Vec<ListStampRow> = sqlx::query_as(concat!(
            "SELECT au.slug, MAX(",
            lastmod!("a."),
            ") AS lastmod
             FROM articles a JOIN authors au ON au.id = a.author_id
             WHERE a.status = 'published' AND a.published_at <= $1
             GROUP BY au.slug ORDER BY au.slug"
        ))
        .bind(At(now))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
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
        if has_nul(&key) {
            return Ok(None);
        }
        // A name beats an alias; among aliases the lowest topic id wins.
        let id: Option<TopicId> = sqlx::query_scalar(
            "SELECT id FROM (
                 SELECT id, 0 AS rank FROM topics WHERE name_key = $1
                 UNION ALL SELECT topic_id, 1 FROM topic_aliases
                 WHERE alias_key = $1 AND NOT weak) found
             ORDER BY rank, id LIMIT 1",
        )
        .bind(&key)
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        let Some(id) = id else { return Ok(None) };
        Ok(self.topics().await?.into_iter().find(|t| t.id == id))
    }

    async fn authors(&self) -> StoreResult<Vec<Author>> {
        let rows: Vec<AuthorRow> =
            sqlx::query_as("SELECT id, name, slug FROM authors ORDER BY name")
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn author_by_slug(&self, slug: &str) -> StoreResult<Option<Author>> {
        if has_nul(slug) {
            return Ok(None);
        }
        let row: Option<AuthorRow> =
            sqlx::query_as("SELECT id, name, slug FROM authors WHERE slug = $1")
                .bind(slug)
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn changes_since(&self, seq: i64, limit: u32) -> StoreResult<Vec<(i64, ArticleId)>> {
        let mut tx = self.begin_log_read().await?;
        let done = changes_in(&mut tx, Some(seq), limit).await;
        settle(tx, done).await
    }

    async fn last_change(&self) -> StoreResult<i64> {
        let mut tx = self.begin_log_read().await?;
        let done = changes_in(&mut tx, None, 1).await;
        Ok(settle(tx, done).await?.first().map_or(0, |c| c.0))
    }

    async fn came_due(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>> {
        sqlx::query_scalar(
            "SELECT id FROM articles
             WHERE status = 'published' AND published_at > $1 AND published_at <= $2",
        )
        .bind(At(after))
        .bind(At(upto))
        .fetch_all(self.reader())
        .await
        .map_err(db)
    }

    async fn photos(&self) -> StoreResult<Vec<PhotoRecord>> {
        let rows: Vec<PhotoRow> = sqlx::query_as(
            "SELECT id, path, credit, caption, width, height FROM photos ORDER BY id",
        )
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| PhotoRecord {
                id: r.id,
                photo: Photo {
                    path: r.path,
                    credit: r.credit,
                    caption: r.caption,
                    width: pixels(r.width),
                    height: pixels(r.height),
                },
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn export_articles(
        &self,
        after_id: ArticleId,
        limit: u32,
    ) -> StoreResult<Vec<ArticleRecord>> {
        let mut tx = self.begin_snapshot().await?;
        let done = Self::export_articles_in(&mut tx, after_id, limit).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn restore_people_and_topics(
        &self,
        authors: &[Author],
        topics: &[Topic],
        photos: &[PhotoRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = Self::restore_people_and_topics_in(&mut tx, authors, topics, photos).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn restore_articles(&self, batch: &[ArticleRecord]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = Self::restore_articles_in(&mut tx, batch).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn restore_related(&self, links: &[RelatedLinks]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
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
        let mut conn = self.reader().acquire().await.map_err(db)?;
        copy::export(&mut conn, table, offset, limit).await
    }

    #[instrument(skip_all, fields(table = table.name))]
    async fn restore_rows(&self, table: &CopyTable, rows: &[CopyRow]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = copy_rows::restore(&mut tx, table, rows).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn finish_restore(&self) -> StoreResult<()> {
        self.after_restore().await
    }

    async fn site_counts(&self) -> StoreResult<SiteCounts> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM authors) AS authors,
                    (SELECT COUNT(*) FROM topics) AS topics,
                    (SELECT COUNT(*) FROM topic_aliases) AS aliases,
                    (SELECT COUNT(*) FROM photos) AS photos,
                    (SELECT COUNT(*) FROM articles) AS articles,
                    (SELECT COUNT(*) FROM article_topics) AS article_topics,
                    (SELECT COUNT(*) FROM related_articles) AS related,
                    (SELECT COUNT(*) FROM accounts) AS accounts,
                    (SELECT COUNT(*) FROM comments) AS comments,
                    (SELECT COUNT(*) FROM comment_revisions) AS comment_revisions,
                    (SELECT COUNT(*) FROM comment_votes) AS comment_votes,
                    (SELECT COUNT(*) FROM comment_reports) AS comment_reports,
                    (SELECT COUNT(*) FROM moderation_log) AS moderation_log,
                    (SELECT COUNT(*) FROM polls) AS polls,
                    (SELECT COUNT(*) FROM poll_options) AS poll_options,
                    (SELECT COUNT(*) FROM poll_votes) AS poll_votes,
                    (SELECT COUNT(*) FROM old_paths) AS old_paths,
                    (SELECT COUNT(*) FROM imported_comments) AS imported_comments,
                    (SELECT COUNT(*) FROM article_desk) AS article_desk,
                    (SELECT COUNT(*) FROM article_revisions) AS article_revisions,
                    (SELECT COUNT(*) FROM api_tokens) AS api_tokens,
                    (SELECT COUNT(*) FROM competitions) AS competitions,
                    (SELECT COUNT(*) FROM teams) AS teams,
                    (SELECT COUNT(*) FROM team_aliases) AS team_aliases,
                    (SELECT COUNT(*) FROM matches) AS matches,
                    (SELECT COUNT(*) FROM match_events) AS match_events,
                    (SELECT COUNT(*) FROM live_entries) AS live_entries,
                    (SELECT COUNT(*) FROM moderation_models) AS moderation_models,
                    (SELECT COUNT(*) FROM moderation_lessons) AS moderation_lessons,
                    (SELECT COUNT(*) FROM comment_contests) AS comment_contests,
                    (SELECT COUNT(*) FROM content_notices) AS content_notices",
        )
        .fetch_one(self.reader())
        .await
        .map_err(db)?;
        // By name: each count is the column named as its field.
        let n = |name: &str| -> StoreResult<i64> { sqlx::Row::try_get(&r, name).map_err(db) };
        Ok(SiteCounts {
            authors: n("authors")?,
            topics: n("topics")?,
            aliases: n("aliases")?,
            photos: n("photos")?,
            articles: n("articles")?,
            article_topics: n("article_topics")?,
            related: n("related")?,
            accounts: n("accounts")?,
            comments: n("comments")?,
            comment_revisions: n("comment_revisions")?,
            comment_votes: n("comment_votes")?,
            comment_reports: n("comment_reports")?,
            moderation_log: n("moderation_log")?,
            polls: n("polls")?,
            poll_options: n("poll_options")?,
            poll_votes: n("poll_votes")?,
            old_paths: n("old_paths")?,
            imported_comments: n("imported_comments")?,
            article_desk: n("article_desk")?,
            article_revisions: n("article_revisions")?,
            api_tokens: n("api_tokens")?,
            competitions: n("competitions")?,
            teams: n("teams")?,
            team_aliases: n("team_aliases")?,
            matches: n("matches")?,
            match_events: n("match_events")?,
            live_entries: n("live_entries")?,
            moderation_models: n("moderation_models")?,
            moderation_lessons: n("moderation_lessons")?,
            comment_contests: n("comment_contests")?,
            content_notices: n("content_notices")?,
        })
    }
}

/// Migration 13: every author's name and key become its normalised byline. Names that only
/// differed in white space or control characters were one author already (their folded keys
/// were equal), so two rows cannot meet here unless one held other control characters; such
/// a later row keeps a key of its own.
pub(crate) async fn rekey_authors(tx: &mut Conn) -> StoreResult<()> {
    let rows: Vec<AuthorRow> = sqlx::query_as("SELECT id, name, slug FROM authors ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
    let mut seen = std::collections::HashSet::new();
    for AuthorRow { id, name, .. } in rows {
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
        sqlx::query("UPDATE authors SET name = $1, name_key = $2 WHERE id = $3")
            .bind(shown)
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}
