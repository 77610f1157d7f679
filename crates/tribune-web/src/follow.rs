//! Notices what changed in the database, whoever wrote it (this process, another node, an
//! import command running beside it), and when a scheduled article's time comes; publishes
//! events for both, and hands match and article changes to the live streams.

use std::time::Duration;

use tribune_core::{Event, Woke, store::StoreResult};

use crate::state::AppState;
pub use crate::state::ChangeFollower;

/// How often the database is asked; the bound on how late an import or a scheduled article
/// shows up on the pages.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

impl ChangeFollower {
    /// One look at the database; returns how many events it published.
    pub async fn catch_up(&self, state: &AppState) -> StoreResult<usize> {
        let mut pos = self.position.lock().await;
        let mut published = 0;
        let seq = match pos.seq {
            Some(seq) => seq,
            None => {
                // Pages rendered from now on already see everything before this point.
                let last = state.store.last_change().await?;
                pos.seq = Some(last);
                last
            }
        };
        let changes = state.store.changes_since(seq, 1000).await?;
        let articles: Vec<tribune_core::article::ArticleId> =
            changes.iter().map(|(_, id)| *id).collect();
        if changes.len() == 1000 {
            // Too far behind to be precise: forget everything.
            state.publish(Event::Everything);
            published += 1;
        } else {
            for (_, id) in &changes {
                state.publish(Event::ArticleChanged { id: *id });
                published += 1;
            }
        }
        if let Some((last, _)) = changes.last() {
            pos.seq = Some(*last);
        }
        let now = state.clock.now();
        if now > pos.checked_until {
            for id in state.store.came_due(pos.checked_until, now).await? {
                state.publish(Event::ArticleChanged { id });
                published += 1;
            }
            pos.checked_until = now;
        }
        // The live streams: matches from their own log, and articles just heard of.
        state
            .live
            .catch_up(&*state.store, &*state.clock, &articles, |e| {
                state.publish(e)
            })
            .await?;
        Ok(published)
    }
}

/// Follows the database for as long as the node runs: woken by other nodes' notifications
/// (PostgreSQL) or by the poll interval, it catches up from the change log. When
/// notifications may have been lost it forgets every cached page.
pub async fn run(state: AppState) {
    let mut failing = false;
    loop {
        // Look first, then wait: the first look fixes the position in the change log, and a
        // write between start and that look would otherwise go unnoticed.
        match state.follower.catch_up(&state).await {
            Ok(_) if failing => {
                tracing::info!("the change log answers again");
                failing = false;
            }
            Ok(_) => {}
            // Said once per outage, not once a second.
            Err(e) if !failing => {
                tracing::warn!(error = %e, "cannot read the change log; pages may be stale until the database is back");
                failing = true;
            }
            Err(_) => {}
        }
        // A write on this node pokes: its readers hear of it now, not at the next poll.
        let woke = tokio::select! {
            woke = state.store.wait_for_changes(POLL_EVERY) => woke,
            () = state.live.poked.notified() => Woke::Notified,
        };
        if woke == Woke::Resync {
            tracing::info!("reconnected to the database: dropping cached pages to resync");
            state.publish(Event::Everything);
        }
    }
}
