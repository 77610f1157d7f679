//! Reader comments: posting and editing (judged by the moderation rules first, the verdict
//! stored with the text), deleting, votes and reports. A change readers can see announces
//! the comment's article, so its page, the match page it is shown on and the lists (which
//! show counts) are rendered again.

use tribune_core::account::AccountId;
use tribune_core::comment::{self, Comment, CommentEdit, CommentId, Lookback, ReportReason};
use tribune_core::moderation::{self, Refusal, Submission};
use tribune_core::{ArticleId, Event, StoreError};

use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;

/// Runs the moderation rules on a text by this viewer for this article; `editing` is the
/// comment whose text this replaces. The verdict is part of the write: it decides whether
/// the comment is shown, held or refused. Answers the text as it is stored: rendered, with
/// its fingerprint (the one the duplicate check used) and its verdict.
async fn judge(
    state: &AppState,
    viewer: &Viewer,
    article_id: ArticleId,
    body: &str,
    editing: Option<CommentId>,
) -> Result<CommentEdit, AppError> {
    comment::check_body(body).map_err(AppError::BadRequest)?;
    let now = state.clock.now();
    viewer.can_post(now)?;
    let staff = viewer.account.role.is_staff();
    if !staff
        && let Some(night) = &state.config.night_closing
        && night.is_closed(now)
    {
        return Err(AppError::Forbidden(night.message()));
    }
    let evening = state
        .evening
        .for_article(&*state.store, article_id, now)
        .await?;
    let tightened;
    let rules = if evening.is_some() {
        tightened = crate::evening::evening_rules(&state.rules);
        &tightened
    } else {
        &*state.rules
    };
    let look = Lookback::new(
        rules,
        viewer.account.id,
        staff,
        article_id,
        body,
        editing,
        now,
    );
    let context = state.store.posting_context(&look).await?;
    // A model that cannot be refreshed (the database hiccuped) still judges as it stands.
    if let Err(e) = state.learning.refresh_if_due(&*state.store).await {
        tracing::warn!(error = %e, "moderation model not refreshed");
    }
    let classifier = state.learning.classifier();
    let submission = Submission {
        body,
        article_id,
        author: moderation::Author {
            staff,
            approved_comments: viewer.account.approved_comments.max(0) as u32,
        },
        recent: &context.recent,
        article_rate: context.article_rate,
        now,
        classifier: Some(&classifier),
        tightened: evening.is_some(),
        same_text_elsewhere: context.same_text_elsewhere,
    };
    let judgement = rules.judge(&submission).map_err(refused)?;
    Ok(CommentEdit {
        body_markdown: body.to_string(),
        body_html: comment::render(body),
        fingerprint: look.fingerprint,
        verdict: judgement.verdict,
        reasons: judgement.reasons.iter().map(|r| r.code()).collect(),
        risk: judgement.risk,
    })
}

fn refused(r: Refusal) -> AppError {
    match &r {
        Refusal::RateLimited { retry_after } | Refusal::SlowMode { retry_after } => {
            AppError::TooManyRequests {
                message: r.message(),
                retry_after_seconds: retry_after.num_seconds().max(1) as u64,
            }
        }
        Refusal::Duplicate => AppError::Store(StoreError::Conflict(r.message())),
    }
}

/// Posts a comment (or a reply) after the rules have judged it.
pub async fn post(
    state: &AppState,
    viewer: &Viewer,
    article_id: ArticleId,
    reply_to: Option<CommentId>,
    body: &str,
) -> Result<Comment, AppError> {
    let judged = judge(state, viewer, article_id, body, None).await?;
    let new = comment::NewComment {
        article_id,
        author_id: viewer.account.id,
        reply_to,
        body_markdown: judged.body_markdown,
        body_html: judged.body_html,
        fingerprint: judged.fingerprint,
        verdict: judged.verdict,
        reasons: judged.reasons,
        risk: judged.risk,
        shadow: viewer.account.shadow_banned,
    };
    let stored = state.store.add_comment(&new, state.clock.now()).await?;
    // A held or shadowed comment changes no public page.
    if stored.public {
        state.publish(Event::ArticleChanged { id: article_id });
    }
    Ok(stored)
}

/// Replaces the text of `before`, the viewer's own comment (the caller found it), after the
/// rules have judged the new text.
pub async fn edit(
    state: &AppState,
    viewer: &Viewer,
    before: &Comment,
    body: &str,
) -> Result<Comment, AppError> {
    let edit = judge(state, viewer, before.article_id, body, Some(before.id)).await?;
    let after = state
        .store
        .edit_comment(before.id, viewer.account.id, &edit, state.clock.now())
        .await?;
    // Shown before or after: either way the public page changes.
    if before.public || after.public {
        state.publish(Event::ArticleChanged {
            id: after.article_id,
        });
    }
    Ok(after)
}

/// The author takes their comment away; it stays as a placeholder in its thread.
pub async fn delete(
    state: &AppState,
    author: AccountId,
    id: CommentId,
) -> Result<Comment, AppError> {
    let gone = state
        .store
        .delete_comment(id, author, state.clock.now())
        .await?;
    state.publish(Event::ArticleChanged {
        id: gone.article_id,
    });
    Ok(gone)
}

/// A vote (1, -1, or 0 to take it back) by a reader who may post; the new counts and the
/// comment's article.
pub async fn vote(
    state: &AppState,
    viewer: &Viewer,
    id: CommentId,
    value: i32,
) -> Result<(i64, i64, ArticleId), AppError> {
    viewer.can_post(state.clock.now())?;
    let (up, down) = state
        .store
        .vote_comment(id, viewer.account.id, value)
        .await?;
    // The store answers only the counts; the article is needed for the page to refresh.
    let article_id = state
        .store
        .comment(id)
        .await?
        .ok_or(AppError::NotFound)?
        .article_id;
    state.publish(Event::ArticleChanged { id: article_id });
    Ok((up, down, article_id))
}

/// A report for the moderators' queue (`note` checked by the caller). Only a public comment
/// can be reported; nothing public changes.
pub async fn report(
    state: &AppState,
    reporter: AccountId,
    id: CommentId,
    reason: ReportReason,
    note: &str,
) -> Result<comment::Report, AppError> {
    let c = state
        .store
        .comment(id)
        .await?
        .filter(|c| c.public)
        .ok_or(AppError::NotFound)?;
    Ok(state
        .store
        .report_comment(c.id, reporter, reason, note, state.clock.now())
        .await?)
}
