//! Group commit for new comments (DESIGN §7). With `synchronous = FULL` every commit waits for
//! the disk, so one commit per comment caps a busy match evening at a few hundred comments a
//! second. Instead one writer task takes every comment waiting (up to [`BATCH`]), stores each
//! in one transaction, settles the counters once, commits once, and only then answers each
//! caller. A comment that breaks a rule gets its own error; when the database fails, every
//! comment of the batch gets that error.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};
use tribune_core::comment::{Comment, NewComment};
use tribune_core::store::{StoreError, StoreResult};

use super::comments::{
    BatchFacts, NewPublicComments, check_comment, insert_comments, settle_new_comments,
};
use super::{IMMEDIATE, SqliteStore, db};

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
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let (sender, jobs) = mpsc::channel(4 * BATCH);
        tokio::spawn(run(pool, jobs));
        Self(sender)
    }

    /// Stores the comment; answers once it is durable (or failed).
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

async fn run(pool: SqlitePool, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while jobs.recv_many(&mut batch, BATCH).await > 0 {
        let outcomes = match write(&pool, &batch).await {
            Ok(outcomes) => outcomes,
            Err(e) => batch.iter().map(|_| Err(copy(&e))).collect(),
        };
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            // The caller may have gone away (request cancelled); the comment stays stored.
            let _ = job.answer.send(outcome);
        }
    }
}

/// One transaction for the whole batch, in a handful of statements whatever its size: its
/// articles and authors are read once, every comment is checked (a reply also reads what it
/// answers), all that passed are stored with one insert, and the counters and the change log
/// are settled once. A refused comment (unknown article, a reply to another article) is
/// refused before the insert, so it leaves nothing behind and needs no savepoint. `Err` when the batch as a whole failed (nothing of it is stored): a database
/// error may have ended the transaction, so no later comment may be written after it.
async fn write(pool: &SqlitePool, batch: &[Job]) -> StoreResult<Vec<StoreResult<Comment>>> {
    let started = std::time::Instant::now();
    let mut tx = pool.begin_with(IMMEDIATE).await.map_err(db)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let facts = BatchFacts::read(&mut tx, batch.iter().map(|job| &job.new)).await?;
    // Checked first, then one insert for all that passed; a refusal keeps its place.
    let mut checked = Vec::with_capacity(batch.len());
    for job in batch {
        match check_comment(&mut tx, &facts, &job.new, job.now).await {
            Ok(c) => {
                checked.push(c);
                outcomes.push(None);
            }
            Err(e @ (StoreError::Backend(_) | StoreError::Unavailable(_))) => return Err(e),
            Err(refused) => outcomes.push(Some(Err(refused))),
        }
    }
    let mut stored = insert_comments(&mut tx, &checked).await?.into_iter();
    let mut public = NewPublicComments::default();
    let mut latest = None;
    let outcomes: Vec<StoreResult<Comment>> = outcomes
        .into_iter()
        .zip(batch)
        .map(|(outcome, job)| match outcome {
            Some(refused) => refused,
            None => match stored.next() {
                Some((comment, is_public)) => {
                    if is_public {
                        public.add(&comment);
                        latest = latest.max(Some(job.now));
                    }
                    Ok(comment)
                }
                None => Err(StoreError::Backend(
                    "a checked comment was not stored".into(),
                )),
            },
        })
        .collect();
    settle_new_comments(&mut tx, &public).await?;
    if let Some(at) = latest {
        SqliteStore::record_changes(&mut tx, public.articles(), at).await?;
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

/// The batch's error for one of its callers (errors cannot be cloned; their text can).
fn copy(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound => StoreError::NotFound,
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Invalid(m) => StoreError::Invalid(m.clone()),
        StoreError::Unavailable(source) => StoreError::Unavailable(source.to_string().into()),
        StoreError::Backend(source) => StoreError::Backend(source.to_string().into()),
    }
}
