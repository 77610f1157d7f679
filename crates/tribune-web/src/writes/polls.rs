//! Reader polls: a vote, and an editor attaching a poll to an article. Both change what the
//! article's page shows, so both announce the article.

use tribune_core::Event;
use tribune_core::poll::{NewPoll, OptionId, Poll, PollId};

use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;

/// Counts the vote (one per account, from a reader who may post); the article's page,
/// which shows results once closed, is refreshed.
pub async fn vote(
    state: &AppState,
    viewer: &Viewer,
    poll_id: PollId,
    option_id: OptionId,
) -> Result<Poll, AppError> {
    let now = state.clock.now();
    viewer.can_post(now)?;
    let poll = state
        .store
        .vote_poll(poll_id, option_id, viewer.account.id, now)
        .await?;
    state.publish(Event::ArticleChanged {
        id: poll.article_id,
    });
    Ok(poll)
}

/// Attaches a poll to its article (the caller checked who may); a poll that breaks a rule
/// is refused before the store sees it, whichever way it came in.
pub async fn attach(state: &AppState, new: NewPoll) -> Result<Poll, AppError> {
    new.check().map_err(AppError::BadRequest)?;
    let p = state.store.create_poll(&new, state.clock.now()).await?;
    state.publish(Event::ArticleChanged { id: new.article_id });
    Ok(p)
}
