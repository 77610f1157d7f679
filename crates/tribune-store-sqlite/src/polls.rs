//! Reader polls: one per article, one vote per account, totals kept with the votes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use tracing::instrument;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::poll::{NewPoll, OptionId, Poll, PollId, PollOption};
use tribune_core::store::{PollStore, StoreError, StoreResult};

use crate::accounts::is_unique_violation;
use crate::{IMMEDIATE, SqliteStore, db, finish, from_ms, ms};

async fn poll_in(conn: &mut SqliteConnection, id: PollId) -> StoreResult<Option<Poll>> {
    let Some(r) = sqlx::query(
        "SELECT id, article_id, question, closes_at, total_votes FROM polls WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    else {
        return Ok(None);
    };
    let options = sqlx::query(
        "SELECT id, label, votes FROM poll_options WHERE poll_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(|o| {
        Ok(PollOption {
            id: o.try_get(0).map_err(db)?,
            label: o.try_get(1).map_err(db)?,
            votes: o.try_get(2).map_err(db)?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(Poll {
        id: r.try_get(0).map_err(db)?,
        article_id: r.try_get(1).map_err(db)?,
        question: r.try_get(2).map_err(db)?,
        closes_at: r.try_get::<Option<i64>, _>(3).map_err(db)?.map(from_ms),
        options,
        total_votes: r.try_get(4).map_err(db)?,
    }))
}

impl SqliteStore {
    async fn create_poll_in(
        tx: &mut SqliteConnection,
        poll: &NewPoll,
        now: DateTime<Utc>,
    ) -> StoreResult<Poll> {
        let article = sqlx::query("SELECT 1 FROM articles WHERE id = ?")
            .bind(poll.article_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if article.is_none() {
            return Err(StoreError::NotFound);
        }
        let id: PollId = match sqlx::query(
            "INSERT INTO polls (article_id, question, closes_at, created_at) VALUES (?, ?, ?, ?)
             RETURNING id",
        )
        .bind(poll.article_id)
        .bind(poll.question.trim())
        .bind(poll.closes_at.map(ms))
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        {
            Ok(r) => r.try_get(0).map_err(db)?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "Dit artikel heeft al een peiling.".into(),
                ));
            }
            Err(e) => return Err(db(e)),
        };
        for (position, label) in poll.options.iter().enumerate() {
            sqlx::query("INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)")
                .bind(id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(label.trim())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        Self::record_change(tx, poll.article_id, now).await?;
        poll_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn vote_poll_in(
        tx: &mut SqliteConnection,
        poll_id: PollId,
        option_id: OptionId,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Poll> {
        let r = sqlx::query("SELECT article_id, closes_at FROM polls WHERE id = ?")
            .bind(poll_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let article: ArticleId = r.try_get(0).map_err(db)?;
        let closes_at: Option<i64> = r.try_get(1).map_err(db)?;
        if closes_at.is_some_and(|t| t <= ms(now)) {
            return Err(StoreError::Invalid("Deze peiling is gesloten.".into()));
        }
        let ours = sqlx::query("SELECT 1 FROM poll_options WHERE id = ? AND poll_id = ?")
            .bind(option_id)
            .bind(poll_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if ours.is_none() {
            return Err(StoreError::Invalid(
                "Dit antwoord hoort niet bij deze peiling.".into(),
            ));
        }
        let voted = sqlx::query(
            "INSERT INTO poll_votes (poll_id, option_id, account_id, voted_at) VALUES (?, ?, ?, ?)",
        )
        .bind(poll_id)
        .bind(option_id)
        .bind(account_id)
        .bind(ms(now))
        .execute(&mut *tx)
        .await;
        match voted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "Je hebt al gestemd in deze peiling.".into(),
                ));
            }
            Err(e) => return Err(db(e)),
        }
        sqlx::query("UPDATE poll_options SET votes = votes + 1 WHERE id = ?")
            .bind(option_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE polls SET total_votes = total_votes + 1 WHERE id = ?")
            .bind(poll_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        Self::record_change(tx, article, now).await?;
        poll_in(tx, poll_id).await?.ok_or(StoreError::NotFound)
    }
}

#[async_trait]
impl PollStore for SqliteStore {
    #[instrument(skip_all)]
    async fn create_poll(&self, poll: &NewPoll, now: DateTime<Utc>) -> StoreResult<Poll> {
        poll.check().map_err(StoreError::Invalid)?;
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::create_poll_in(&mut tx, poll, now).await;
        finish(tx, done).await
    }

    async fn poll(&self, id: PollId) -> StoreResult<Option<Poll>> {
        let mut tx = self.read.begin().await.map_err(db)?;
        let done = poll_in(&mut tx, id).await;
        finish(tx, done).await
    }

    async fn poll_of_article(&self, article_id: ArticleId) -> StoreResult<Option<Poll>> {
        let mut tx = self.read.begin().await.map_err(db)?;
        let done = async {
            let id: Option<PollId> = sqlx::query("SELECT id FROM polls WHERE article_id = ?")
                .bind(article_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(db)?;
            match id {
                Some(id) => poll_in(&mut tx, id).await,
                None => Ok(None),
            }
        }
        .await;
        finish(tx, done).await
    }

    #[instrument(skip_all)]
    async fn vote_poll(
        &self,
        poll_id: PollId,
        option_id: OptionId,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Poll> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::vote_poll_in(&mut tx, poll_id, option_id, account_id, now).await;
        finish(tx, done).await
    }

    async fn poll_vote_of(
        &self,
        poll_id: PollId,
        account_id: AccountId,
    ) -> StoreResult<Option<OptionId>> {
        sqlx::query("SELECT option_id FROM poll_votes WHERE poll_id = ? AND account_id = ?")
            .bind(poll_id)
            .bind(account_id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .map(|r| r.try_get(0).map_err(db))
            .transpose()
    }
}
