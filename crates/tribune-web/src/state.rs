//! What every handler, the change follower and the application layer share: one Clone
//! struct of Arcs, handed to the router with `with_state`. It sits low in the crate: it holds
//! the node's parts (store, page cache, live streams, limits, mailer, search, moderation
//! model) and announces events, and imports nothing that handles a request.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, broadcast};
use tribune_core::moderation::Rules;
use tribune_core::{Clock, Event, Store};

use crate::cache::PageCache;
use crate::config::WebConfig;
use crate::evening::Evening;
use crate::learning::Learning;
use crate::live::Live;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::throttle::Limits;

/// Everything a handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub cache: Arc<PageCache>,
    pub metrics: Arc<Metrics>,
    pub config: Arc<WebConfig>,
    pub follower: Arc<ChangeFollower>,
    /// The automatic moderation rules for comments.
    pub rules: Arc<Rules>,
    /// Sends account mails (activation, password reset) in the background.
    pub mailer: Mailer,
    /// Limits on password guessing and on mail requests, per node.
    pub limits: Arc<Limits>,
    /// This node's search index, kept up to date by its indexer task (see [`start_search`]).
    pub search: Option<Arc<tribune_search::SearchIndex>>,
    /// This node's live streams (SSE).
    pub live: Arc<Live>,
    /// The moderation model as this node knows it, learning from moderators' decisions.
    pub learning: Arc<Learning>,
    /// Which articles are in match-evening mode (stricter moderation).
    pub evening: Arc<Evening>,
    bus: broadcast::Sender<Event>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let (bus, _) = broadcast::channel(1024);
        let now = clock.now();
        let mailer = Mailer::new(
            config.smtp.clone(),
            config.outbox_dir.clone(),
            config.mail_from.clone(),
        );
        let rules = Arc::new(config.rules.clone());
        let search = config
            .search_dir
            .as_deref()
            .and_then(|dir| start_search(dir, &store, &bus));
        Self {
            store,
            cache: Arc::new(PageCache::new(config.page_cache, config.page_refresh)),
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
            follower: Arc::new(ChangeFollower::new(now)),
            rules,
            mailer,
            limits: Arc::new(Limits::default()),
            search,
            live: Arc::new(Live::default()),
            learning: Arc::new(Learning::new()),
            evening: Arc::new(Evening::default()),
            clock,
            bus,
        }
    }

    /// Tells this node what happened: the page cache forgets what the event touches before
    /// this returns, then every other subscriber hears of it.
    pub fn publish(&self, event: Event) {
        self.cache.apply(&event);
        if matches!(event, Event::MatchChanged { .. } | Event::Everything) {
            self.evening.match_changed();
        }
        // No subscribers yet is fine: nobody is listening live.
        let _ = self.bus.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.bus.subscribe()
    }
}

/// Where the change follower stands (see follow.rs for what it does). Its steps need the
/// whole `AppState`, which holds it, so they are written in follow.rs, above this file.
pub struct ChangeFollower {
    pub(crate) position: Mutex<FollowerPosition>,
}

pub(crate) struct FollowerPosition {
    /// Last change-log entry acted on; `None` until the first look.
    pub(crate) seq: Option<i64>,
    /// Scheduled articles up to this time have been announced.
    pub(crate) checked_until: DateTime<Utc>,
}

impl ChangeFollower {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            position: Mutex::new(FollowerPosition {
                seq: None,
                checked_until: now,
            }),
        }
    }
}

/// Opens the node's search index and starts its one writer, which follows the bus from here
/// on (rebuilding a missing or unreadable index, or catching up one that is behind, first).
/// Without a running tokio runtime, or when another process holds the index, search answers
/// from what the index holds and says so in the log.
fn start_search(
    dir: &std::path::Path,
    store: &Arc<dyn Store>,
    bus: &broadcast::Sender<Event>,
) -> Option<Arc<tribune_search::SearchIndex>> {
    let (index, found) = match tribune_search::SearchIndex::open(dir) {
        Ok(opened) => opened,
        Err(e) => {
            tracing::error!(error = %e, "no search on this node");
            return None;
        }
    };
    let index = Arc::new(index);
    match (
        tokio::runtime::Handle::try_current(),
        tribune_search::Indexer::new(index.clone(), store.clone()),
    ) {
        (Ok(runtime), Ok(indexer)) => {
            runtime.spawn(indexer.run(found, bus.subscribe()));
        }
        (Err(_), _) => tracing::warn!("no runtime: the search index is not kept up to date"),
        (_, Err(e)) => tracing::error!(error = %e, "the search index is not kept up to date"),
    }
    Some(index)
}
