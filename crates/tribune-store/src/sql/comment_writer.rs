//! The way new comments go in: one writer task per store takes every comment waiting (up to
//! [`BATCH`]) and hands them to the dialect's group commit (`group_commit::store_batch`),
//! which stores them in one transaction, settles the counters once, commits once, and only
//! then answers each caller (DESIGN §7: with every commit waiting for the disk, one commit
//! per comment caps a busy match evening at a few hundred comments a second).

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use tribune_core::comment::{Comment, NewComment};
use tribune_core::store::{StoreError, StoreResult};

use super::Pool;
use super::group_commit::store_batch;

/// Most comments in one commit.
pub(crate) const BATCH: usize = 128;

/// A comment waiting for the writer, and where its outcome goes.
pub(crate) struct Job {
    pub(crate) new: NewComment,
    pub(crate) now: DateTime<Utc>,
    answer: oneshot::Sender<StoreResult<Comment>>,
}

/// The way into the writer task; the task ends when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct CommentWriter(mpsc::Sender<Job>);

impl CommentWriter {
    pub(crate) fn start(pool: Pool) -> Self {
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

async fn run(pool: Pool, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while jobs.recv_many(&mut batch, BATCH).await > 0 {
        let outcomes = store_batch(&pool, &batch).await;
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            // The caller may have gone away (request cancelled); the comment stays stored.
            let _ = job.answer.send(outcome);
        }
    }
}
