//! Polls on PostgreSQL. A vote locks its option's row, then the poll's (always in that
//! order, the poll row that every vote wants last, held only for the commit); the unique
//! index on (poll, account) makes a second vote by the same account wait for the first and
//! then fail, so it is never counted twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};
use tracing::instrument;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::poll::{NewPoll, OptionId, Poll, PollId, PollOption};
use tribune_core::store::{PollStore, StoreError, StoreResult};

use crate::accounts::sqlstate_is;
use crate::{PgStore, db, has_nul, is_unique_violation, ms, record_changes, settle};

/// The poll with its options in order, inside the caller's transaction (or on a pooled
/// connection): by its id, or by its article's.
async fn poll_where(
    conn: &mut PgConnection,
    by_article: bool,
    id: i64,
) -> StoreResult<Option<Poll>> {
    let sql = if by_article {
        "SELECT id, article_id, question, closes_at, total_votes FROM polls WHERE article_id = $1"
    } else {
        "SELECT id, article_id, question, closes_at, total_votes FROM polls WHERE id = $1"
    };
    let Some(r) = sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    let poll_id: PollId = r.try_get(0).map_err(db)?;
    let options = sqlx::query(
        "SELECT id, label, votes FROM poll_options WHERE poll_id = $1 ORDER BY position, id",
    )
    .bind(poll_id)
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
        id: poll_id,
        article_id: r.try_get(1).map_err(db)?,
        question: r.try_get(2).map_err(db)?,
        closes_at: r.try_get(3).map_err(db)?,
        options,
        total_votes: r.try_get(4).map_err(db)?,
    }))
}

async fn create_poll_in(
    tx: &mut PgConnection,
    poll: &NewPoll,
    now: DateTime<Utc>,
) -> StoreResult<Poll> {
    let exists = sqlx::query("SELECT 1 FROM articles WHERE id = $1")
        .bind(poll.article_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let inserted = sqlx::query(
        "INSERT INTO polls (article_id, question, closes_at, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(poll.article_id)
    .bind(poll.question.trim())
    .bind(poll.closes_at.map(ms))
    .bind(ms(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db);
    let id: PollId = match inserted {
        Ok(r) => r.try_get(0).map_err(db)?,
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(
                "Dit artikel heeft al een peiling.".to_string(),
            ));
        }
        Err(e) if sqlstate_is(&e, "23503") => return Err(StoreError::NotFound),
        Err(e) => return Err(e),
    };
    let labels: Vec<&str> = poll.options.iter().map(|o| o.trim()).collect();
    sqlx::query(
        "INSERT INTO poll_options (poll_id, position, label)
         SELECT $1, o.position, o.label
         FROM UNNEST($2::text[]) WITH ORDINALITY AS o(label, position)",
    )
    .bind(id)
    .bind(&labels)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let created = poll_where(tx, false, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    record_changes(tx, &[poll.article_id], now).await?;
    Ok(created)
}

async fn vote_poll_in(
    tx: &mut PgConnection,
    poll_id: PollId,
    option_id: OptionId,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Poll> {
    let now = ms(now);
    let Some(r) = sqlx::query("SELECT article_id, closes_at FROM polls WHERE id = $1")
        .bind(poll_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
    else {
        return Err(StoreError::NotFound);
    };
    let article_id: ArticleId = r.try_get(0).map_err(db)?;
    let closes_at: Option<DateTime<Utc>> = r.try_get(1).map_err(db)?;
    if closes_at.is_some_and(|t| t <= now) {
        return Err(StoreError::Invalid("Deze peiling is gesloten.".to_string()));
    }
    let ours = sqlx::query("SELECT 1 FROM poll_options WHERE id = $1 AND poll_id = $2")
        .bind(option_id)
        .bind(poll_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    if ours.is_none() {
        return Err(StoreError::Invalid(
            "Dat antwoord hoort niet bij deze peiling.".to_string(),
        ));
    }
    let inserted = sqlx::query(
        "INSERT INTO poll_votes (poll_id, option_id, account_id, voted_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(poll_id)
    .bind(option_id)
    .bind(account_id)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(db);
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(
                "Je hebt al gestemd in deze peiling.".to_string(),
            ));
        }
        Err(e) if sqlstate_is(&e, "23503") => return Err(StoreError::NotFound),
        Err(e) => return Err(e),
    }
    sqlx::query("UPDATE poll_options SET votes = votes + 1 WHERE id = $1")
        .bind(option_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    // The poll row, which every vote wants, last: read the options first, then count.
    let mut poll = poll_where(tx, false, poll_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    poll.total_votes = sqlx::query(
        "UPDATE polls SET total_votes = total_votes + 1 WHERE id = $1 RETURNING total_votes",
    )
    .bind(poll_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?
    .try_get(0)
    .map_err(db)?;
    record_changes(tx, &[article_id], now).await?;
    Ok(poll)
}

#[async_trait]
impl PollStore for PgStore {
    #[instrument(skip_all)]
    async fn create_poll(&self, poll: &NewPoll, now: DateTime<Utc>) -> StoreResult<Poll> {
        poll.check().map_err(StoreError::Invalid)?;
        if has_nul(&poll.question) || poll.options.iter().any(|o| has_nul(o)) {
            return Err(StoreError::Invalid(
                "De peiling bevat tekens die we niet toelaten.".to_string(),
            ));
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = create_poll_in(&mut tx, poll, now).await;
        settle(tx, done).await
    }

    async fn poll(&self, id: PollId) -> StoreResult<Option<Poll>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        poll_where(&mut conn, false, id).await
    }

    async fn poll_of_article(&self, article_id: ArticleId) -> StoreResult<Option<Poll>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        poll_where(&mut conn, true, article_id).await
    }

    #[instrument(skip_all)]
    async fn vote_poll(
        &self,
        poll_id: PollId,
        option_id: OptionId,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Poll> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = vote_poll_in(&mut tx, poll_id, option_id, account_id, now).await;
        settle(tx, done).await
    }

    async fn poll_vote_of(
        &self,
        poll_id: PollId,
        account_id: AccountId,
    ) -> StoreResult<Option<OptionId>> {
        sqlx::query("SELECT option_id FROM poll_votes WHERE poll_id = $1 AND account_id = $2")
            .bind(poll_id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db)
    }
}
