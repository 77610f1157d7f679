//! The newsroom's article writes: a save with the desk step it asked for (submit, publish or
//! schedule, withdraw), and the editor's autosave. Who may take which step is the route's
//! check; here the article is written and announced.

use chrono::{DateTime, Utc};
use tribune_core::Event;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::desk::{ArticleDraft, DeskAction, DeskArticle};

use crate::error::AppError;
use crate::state::AppState;

/// What the writer asked for besides saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Save,
    Submit,
    /// Publish now, or at the draft's publish time when that is later (scheduling).
    Publish,
    /// Back to draft: take it off the site, or send a submitted piece back.
    Withdraw,
}

/// Saves the draft (a new article when `id` is `None`) as a revision by `author` with
/// `note`, then takes `step`; the article's pages and every list follow.
pub async fn write(
    state: &AppState,
    author: AccountId,
    id: Option<ArticleId>,
    draft: &ArticleDraft,
    step: Step,
    note: &str,
) -> Result<DeskArticle, AppError> {
    let now = state.clock.now();
    let saved = state
        .store
        .write_article(id, draft, author, note, now)
        .await?;
    let action = match step {
        Step::Save => None,
        Step::Submit => Some(DeskAction::Submit),
        Step::Withdraw => Some(DeskAction::Withdraw),
        Step::Publish => Some(DeskAction::Publish {
            at: draft.publish_at.unwrap_or(now),
        }),
    };
    let done = match action {
        None => saved,
        Some(action) => state.store.set_desk_status(saved.id, action, now).await?,
    };
    state.publish(Event::ArticleChanged { id: done.id });
    Ok(done)
}

/// Keeps the editor's fields as typed (`fields` is their JSON), one copy per writer and
/// article (`None`: the new-article form). Nothing public changes, so nothing is announced.
pub async fn autosave(
    state: &AppState,
    author: AccountId,
    id: Option<ArticleId>,
    fields: &str,
) -> Result<DateTime<Utc>, AppError> {
    let now = state.clock.now();
    state.store.autosave(author, id, fields, now).await?;
    Ok(now)
}

pub async fn discard_autosave(
    state: &AppState,
    author: AccountId,
    id: Option<ArticleId>,
) -> Result<(), AppError> {
    Ok(state.store.discard_autosave(author, id).await?)
}
