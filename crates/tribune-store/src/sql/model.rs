//! The moderation model's versions and lessons (see [`tribune_core::store::ModelStore`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tribune_core::comment::{CommentAction, CommentId};
use tribune_core::learning::{Lesson, ModelVersion, NewModel, lesson_of};
use tribune_core::store::{ModelStore, StoreResult};

use super::{Backend, Conn, db, settle};
use crate::at::At;

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    created_at: At,
    lessons_through: i64,
    examples: i64,
    note: String,
}

impl From<VersionRow> for ModelVersion {
    fn from(r: VersionRow) -> Self {
        Self {
            id: r.id,
            created_at: r.created_at.0,
            lessons_through: r.lessons_through,
            examples: r.examples,
            note: r.note,
        }
    }
}

#[derive(sqlx::FromRow)]
struct LessonRow {
    id: i64,
    comment_id: CommentId,
    body: String,
    abusive: bool,
    created_at: At,
}

/// Records what a moderator's decision teaches the model, in the decision's transaction.
pub(crate) async fn teach(
    conn: &mut Conn,
    id: CommentId,
    action: CommentAction,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let Some(abusive) = lesson_of(action) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO moderation_lessons (comment_id, body, abusive, created_at)
         SELECT id, body_markdown, $2, $3 FROM comments WHERE id = $1",
    )
    .bind(id)
    .bind(abusive)
    .bind(At(now))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl ModelStore for Backend {
    async fn save_model(&self, model: &NewModel, now: DateTime<Utc>) -> StoreResult<ModelVersion> {
        let mut tx = self.begin_rows().await?;
        let done = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO moderation_models (created_at, lessons_through, examples, note, model)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(At(now))
            .bind(model.lessons_through)
            .bind(model.examples)
            .bind(&model.note)
            .bind(model.bytes.as_slice())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let row: VersionRow = sqlx::query_as(
                "SELECT id, created_at, lessons_through, examples, note FROM moderation_models
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            Ok(row.into())
        }
        .await;
        settle(tx, done).await
    }

    async fn model_versions(&self) -> StoreResult<Vec<ModelVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(
            "SELECT id, created_at, lessons_through, examples, note FROM moderation_models
             ORDER BY id DESC",
        )
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn model_bytes(&self, id: i64) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT model FROM moderation_models WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await
            .map_err(db)
    }

    async fn lessons_since(&self, after: i64, limit: u32) -> StoreResult<Vec<Lesson>> {
        let rows: Vec<LessonRow> = sqlx::query_as(
            "SELECT id, comment_id, body, abusive, created_at FROM moderation_lessons
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| Lesson {
                id: r.id,
                comment_id: r.comment_id,
                body: r.body,
                abusive: r.abusive,
                at: r.created_at.0,
            })
            .collect())
    }

    async fn last_lesson(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM moderation_lessons")
            .fetch_one(self.reader())
            .await
            .map_err(db)
    }
}
