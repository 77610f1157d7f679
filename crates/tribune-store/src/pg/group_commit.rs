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
use tokio::sync::{mpsc, oneshot};
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::comment::{Comment, CommentId, NewComment};
use tribune_core::store::{StoreError, StoreResult};

use super::comments::{add_comment_alone, add_replies, add_trust, insert_comment};
use super::{db, ms, record_changes};

/// Most comments in one commit.
const BATCH: usize = 128;

struct Job {
    new: NewComment,
    now: DateTime<Utc>,
    answer: oneshot::Sender<StoreResult<Comment>>,
}

/// The way into the writer task; the task ends when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct CommentWriter(mpsc::Sender<Job>);

impl CommentWriter {
    pub(crate) fn start(pool: PgPool) -> Self {
        let (sender, jobs) = mpsc::channel(4 * BATCH);
        tokio::spawn(run(pool, jobs));
        Self(sender)
    }

    /// Stores the comment; answers once it is committed (or failed).
    pub(crate) async fn add(&self, new: NewComment, now: DateTime<Utc>) -> StoreResult<Comment> {
        let stopped = || StoreError::Unavailable("the comment writer has stopped".into());
        let (answer, answered) = oneshot::channel();
        self.0
            .send(Job { new, now, answer })
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

async fn run(pool: PgPool, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while jobs.recv_many(&mut batch, BATCH).await > 0 {
        let outcomes = match write(&pool, &batch).await {
            Ok(outcomes) => outcomes,
            Err(e) => {
                tracing::warn!(comments = batch.len(), error = %e, "comment batch failed; storing each alone");
                let mut outcomes = Vec::with_capacity(batch.len());
                for job in &batch {
                    outcomes.push(add_comment_alone(&pool, &job.new, job.now).await);
                }
                outcomes
            }
        };
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            // The caller may have gone away (request cancelled); the comment stays stored.
            let _ = job.answer.send(outcome);
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
        record_changes(&mut tx, &ids, ms(at)).await?;
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
