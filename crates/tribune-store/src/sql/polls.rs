//! Reader polls: one per article, one vote per account, totals kept with the votes. A vote
//! locks its option's row, then the poll's (always in that order, the poll row that every
//! vote wants last, held only for the commit); the unique index on (poll, account) makes a
//! second vote by the same account fail, so it is never counted twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::poll::{NewPoll, OptionId, Poll, PollId, PollOption};
use tribune_core::storable;
use tribune_core::store::{PollStore, StoreError, StoreResult};

use super::{Backend, Conn, db, record_changes, settle};
use crate::at::At;
use crate::{is_foreign_key_violation, is_unique_violation};

#[derive(sqlx::FromRow)]
struct PollRow {
    id: PollId,
    article_id: ArticleId,
    question: String,
    closes_at: Option<At>,
    total_votes: i64,
}

#[derive(sqlx::FromRow)]
struct OptionRow {
    id: OptionId,
    label: String,
    votes: i64,
}

#[derive(sqlx::FromRow)]
struct Ballot {
    article_id: ArticleId,
    closes_at: Option<At>,
}

/// The poll with its options in order, inside the caller's transaction: by its id, or by its
/// article's.
async fn poll_where(conn: &mut Conn, by_article: bool, id: i64) -> StoreResult<Option<Poll>> {
    let sql = if by_article {
        "SELECT id, article_id, question, closes_at, total_votes FROM polls WHERE article_id = $1"
    } else {
        "SELECT id, article_id, question, closes_at, total_votes FROM polls WHERE id = $1"
    };
    let Some(r): Option<PollRow> = sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    let options: Vec<OptionRow> = sqlx::query_as(
        "SELECT id, label, votes FROM poll_options WHERE poll_id = $1 ORDER BY position, id",
    )
    .bind(r.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(Some(Poll {
        id: r.id,
        article_id: r.article_id,
        question: r.question,
        closes_at: r.closes_at.map(Into::into),
        options: options
            .into_iter()
            .map(|o| PollOption {
                id: o.id,
                label: o.label,
                votes: o.votes,
            })
            .collect(),
        total_votes: r.total_votes,
    }))
}

async fn create_poll_in(tx: &mut Conn, poll: &NewPoll, now: DateTime<Utc>) -> StoreResult<Poll> {
    let exists = sqlx::query("SELECT 1 FROM articles WHERE id = $1")
        .bind(poll.article_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let inserted = sqlx::query_scalar(
        "INSERT INTO polls (article_id, question, closes_at, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(poll.article_id)
    .bind(poll.question.trim())
    .bind(poll.closes_at.map(At))
    .bind(At(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db);
    let id: PollId = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(
                "Dit artikel heeft al een peiling.".to_string(),
            ));
        }
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound),
        Err(e) => return Err(e),
    };
    for (position, label) in poll.options.iter().enumerate() {
        sqlx::query("INSERT INTO poll_options (poll_id, position, label) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(label.trim())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    let created = poll_where(tx, false, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    record_changes(tx, &[poll.article_id], now).await?;
    Ok(created)
}

async fn vote_poll_in(
    tx: &mut Conn,
    poll_id: PollId,
    option_id: OptionId,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Poll> {
    let Some(ballot): Option<Ballot> =
        sqlx::query_as("SELECT article_id, closes_at FROM polls WHERE id = $1")
            .bind(poll_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
    else {
        return Err(StoreError::NotFound);
    };
    if ballot
        .closes_at
        .is_some_and(|t| t.millis() <= At(now).millis())
    {
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
            "Dit antwoord hoort niet bij deze peiling.".to_string(),
        ));
    }
    let inserted = sqlx::query(
        "INSERT INTO poll_votes (poll_id, option_id, account_id, voted_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(poll_id)
    .bind(option_id)
    .bind(account_id)
    .bind(At(now))
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
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound),
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
    poll.total_votes = sqlx::query_scalar(
        "UPDATE polls SET total_votes = total_votes + 1 WHERE id = $1 RETURNING total_votes",
    )
    .bind(poll_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    record_changes(tx, &[ballot.article_id], now).await?;
    Ok(poll)
}

#[async_trait]
impl PollStore for Backend {
    #[instrument(skip_all)]
    async fn create_poll(&self, poll: &NewPoll, now: DateTime<Utc>) -> StoreResult<Poll> {
        poll.check().map_err(StoreError::Invalid)?;
        storable::poll(poll).map_err(StoreError::Invalid)?;
        let mut tx = self.begin_rows().await?;
        let done = create_poll_in(&mut tx, poll, now).await;
        settle(tx, done).await
    }

    async fn poll(&self, id: PollId) -> StoreResult<Option<Poll>> {
        let mut tx = self.reader().begin().await.map_err(db)?;
        let done = poll_where(&mut tx, false, id).await;
        settle(tx, done).await
    }

    async fn poll_of_article(&self, article_id: ArticleId) -> StoreResult<Option<Poll>> {
        let mut tx = self.reader().begin().await.map_err(db)?;
        let done = poll_where(&mut tx, true, article_id).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn vote_poll(
        &self,
        poll_id: PollId,
        option_id: OptionId,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Poll> {
        let mut tx = self.begin_rows().await?;
        let done = vote_poll_in(&mut tx, poll_id, option_id, account_id, now).await;
        settle(tx, done).await
    }

    async fn poll_vote_of(
        &self,
        poll_id: PollId,
        account_id: AccountId,
    ) -> StoreResult<Option<OptionId>> {
        sqlx::query_scalar(
            "SELECT option_id FROM poll_votes WHERE poll_id = $1 AND account_id = $2",
        )
        .bind(poll_id)
        .bind(account_id)
        .fetch_optional(self.reader())
        .await
        .map_err(db)
    }
}
