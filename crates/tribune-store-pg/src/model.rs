//! The moderation model's versions and lessons (as model.rs of the SQLite store).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::Row;
use sqlx::postgres::PgRow;
use tribune_core::comment::{CommentAction, CommentId};
use tribune_core::learning::{Lesson, ModelVersion, NewModel, lesson_of};
use tribune_core::store::{ModelStore, StoreResult};

use crate::{PgStore, db, ms, settle};

fn version_of(r: &PgRow) -> StoreResult<ModelVersion> {
    Ok(ModelVersion {
        id: r.try_get("id").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
        lessons_through: r.try_get("lessons_through").map_err(db)?,
        examples: r.try_get("examples").map_err(db)?,
        note: r.try_get("note").map_err(db)?,
    })
}

/// Records what a moderator's decision teaches the model, in the decision's transaction.
pub(crate) async fn teach(
    conn: &mut PgConnection,
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
    .bind(ms(now))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl ModelStore for PgStore {
    async fn save_model(&self, model: &NewModel, now: DateTime<Utc>) -> StoreResult<ModelVersion> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO moderation_models (created_at, lessons_through, examples, note, model)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(ms(now))
            .bind(model.lessons_through)
            .bind(model.examples)
            .bind(&model.note)
            .bind(model.bytes.as_slice())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let row = sqlx::query(
                "SELECT id, created_at, lessons_through, examples, note FROM moderation_models
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            version_of(&row)
        }
        .await;
        settle(tx, done).await
    }

    async fn model_versions(&self) -> StoreResult<Vec<ModelVersion>> {
        sqlx::query(
            "SELECT id, created_at, lessons_through, examples, note FROM moderation_models
             ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(version_of)
        .collect()
    }

    async fn model_bytes(&self, id: i64) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT model FROM moderation_models WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    async fn lessons_since(&self, after: i64, limit: u32) -> StoreResult<Vec<Lesson>> {
        let rows = sqlx::query(
            "SELECT id, comment_id, body, abusive, created_at FROM moderation_lessons
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Lesson {
                    id: r.try_get("id").map_err(db)?,
                    comment_id: r.try_get("comment_id").map_err(db)?,
                    body: r.try_get("body").map_err(db)?,
                    abusive: r.try_get("abusive").map_err(db)?,
                    at: r.try_get("created_at").map_err(db)?,
                })
            })
            .collect()
    }

    async fn last_lesson(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM moderation_lessons")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }
}
