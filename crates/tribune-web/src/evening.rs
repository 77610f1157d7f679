//! Match-evening mode: while a club plays (and around it, or all day for a match the desk
//! marked high-risk) the articles about it are moderated more strictly. Which matches are
//! "hot" is read from the store at most once a minute (sooner after a match changes); an
//! article's clubs are read once per such look, so a comment on a quiet day costs nothing.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Mutex;
use tribune_core::article::ArticleId;
use tribune_core::football::{EveningCause, Match, evening_cause};
use tribune_core::moderation::Rules;
use tribune_core::store::StoreResult;
use tribune_core::{Store, TopicId};

/// How long one look at the matches holds.
const FRESH_FOR: Duration = Duration::seconds(60);

/// A match that puts articles in match-evening mode, and why.
#[derive(Debug, Clone)]
pub struct HotMatch {
    pub m: Match,
    pub cause: EveningCause,
}

#[derive(Default)]
pub struct Evening {
    snapshot: Mutex<Option<Snapshot>>,
    /// A match changed since the last look: look again before the next judgement.
    changed: AtomicBool,
}

struct Snapshot {
    at: DateTime<Utc>,
    hot: Vec<HotMatch>,
    /// The clubs (topics) of each article asked about since this look.
    topics: HashMap<ArticleId, Vec<TopicId>>,
}

impl Evening {
    /// A match changed (status, kick-off, high-risk mark): the next judgement looks again.
    pub fn match_changed(&self) {
        self.changed.store(true, Ordering::Relaxed);
    }

    /// The matches that tighten moderation at `now`.
    pub async fn hot(&self, store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Vec<HotMatch>> {
        let mut snapshot = self.snapshot.lock().await;
        let changed = self.changed.swap(false, Ordering::Relaxed);
        Ok(fresh(&mut snapshot, changed, store, now).await?.hot.clone())
    }

    /// The match that puts this article in match-evening mode, if any: it is the match's
    /// live article, or it is about one of the clubs playing.
    pub async fn for_article(
        &self,
        store: &dyn Store,
        article: ArticleId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<HotMatch>> {
        let mut snapshot = self.snapshot.lock().await;
        let changed = self.changed.swap(false, Ordering::Relaxed);
        let snap = fresh(&mut snapshot, changed, store, now).await?;
        if snap.hot.is_empty() {
            return Ok(None);
        }
        if let Some(hot) = snap.hot.iter().find(|h| h.m.article_id == Some(article)) {
            return Ok(Some(hot.clone()));
        }
        let topics: &[TopicId] = match snap.topics.entry(article) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(
                store
                    .article(article, now)
                    .await?
                    .map(|a| a.topics.iter().map(|t| t.id).collect())
                    .unwrap_or_default(),
            ),
        };
        Ok(snap
            .hot
            .iter()
            .find(|h| {
                [h.m.home.topic_id, h.m.away.topic_id]
                    .into_iter()
                    .flatten()
                    .any(|t| topics.contains(&t))
            })
            .cloned())
    }
}

async fn fresh<'s>(
    snapshot: &'s mut Option<Snapshot>,
    changed: bool,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> StoreResult<&'s mut Snapshot> {
    // A clock that went back (tests, a corrected server clock) also asks again.
    let kept = snapshot
        .take()
        .filter(|s| !changed && now >= s.at && now - s.at < FRESH_FOR);
    let fresh = match kept {
        Some(s) => s,
        None => Snapshot {
            at: now,
            hot: store
                .matches_between(now - Duration::days(1), now + Duration::days(1), 500)
                .await?
                .into_iter()
                .filter_map(|m| evening_cause(&m, now).map(|cause| HotMatch { m, cause }))
                .collect(),
            topics: HashMap::new(),
        },
    };
    Ok(snapshot.insert(fresh))
}

/// The rules of an article in match-evening mode: slow mode comes at a third of the usual
/// pace. (The stricter verdicts, a lower risk threshold and every link held, are the rules'
/// own [`tribune_core::moderation::Submission::tightened`]; new accounts wait for a moderator
/// as the site's `--premoderate-first` says, on any evening.)
pub fn evening_rules(rules: &Rules) -> Rules {
    Rules {
        slow_mode_threshold: (rules.slow_mode_threshold / 3).max(1),
        ..rules.clone()
    }
}
