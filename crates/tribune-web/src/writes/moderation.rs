//! The moderators' decisions and what the Digital Services Act adds to them: a verdict on a
//! comment (which the moderation model learns from), a measure on an account, an author's
//! contest and its decision, a notice of illegal content and its handling. What changes a
//! comment's standing announces its article, which also drops the lists and with them the
//! cached transparency report.

use tribune_core::Event;
use tribune_core::account::{Account, AccountId};
use tribune_core::comment::{AccountAction, Comment, CommentAction, CommentId};
use tribune_core::law::{
    Contest, ContestOutcome, MAX_NOTE_CHARS, NewNotice, Notice, NoticeOutcome,
};
use tribune_core::moderation::Verdict;

use crate::error::AppError;
use crate::state::AppState;

/// A moderator's verdict on a comment (`reason` checked by the caller); the article page
/// follows at once and this node's model learns the decision.
pub async fn moderate_comment(
    state: &AppState,
    moderator: AccountId,
    id: CommentId,
    action: CommentAction,
    reason: &str,
) -> Result<Comment, AppError> {
    let c = state
        .store
        .moderate_comment(id, moderator, action, reason, state.clock.now())
        .await?;
    state.publish(Event::ArticleChanged { id: c.article_id });
    // The decision is stored with its lesson; the next comment is judged by a model that
    // learned it. Should this read fail, the next refresh learns it.
    if let Err(e) = state.learning.refresh(&*state.store).await {
        tracing::warn!(error = %e, "moderation model not refreshed after a decision");
    }
    Ok(c)
}

/// Suspends, bans, shadow-bans or reinstates an account (the caller checked the moderator
/// may); the account's comments keep their pages until their next change.
pub async fn moderate_account(
    state: &AppState,
    moderator: AccountId,
    id: AccountId,
    action: AccountAction,
    reason: &str,
) -> Result<Account, AppError> {
    Ok(state
        .store
        .moderate_account(id, moderator, action, reason, state.clock.now())
        .await?)
}

/// Drops the cached pages that show the comment's article, and with it the transparency
/// report (cached under the lists key).
async fn touched(state: &AppState, comment_id: CommentId) {
    if let Ok(Some(c)) = state.store.comment(comment_id).await {
        state.publish(Event::ArticleChanged { id: c.article_id });
    }
}

/// The author contests the decision on their comment, once (`explanation` checked).
pub async fn contest(
    state: &AppState,
    author: AccountId,
    comment_id: CommentId,
    explanation: &str,
) -> Result<Contest, AppError> {
    let contest = state
        .store
        .contest(comment_id, author, explanation, state.clock.now())
        .await?;
    touched(state, comment_id).await;
    Ok(contest)
}

/// A moderator decides a contest (`note` checked). Overturning restores a rejected comment
/// through [`moderate_comment`], so counts, trust, the audit log and the model go as for
/// any restore.
pub async fn decide_contest(
    state: &AppState,
    moderator: AccountId,
    id: i64,
    outcome: ContestOutcome,
    note: &str,
) -> Result<Contest, AppError> {
    let contest = state
        .store
        .contest_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if contest.outcome.is_some() {
        return Err(
            tribune_core::StoreError::Conflict("Over dit bezwaar is al beslist.".into()).into(),
        );
    }
    if outcome == ContestOutcome::Overturned {
        let comment = state
            .store
            .comment(contest.comment_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if comment.verdict == Verdict::Rejected {
            let why = if note.is_empty() {
                format!("bezwaar {id} aanvaard")
            } else {
                format!("bezwaar {id} aanvaard: {note}")
            };
            // As long as any moderator's reason may be, and trimmed as theirs are.
            let why: String = why.chars().take(MAX_NOTE_CHARS).collect();
            moderate_comment(
                state,
                moderator,
                comment.id,
                CommentAction::Restore,
                why.trim(),
            )
            .await?;
        }
    }
    let done = state
        .store
        .resolve_contest(id, moderator, outcome, note, state.clock.now())
        .await?;
    touched(state, done.comment_id).await;
    Ok(done)
}

/// Stores a checked notice of illegal content about a public comment.
pub async fn add_notice(state: &AppState, notice: &NewNotice) -> Result<Notice, AppError> {
    let stored = state.store.add_notice(notice, state.clock.now()).await?;
    touched(state, notice.comment_id).await;
    Ok(stored)
}

/// A moderator closes a notice (`note` checked): action taken (on the comment, with the
/// desk's own actions) or none.
pub async fn handle_notice(
    state: &AppState,
    moderator: AccountId,
    id: i64,
    outcome: NoticeOutcome,
    note: &str,
) -> Result<Notice, AppError> {
    let n = state
        .store
        .handle_notice(id, moderator, outcome, note, state.clock.now())
        .await?;
    if let Some(c) = n.comment_id {
        touched(state, c).await;
    }
    Ok(n)
}
