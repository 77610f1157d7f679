//! Comments, votes on them, reports and moderation.
//!
//! One rule holds everything together: a comment's `public` flag (visible, not deleted, not
//! shadow) only changes with [`set_public`], which moves the thread's reply count and the
//! top-level comment's `listed` flag with it, and [`publish`], which moves the article's
//! comment count and appends the change log, in the caller's transaction.
//!
//! On PostgreSQL comment writes do not take the article-write lock: many run at once. Each
//! locks only the rows it changes, always in the same order, so two writers never wait for
//! each other in a circle (on SQLite the one writer holds everything, and the lock clauses
//! are empty):
//!
//! 1. the accounts it names (author, voter, reporter, moderator), share-locked (`FOR KEY
//!    SHARE`, as a foreign key does), so none is deleted meanwhile; deleting an account
//!    locks it exclusively as its first step and so waits for these writers, or they for it;
//! 2. the comment (a new one is locked by nobody else);
//! 3. its thread's top-level comment;
//! 4. the author's account row, when its trust changes (an upgrade of the share lock of
//!    step 1, which PostgreSQL grants without queueing behind a waiting deletion);
//! 5. the article row, for its comment count;
//! 6. the change log, under its shared lock, as the last statement.
//!
//! The article row is the one every comment on a busy article wants, so it comes last: it
//! is held for one statement and the commit. A write that does not change what is public
//! never locks it. New comments are stored by the dialect's group-commit writer.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tracing::instrument;
use tribune_core::account::{Account, AccountId, Role};
use tribune_core::article::ArticleId;
use tribune_core::comment::{
    AccountAction, Comment, CommentAction, CommentCursor, CommentEdit, CommentId, CommentSort,
    CommentsPage, EDIT_WINDOW, LogEntry, Lookback, NewComment, PostingContext, Queue, QueueItem,
    Report, ReportReason, SAME_TEXT_CAP, Thread,
};
use tribune_core::moderation::{RecentComment, Verdict};
use tribune_core::storable;
use tribune_core::store::{CommentStore, CounterMismatch, StoreError, StoreResult};

use super::accounts::account_in;
use super::{
    Backend, Conn, count_and_record, db, first_replies_from, for_key_share, for_no_key_update,
    id_list, in_ids, indexed_by, record_changes, settle,
};
use crate::at::At;
use crate::is_unique_violation;

/// The name shown for an author whose account is gone.
pub(crate) const DELETED_NAME: &str = "verwijderd account";

/// The columns [`CommentRow`] reads, from `comments c` with [`comment_joins`].
macro_rules! comment_columns {
    () => {
        "c.id, c.article_id, c.author_id, au.display_name AS author_name,
         au.role AS author_role, c.root_id, c.reply_to,
         CASE WHEN rc.id IS NOT NULL THEN COALESCE(ra.display_name, 'verwijderd account') END
             AS reply_to_name,
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

/// The columns [`ReportRow`] reads, from `comment_reports r` with the reporter as `ra`.
macro_rules! report_columns {
    () => {
        "r.id, r.comment_id, r.reporter_id,
         COALESCE(ra.display_name, 'verwijderd account') AS reporter_name,
         r.reason, r.note, r.comment_text, r.created_at, r.resolved_at IS NOT NULL AS resolved"
    };
}
pub(crate) use report_columns;

/// A comment as every query reads it ([`comment_columns`]).
#[derive(sqlx::FromRow)]
pub(crate) struct CommentRow {
    id: CommentId,
    article_id: ArticleId,
    author_id: Option<AccountId>,
    author_name: Option<String>,
    author_role: Option<String>,
    root_id: Option<CommentId>,
    reply_to: Option<CommentId>,
    reply_to_name: Option<String>,
    body_markdown: String,
    body_html: String,
    created_at: At,
    edited_at: Option<At>,
    deleted: bool,
    verdict: String,
    shadow: bool,
    up: i64,
    down: i64,
    reply_count: i64,
    public: bool,
}

fn verdict_of(s: &str) -> StoreResult<Verdict> {
    Verdict::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown verdict {s}")))
}

pub(crate) fn role_of(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown role {s}")))
}

impl CommentRow {
    pub(crate) fn into_comment(self) -> StoreResult<Comment> {
        let author_role = match self.author_role.as_deref() {
            Some(role) => Some(role_of(role)?).filter(|r| r.is_staff()),
            None => None,
        };
        Ok(Comment {
            id: self.id,
            article_id: self.article_id,
            author_id: self.author_id,
            author_name: self.author_name.unwrap_or_else(|| DELETED_NAME.to_string()),
            author_role: author_role.map(|r| r.as_str().to_string()),
            root_id: self.root_id,
            reply_to: self.reply_to,
            reply_to_name: self.reply_to_name,
            body_markdown: self.body_markdown,
            body_html: self.body_html,
            created_at: self.created_at.0,
            edited_at: self.edited_at.map(Into::into),
            deleted: self.deleted,
            verdict: verdict_of(&self.verdict)?,
            shadow: self.shadow,
            up: self.up,
            down: self.down,
            reply_count: self.reply_count,
            public: self.public,
        })
    }

    /// A top-level comment as a page shows it: without text unless it is public.
    fn into_listed(self) -> StoreResult<Comment> {
        let mut c = self.into_comment()?;
        if !c.public {
            c.body_markdown.clear();
            c.body_html.clear();
        }
        Ok(c)
    }
}

pub(crate) fn comments(rows: Vec<CommentRow>) -> StoreResult<Vec<Comment>> {
    rows.into_iter().map(CommentRow::into_comment).collect()
}

/// A report as every query reads it ([`report_columns`]).
#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    id: i64,
    comment_id: CommentId,
    reporter_id: Option<AccountId>,
    reporter_name: String,
    reason: String,
    note: String,
    comment_text: String,
    created_at: At,
    resolved: bool,
}

impl ReportRow {
    pub(crate) fn into_report(self) -> StoreResult<Report> {
        Ok(Report {
            id: self.id,
            comment_id: self.comment_id,
            reporter_id: self.reporter_id,
            reporter_name: self.reporter_name,
            reason: ReportReason::parse(&self.reason).ok_or_else(|| {
                StoreError::Invalid(format!("unknown report reason {}", self.reason))
            })?,
            note: self.note,
            comment_text: self.comment_text,
            created_at: self.created_at.0,
            resolved: self.resolved,
        })
    }
}

/// A queue's comment with what the queue adds.
#[derive(sqlx::FromRow)]
struct QueueRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    article_title: String,
    reasons: String,
    total_risk: i64,
}

fn nul_refused() -> StoreError {
    StoreError::Invalid("Je reactie bevat tekens die we niet toelaten.".to_string())
}

/// Whether a comment's texts can be stored (see `tribune_core::storable`).
fn check_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> StoreResult<()> {
    storable::texts(texts).map_err(|_| nul_refused())
}

/// [`check_texts`] for a new comment, before the group-commit writer stores it.
pub(crate) fn check_comment_texts(new: &NewComment) -> StoreResult<()> {
    check_texts(
        [new.body_markdown.as_str(), new.body_html.as_str()]
            .into_iter()
            .chain(new.reasons.iter().map(String::as_str)),
    )
}

/// A reply must answer a comment on the same article.
pub(crate) const REPLY_ELSEWHERE: &str =
    "Je reageert op een reactie die niet bij dit artikel hoort.";

/// A comment's state as a write found it, with its row locked.
#[derive(sqlx::FromRow)]
struct Locked {
    id: CommentId,
    article_id: ArticleId,
    root_id: Option<CommentId>,
    author_id: Option<AccountId>,
    verdict: String,
    deleted: bool,
    shadow: bool,
    public: bool,
    created_at: At,
}

/// Any comment, inside the caller's transaction (or on a pooled connection).
pub(crate) async fn comment_in(tx: &mut Conn, id: CommentId) -> StoreResult<Option<Comment>> {
    let row: Option<CommentRow> = sqlx::query_as(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments c ",
        comment_joins!(),
        " WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    row.map(CommentRow::into_comment).transpose()
}

async fn found(tx: &mut Conn, id: CommentId) -> StoreResult<Comment> {
    comment_in(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Locks a comment row for a change (the thread's top-level comment and the article come
/// later, and only when what is public changes: see the module documentation).
async fn lock_comment(tx: &mut Conn, id: CommentId) -> StoreResult<Option<Locked>> {
    sqlx::query_as(concat!(
        "SELECT id, article_id, root_id, author_id, verdict, deleted, shadow, public, created_at
         FROM comments WHERE id = $1",
        for_no_key_update!()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)
}

/// Makes a locked comment public or not, with its thread's reply count and what is listed;
/// answers how the article's count must change, for [`publish`].
async fn set_public(tx: &mut Conn, c: &Locked, public: bool) -> StoreResult<i64> {
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
        // The right-hand sides see the row as it was before this statement.
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
    tx: &mut Conn,
    article_id: ArticleId,
    delta: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    count_and_record(tx, article_id, delta, now).await
}

/// Share-locks an account that is about to be named in a row (a vote, a report, the log),
/// so it is not deleted meanwhile: step 1 of the module documentation. Answers whether
/// there is such an account.
async fn hold(tx: &mut Conn, id: AccountId) -> StoreResult<bool> {
    Ok(sqlx::query(concat!(
        "SELECT 1 FROM accounts WHERE id = $1",
        for_key_share!()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .is_some())
}

/// [`hold`], NotFound when the account is not there.
async fn hold_account(tx: &mut Conn, id: AccountId) -> StoreResult<()> {
    if hold(tx, id).await? {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Changes an author's count of visible comments (never below zero).
pub(crate) async fn add_trust(
    tx: &mut Conn,
    author: Option<AccountId>,
    by: i64,
) -> StoreResult<()> {
    let Some(author) = author else { return Ok(()) };
    sqlx::query(
        "UPDATE accounts SET approved_comments =
            CASE WHEN approved_comments + $2 > 0 THEN approved_comments + $2 ELSE 0 END
         WHERE id = $1",
    )
    .bind(author)
    .bind(by)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Marks a comment deleted and forgets its text (revisions included).
pub(crate) async fn blank(tx: &mut Conn, id: CommentId) -> StoreResult<()> {
    sqlx::query(
        "UPDATE comments SET deleted = true, body_markdown = '', body_html = '' WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM comment_revisions WHERE comment_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

async fn edit_comment_in(
    tx: &mut Conn,
    id: CommentId,
    author_id: AccountId,
    edit: &CommentEdit,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    check_texts(
        [edit.body_markdown.as_str(), edit.body_html.as_str()]
            .into_iter()
            .chain(edit.reasons.iter().map(String::as_str)),
    )?;
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
    if verdict_of(&c.verdict)? == Verdict::Rejected {
        return Err(StoreError::Invalid(
            "Een reactie die de moderatie weghaalde, kan je niet meer bewerken.".to_string(),
        ));
    }
    if At(now).millis() - c.created_at.millis() > EDIT_WINDOW.num_milliseconds() {
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
    .bind(At(now))
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
    .bind(i64::from(edit.risk))
    .bind(At(now))
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
    tx: &mut Conn,
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
    blank(tx, id).await?;
    let delta = set_public(tx, &c, false).await?;
    let comment = found(tx, id).await?;
    if c.public {
        publish(tx, c.article_id, delta, now).await?;
    }
    Ok(comment)
}

#[derive(sqlx::FromRow)]
struct Votable {
    article_id: ArticleId,
    author_id: Option<AccountId>,
    public: bool,
    up: i64,
    down: i64,
}

#[derive(sqlx::FromRow)]
struct Tally {
    up: i64,
    down: i64,
}

async fn vote_comment_in(
    tx: &mut Conn,
    id: CommentId,
    account_id: AccountId,
    value: i32,
) -> StoreResult<(i64, i64)> {
    hold_account(tx, account_id).await?;
    let Some(c): Option<Votable> = sqlx::query_as(concat!(
        "SELECT article_id, author_id, public, up, down FROM comments WHERE id = $1",
        for_no_key_update!()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    else {
        return Err(StoreError::NotFound);
    };
    if c.author_id == Some(account_id) {
        return Err(StoreError::Invalid(
            "Je kan niet stemmen op je eigen reactie.".to_string(),
        ));
    }
    if !c.public {
        return Err(StoreError::Invalid(
            "Op deze reactie kan je niet stemmen.".to_string(),
        ));
    }
    // Read after the comment is locked (a statement of its own, so it sees a vote the
    // same account committed meanwhile): votes on this comment take turns.
    let old: i32 = sqlx::query_scalar(
        "SELECT value FROM comment_votes WHERE account_id = $1 AND comment_id = $2",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .unwrap_or(0);
    if old == value {
        return Ok((c.up, c.down));
    }
    if value == 0 {
        sqlx::query("DELETE FROM comment_votes WHERE account_id = $1 AND comment_id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
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
        .map_err(db)?;
    }
    let d_up = i64::from(value == 1) - i64::from(old == 1);
    let d_down = i64::from(value == -1) - i64::from(old == -1);
    let tally: Tally = sqlx::query_as(
        "UPDATE comments SET up = up + $2, down = down + $3, score = score + $2 - $3
         WHERE id = $1 RETURNING up, down",
    )
    .bind(id)
    .bind(d_up)
    .bind(d_down)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    record_changes(tx, &[c.article_id], Utc::now()).await?;
    Ok((tally.up, tally.down))
}

async fn report_comment_in(
    tx: &mut Conn,
    id: CommentId,
    reporter_id: AccountId,
    reason: ReportReason,
    note: &str,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    check_texts([note])?;
    hold_account(tx, reporter_id).await?;
    let Some(text): Option<String> = sqlx::query_scalar(concat!(
        "SELECT body_markdown FROM comments WHERE id = $1",
        for_no_key_update!()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    else {
        return Err(StoreError::NotFound);
    };
    let inserted = sqlx::query_scalar(
        "INSERT INTO comment_reports (comment_id, reporter_id, reason, note, comment_text,
            created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(reporter_id)
    .bind(reason.as_str())
    .bind(note.trim())
    .bind(&text)
    .bind(At(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db);
    let report_id: i64 = match inserted {
        Ok(id) => id,
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
    .bind(i64::from(reason.risk()))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let row: ReportRow = sqlx::query_as(concat!(
        "SELECT ",
        report_columns!(),
        " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id WHERE r.id = $1"
    ))
    .bind(report_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    row.into_report()
}

/// The moderator's name as the audit log keeps it, with the account share-locked (step 1
/// of the lock order).
async fn moderator_name(tx: &mut Conn, id: AccountId) -> StoreResult<String> {
    sqlx::query_scalar(concat!(
        "SELECT display_name FROM accounts WHERE id = $1",
        for_key_share!()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)
}

async fn log_line(
    tx: &mut Conn,
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
    .bind(At(now))
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
    tx: &mut Conn,
    id: CommentId,
    moderator_id: AccountId,
    action: CommentAction,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<Comment> {
    check_texts([reason])?;
    let trust = match action {
        CommentAction::Approve | CommentAction::Restore => 1,
        CommentAction::Remove => -1,
        CommentAction::Reject | CommentAction::Dismiss => 0,
    };
    // Step 1 of the lock order: the moderator (named in the log) and the author (whose
    // trust may change) are share-locked before the comment, so neither account is
    // deleted meanwhile. The author can change only to nobody, and not while held.
    let name = moderator_name(tx, moderator_id).await?;
    let author: Option<AccountId> =
        sqlx::query_scalar::<_, Option<AccountId>>("SELECT author_id FROM comments WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
    if let Some(author) = author {
        hold(tx, author).await?;
    }
    let Some(c) = lock_comment(tx, id).await? else {
        return Err(StoreError::NotFound);
    };
    let verdict = action
        .apply(verdict_of(&c.verdict)?)
        .map_err(StoreError::Invalid)?;
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
    .bind(At(now))
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
    tx: &mut Conn,
    account_id: AccountId,
    moderator_id: AccountId,
    action: AccountAction,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    check_texts([reason])?;
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
        AccountAction::Suspend { until } => query.bind(At(until)),
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
/// article, $2 how many, $3 and $4 the cursor. Each order reads one range of a partial
/// index, named for SQLite, which without statistics may pick the plain (article_id,
/// created_at) index and wade through every reply of the article.
macro_rules! roots_query {
    ($index:literal, $after:literal, $order:literal) => {
        concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c",
            indexed_by!($index),
            " ",
            comment_joins!(),
            " WHERE c.article_id = $1 AND c.root_id IS NULL AND c.listed ",
            $after,
            " ORDER BY ",
            $order,
            " LIMIT $2"
        )
    };
}

const NEWEST: &str = roots_query!("comments_newest", "", "c.created_at DESC, c.id DESC");
const NEWEST_AFTER: &str = roots_query!(
    "comments_newest",
    "AND (c.created_at, c.id) < ($3, $4)",
    "c.created_at DESC, c.id DESC"
);
const OLDEST: &str = roots_query!("comments_newest", "", "c.created_at, c.id");
const OLDEST_AFTER: &str = roots_query!(
    "comments_newest",
    "AND (c.created_at, c.id) > ($3, $4)",
    "c.created_at, c.id"
);
const BEST: &str = roots_query!("comments_best", "", "c.score DESC, c.id DESC");
const BEST_AFTER: &str = roots_query!(
    "comments_best",
    "AND (c.score, c.id) < ($3, $4)",
    "c.score DESC, c.id DESC"
);

/// One page of top-level comments with their first replies, inside one snapshot.
async fn page_in(
    tx: &mut Conn,
    article_id: ArticleId,
    sort: CommentSort,
    after: Option<CommentCursor>,
    limit: u32,
    replies: u32,
) -> StoreResult<CommentsPage> {
    let fetch = i64::from(limit) + 1;
    let query = match (sort, after) {
        (CommentSort::Newest, None) => sqlx::query_as::<_, CommentRow>(NEWEST),
        (CommentSort::Oldest, None) => sqlx::query_as(OLDEST),
        (CommentSort::Best, None) => sqlx::query_as(BEST),
        (CommentSort::Newest, Some(_)) => sqlx::query_as(NEWEST_AFTER),
        (CommentSort::Oldest, Some(_)) => sqlx::query_as(OLDEST_AFTER),
        (CommentSort::Best, Some(_)) => sqlx::query_as(BEST_AFTER),
    };
    let query = query.bind(article_id).bind(fetch);
    let query = match (sort, after) {
        (_, None) => query,
        (CommentSort::Best, Some(c)) => query.bind(c.key).bind(c.id),
        (_, Some(c)) => query.bind(At::from_millis(c.key)).bind(c.id),
    };
    let rows = query.fetch_all(&mut *tx).await.map_err(db)?;
    let mut roots = rows
        .into_iter()
        .map(CommentRow::into_listed)
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
        // One query for the whole page: each thread's first replies.
        let rows: Vec<CommentRow> = sqlx::query_as(concat!(
            "SELECT ",
            comment_columns!(),
            first_replies_from!(),
            comment_joins!(),
            " ORDER BY c.root_id, c.created_at, c.id"
        ))
        .bind(id_list(&ids))
        .bind(i64::from(replies))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut by_root: HashMap<CommentId, Vec<Comment>> = HashMap::new();
        for r in rows {
            let reply = r.into_comment()?;
            if let Some(root) = reply.root_id {
                by_root.entry(root).or_default().push(reply);
            }
        }
        for t in &mut threads {
            t.replies = by_root.remove(&t.root.id).unwrap_or_default();
        }
    }
    Ok(CommentsPage { threads, next })
}

/// A listed top-level comment with all its public replies, in one snapshot.
async fn thread_in(tx: &mut Conn, root_id: CommentId) -> StoreResult<Option<Thread>> {
    let Some(root): Option<CommentRow> = sqlx::query_as(concat!(
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
    let root = root.into_listed()?;
    let replies: Vec<CommentRow> = sqlx::query_as(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments c ",
        comment_joins!(),
        " WHERE c.root_id = $1 AND c.public ORDER BY c.created_at, c.id"
    ))
    .bind(root_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    Ok(Some(Thread {
        root,
        replies: comments(replies)?,
    }))
}

/// The queues, riskiest first; $1 how many.
macro_rules! queue_query {
    ($filter:literal, $order:literal) => {
        concat!(
            "SELECT ",
            comment_columns!(),
            ", a.title AS article_title, c.reasons, c.risk + c.report_risk AS total_risk
             FROM comments c ",
            comment_joins!(),
            " JOIN articles a ON a.id = c.article_id WHERE ",
            $filter,
            " ORDER BY ",
            $order,
            " LIMIT $1"
        )
    };
}

/// One of the author's earlier comments the rules look at, beside the counts.
#[derive(sqlx::FromRow)]
struct Looked {
    rate: i64,
    others: i64,
    created_at: Option<At>,
    fingerprint: Option<i64>,
    article_id: Option<ArticleId>,
}

#[derive(sqlx::FromRow)]
struct Revised {
    body_markdown: String,
    replaced_at: At,
}

#[derive(sqlx::FromRow)]
struct OwnVote {
    comment_id: CommentId,
    value: i32,
}

#[derive(sqlx::FromRow)]
struct QueueSizes {
    pending: i64,
    reported: i64,
    flagged: i64,
}

#[derive(sqlx::FromRow)]
struct LogRow {
    id: i64,
    at: At,
    moderator_id: Option<AccountId>,
    moderator_name: String,
    action: String,
    comment_id: Option<CommentId>,
    account_id: Option<AccountId>,
    reason: String,
}

#[derive(sqlx::FromRow)]
struct Mismatch {
    what: String,
    stored: i64,
    counted: i64,
}

#[async_trait]
impl CommentStore for Backend {
    async fn posting_context(&self, look: &Lookback) -> StoreResult<PostingContext> {
        // One round trip: the article's rate (counted no further than the cap) joined to
        // the author's earlier comments the rules look at; UNION lists each of those once.
        let rows: Vec<Looked> = sqlx::query_as(
            "SELECT r.rate, r.others, u.created_at, u.fingerprint, u.article_id
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
                 SELECT * FROM (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = $1 AND created_at > $10 AND id IS DISTINCT FROM $4
                     ORDER BY created_at DESC LIMIT $5) newest
                 UNION
                 SELECT * FROM (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = $1 AND fingerprint = $6 AND created_at >= $7
                       AND id IS DISTINCT FROM $4
                     LIMIT 1) same
                 UNION
                 SELECT * FROM (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = $1 AND article_id = $2 AND created_at >= $11
                       AND id IS DISTINCT FROM $4
                     ORDER BY created_at DESC LIMIT 1) here
             ) u ON true",
        )
        .bind(look.author_id)
        .bind(look.article_id)
        .bind(At(look.now))
        .bind(look.editing)
        .bind(i64::from(look.newest))
        .bind(look.fingerprint)
        .bind(At(look.duplicate_since))
        .bind(At(look.now - Duration::seconds(60)))
        .bind(i64::from(look.rate_cap))
        .bind(At(look.now - Duration::hours(1)))
        .bind(At(look.here_since))
        .bind(i64::from(SAME_TEXT_CAP))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        let mut context = PostingContext::default();
        for r in rows {
            context.article_rate = u32::try_from(r.rate).unwrap_or(0);
            context.same_text_elsewhere = u32::try_from(r.others).unwrap_or(0);
            if let (Some(at), Some(fingerprint), Some(article_id)) =
                (r.created_at, r.fingerprint, r.article_id)
            {
                context.recent.push(RecentComment {
                    at: at.0,
                    fingerprint,
                    article_id,
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
        let mut conn = self.reader().acquire().await.map_err(db)?;
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
        let mut tx = self.begin_snapshot().await?;
        let done = page_in(&mut tx, article_id, sort, after, limit, replies).await;
        settle(tx, done).await
    }

    async fn thread(&self, root_id: CommentId) -> StoreResult<Option<Thread>> {
        let mut tx = self.begin_snapshot().await?;
        let done = thread_in(&mut tx, root_id).await;
        settle(tx, done).await
    }

    async fn own_unlisted_comments(
        &self,
        article_id: ArticleId,
        author_id: AccountId,
    ) -> StoreResult<Vec<Comment>> {
        let rows: Vec<CommentRow> = sqlx::query_as(concat!(
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
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        comments(rows)
    }

    #[instrument(skip_all)]
    async fn edit_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        edit: &CommentEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.begin_rows().await?;
        let done = edit_comment_in(&mut tx, id, author_id, edit, now).await;
        settle(tx, done).await
    }

    async fn comment_revisions(&self, id: CommentId) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        let rows: Vec<Revised> = sqlx::query_as(
            "SELECT body_markdown, replaced_at FROM comment_revisions
             WHERE comment_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.body_markdown, r.replaced_at.0))
            .collect())
    }

    #[instrument(skip_all)]
    async fn delete_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.begin_rows().await?;
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
        let mut tx = self.begin_rows().await?;
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
        let rows: Vec<OwnVote> = sqlx::query_as(concat!(
            "SELECT comment_id, value FROM comment_votes
             WHERE account_id = $1 AND comment_id ",
            in_ids!("$2"),
            " ORDER BY comment_id"
        ))
        .bind(account_id)
        .bind(id_list(ids))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|v| (v.comment_id, v.value)).collect())
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
        let mut tx = self.begin_rows().await?;
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
        let rows: Vec<QueueRow> = sqlx::query_as(sql)
            .bind(i64::from(limit))
            .fetch_all(self.reader())
            .await
            .map_err(db)?;
        let mut items = rows
            .into_iter()
            .map(|r| {
                Ok(QueueItem {
                    comment: r.comment.into_comment()?,
                    article_title: r.article_title,
                    reasons: r.reasons.split_whitespace().map(str::to_string).collect(),
                    risk: u32::try_from(r.total_risk.max(0)).unwrap_or(u32::MAX),
                    reports: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if items.is_empty() {
            return Ok(items);
        }
        let ids: Vec<CommentId> = items.iter().map(|i| i.comment.id).collect();
        let reports: Vec<ReportRow> = sqlx::query_as(concat!(
            "SELECT ",
            report_columns!(),
            " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
              WHERE r.comment_id ",
            in_ids!("$1"),
            " AND r.resolved_at IS NULL
              ORDER BY r.created_at, r.id"
        ))
        .bind(id_list(&ids))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        for r in reports {
            let report = r.into_report()?;
            if let Some(item) = items.iter_mut().find(|i| i.comment.id == report.comment_id) {
                item.reports.push(report);
            }
        }
        Ok(items)
    }

    async fn queue_sizes(&self) -> StoreResult<Vec<(Queue, i64)>> {
        let sizes: QueueSizes = sqlx::query_as(
            "SELECT
                (SELECT COUNT(*) FROM comments WHERE verdict = 'pending' AND NOT deleted)
                    AS pending,
                (SELECT COUNT(*) FROM comments WHERE open_reports > 0) AS reported,
                (SELECT COUNT(*) FROM comments WHERE risk > 0) AS flagged",
        )
        .fetch_one(self.reader())
        .await
        .map_err(db)?;
        Ok(vec![
            (Queue::Pending, sizes.pending),
            (Queue::Reported, sizes.reported),
            (Queue::Flagged, sizes.flagged),
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
        let mut tx = self.begin_rows().await?;
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
    ) -> StoreResult<Account> {
        let mut tx = self.begin_rows().await?;
        let done =
            moderate_account_in(&mut tx, account_id, moderator_id, action, reason, now).await;
        settle(tx, done).await
    }

    async fn moderation_log(&self, limit: u32) -> StoreResult<Vec<LogEntry>> {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT id, at, moderator_id, moderator_name, action, comment_id, account_id, reason
             FROM moderation_log ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| LogEntry {
                id: r.id,
                at: r.at.0,
                moderator_id: r.moderator_id,
                moderator_name: r.moderator_name,
                action: r.action,
                comment_id: r.comment_id,
                account_id: r.account_id,
                reason: r.reason,
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn counter_mismatches(&self) -> StoreResult<Vec<CounterMismatch>> {
        // Every stored counter beside a count of its rows, where they differ, in one
        // snapshot. `public` and `listed` are counted from their definitions, so a wrong
        // flag shows up too. A report's weight comes from the reasons core knows.
        let weights: String = ReportReason::ALL
            .iter()
            .map(|r| format!(" WHEN '{}' THEN {}", r.as_str(), r.risk()))
            .collect();
        let sql = format!(
            "WITH votes AS (
                SELECT comment_id, COUNT(*) FILTER (WHERE value = 1) AS up,
                       COUNT(*) FILTER (WHERE value = -1) AS down
                FROM comment_votes GROUP BY comment_id),
             reports AS (
                SELECT comment_id, COUNT(*) AS n,
                       CAST(SUM(CASE reason{weights} ELSE 0 END) AS BIGINT) AS risk
                FROM comment_reports WHERE resolved_at IS NULL GROUP BY comment_id),
             replies AS (
                SELECT root_id, COUNT(*) AS n FROM comments
                WHERE public AND root_id IS NOT NULL GROUP BY root_id),
             shown AS (
                SELECT article_id, COUNT(*) AS n FROM comments WHERE public GROUP BY article_id)
             SELECT 'article ' || a.id || ' comment_count' AS what, a.comment_count AS stored,
                    COALESCE(s.n, 0) AS counted
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
             SELECT 'comment ' || c.id || ' score', c.score, c.up - c.down
             FROM comments c WHERE c.score <> c.up - c.down
             UNION ALL
             SELECT 'comment ' || c.id || ' open_reports', c.open_reports, COALESCE(r.n, 0)
             FROM comments c LEFT JOIN reports r ON r.comment_id = c.id
             WHERE c.open_reports <> COALESCE(r.n, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' report_risk', c.report_risk, COALESCE(r.risk, 0)
             FROM comments c LEFT JOIN reports r ON r.comment_id = c.id
             WHERE c.report_risk <> COALESCE(r.risk, 0)
             UNION ALL
             SELECT 'comment ' || c.id || ' public', CASE WHEN c.public THEN 1 ELSE 0 END,
                    CASE WHEN c.verdict = 'visible' AND NOT c.deleted AND NOT c.shadow
                         THEN 1 ELSE 0 END
             FROM comments c
             WHERE c.public <> (c.verdict = 'visible' AND NOT c.deleted AND NOT c.shadow)
             UNION ALL
             SELECT 'comment ' || c.id || ' listed', CASE WHEN c.listed THEN 1 ELSE 0 END,
                    CASE WHEN c.root_id IS NULL AND (c.public OR c.reply_count > 0)
                         THEN 1 ELSE 0 END
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
             ORDER BY 1"
        );
        let mut tx = self.begin_snapshot().await?;
        // The SQL holds only core's own reason names and weights, no input.
        let rows = sqlx::query_as::<_, Mismatch>(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await
            .map_err(db);
        let rows = settle(tx, rows).await?;
        Ok(rows
            .into_iter()
            .map(|r| CounterMismatch {
                what: r.what,
                stored: r.stored,
                counted: r.counted,
            })
            .collect())
    }
}
