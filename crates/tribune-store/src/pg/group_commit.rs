//! Group commit for new comments, as on SQLite. One comment per transaction made every comment
//! on a busy article wait in line for that article's row (its comment count) and a commit,
//! and held one pool connection per writer, so readers waited for connections. Instead one
//! writer task per node takes every comment waiting (up to [`BATCH`]), inserts each in one
//! transaction, settles the counters once per thread, author and article in the lock order
//! of the comments module, records the change log last, commits once, and only then answers
//! each caller.
//!
//! A comment the rules refuse (unknown article, a reply to another article) is refused
//! before its insert and leaves nothing behind. Any database error aborts a PostgreSQL
//! transaction, so when the batch fails as a whole each of its comments is tried again alone,
//! in a transaction of its own: one bad comment (an author deleted a moment ago, a lost
//! deadlock) costs the others nothing but time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::comment::{Comment, CommentId, NewComment};
use tribune_core::moderation::Verdict;
use tribune_core::store::{StoreError, StoreResult};

use super::comment_writer::Job;
use super::comments::{
    CommentRow, REPLY_ELSEWHERE, add_trust, check_comment_texts, comment_columns, comment_joins,
};
use super::{Conn, count_and_record, db, record_changes, settle};
use crate::at::At;
use crate::is_foreign_key_violation;

/// Where a reply goes: the article and thread of what it answers.
#[derive(sqlx::FromRow)]
struct Place {
    article_id: ArticleId,
    root_id: Option<CommentId>,
}

/// Stores a batch; when it fails as a whole (any database error aborts a PostgreSQL
/// transaction), each of its comments is tried again alone.
pub(crate) async fn store_batch(pool: &PgPool, batch: &[Job]) -> Vec<StoreResult<Comment>> {
    match write(pool, batch).await {
        Ok(outcomes) => outcomes,
        Err(e) => {
            tracing::warn!(comments = batch.len(), error = %e, "comment batch failed; storing each alone");
            let mut outcomes = Vec::with_capacity(batch.len());
            for job in batch {
                outcomes.push(add_comment_alone(pool, &job.new, job.now).await);
            }
            outcomes
        }
    }
}

/// One transaction for the whole batch. `Err` when it failed as a whole (nothing of it is
/// stored).
async fn write(pool: &PgPool, batch: &[Job]) -> StoreResult<Vec<StoreResult<Comment>>> {
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await.map_err(db)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut roots: BTreeMap<CommentId, i64> = BTreeMap::new();
    let mut authors: BTreeMap<AccountId, i64> = BTreeMap::new();
    let mut articles: BTreeMap<ArticleId, i64> = BTreeMap::new();
    let mut latest = None;
    for job in batch {
        match insert_comment(&mut tx, &job.new, job.now).await {
            Ok(comment) => {
                if comment.public {
                    if let Some(root) = comment.root_id {
                        *roots.entry(root).or_default() += 1;
                    }
                    *authors.entry(job.new.author_id).or_default() += 1;
                    *articles.entry(comment.article_id).or_default() += 1;
                    latest = latest.max(Some(job.now));
                }
                outcomes.push(Ok(comment));
            }
            Err(e @ (StoreError::Backend(_) | StoreError::Unavailable(_))) => return Err(e),
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    // Lock order of the comments module: threads, authors, articles (each in id order),
    // then the change log.
    for (root, n) in &roots {
        add_replies(&mut tx, *root, *n).await?;
    }
    for (author, n) in &authors {
        add_trust(&mut tx, Some(*author), *n).await?;
    }
    for (article, n) in &articles {
        sqlx::query("UPDATE articles SET comment_count = comment_count + $2 WHERE id = $1")
            .bind(article)
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    if let Some(at) = latest {
        let ids: Vec<ArticleId> = articles.keys().copied().collect();
        record_changes(&mut tx, &ids, at).await?;
    }
    let worked = started.elapsed();
    tx.commit().await.map_err(db)?;
    tracing::debug!(
        comments = batch.len(),
        ?worked,
        committed = ?started.elapsed() - worked,
        "comment batch stored"
    );
    Ok(outcomes)
}

/// Stores one comment in a transaction of its own: what the group-commit writer falls back
/// to when a batch fails.
pub(crate) async fn add_comment_alone(
    pool: &sqlx::PgPool,
    new: &NewComment,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    let mut tx = pool.begin().await.map_err(db)?;
    let done = add_comment_in(&mut tx, new, now).await;
    settle(tx, done).await
}

/// Stores one comment with its counters and the change log (steps 1 to 6).
async fn add_comment_in(
    tx: &mut Conn,
    new: &NewComment,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    let comment = match insert_comment(tx, new, now).await {
        Ok(c) => c,
        // No such author (any more).
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound),
        Err(e) => return Err(e),
    };
    if let (Some(root), true) = (comment.root_id, comment.public) {
        add_replies(tx, root, 1).await?;
    }
    if comment.public {
        add_trust(tx, Some(new.author_id), 1).await?;
        count_and_record(tx, new.article_id, 1, now).await?;
    }
    Ok(comment)
}

/// Inserts a judged comment (steps 1 and 2) without touching any counter: the caller
/// settles those. A refusal (NotFound, Invalid) comes before the insert, so it leaves
/// nothing behind and does not abort the transaction.
pub(crate) async fn insert_comment(
    tx: &mut Conn,
    new: &NewComment,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    check_comment_texts(new)?;
    let public = new.verdict == Verdict::Visible && !new.shadow;
    let root_id = match new.reply_to {
        None => None,
        Some(to) => {
            let place: Option<Place> =
                sqlx::query_as("SELECT article_id, root_id FROM comments WHERE id = $1")
                    .bind(to)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            match place {
                // Threads are two levels deep: a reply to a reply joins its thread.
                Some(p) if p.article_id == new.article_id => Some(p.root_id.unwrap_or(to)),
                _ => return Err(StoreError::Invalid(REPLY_ELSEWHERE.to_string())),
            }
        }
    };
    // Locks in the order of the module documentation: the author (share, by the foreign
    // key), the new comment, the thread, the author's trust, the article. One round trip:
    // the article must be visible (no row inserted, none answered: NotFound), and the new
    // row comes back as every comment is read.
    let inserted: Option<CommentRow> = sqlx::query_as(concat!(
        "WITH art AS (
             SELECT id FROM articles WHERE id = $1 AND status = 'published' AND published_at <= $14
         ),
         c AS (
             INSERT INTO comments (article_id, author_id, root_id, reply_to, body_markdown,
                 body_html, fingerprint, verdict, reasons, risk, shadow, public, listed, created_at)
             SELECT art.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM art
             RETURNING *
         )
         SELECT ",
        comment_columns!(),
        " FROM c ",
        comment_joins!()
    ))
    .bind(new.article_id)
    .bind(new.author_id)
    .bind(root_id)
    .bind(new.reply_to)
    .bind(&new.body_markdown)
    .bind(&new.body_html)
    .bind(new.fingerprint)
    .bind(new.verdict.as_str())
    .bind(new.reasons.join(" "))
    .bind(i64::from(new.risk))
    .bind(new.shadow)
    .bind(public)
    .bind(public && root_id.is_none())
    .bind(At(now))
    // An error here (no such author any more) aborted the transaction: the caller gets
    // the database error, not a refusal the transaction survives.
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    inserted
        .map(CommentRow::into_comment)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Adds new public replies to a thread (step 3); a thread with replies is listed.
pub(crate) async fn add_replies(tx: &mut Conn, root: CommentId, n: i64) -> StoreResult<()> {
    sqlx::query("UPDATE comments SET reply_count = reply_count + $2, listed = true WHERE id = $1")
        .bind(root)
        .bind(n)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}
