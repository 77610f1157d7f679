//! The back office's articles: drafts and their workflow, revisions, autosaves.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row, SqliteConnection};
use tracing::instrument;
use tribune_core::account::AccountId;
use tribune_core::article::{ArticleId, Photo};
use tribune_core::desk::{
    ArticleDraft, Autosave, DeskAction, DeskArticle, DeskQuery, DeskRow, DeskStatus, Revision,
    RevisionInfo,
};
use tribune_core::store::{DeskStore, StoreError, StoreResult};

use super::{IMMEDIATE, SqliteStore, db, from_ms, kind_of, ms};

const ARTICLE: &str = "SELECT a.id, a.slug, a.title, a.kind, a.source, au.name, a.status,
        a.published_at, a.created_at, a.updated_at, a.lead, a.body_markdown, a.comment_count,
        d.owner_id, d.submitted_at, p.path, p.credit, p.caption, p.width, p.height,
        (SELECT MAX(number) FROM article_revisions r WHERE r.article_id = a.id)
     FROM articles a JOIN authors au ON au.id = a.author_id
     LEFT JOIN article_desk d ON d.article_id = a.id
     LEFT JOIN photos p ON p.id = a.photo_id
     WHERE a.id = ?";

async fn article_in(
    conn: &mut SqliteConnection,
    id: ArticleId,
    now: DateTime<Utc>,
) -> StoreResult<Option<DeskArticle>> {
    let Some(r) = sqlx::query(ARTICLE)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    let topics =
        sqlx::query("SELECT topic_id FROM article_topics WHERE article_id = ? ORDER BY topic_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .iter()
            .map(|t| t.try_get(0).map_err(db))
            .collect::<StoreResult<Vec<i64>>>()?;
    let related = sqlx::query(
        "SELECT related_id FROM related_articles WHERE article_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(|t| t.try_get(0).map_err(db))
    .collect::<StoreResult<Vec<i64>>>()?;
    let published_at = from_ms(r.try_get(7).map_err(db)?);
    let published = r.try_get::<String, _>(6).map_err(db)? == "published";
    let submitted_at: Option<i64> = r.try_get(14).map_err(db)?;
    let photo = match r.try_get::<Option<String>, _>(15).map_err(db)? {
        Some(path) => Some(Photo {
            path,
            credit: r.try_get(16).map_err(db)?,
            caption: r.try_get(17).map_err(db)?,
            width: u32::try_from(r.try_get::<i64, _>(18).map_err(db)?).unwrap_or(0),
            height: u32::try_from(r.try_get::<i64, _>(19).map_err(db)?).unwrap_or(0),
        }),
        None => None,
    };
    let status = DeskStatus::of(published, published_at, submitted_at.is_some(), now);
    Ok(Some(DeskArticle {
        id,
        slug: r.try_get(1).map_err(db)?,
        status,
        owner_id: r.try_get(13).map_err(db)?,
        published_at,
        submitted_at: submitted_at.map(from_ms),
        created_at: from_ms(r.try_get(8).map_err(db)?),
        updated_at: from_ms(r.try_get(9).map_err(db)?),
        comment_count: r.try_get(12).map_err(db)?,
        revision: r.try_get::<Option<i64>, _>(20).map_err(db)?.unwrap_or(0),
        draft: ArticleDraft {
            title: r.try_get(2).map_err(db)?,
            kind: kind_of(&r.try_get::<String, _>(3).map_err(db)?)?,
            source: r.try_get(4).map_err(db)?,
            byline: r.try_get(5).map_err(db)?,
            lead: r.try_get(10).map_err(db)?,
            body_markdown: r.try_get(11).map_err(db)?,
            photo,
            topics,
            related,
            publish_at: (published || status == DeskStatus::Scheduled).then_some(published_at),
        },
    }))
}

async fn add_revision(
    conn: &mut SqliteConnection,
    id: ArticleId,
    draft: &ArticleDraft,
    by: Option<AccountId>,
    note: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let content = serde_json::to_string(draft).map_err(|e| StoreError::Backend(e.into()))?;
    sqlx::query(
        "INSERT INTO article_revisions (article_id, number, saved_at, saved_by, note, content)
         VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM article_revisions WHERE article_id = ?),
                 ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(id)
    .bind(ms(now))
    .bind(by)
    .bind(note)
    .bind(content)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn row(r: &SqliteRow, now: DateTime<Utc>) -> StoreResult<DeskRow> {
    let published_at = from_ms(r.try_get(7).map_err(db)?);
    let published = r.try_get::<String, _>(5).map_err(db)? == "published";
    let submitted: Option<i64> = r.try_get(9).map_err(db)?;
    Ok(DeskRow {
        id: r.try_get(0).map_err(db)?,
        slug: r.try_get(1).map_err(db)?,
        title: r.try_get(2).map_err(db)?,
        kind: kind_of(&r.try_get::<String, _>(3).map_err(db)?)?,
        author_name: r.try_get(4).map_err(db)?,
        status: DeskStatus::of(published, published_at, submitted.is_some(), now),
        owner_id: r.try_get(6).map_err(db)?,
        published_at,
        updated_at: from_ms(r.try_get(8).map_err(db)?),
        comment_count: r.try_get(10).map_err(db)?,
    })
}

/// `%word%` patterns for LIKE, with LIKE's own wildcards taken literally.
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

#[async_trait]
impl DeskStore for SqliteStore {
    #[instrument(skip_all)]
    async fn desk_articles(&self, q: &DeskQuery, now: DateTime<Utc>) -> StoreResult<Vec<DeskRow>> {
        let mut sql = String::from(
            "SELECT a.id, a.slug, a.title, a.kind, au.name, a.status, d.owner_id, a.published_at,
                    a.updated_at, d.submitted_at, a.comment_count
             FROM articles a JOIN authors au ON au.id = a.author_id
             LEFT JOIN article_desk d ON d.article_id = a.id WHERE 1 = 1",
        );
        match q.status {
            None => {}
            Some(DeskStatus::Draft) => {
                sql.push_str(" AND a.status = 'draft' AND d.submitted_at IS NULL")
            }
            Some(DeskStatus::Submitted) => {
                sql.push_str(" AND a.status = 'draft' AND d.submitted_at IS NOT NULL")
            }
            Some(DeskStatus::Scheduled) => {
                sql.push_str(" AND a.status = 'published' AND a.published_at > ?")
            }
            Some(DeskStatus::Published) => {
                sql.push_str(" AND a.status = 'published' AND a.published_at <= ?")
            }
        }
        if q.author.is_some() {
            sql.push_str(" AND a.author_id = ?");
        }
        if q.topic.is_some() {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id AND t.topic_id = ?)",
            );
        }
        if q.kind.is_some() {
            sql.push_str(" AND a.kind = ?");
        }
        if q.from.is_some() {
            sql.push_str(" AND a.published_at >= ?");
        }
        if q.until.is_some() {
            sql.push_str(" AND a.published_at < ?");
        }
        let words = like_patterns(q.title.as_deref().unwrap_or(""));
        for _ in &words {
            sql.push_str(" AND a.title LIKE ? ESCAPE '\\'");
        }
        sql.push_str(" ORDER BY a.updated_at DESC, a.id DESC LIMIT ? OFFSET ?");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if matches!(
            q.status,
            Some(DeskStatus::Scheduled | DeskStatus::Published)
        ) {
            query = query.bind(ms(now));
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
            query = query.bind(ms(t));
        }
        if let Some(t) = q.until {
            query = query.bind(ms(t));
        }
        for w in words {
            query = query.bind(w);
        }
        query
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(|r| row(r, now))
            .collect()
    }

    #[instrument(skip_all)]
    async fn desk_article(
        &self,
        id: ArticleId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DeskArticle>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
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
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let id = match id {
            Some(id) => {
                let Some(before) = article_in(&mut tx, id, now).await? else {
                    return Err(StoreError::NotFound);
                };
                if before.status.is_out() {
                    draft.check_publishable().map_err(StoreError::Invalid)?;
                }
                // An article from before the back office (an import, the demo) gets its
                // first version kept, so the first edit can be taken back too.
                if before.revision == 0 {
                    add_revision(&mut tx, id, &before.draft, None, "zoals het was", now).await?;
                }
                // The publish time belongs to publishing; a draft's planned time is kept.
                let at = match (before.status.is_out(), draft.publish_at) {
                    (true, _) => before.published_at,
                    (false, Some(at)) => at,
                    (false, None) => before.published_at,
                };
                SqliteStore::write_article_row(&mut tx, Some(id), &draft.to_article(at), now)
                    .await?;
                id
            }
            None => {
                let at = draft.publish_at.unwrap_or(now);
                let id = SqliteStore::write_article_row(&mut tx, None, &draft.to_article(at), now)
                    .await?;
                sqlx::query("UPDATE articles SET status = 'draft' WHERE id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                sqlx::query("INSERT INTO article_desk (article_id, owner_id) VALUES (?, ?)")
                    .bind(id)
                    .bind(by)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                id
            }
        };
        let Some(saved) = article_in(&mut tx, id, now).await? else {
            return Err(StoreError::NotFound);
        };
        add_revision(&mut tx, id, &saved.draft, Some(by), note, now).await?;
        sqlx::query("DELETE FROM article_autosaves WHERE account_id = ? AND article_id IN (?, 0)")
            .bind(by)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let saved = article_in(&mut tx, id, now)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.map_err(db)?;
        Ok(saved)
    }

    #[instrument(skip_all)]
    async fn set_desk_status(
        &self,
        id: ArticleId,
        action: DeskAction,
        now: DateTime<Utc>,
    ) -> StoreResult<DeskArticle> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let Some(before) = article_in(&mut tx, id, now).await? else {
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
                    "INSERT INTO article_desk (article_id, submitted_at) VALUES (?, ?)
                     ON CONFLICT (article_id) DO UPDATE SET submitted_at = excluded.submitted_at",
                )
                .bind(id)
                .bind(ms(now))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            DeskAction::Withdraw => {
                sqlx::query("UPDATE article_desk SET submitted_at = NULL WHERE article_id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                sqlx::query("UPDATE articles SET status = 'draft', updated_at = ? WHERE id = ?")
                    .bind(ms(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                SqliteStore::record_change(&mut tx, id, now).await?;
            }
            DeskAction::Publish { at } => {
                before
                    .draft
                    .check_publishable()
                    .map_err(StoreError::Invalid)?;
                sqlx::query("UPDATE article_desk SET submitted_at = NULL WHERE article_id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                sqlx::query(
                    "UPDATE articles SET status = 'published', published_at = ?, updated_at = ?
                     WHERE id = ?",
                )
                .bind(ms(at))
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query("UPDATE article_topics SET published_at = ? WHERE article_id = ?")
                    .bind(ms(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                SqliteStore::record_change(&mut tx, id, now).await?;
            }
        }
        let after = article_in(&mut tx, id, now)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    #[instrument(skip_all)]
    async fn revisions(&self, id: ArticleId) -> StoreResult<Vec<RevisionInfo>> {
        sqlx::query(
            "SELECT r.number, r.saved_at, ac.display_name, r.note FROM article_revisions r
             LEFT JOIN accounts ac ON ac.id = r.saved_by
             WHERE r.article_id = ? ORDER BY r.number DESC",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(revision_info)
        .collect()
    }

    #[instrument(skip_all)]
    async fn revision(&self, id: ArticleId, number: i64) -> StoreResult<Option<Revision>> {
        let Some(r) = sqlx::query(
            "SELECT r.number, r.saved_at, ac.display_name, r.note, r.content
             FROM article_revisions r LEFT JOIN accounts ac ON ac.id = r.saved_by
             WHERE r.article_id = ? AND r.number = ?",
        )
        .bind(id)
        .bind(number)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let content: String = r.try_get(4).map_err(db)?;
        let draft = serde_json::from_str(&content).map_err(|e| StoreError::Backend(e.into()))?;
        Ok(Some(Revision {
            info: revision_info(&r)?,
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
        sqlx::query(
            "INSERT INTO article_autosaves (account_id, article_id, saved_at, fields)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id, article_id)
             DO UPDATE SET saved_at = excluded.saved_at, fields = excluded.fields",
        )
        .bind(by)
        .bind(article.unwrap_or(0))
        .bind(ms(now))
        .bind(fields)
        .execute(&self.write)
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
        sqlx::query(
            "SELECT fields, saved_at FROM article_autosaves WHERE account_id = ? AND article_id = ?",
        )
        .bind(by)
        .bind(article.unwrap_or(0))
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .map(|r| {
            Ok(Autosave {
                fields: r.try_get(0).map_err(db)?,
                saved_at: from_ms(r.try_get(1).map_err(db)?),
            })
        })
        .transpose()
    }

    #[instrument(skip_all)]
    async fn discard_autosave(&self, by: AccountId, article: Option<ArticleId>) -> StoreResult<()> {
        sqlx::query("DELETE FROM article_autosaves WHERE account_id = ? AND article_id = ?")
            .bind(by)
            .bind(article.unwrap_or(0))
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }
}

fn revision_info(r: &SqliteRow) -> StoreResult<RevisionInfo> {
    Ok(RevisionInfo {
        number: r.try_get(0).map_err(db)?,
        saved_at: from_ms(r.try_get(1).map_err(db)?),
        saved_by: r.try_get(2).map_err(db)?,
        note: r.try_get(3).map_err(db)?,
    })
}
