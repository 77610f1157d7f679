//! Match writes from the live console and the match API: status and minute, events (VAR
//! reversals too), liveblog entries, the live article, the high-risk mark. Each ends in
//! [`written`], so the writer's next page and this node's streams show it at once.

use tribune_core::Event;
use tribune_core::account::AccountId;
use tribune_core::article::ArticleId;
use tribune_core::desk::{ArticleDraft, DeskArticle};
use tribune_core::football::{
    LiveEntry, LiveEntryId, Match, MatchEvent, MatchId, MatchStatus, Minute, NewLiveEntry,
    NewMatchEvent,
};

use super::articles::{self, Step};
use crate::error::AppError;
use crate::state::AppState;

/// After a write to match `id` on this node: its cached pages go at once (the writer sees
/// the change on the next page), and the follower is poked to tell the streams now rather
/// than at its next look; other nodes learn it from the match log.
fn written(state: &AppState, id: MatchId) {
    state.publish(Event::MatchChanged { id });
    state.live.poke();
}

pub async fn set_status(
    state: &AppState,
    id: MatchId,
    status: MatchStatus,
    minute: Option<Minute>,
) -> Result<Match, AppError> {
    let m = state
        .store
        .set_match_status(id, status, minute, state.clock.now())
        .await?;
    written(state, id);
    Ok(m)
}

/// A goal, card, substitution or VAR decision (`event` was checked by the caller).
pub async fn add_event(
    state: &AppState,
    id: MatchId,
    event: &NewMatchEvent,
) -> Result<(Match, MatchEvent), AppError> {
    let added = state
        .store
        .add_match_event(id, event, state.clock.now())
        .await?;
    written(state, id);
    Ok(added)
}

pub async fn add_entry(
    state: &AppState,
    id: MatchId,
    entry: &NewLiveEntry,
    author: AccountId,
) -> Result<LiveEntry, AppError> {
    let added = state
        .store
        .add_live_entry(id, entry, Some(author), state.clock.now())
        .await?;
    written(state, id);
    Ok(added)
}

pub async fn edit_entry(
    state: &AppState,
    id: MatchId,
    entry: LiveEntryId,
    new: &NewLiveEntry,
) -> Result<LiveEntry, AppError> {
    let edited = state
        .store
        .edit_live_entry(id, entry, new, state.clock.now())
        .await?;
    written(state, id);
    Ok(edited)
}

pub async fn delete_entry(
    state: &AppState,
    id: MatchId,
    entry: LiveEntryId,
) -> Result<(), AppError> {
    state
        .store
        .delete_live_entry(id, entry, state.clock.now())
        .await?;
    written(state, id);
    Ok(())
}

/// Links the article the match's comments live on (`None` unlinks).
pub async fn link_article(
    state: &AppState,
    id: MatchId,
    article: Option<ArticleId>,
) -> Result<Match, AppError> {
    let m = state
        .store
        .set_match_article(id, article, state.clock.now())
        .await?;
    written(state, id);
    Ok(m)
}

/// Writes a new live article (a draft the editor then publishes) and links it to the match.
pub async fn start_live_article(
    state: &AppState,
    id: MatchId,
    author: AccountId,
    draft: &ArticleDraft,
) -> Result<DeskArticle, AppError> {
    let article = articles::write(
        state,
        author,
        None,
        draft,
        Step::Save,
        "Live-artikel bij de wedstrijd",
    )
    .await?;
    link_article(state, id, Some(article.id)).await?;
    Ok(article)
}

/// A derby or high-risk match tightens moderation on its clubs' articles all match day;
/// the match-evening snapshot is read again after the event this publishes.
pub async fn mark_high_risk(
    state: &AppState,
    id: MatchId,
    high_risk: bool,
) -> Result<Match, AppError> {
    let m = state
        .store
        .set_match_high_risk(id, high_risk, state.clock.now())
        .await?;
    written(state, id);
    Ok(m)
}
