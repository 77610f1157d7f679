//! The back office's administration: topics, teams and roles. Topic and team names show on
//! nearly every page, so after a change this node forgets every page at once (a rare
//! action); other nodes learn of it from the change logs, where the store recorded the
//! topic's articles or the team's matches.

use tribune_core::Event;
use tribune_core::account::{Account, AccountId, Role};
use tribune_core::football::{Team, TeamEdit, TeamId};
use tribune_core::topic::{NewTopic, Topic, TopicId};

use crate::error::AppError;
use crate::state::AppState;

/// A new topic (checked, its crest already stored).
pub async fn create_topic(state: &AppState, topic: &NewTopic) -> Result<Topic, AppError> {
    let t = state.store.create_topic(topic).await?;
    state.publish(Event::Everything);
    Ok(t)
}

pub async fn update_topic(
    state: &AppState,
    id: TopicId,
    topic: &NewTopic,
) -> Result<Topic, AppError> {
    let t = state
        .store
        .update_topic(id, topic, state.clock.now())
        .await?;
    state.publish(Event::Everything);
    Ok(t)
}

/// A team's names, short name and club topic. They are on match pages, articles' match
/// lines and score chips: this node drops its pages and its streams send the matches anew.
pub async fn save_team(state: &AppState, id: TeamId, edit: &TeamEdit) -> Result<Team, AppError> {
    let t = state.store.save_team(id, edit, state.clock.now()).await?;
    state.publish(Event::Everything);
    state.live.poke();
    Ok(t)
}

/// An admin (`by`) gives an account another role; the store keeps the last admin's.
pub async fn change_role(
    state: &AppState,
    id: AccountId,
    role: Role,
    by: AccountId,
) -> Result<Account, AppError> {
    let account = state.store.change_role(id, role).await?;
    tracing::info!(
        account = account.id,
        role = role.as_str(),
        by,
        "role changed"
    );
    Ok(account)
}
