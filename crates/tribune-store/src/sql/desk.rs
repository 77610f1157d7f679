//! The back office's articles: drafts and their workflow, revisions, autosaves.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use tracing::instrument;
use tribune_core::account::AccountId;
use tribune_core::article::{ArticleId, Photo};
use tribune_core::desk::{
    ArticleDraft, Autosave, DeskAction, DeskArticle, DeskQuery, DeskRow, DeskStatus, Revision,
    RevisionInfo,
};
use tribune_core::storable::{self, has_nul};
use tribune_core::store::{DeskStore, StoreError, StoreResult};

use super::{Backend, Conn, db, ilike, record_changes, settle};
use crate::at::At;
use crate::rows::kind_of;

#[derive(sqlx::FromRow)]
struct DeskArticleRow {
    slug: String,
    title: String,
    kind: String,
    source: Option<String>,
    byline: String,
    status: String,
    published_at: At,
    created_at: At,
    updated_at: At,
    lead: String,
    body_markdown: String,
    comment_count: i64,
    owner_id: Option<AccountId>,
    submitted_at: Option<At>,
    photo_path: Option<String>,
    photo_credit: Option<String>,
    photo_caption: Option<String>,
    photo_width: Option<i64>,
    photo_height: Option<i64>,
    revision: Option<i64>,
}

async fn article_in(
    conn: &mut Conn,
    id: ArticleId,
    now: DateTime<Utc>,
) -> StoreResult<Option<DeskArticle>> {
    let Some(r): Option<DeskArticleRow> = sqlx::query_as(
        "SELECT a.slug, a.title, a.kind, a.source, au.name AS byline, a.status,
                a.published_at, a.created_at, a.updated_at, a.lead, a.body_markdown,
                a.comment_count, d.owner_id, d.submitted_at, p.path AS photo_path,
                p.credit AS photo_credit, p.caption AS photo_caption, p.width AS photo_width,
                p.height AS photo_height,
                (SELECT MAX(number) FROM article_revisions r WHERE r.article_id = a.id)
                    AS revision
         FROM articles a JOIN authors au ON au.id = a.author_id
         LEFT JOIN article_desk d ON d.article_id = a.id
         LEFT JOIN photos p ON p.id = a.photo_id
         WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    else {
        return Ok(None);
    };
    let topics: Vec<i64> = sqlx::query_scalar(
        "SELECT topic_id FROM article_topics WHERE article_id = $1 ORDER BY topic_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let related: Vec<i64> = sqlx::query_scalar(
        "SELECT related_id FROM related_articles WHERE article_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let published_at = r.published_at.0;
    let published = r.status == "published";
    let submitted_at = r.submitted_at.map(Into::into);
    let photo = r.photo_path.map(|path| Photo {
        path,
        credit: r.photo_credit.unwrap_or_default(),
        caption: r.photo_caption,
        width: u32::try_from(r.photo_width.unwrap_or(0)).unwrap_or(0),
        height: u32::try_from(r.photo_height.unwrap_or(0)).unwrap_or(0),
    });
    let status = DeskStatus::of(published, published_at, submitted_at.is_some(), now);
    Ok(Some(DeskArticle {
        id,
        slug: r.slug,
        status,
        owner_id: r.owner_id,
        published_at,
        submitted_at,
        created_at: r.created_at.0,
        updated_at: r.updated_at.0,
        comment_count: r.comment_count,
        revision: r.revision.unwrap_or(0),
        draft: ArticleDraft {
            title: r.title,
            kind: kind_of(&r.kind)?,
            source: r.source,
            byline: r.byline,
            lead: r.lead,
            body_markdown: r.body_markdown,
            photo,
            topics,
            related,
            publish_at: (published || status == DeskStatus::Scheduled).then_some(published_at),
        },
    }))
}

async fn add_revision(
    conn: &mut Conn,
    id: ArticleId,
    draft: &ArticleDraft,
    by: Option<AccountId>,
    note: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let content = serde_json::to_string(draft).map_err(|e| StoreError::Backend(e.into()))?;
    sqlx::query(
        "INSERT INTO article_revisions (article_id, number, saved_at, saved_by, note, content)
         VALUES ($1, (SELECT COALESCE(MAX(number), 0) + 1 FROM article_revisions
                      WHERE article_id = $1), $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(At(now))
    .bind(by)
    .bind(note)
    .bind(content)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    id: ArticleId,
    slug: String,
    title: String,
    kind: String,
    author_name: String,
    status: String,
    owner_id: Option<AccountId>,
    published_at: At,
    updated_at: At,
    submitted_at: Option<At>,
    comment_count: i64,
}

impl ListedRow {
    fn into_row(self, now: DateTime<Utc>) -> StoreResult<DeskRow> {
        let published = self.status == "published";
        Ok(DeskRow {
            id: self.id,
            slug: self.slug,
            title: self.title,
            kind: kind_of(&self.kind)?,
            author_name: self.author_name,
            status: DeskStatus::of(
                published,
                self.published_at.0,
                self.submitted_at.is_some(),
                now,
            ),
            owner_id: self.owner_id,
            published_at: self.published_at.0,
            updated_at: self.updated_at.0,
            comment_count: self.comment_count,
        })
    }
}

/// `%word%` patterns for a case-insensitive LIKE, with its own wildcards taken literally.
fn like_patterns(words: &str) -> Vec<String> {
    words
        .split_whitespace()
        .take(8)
        .map(|w| {
            let escaped = w
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect()
}

async fn write_in(
    tx: &mut Conn,
    id: Option<ArticleId>,
    draft: &ArticleDraft,
    by: AccountId,
    note: &str,
    now: DateTime<Utc>,
) -> StoreResult<DeskArticle> {
    let id = match id {
        Some(id) => {
            let Some(before) = article_in(tx, id, now).await? else {
                return Err(StoreError::NotFound);
            };
            if before.status.is_out() {
                draft.check_publishable().map_err(StoreError::Invalid)?;
            }
            // An article from before the back office (an import, the demo) gets its first
            // version kept, so the first edit can be taken back too.
            if before.revision == 0 {
                add_revision(tx, id, &before.draft, None, "zoals het was", now).await?;
            }
            // The publish time belongs to publishing; a draft's planned time is kept.
            let at = match (before.status.is_out(), draft.publish_at) {
                (false, Some(at)) => at,
                _ => before.published_at,
            };
            Backend::write_article_row(tx, Some(id), &draft.to_article(at), now).await?;
            id
        }
        None => {
            let at = draft.publish_at.unwrap_or(now);
            let id = Backend::write_article_row(tx, None, &draft.to_article(at), now).await?;
            sqlx::query("UPDATE articles SET status = 'draft' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query("INSERT INTO article_desk (article_id, owner_id) VALUES ($1, $2)")
                .bind(id)
                .bind(by)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            id
        }
    };
    let saved = article_in(tx, id, now).await?.ok_or(StoreError::NotFound)?;
    add_revision(tx, id, &saved.draft, Some(by), note, now).await?;
    sqlx::query("DELETE FROM article_autosaves WHERE account_id = $1 AND article_id IN ($2, 0)")
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    record_changes(tx, &[id], now).await?;
    article_in(tx, id, now).await?.ok_or(StoreError::NotFound)
}

async fn set_status_in(
    tx: &mut Conn,
    id: ArticleId,
    action: DeskAction,
    now: DateTime<Utc>,
) -> StoreResult<DeskArticle> {
    let Some(before) = article_in(tx, id, now).await? else {
        return Err(StoreError::NotFound);
    };
    match action {
        DeskAction::Submit => {
            if before.status.is_out() {
                return Err(StoreError::Invalid(
                    "Dit artikel staat al online of is ingepland.".into(),
                ));
            }
            sqlx::query(
                "INSERT INTO article_desk (article_id, submitted_at) VALUES ($1, $2)
                 ON CONFLICT (article_id) DO UPDATE SET submitted_at = excluded.submitted_at",
            )
            .bind(id)
            .bind(At(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        DeskAction::Withdraw => {
            sqlx::query("UPDATE article_desk SET submitted_at = NULL WHERE article_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query("UPDATE articles SET status = 'draft', updated_at = $1 WHERE id = $2")
                .bind(At(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            record_changes(tx, &[id], now).await?;
        }
        DeskAction::Publish { at } => {
            before
                .draft
                .check_publishable()
                .map_err(StoreError::Invalid)?;
            sqlx::query("UPDATE article_desk SET submitted_at = NULL WHERE article_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query(
                "UPDATE articles SET status = 'published', published_at = $1, updated_at = $2
                 WHERE id = $3",
            )
            .bind(At(at))
            .bind(At(now))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query("UPDATE article_topics SET published_at = $1 WHERE article_id = $2")
                .bind(At(at))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            record_changes(tx, &[id], now).await?;
        }
    }
    article_in(tx, id, now).await?.ok_or(StoreError::NotFound)
}

#[async_trait]
impl DeskStore for Backend {
    #[instrument(skip_all)]
    async fn desk_articles(&self, q: &DeskQuery, now: DateTime<Utc>) -> StoreResult<Vec<DeskRow>> {
        let mut sql = String::from(
            "SELECT a.id, a.slug, a.title, a.kind, au.name AS author_name, a.status, d.owner_id,
                    a.published_at,
                    a.updated_at, d.submitted_at, a.comment_count
             FROM articles a JOIN authors au ON au.id = a.author_id
             LEFT JOIN article_desk d ON d.article_id = a.id WHERE true",
        );
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        match q.status {
            None => {}
            Some(DeskStatus::Draft) => {
                sql.push_str(" AND a.status = 'draft' AND d.submitted_at IS NULL")
            }
            Some(DeskStatus::Submitted) => {
                sql.push_str(" AND a.status = 'draft' AND d.submitted_at IS NOT NULL")
            }
            Some(DeskStatus::Scheduled) => sql.push_str(&format!(
                " AND a.status = 'published' AND a.published_at > {}",
                next()
            )),
            Some(DeskStatus::Published) => sql.push_str(&format!(
                " AND a.status = 'published' AND a.published_at <= {}",
                next()
            )),
        }
        if q.author.is_some() {
            sql.push_str(&format!(" AND a.author_id = {}", next()));
        }
        if q.topic.is_some() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id AND t.topic_id = {})",
                next()
            ));
        }
        if q.kind.is_some() {
            sql.push_str(&format!(" AND a.kind = {}", next()));
        }
        if q.from.is_some() {
            sql.push_str(&format!(" AND a.published_at >= {}", next()));
        }
        if q.until.is_some() {
            sql.push_str(&format!(" AND a.published_at < {}", next()));
        }
        let words = like_patterns(q.title.as_deref().unwrap_or(""));
        if words.iter().any(|w| has_nul(w)) {
            return Ok(Vec::new());
        }
        for _ in &words {
            sql.push_str(&format!(
                concat!(" AND a.title ", ilike!(), " {} ESCAPE '\\'"),
                next()
            ));
        }
        sql.push_str(&format!(
            " ORDER BY a.updated_at DESC, a.id DESC LIMIT {} OFFSET {}",
            next(),
            next()
        ));
        let mut query = sqlx::query_as::<_, ListedRow>(AssertSqlSafe(sql));
        if matches!(
            q.status,
            Some(DeskStatus::Scheduled | DeskStatus::Published)
        ) {
            query = query.bind(At(now));
        }
        if let Some(a) = q.author {
            query = query.bind(a);
        }
        if let Some(t) = q.topic {
            query = query.bind(t);
        }
        if let Some(k) = q.kind {
            query = query.bind(k.as_str());
        }
        if let Some(t) = q.from {
            query = query.bind(At(t));
        }
        if let Some(t) = q.until {
            query = query.bind(At(t));
        }
        for w in words {
            query = query.bind(w);
        }
        query
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(self.reader())
            .await
            .map_err(db)?
            .into_iter()
            .map(|r| r.into_row(now))
            .collect()
    }

    #[instrument(skip_all)]
    async fn desk_article(
        &self,
        id: ArticleId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DeskArticle>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        article_in(&mut conn, id, now).await
    }

    #[instrument(skip_all)]
    async fn write_article(
        &self,
        id: Option<ArticleId>,
        draft: &ArticleDraft,
        by: AccountId,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<DeskArticle> {
        draft.check_draft().map_err(StoreError::Invalid)?;
        storable::draft(draft).map_err(StoreError::Invalid)?;
        // One article writer at a time, until commit.
        let mut tx = self.begin_write().await?;
        let done = write_in(&mut tx, id, draft, by, note, now).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn set_desk_status(
        &self,
        id: ArticleId,
        action: DeskAction,
        now: DateTime<Utc>,
    ) -> StoreResult<DeskArticle> {
        let mut tx = self.begin_write().await?;
        let done = set_status_in(&mut tx, id, action, now).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn revisions(&self, id: ArticleId) -> StoreResult<Vec<RevisionInfo>> {
        let rows: Vec<RevisionRow> = sqlx::query_as(
            "SELECT r.number, r.saved_at, ac.display_name AS saved_by, r.note
             FROM article_revisions r LEFT JOIN accounts ac ON ac.id = r.saved_by
             WHERE r.article_id = $1 ORDER BY r.number DESC",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    #[instrument(skip_all)]
    async fn revision(&self, id: ArticleId, number: i64) -> StoreResult<Option<Revision>> {
        let Some(r): Option<RevisionContent> = sqlx::query_as(
            "SELECT r.number, r.saved_at, ac.display_name AS saved_by, r.note, r.content
             FROM article_revisions r LEFT JOIN accounts ac ON ac.id = r.saved_by
             WHERE r.article_id = $1 AND r.number = $2",
        )
        .bind(id)
        .bind(number)
        .fetch_optional(self.reader())
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let draft = serde_json::from_str(&r.content).map_err(|e| StoreError::Backend(e.into()))?;
        Ok(Some(Revision {
            info: r.info.into(),
            draft,
        }))
    }

    #[instrument(skip_all)]
    async fn autosave(
        &self,
        by: AccountId,
        article: Option<ArticleId>,
        fields: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        if fields.len() > tribune_core::desk::AUTOSAVE_MAX {
            return Err(StoreError::Invalid(
                "Deze tekst is te lang om te bewaren.".into(),
            ));
        }
        if has_nul(fields) {
            return Err(StoreError::Invalid(storable::DRAFT_NUL.into()));
        }
        sqlx::query(
            "INSERT INTO article_autosaves (account_id, article_id, saved_at, fields)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (account_id, article_id)
             DO UPDATE SET saved_at = excluded.saved_at, fields = excluded.fields",
        )
        .bind(by)
        .bind(article.unwrap_or(0))
        .bind(At(now))
        .bind(fields)
        .execute(self.writer())
        .await
        .map_err(db)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn autosaved(
        &self,
        by: AccountId,
        article: Option<ArticleId>,
    ) -> StoreResult<Option<Autosave>> {
        let row: Option<AutosaveRow> = sqlx::query_as(
            "SELECT fields, saved_at FROM article_autosaves
             WHERE account_id = $1 AND article_id = $2",
        )
        .bind(by)
        .bind(article.unwrap_or(0))
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        Ok(row.map(|r| Autosave {
            fields: r.fields,
            saved_at: r.saved_at.0,
        }))
    }

    #[instrument(skip_all)]
    async fn discard_autosave(&self, by: AccountId, article: Option<ArticleId>) -> StoreResult<()> {
        sqlx::query("DELETE FROM article_autosaves WHERE account_id = $1 AND article_id = $2")
            .bind(by)
            .bind(article.unwrap_or(0))
            .execute(self.writer())
            .await
            .map_err(db)?;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    number: i64,
    saved_at: At,
    saved_by: Option<String>,
    note: String,
}

impl From<RevisionRow> for RevisionInfo {
    fn from(r: RevisionRow) -> Self {
        Self {
            number: r.number,
            saved_at: r.saved_at.0,
            saved_by: r.saved_by,
            note: r.note,
        }
    }
}

#[derive(sqlx::FromRow)]
struct RevisionContent {
    #[sqlx(flatten)]
    info: RevisionRow,
    content: String,
}

#[derive(sqlx::FromRow)]
struct AutosaveRow {
    fields: String,
    saved_at: At,
}
