//! Comments, votes on them, reports and moderation on PostgreSQL.
//!
//! Comment writes do not take the article-write lock: many run at once. Each locks only the
//! rows it changes, always in the same order, so two writers never wait for each other in a
//! circle:
//!
//! 1. the accounts it names (author, voter, reporter, moderator), share-locked (`FOR KEY
//!    SHARE`, as a foreign key does), so none is deleted meanwhile; deleting an account
//!    locks it exclusively as its first step and so waits for these writers, or they for it;
//! 2. the comment (a new one is locked by nobody else);
//! 3. its thread's top-level comment;
//! 4. the author's account row, when its trust changes (an upgrade of the share lock of
//!    step 1, which PostgreSQL grants without queueing behind a waiting deletion);
//! 5. the article row, for its comment count;
//! 6. the change log, under its shared lock, as the last statement (see the crate
//!    documentation).
//!
//! The article row is the one every comment on a busy article wants, so it comes last: it
//! is held for one statement and the commit. A write that does not change what is public
//! never locks it.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use tracing::instrument;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::comment::{
    AccountAction, Comment, CommentAction, CommentCursor, CommentEdit, CommentId, CommentSort,
    CommentsPage, EDIT_WINDOW, LogEntry, Lookback, NewComment, PostingContext, Queue, QueueItem,
    Report, ReportReason, SAME_TEXT_CAP, Thread, from_millis,
};
use tribune_core::moderation::{RecentComment, Verdict};
use tribune_core::store::{CommentStore, CounterMismatch, StoreError, StoreResult};

use super::accounts::{account_in, role_of, sqlstate_is};
use super::{
    PgStore, count_and_record, db, has_nul, is_unique_violation, ms, record_changes, settle,
};

/// The name shown for an author whose account is gone.
pub(crate) const DELETED_NAME: &str = "verwijderd account";

/// The columns [`comment_of`] reads, in its order, from `comments c` with
/// [`comment_joins`].
macro_rules! comment_columns {
    () => {
        "c.id, c.article_id, c.author_id, au.display_name, au.role, c.root_id, c.reply_to,
         CASE WHEN rc.id IS NOT NULL THEN COALESCE(ra.display_name, 'verwijderd account') END,
         c.body_markdown, c.body_html, c.created_at, c.edited_at, c.deleted, c.verdict,
         c.shadow, c.up, c.down, c.reply_count, c.public"
    };
}
pub(crate) use comment_columns;

/// The author, and for a reply to a reply the author of the comment it answers.
macro_rules! comment_joins {
    () => {
        " LEFT JOIN accounts au ON au.id = c.author_id
          LEFT JOIN comments rc ON rc.id = c.reply_to AND c.reply_to <> c.root_id
          LEFT JOIN accounts ra ON ra.id = rc.author_id "
    };
}
pub(crate) use comment_joins;

/// Columns of [`comment_columns`]; what a query selects after them starts here.
const COMMENT_WIDTH: usize = 19;

/// The columns [`report_of`] reads, from `comment_reports r` with the reporter as `ra`.
macro_rules! report_columns {
    () => {
        "r.id, r.comment_id, r.reporter_id, COALESCE(ra.display_name, 'verwijderd account'),
         r.reason, r.note, r.comment_text, r.created_at, r.resolved_at IS NOT NULL"
    };
}
pub(crate) use report_columns;

fn verdict_of(s: &str) -> StoreResult<Verdict> {
    Verdict::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown verdict {s}")))
}

pub(crate) fn comment_of(r: &PgRow) -> StoreResult<Comment> {
    let name: Option<String> = r.try_get(3).map_err(db)?;
    let role: Option<&str> = r.try_get(4).map_err(db)?;
    let author_role = match role {
        Some(role) => Some(role_of(role)?).filter(|r| r.is_staff()),
        None => None,
    };
    Ok(Comment {
        id: r.try_get(0).map_err(db)?,
        article_id: r.try_get(1).map_err(db)?,
        author_id: r.try_get(2).map_err(db)?,
        author_name: name.unwrap_or_else(|| DELETED_NAME.to_string()),
        author_role: author_role.map(|r| r.as_str().to_string()),
        root_id: r.try_get(5).map_err(db)?,
        reply_to: r.try_get(6).map_err(db)?,
        reply_to_name: r.try_get(7).map_err(db)?,
        body_markdown: r.try_get(8).map_err(db)?,
        body_html: r.try_get(9).map_err(db)?,
        created_at: r.try_get(10).map_err(db)?,
        edited_at: r.try_get(11).map_err(db)?,
        deleted: r.try_get(12).map_err(db)?,
        verdict: verdict_of(r.try_get(13).map_err(db)?)?,
        shadow: r.try_get(14).map_err(db)?,
        up: r.try_get(15).map_err(db)?,
        down: r.try_get(16).map_err(db)?,
        reply_count: r.try_get(17).map_err(db)?,
        public: r.try_get(18).map_err(db)?,
    })
}

/// A top-level comment as a page shows it: without text unless it is public.
fn listed_of(r: &PgRow) -> StoreResult<Comment> {
    let mut c = comment_of(r)?;
    if !c.public {
        c.body_markdown.clear();
        c.body_html.clear();
    }
    Ok(c)
}

pub(crate) fn report_of(r: &PgRow) -> StoreResult<Report> {
    let reason: &str = r.try_get(4).map_err(db)?;
    Ok(Report {
        id: r.try_get(0).map_err(db)?,
        comment_id: r.try_get(1).map_err(db)?,
        reporter_id: r.try_get(2).map_err(db)?,
        reporter_name: r.try_get(3).map_err(db)?,
        reason: ReportReason::parse(reason)
            .ok_or_else(|| StoreError::Invalid(format!("unknown report reason {reason}")))?,
        note: r.try_get(5).map_err(db)?,
        comment_text: r.try_get(6).map_err(db)?,
        created_at: r.try_get(7).map_err(db)?,
        resolved: r.try_get(8).map_err(db)?,
    })
}

fn nul_refused() -> StoreError {
    StoreError::Invalid("Je reactie bevat tekens die we niet toelaten.".to_string())
}

fn i64_of(n: u32) -> i64 {
    i64::from(n)
}

/// A comment's state as a write found it, with its rows locked.
struct Locked {
    id: CommentId,
    article_id: ArticleId,
    author_id: Option<AccountId>,
    root_id: Option<CommentId>,
    verdict: Verdict,
    deleted: bool,
    shadow: bool,
    public: bool,
    created_at: DateTime<Utc>,
}

/// Any comment, inside the caller's transaction.
async fn comment_in(tx: &mut PgConnection, id: CommentId) -> StoreResult<Option<Comment>> {
    sqlx::query(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments c ",
        comment_joins!(),
        " WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .as_ref()
    .map(comment_of)
    .transpose()
}

async fn found(tx: &mut PgConnection, id: CommentId) -> StoreResult<Comment> {
    comment_in(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Locks a comment row for a change (the thread's top-level comment and the article come
/// later, and only when what is public changes: see the module documentation).
async fn lock_comment(tx: &mut PgConnection, id: CommentId) -> StoreResult<Option<Locked>> {
    let Some(r) = sqlx::query(
        "SELECT article_id, root_id, author_id, verdict, deleted, shadow, public, created_at
         FROM comments WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    else {
        return Ok(None);
    };
    Ok(Some(Locked {
        id,
        article_id: r.try_get(0).map_err(db)?,
        root_id: r.try_get(1).map_err(db)?,
        author_id: r.try_get(2).map_err(db)?,
        verdict: verdict_of(r.try_get(3).map_err(db)?)?,
        deleted: r.try_get(4).map_err(db)?,
        shadow: r.try_get(5).map_err(db)?,
        public: r.try_get(6).map_err(db)?,
        created_at: r.try_get(7).map_err(db)?,
    }))
}

/// Makes a locked comment public or not, with its thread's reply count and what is listed;
/// answers how the article's count must change, for [`publish`].
async fn set_public(tx: &mut PgConnection, c: &Locked, public: bool) -> StoreResult<i64> {
    sqlx::query(
        "UPDATE comments SET public = $2, listed = (root_id IS NULL AND ($2 OR reply_count > 0))
         WHERE id = $1",
    )
    .bind(c.id)
    .bind(public)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let delta = i64::from(public) - i64::from(c.public);
    if let (Some(root), true) = (c.root_id, delta != 0) {
        sqlx::query(
            "UPDATE comments SET reply_count = reply_count + $2,
                listed = (public OR reply_count + $2 > 0)
             WHERE id = $1",
        )
        .bind(root)
        .bind(delta)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    Ok(delta)
}

/// The last step of a write that changed what an article's page shows: its comment count
/// (the article row is locked last, see the module documentation) and the change log.
async fn publish(
    tx: &mut PgConnection,
    article_id: ArticleId,
    delta: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    count_and_record(tx, article_id, delta, now).await
}

/// Share-locks an account that is about to be named in a row (a vote, a report, the log),
/// so it is not deleted meanwhile: step 1 of the module documentation. Answers whether
/// there is such an account.
async fn hold(tx: &mut PgConnection, id: AccountId) -> StoreResult<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM accounts WHERE id = $1 FOR KEY SHARE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .is_some(),
    )
}

/// [`hold`], NotFound when the account is not there.
async fn hold_account(tx: &mut PgConnection, id: AccountId) -> StoreResult<()> {
    if hold(tx, id).await? {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Changes an author's count of visible comments (never below zero).
/// Adds new public replies to a thread (step 3); a thread with replies is listed.
pub(crate) async fn add_replies(tx: &mut PgConnection, root: CommentId, n: i64) -> StoreResult<()> {
    sqlx::query("UPDATE comments SET reply_count = reply_count + $2, listed = true WHERE id = $1")
        .bind(root)
        .bind(n)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn add_trust(
    tx: &mut PgConnection,
    author: Option<AccountId>,
    by: i64,
) -> StoreResult<()> {
    let Some(author) = author else { return Ok(()) };
    sqlx::query(
        "UPDATE accounts SET approved_comments = GREATEST(approved_comments + $2, 0)
         WHERE id = $1",
    )
    .bind(author)
    .bind(by)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
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
    tx: &mut PgConnection,
    new: &NewComment,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    let comment = match insert_comment(tx, new, now).await {
        Ok(c) => c,
        // No such author (any more).
        Err(e) if sqlstate_is(&e, "23503") => return Err(StoreError::NotFound),
        Err(e) => return Err(e),
    };
    let at = ms(now);
    if let (Some(root), true) = (comment.root_id, comment.public) {
        add_replies(tx, root, 1).await?;
    }
    if comment.public {
        add_trust(tx, Some(new.author_id), 1).await?;
        publish(tx, new.article_id, 1, at).await?;
    }
    Ok(comment)
}

/// Inserts a judged comment (steps 1 and 2) without touching any counter: the caller
/// settles those. A refusal (NotFound, Invalid) comes before the insert, so it leaves
/// nothing behind and does not abort the transaction.
pub(crate) async fn insert_comment(
    tx: &mut PgConnection,
    new: &NewComment,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    if has_nul(&new.body_markdown)
        || has_nul(&new.body_html)
        || new.reasons.iter().any(|r| has_nul(r))
    {
        return Err(nul_refused());
    }
    let now = ms(now);
    let public = new.verdict == Verdict::Visible && !new.shadow;
    let root_id = match new.reply_to {
        None => None,
        Some(to) => {
            let place = sqlx::query("SELECT article_id, root_id FROM comments WHERE id = $1")
                .bind(to)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let place = match place {
                Some(r) => Some((
                    r.try_get::<ArticleId, _>(0).map_err(db)?,
                    r.try_get::<Option<CommentId>, _>(1).map_err(db)?,
                )),
                None => None,
            };
            match place {
                // Threads are two levels deep: a reply to a reply joins its thread.
                Some((article, root)) if article == new.article_id => Some(root.unwrap_or(to)),
                _ => {
                    return Err(StoreError::Invalid(
                        "Je antwoordt op een reactie die niet bij dit artikel hoort.".to_string(),
                    ));
                }
            }
        }
    };
    // Locks in the order of the module documentation: the author (share, by the foreign
    // key), the new comment, the thread, the author's trust, the article. One round trip:
    // the article must be visible (no row inserted, none answered: NotFound), and the new
    // row comes back as every comment is read.
    let inserted = sqlx::query(concat!(
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
    .bind(i64_of(new.risk))
    .bind(new.shadow)
    .bind(public)
    .bind(public && root_id.is_none())
    .bind(now)
    // An error here (no such author any more) aborted the transaction: the caller gets
    // the database error, not a refusal the transaction survives.
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    inserted
        .as_ref()
        .map(comment_of)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

async fn edit_comment_in(
    tx: &mut PgConnection,
    id: CommentId,
    author_id: AccountId,
    edit: &CommentEdit,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    if has_nul(&edit.body_markdown)
        || has_nul(&edit.body_html)
        || edit.reasons.iter().any(|r| has_nul(r))
    {
        return Err(nul_refused());
    }
    let now = ms(now);
    let Some(c) = lock_comment(tx, id).await? else {
        return Err(StoreError::NotFound);
    };
    if c.author_id != Some(author_id) {
        return Err(StoreError::NotFound);
    }
    if c.deleted {
        return Err(StoreError::Invalid(
            "Een verwijderde reactie kan je niet meer bewerken.".to_string(),
        ));
    }
    // An edit must not undo a moderator's decision.
    if c.verdict == Verdict::Rejected {
        return Err(StoreError::Invalid(
            "Een reactie die de moderatie weghaalde, kan je niet meer bewerken.".to_string(),
        ));
    }
    if now - c.created_at > EDIT_WINDOW {
        return Err(StoreError::Invalid(format!(
            "Je kan een reactie alleen bewerken in de eerste {} minuten.",
            EDIT_WINDOW.num_minutes()
        )));
    }
    sqlx::query(
        "INSERT INTO comment_revisions (comment_id, body_markdown, replaced_at)
         SELECT id, body_markdown, $2 FROM comments WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    sqlx::query(
        "UPDATE comments SET body_markdown = $2, body_html = $3, fingerprint = $4, verdict = $5,
            reasons = $6, risk = $7, edited_at = $8
         WHERE id = $1",
    )
    .bind(id)
    .bind(&edit.body_markdown)
    .bind(&edit.body_html)
    .bind(edit.fingerprint)
    .bind(edit.verdict.as_str())
    .bind(edit.reasons.join(" "))
    .bind(i64_of(edit.risk))
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let public = edit.verdict == Verdict::Visible && !c.shadow;
    let delta = set_public(tx, &c, public).await?;
    let comment = found(tx, id).await?;
    if c.public || public {
        publish(tx, c.article_id, delta, now).await?;
    }
    Ok(comment)
}

async fn delete_comment_in(
    tx: &mut PgConnection,
    id: CommentId,
    author_id: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    let Some(c) = lock_comment(tx, id).await? else {
        return Err(StoreError::NotFound);
    };
    if c.author_id != Some(author_id) {
        return Err(StoreError::NotFound);
    }
    if c.deleted {
        return found(tx, id).await;
    }
    sqlx::query(
        "UPDATE comments SET deleted = true, body_markdown = '', body_html = '' WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let delta = set_public(tx, &c, false).await?;
    let comment = found(tx, id).await?;
    if c.public {
        publish(tx, c.article_id, delta, now).await?;
    }
    Ok(comment)
}

async fn vote_comment_in(
    tx: &mut PgConnection,
    id: CommentId,
    account_id: AccountId,
    value: i32,
) -> StoreResult<(i64, i64)> {
    hold_account(tx, account_id).await?;
    let Some(r) = sqlx::query(
        "SELECT article_id, author_id, public, up, down FROM comments WHERE id = $1
         FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    else {
        return Err(StoreError::NotFound);
    };
    let article_id: ArticleId = r.try_get(0).map_err(db)?;
    let author: Option<AccountId> = r.try_get(1).map_err(db)?;
    let public: bool = r.try_get(2).map_err(db)?;
    let (up, down): (i64, i64) = (r.try_get(3).map_err(db)?, r.try_get(4).map_err(db)?);
    if author == Some(account_id) {
        return Err(StoreError::Invalid(
            "Je kan niet stemmen op je eigen reactie.".to_string(),
        ));
    }
    if !public {
        return Err(StoreError::Invalid(
            "Op deze reactie kan je niet stemmen.".to_string(),
        ));
    }
    // Read after the comment is locked (a statement of its own, so it sees a vote the
    // same account committed meanwhile): votes on this comment take turns.
    let old: i32 =
        sqlx::query("SELECT value FROM comment_votes WHERE account_id = $1 AND comment_id = $2")
            .bind(account_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db)?
            .unwrap_or(0);
    if old == value {
        return Ok((up, down));
    }
    let written = if value == 0 {
        sqlx::query("DELETE FROM comment_votes WHERE account_id = $1 AND comment_id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await
    } else {
        sqlx::query(
            "INSERT INTO comment_votes (account_id, comment_id, value) VALUES ($1, $2, $3)
             ON CONFLICT (account_id, comment_id) DO UPDATE SET value = excluded.value",
        )
        .bind(account_id)
        .bind(id)
        .bind(value)
        .execute(&mut *tx)
        .await
    }
    .map_err(db);
    written?;
    let d_up = i64::from(value == 1) - i64::from(old == 1);
    let d_down = i64::from(value == -1) - i64::from(old == -1);
    let r = sqlx::query(
        "UPDATE comments SET up = up + $2, down = down + $3, score = score + $2 - $3
         WHERE id = $1 RETURNING up, down",
    )
    .bind(id)
    .bind(d_up)
    .bind(d_down)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let counts = (r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?);
    record_changes(tx, &[article_id], Utc::now()).await?;
    Ok(counts)
}

async fn report_comment_in(
    tx: &mut PgConnection,
    id: CommentId,
    reporter_id: AccountId,
    reason: ReportReason,
    note: &str,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    if has_nul(note) {
        return Err(nul_refused());
    }
    hold_account(tx, reporter_id).await?;
    let Some(text) =
        sqlx::query("SELECT body_markdown FROM comments WHERE id = $1 FOR NO KEY UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
    else {
        return Err(StoreError::NotFound);
    };
    let text: String = text.try_get(0).map_err(db)?;
    let inserted = sqlx::query(
        "INSERT INTO comment_reports (comment_id, reporter_id, reason, note, comment_text,
            created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(reporter_id)
    .bind(reason.as_str())
    .bind(note.trim())
    .bind(&text)
    .bind(ms(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db);
    let report_id: i64 = match inserted {
        Ok(r) => r.try_get(0).map_err(db)?,
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(
                "Je hebt deze reactie al gemeld.".to_string(),
            ));
        }
        Err(e) => return Err(e),
    };
    sqlx::query(
        "UPDATE comments SET open_reports = open_reports + 1, report_risk = report_risk + $2
         WHERE id = $1",
    )
    .bind(id)
    .bind(i64_of(reason.risk()))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    sqlx::query(concat!(
        "SELECT ",
        report_columns!(),
        " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id WHERE r.id = $1"
    ))
    .bind(report_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)
    .and_then(|r| report_of(&r))
}

/// The moderator's name as the audit log keeps it, with the account share-locked (step 1
/// of the lock order).
async fn moderator_name(tx: &mut PgConnection, id: AccountId) -> StoreResult<String> {
    sqlx::query("SELECT display_name FROM accounts WHERE id = $1 FOR KEY SHARE")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?
        .try_get(0)
        .map_err(db)
}

async fn log_line(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    moderator: (AccountId, &str),
    action: &str,
    comment_id: Option<CommentId>,
    account_id: Option<AccountId>,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO moderation_log (at, moderator_id, moderator_name, action, comment_id,
            account_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ms(now))
    .bind(moderator.0)
    .bind(moderator.1)
    .bind(action)
    .bind(comment_id)
    .bind(account_id)
    .bind(reason.trim())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn moderate_comment_in(
    tx: &mut PgConnection,
    id: CommentId,
    moderator_id: AccountId,
    action: CommentAction,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    if has_nul(reason) {
        return Err(nul_refused());
    }
    let trust = match action {
        CommentAction::Approve | CommentAction::Restore => 1,
        CommentAction::Remove => -1,
        CommentAction::Reject | CommentAction::Dismiss => 0,
    };
    // Step 1 of the lock order: the moderator (named in the log) and the author (whose
    // trust may change) are share-locked before the comment, so neither account is
    // deleted meanwhile. The author can change only to nobody, and not while held.
    let name = moderator_name(tx, moderator_id).await?;
    let author: Option<AccountId> = sqlx::query("SELECT author_id FROM comments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?
        .try_get(0)
        .map_err(db)?;
    if let Some(author) = author {
        hold(tx, author).await?;
    }
    let Some(c) = lock_comment(tx, id).await? else {
        return Err(StoreError::NotFound);
    };
    let verdict = action.apply(c.verdict).map_err(StoreError::Invalid)?;
    sqlx::query(
        "UPDATE comments SET verdict = $2, open_reports = 0, report_risk = 0 WHERE id = $1",
    )
    .bind(id)
    .bind(verdict.as_str())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    sqlx::query(
        "UPDATE comment_reports SET resolved_at = $2 WHERE comment_id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .bind(ms(now))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let public = verdict == Verdict::Visible && !c.deleted && !c.shadow;
    let delta = set_public(tx, &c, public).await?;
    if trust != 0 {
        add_trust(tx, c.author_id, trust).await?;
    }
    log_line(
        tx,
        now,
        (moderator_id, &name),
        action.as_str(),
        Some(id),
        c.author_id,
        reason,
    )
    .await?;
    super::model::teach(tx, id, action, now).await?;
    let comment = found(tx, id).await?;
    if c.public != public {
        publish(tx, c.article_id, delta, now).await?;
    }
    Ok(comment)
}

async fn moderate_account_in(
    tx: &mut PgConnection,
    account_id: AccountId,
    moderator_id: AccountId,
    action: AccountAction,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<tribune_core::account::Account> {
    if has_nul(reason) {
        return Err(nul_refused());
    }
    let name = moderator_name(tx, moderator_id).await?;
    let query = match action {
        AccountAction::Suspend { .. } => {
            sqlx::query("UPDATE accounts SET suspended_until = $2 WHERE id = $1")
        }
        AccountAction::Ban => sqlx::query("UPDATE accounts SET banned = true WHERE id = $1"),
        AccountAction::ShadowBan => {
            sqlx::query("UPDATE accounts SET shadow_banned = true WHERE id = $1")
        }
        AccountAction::Reinstate => sqlx::query(
            "UPDATE accounts SET suspended_until = NULL, banned = false, shadow_banned = false
             WHERE id = $1",
        ),
    }
    .bind(account_id);
    let query = match action {
        AccountAction::Suspend { until } => query.bind(ms(until)),
        _ => query,
    };
    let done = query.execute(&mut *tx).await.map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    if action == AccountAction::Ban {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    log_line(
        tx,
        now,
        (moderator_id, &name),
        action.as_str(),
        None,
        Some(account_id),
        reason,
    )
    .await?;
    account_in(tx, account_id)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Top-level comments of a page in each order, after a cursor or from the start; $1 the
/// article, $2 how many, $3 and $4 the cursor.
macro_rules! roots_query {
    ($after:literal, $order:literal) => {
        concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c ",
            comment_joins!(),
            " WHERE c.article_id = $1 AND c.root_id IS NULL AND c.listed ",
            $after,
            " ORDER BY ",
            $order,
            " LIMIT $2"
        )
    };
}

const NEWEST: &str = roots_query!("", "c.created_at DESC, c.id DESC");
const NEWEST_AFTER: &str = roots_query!(
    "AND (c.created_at, c.id) < ($3, $4)",
    "c.created_at DESC, c.id DESC"
);
const OLDEST: &str = roots_query!("", "c.created_at, c.id");
const OLDEST_AFTER: &str =
    roots_query!("AND (c.created_at, c.id) > ($3, $4)", "c.created_at, c.id");
const BEST: &str = roots_query!("", "c.score DESC, c.id DESC");
const BEST_AFTER: &str = roots_query!("AND (c.score, c.id) < ($3, $4)", "c.score DESC, c.id DESC");

/// One page of top-level comments with their first replies, inside one snapshot.
async fn page_in(
    tx: &mut PgConnection,
    article_id: ArticleId,
    sort: CommentSort,
    after: Option<CommentCursor>,
    limit: u32,
    replies: u32,
) -> StoreResult<CommentsPage> {
    let fetch = i64::from(limit) + 1;
    let query = match (sort, after) {
        (CommentSort::Newest, None) => sqlx::query(NEWEST),
        (CommentSort::Oldest, None) => sqlx::query(OLDEST),
        (CommentSort::Best, None) => sqlx::query(BEST),
        (CommentSort::Newest, Some(_)) => sqlx::query(NEWEST_AFTER),
        (CommentSort::Oldest, Some(_)) => sqlx::query(OLDEST_AFTER),
        (CommentSort::Best, Some(_)) => sqlx::query(BEST_AFTER),
    };
    let query = query.bind(article_id).bind(fetch);
    let query = match (sort, after) {
        (_, None) => query,
        (CommentSort::Best, Some(c)) => query.bind(c.key).bind(c.id),
        (_, Some(c)) => query.bind(from_millis(c.key)).bind(c.id),
    };
    let rows = query.fetch_all(&mut *tx).await.map_err(db)?;
    let mut roots = rows
        .iter()
        .map(listed_of)
        .collect::<StoreResult<Vec<_>>>()?;
    let more = roots.len() > limit as usize;
    roots.truncate(limit as usize);
    let next = match roots.last() {
        Some(last) if more => Some(CommentCursor::after(last, sort).encode()),
        _ => None,
    };
    let mut threads: Vec<Thread> = roots
        .into_iter()
        .map(|root| Thread {
            root,
            replies: Vec::new(),
        })
        .collect();
    if replies > 0 && !threads.is_empty() {
        let ids: Vec<CommentId> = threads.iter().map(|t| t.root.id).collect();
        // One query for the whole page: each thread's first replies, from its index range.
        let rows = sqlx::query(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM UNNEST($1::bigint[]) AS t(id)
              CROSS JOIN LATERAL (
                  SELECT * FROM comments x WHERE x.root_id = t.id AND x.public
                  ORDER BY x.created_at, x.id LIMIT $2) c ",
            comment_joins!(),
            " ORDER BY c.root_id, c.created_at, c.id"
        ))
        .bind(&ids)
        .bind(i64::from(replies))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for r in &rows {
            let reply = comment_of(r)?;
            if let Some(t) = threads
                .iter_mut()
                .find(|t| Some(t.root.id) == reply.root_id)
            {
                t.replies.push(reply);
            }
        }
    }
    Ok(CommentsPage { threads, next })
}

/// A listed top-level comment with all its public replies, in one snapshot.
async fn thread_in(tx: &mut PgConnection, root_id: CommentId) -> StoreResult<Option<Thread>> {
    let Some(root) = sqlx::query(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments c ",
        comment_joins!(),
        " WHERE c.id = $1 AND c.root_id IS NULL AND c.listed"
    ))
    .bind(root_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    else {
        return Ok(None);
    };
    let root = listed_of(&root)?;
    let replies = sqlx::query(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments c ",
        comment_joins!(),
        " WHERE c.root_id = $1 AND c.public ORDER BY c.created_at, c.id"
    ))
    .bind(root_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?
    .iter()
    .map(comment_of)
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(Thread { root, replies }))
}

/// Reads that must agree with each other (a page and its reply counts).
const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// The queues, riskiest first; $1 how many.
macro_rules! queue_query {
    ($filter:literal, $order:literal) => {
        concat!(
            "SELECT ",
            comment_columns!(),
            ", a.title, c.reasons, c.risk + c.report_risk FROM comments c ",
            comment_joins!(),
            " JOIN articles a ON a.id = c.article_id WHERE ",
            $filter,
            " ORDER BY ",
            $order,
            " LIMIT $1"
        )
    };
}

#[async_trait]
impl CommentStore for PgStore {
    async fn posting_context(&self, look: &Lookback) -> StoreResult<PostingContext> {
        // One round trip: the article's rate (counted no further than the cap) joined to
        // the author's earlier comments the rules look at; UNION lists each of those once.
        let now = ms(look.now);
        let rows = sqlx::query(
            "SELECT r.rate, u.created_at, u.fingerprint, u.article_id, r.others
             FROM (SELECT (SELECT COUNT(*) FROM (
                     SELECT 1 FROM comments
                     WHERE $9 > 0 AND article_id = $2 AND created_at > $8 AND created_at <= $3
                     LIMIT $9) c) AS rate,
                   (SELECT COUNT(DISTINCT author_id) FROM (
                     SELECT author_id FROM comments
                     WHERE fingerprint = $6 AND created_at >= $7
                       AND author_id IS DISTINCT FROM $1
                     LIMIT $12) o) AS others) r
             LEFT JOIN (
                 (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = $1 AND created_at > $10 AND id IS DISTINCT FROM $4
                     ORDER BY created_at DESC LIMIT $5)
                 UNION
                 (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = $1 AND fingerprint = $6 AND created_at >= $7
                       AND id IS DISTINCT FROM $4
                     LIMIT 1)
                 UNION
                 (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = $1 AND article_id = $2 AND created_at >= $11
                       AND id IS DISTINCT FROM $4
                     ORDER BY created_at DESC LIMIT 1)
             ) u ON true",
        )
        .bind(look.author_id)
        .bind(look.article_id)
        .bind(now)
        .bind(look.editing)
        .bind(i64::from(look.newest))
        .bind(look.fingerprint)
        .bind(ms(look.duplicate_since))
        .bind(now - Duration::seconds(60))
        .bind(i64::from(look.rate_cap))
        .bind(now - Duration::hours(1))
        .bind(ms(look.here_since))
        .bind(i64::from(SAME_TEXT_CAP))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut context = PostingContext::default();
        for r in &rows {
            context.article_rate = u32::try_from(r.try_get::<i64, _>(0).map_err(db)?).unwrap_or(0);
            context.same_text_elsewhere =
                u32::try_from(r.try_get::<i64, _>(4).map_err(db)?).unwrap_or(0);
            if let Some(at) = r.try_get::<Option<DateTime<Utc>>, _>(1).map_err(db)? {
                context.recent.push(RecentComment {
                    at,
                    fingerprint: r.try_get(2).map_err(db)?,
                    article_id: r.try_get(3).map_err(db)?,
                });
            }
        }
        Ok(context)
    }

    #[instrument(skip_all)]
    /// Goes through the group-commit writer: many comments share one commit.
    async fn add_comment(&self, new: &NewComment, now: DateTime<Utc>) -> StoreResult<Comment> {
        self.comments.add(new.clone(), now).await
    }

    async fn comment(&self, id: CommentId) -> StoreResult<Option<Comment>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        comment_in(&mut conn, id).await
    }

    #[instrument(skip_all)]
    async fn comments_page(
        &self,
        article_id: ArticleId,
        sort: CommentSort,
        after: Option<CommentCursor>,
        limit: u32,
        replies: u32,
    ) -> StoreResult<CommentsPage> {
        // One snapshot, so reply counts agree with the replies shown.
        let mut tx = self.pool.begin_with(SNAPSHOT).await.map_err(db)?;
        let done = page_in(&mut tx, article_id, sort, after, limit, replies).await;
        settle(tx, done).await
    }

    async fn thread(&self, root_id: CommentId) -> StoreResult<Option<Thread>> {
        let mut tx = self.pool.begin_with(SNAPSHOT).await.map_err(db)?;
        let done = thread_in(&mut tx, root_id).await;
        settle(tx, done).await
    }

    async fn own_unlisted_comments(
        &self,
        article_id: ArticleId,
        author_id: AccountId,
    ) -> StoreResult<Vec<Comment>> {
        sqlx::query(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c ",
            comment_joins!(),
            " WHERE c.article_id = $1 AND c.author_id = $2 AND NOT c.public AND NOT c.deleted
                AND (c.verdict = 'pending' OR (c.shadow AND c.verdict = 'visible'))
              ORDER BY c.created_at, c.id"
        ))
        .bind(article_id)
        .bind(author_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(comment_of)
        .collect()
    }

    #[instrument(skip_all)]
    async fn edit_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        edit: &CommentEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = edit_comment_in(&mut tx, id, author_id, edit, now).await;
        settle(tx, done).await
    }

    async fn comment_revisions(&self, id: CommentId) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        sqlx::query(
            "SELECT body_markdown, replaced_at FROM comment_revisions
             WHERE comment_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect()
    }

    #[instrument(skip_all)]
    async fn delete_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = delete_comment_in(&mut tx, id, author_id, now).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn vote_comment(
        &self,
        id: CommentId,
        account_id: AccountId,
        value: i32,
    ) -> StoreResult<(i64, i64)> {
        if !(-1..=1).contains(&value) {
            return Err(StoreError::Invalid("Een stem is +1, -1 of 0.".to_string()));
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = vote_comment_in(&mut tx, id, account_id, value).await;
        settle(tx, done).await
    }

    async fn comment_votes_of(
        &self,
        account_id: AccountId,
        ids: &[CommentId],
    ) -> StoreResult<Vec<(CommentId, i32)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT comment_id, value FROM comment_votes
             WHERE account_id = $1 AND comment_id = ANY($2) ORDER BY comment_id",
        )
        .bind(account_id)
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect()
    }

    #[instrument(skip_all)]
    async fn report_comment(
        &self,
        id: CommentId,
        reporter_id: AccountId,
        reason: ReportReason,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = report_comment_in(&mut tx, id, reporter_id, reason, note, now).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn queue(&self, queue: Queue, limit: u32) -> StoreResult<Vec<QueueItem>> {
        let sql = match queue {
            Queue::Pending => queue_query!(
                "c.verdict = 'pending' AND NOT c.deleted",
                "c.risk DESC, c.id"
            ),
            Queue::Reported => {
                queue_query!("c.open_reports > 0", "c.report_risk + c.risk DESC, c.id")
            }
            Queue::Flagged => queue_query!("c.risk > 0", "c.risk DESC, c.id"),
        };
        let rows = sqlx::query(sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut items = rows
            .iter()
            .map(|r| {
                let reasons: &str = r.try_get(COMMENT_WIDTH + 1).map_err(db)?;
                let risk: i64 = r.try_get(COMMENT_WIDTH + 2).map_err(db)?;
                Ok(QueueItem {
                    comment: comment_of(r)?,
                    article_title: r.try_get(COMMENT_WIDTH).map_err(db)?,
                    reasons: reasons.split_whitespace().map(str::to_string).collect(),
                    risk: u32::try_from(risk.max(0)).unwrap_or(u32::MAX),
                    reports: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if items.is_empty() {
            return Ok(items);
        }
        let ids: Vec<CommentId> = items.iter().map(|i| i.comment.id).collect();
        let reports = sqlx::query(concat!(
            "SELECT ",
            report_columns!(),
            " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
              WHERE r.comment_id = ANY($1) AND r.resolved_at IS NULL
              ORDER BY r.created_at, r.id"
        ))
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        for r in &reports {
            let report = report_of(r)?;
            if let Some(item) = items.iter_mut().find(|i| i.comment.id == report.comment_id) {
                item.reports.push(report);
            }
        }
        Ok(items)
    }

    async fn queue_sizes(&self) -> StoreResult<Vec<(Queue, i64)>> {
        let r = sqlx::query(
            "SELECT
                (SELECT COUNT(*) FROM comments WHERE verdict = 'pending' AND NOT deleted),
                (SELECT COUNT(*) FROM comments WHERE open_reports > 0),
                (SELECT COUNT(*) FROM comments WHERE risk > 0)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(vec![
            (Queue::Pending, r.try_get(0).map_err(db)?),
            (Queue::Reported, r.try_get(1).map_err(db)?),
            (Queue::Flagged, r.try_get(2).map_err(db)?),
        ])
    }

    #[instrument(skip_all)]
    async fn moderate_comment(
        &self,
        id: CommentId,
        moderator_id: AccountId,
        action: CommentAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = moderate_comment_in(&mut tx, id, moderator_id, action, reason, now).await;
        settle(tx, done).await
    }

    #[instrument(skip_all)]
    async fn moderate_account(
        &self,
        account_id: AccountId,
        moderator_id: AccountId,
        action: AccountAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<tribune_core::account::Account> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done =
            moderate_account_in(&mut tx, account_id, moderator_id, action, reason, now).await;
        settle(tx, done).await
    }

    async fn moderation_log(&self, limit: u32) -> StoreResult<Vec<LogEntry>> {
        sqlx::query(
            "SELECT id, at, moderator_id, moderator_name, action, comment_id, account_id, reason
             FROM moderation_log ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(LogEntry {
                id: r.try_get(0).map_err(db)?,
                at: r.try_get(1).map_err(db)?,
                moderator_id: r.try_get(2).map_err(db)?,
                moderator_name: r.try_get(3).map_err(db)?,
                action: r.try_get(4).map_err(db)?,
                comment_id: r.try_get(5).map_err(db)?,
                account_id: r.try_get(6).map_err(db)?,
                reason: r.try_get(7).map_err(db)?,
            })
        })
        .collect()
    }

    #[instrument(skip_all)]
    async fn counter_mismatches(&self) -> StoreResult<Vec<CounterMismatch>> {
        let (reasons, weights): (Vec<&str>, Vec<i64>) = ReportReason::ALL
            .iter()
            .map(|r| (r.as_str(), i64_of(r.risk())))
            .unzip();
        // One snapshot for every comparison.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db)?;
        let rows = sqlx::query(
            "WITH votes AS (
                SELECT comment_id, COUNT(*) FILTER (WHERE value = 1) AS up,
                       COUNT(*) FILTER (WHERE value = -1) AS down
                FROM comment_votes GROUP BY comment_id),
             reports AS (
                SELECT r.comment_id, COUNT(*) AS n, SUM(w.weight)::bigint AS risk
                FROM comment_reports r
                JOIN UNNEST($1::text[], $2::bigint[]) AS w(reason, weight) ON w.reason = r.reason
                WHERE r.resolved_at IS NULL GROUP BY r.comment_id),
             replies AS (
                SELECT root_id, COUNT(*) AS n FROM comments
                WHERE public AND root_id IS NOT NULL GROUP BY root_id),
             shown AS (
                SELECT article_id, COUNT(*) AS n FROM comments WHERE public GROUP BY article_id)
             SELECT 'article ' || a.id || ' comment_count', a.comment_count, COALESCE(s.n, 0)
             FROM articles a LEFT JOIN shown s ON s.article_id = a.id
             WHERE a.comment_count <> COALESCE(s.n, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' reply_count', c.reply_count, COALESCE(p.n, 0)
             FROM comments c LEFT JOIN replies p ON p.root_id = c.id
             WHERE c.reply_count <> COALESCE(p.n, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' up', c.up, COALESCE(v.up, 0)
             FROM comments c LEFT JOIN votes v ON v.comment_id = c.id
             WHERE c.up <> COALESCE(v.up, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' down', c.down, COALESCE(v.down, 0)
             FROM comments c LEFT JOIN votes v ON v.comment_id = c.id
             WHERE c.down <> COALESCE(v.down, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' score', c.score, COALESCE(v.up, 0) - COALESCE(v.down, 0)
             FROM comments c LEFT JOIN votes v ON v.comment_id = c.id
             WHERE c.score <> COALESCE(v.up, 0) - COALESCE(v.down, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' open_reports', c.open_reports, COALESCE(r.n, 0)
             FROM comments c LEFT JOIN reports r ON r.comment_id = c.id
             WHERE c.open_reports <> COALESCE(r.n, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' report_risk', c.report_risk, COALESCE(r.risk, 0)
             FROM comments c LEFT JOIN reports r ON r.comment_id = c.id
             WHERE c.report_risk <> COALESCE(r.risk, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' public', c.public::int::bigint,
                    (c.verdict = 'visible' AND NOT c.deleted AND NOT c.shadow)::int::bigint
             FROM comments c
             WHERE c.public <> (c.verdict = 'visible' AND NOT c.deleted AND NOT c.shadow)
             UNION ALL
             SELECT 'comment ' || c.id || ' listed', c.listed::int::bigint,
                    (c.root_id IS NULL AND (c.public OR c.reply_count > 0))::int::bigint
             FROM comments c
             WHERE c.listed <> (c.root_id IS NULL AND (c.public OR c.reply_count > 0))
             UNION ALL
             SELECT 'poll ' || p.id || ' total_votes', p.total_votes,
                    (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = p.id)
             FROM polls p
             WHERE p.total_votes <> (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = p.id)
             UNION ALL
             SELECT 'poll option ' || o.id || ' votes', o.votes,
                    (SELECT COUNT(*) FROM poll_votes v WHERE v.option_id = o.id)
             FROM poll_options o
             WHERE o.votes <> (SELECT COUNT(*) FROM poll_votes v WHERE v.option_id = o.id)
             ORDER BY 1",
        )
        .bind(&reasons)
        .bind(&weights)
        .fetch_all(&mut *tx)
        .await
        .map_err(db);
        let rows = settle(tx, rows).await?;
        rows.iter()
            .map(|r| {
                Ok(CounterMismatch {
                    what: r.try_get(0).map_err(db)?,
                    stored: r.try_get::<i64, _>(1).map_err(db)?,
                    counted: r.try_get::<i64, _>(2).map_err(db)?,
                })
            })
            .collect()
    }
}
