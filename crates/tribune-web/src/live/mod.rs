//! Live streams over Server-Sent Events (DESIGN §6): a match (`/live/match/{id}`: its board
//! and liveblog entries), an article (`/live/article/{id}`: comment count, poll results) and
//! the whole site (`/live/site`: live scores for the chips beside headlines, the ticker,
//! comment counts).
//!
//! Each node follows the match log (written in the same transaction as every match write)
//! and builds each message once, as bytes every client of that stream shares. A match
//! message replaces one thing on the page (the board, or one entry) with how it stands now,
//! so a message that arrives twice shows nothing twice. Its id is its place in the match
//! log: a reader who reconnects (to this node, another node, or this node restarted) says
//! the last id it saw and is replayed what changed since, from the ring kept per match or
//! from the log. Article and site messages are small snapshots: every (re)connect starts
//! with the one that stands now, so nothing is lost there either.
//!
//! Clients share one bounded queue per stream (a tokio broadcast channel): a client that
//! falls more than [`QUEUE`] messages behind is dropped, and its browser reconnects and
//! catches up from the ring or log, instead of the server buffering for it.

mod frames;
mod stream;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use tokio::sync::{Notify, broadcast, watch};
use tribune_core::article::ArticleId;
use tribune_core::football::{MatchChange, MatchId};
use tribune_core::store::StoreResult;
use tribune_core::{Clock, Event, Store};

pub use frames::{Frame, linked_line, reload_frame};
use frames::{article_frame, build_frames, site_frame};
pub use stream::{HEARTBEAT, QUEUE, stream};

/// Match messages kept per match for readers who reconnect.
const RING: usize = 256;
/// Most match-log rows a replay reads; further behind, the reader reloads.
const REPLAY_MAX: u32 = 2_000;

/// The match log position pages are rendered at: every change up to it is in the page.
pub async fn rendered_at(store: &dyn Store) -> StoreResult<i64> {
    Ok(store.match_log_span().await?.1)
}

struct MatchChannel {
    tx: broadcast::Sender<Frame>,
    ring: VecDeque<Frame>,
    /// The ring holds every message of this match after this place in the log.
    complete_after: i64,
}

struct Snapshot {
    tx: broadcast::Sender<Frame>,
    latest: Option<Frame>,
}

impl Snapshot {
    fn new() -> Self {
        Self {
            tx: broadcast::channel(QUEUE).0,
            latest: None,
        }
    }

    /// Sends `frame` unless it says what the last one said.
    fn offer(&mut self, frame: Frame) {
        if self.latest.as_ref().map(|f| &f.bytes) != Some(&frame.bytes) {
            let _ = self.tx.send(frame.clone());
            self.latest = Some(frame);
        }
    }
}

/// This node's live streams.
pub struct Live {
    matches: Mutex<HashMap<MatchId, MatchChannel>>,
    articles: Mutex<HashMap<ArticleId, Snapshot>>,
    site: Mutex<Snapshot>,
    site_dirty: AtomicBool,
    /// The match log up to here has been sent to this node's readers (-1: not looked yet).
    followed: AtomicI64,
    /// Held by a follower pass and by a reader joining a match, so that a reader never
    /// joins between a pass reading the log and that pass moving `followed` on.
    pass: tokio::sync::Mutex<()>,
    /// Wakes the follower at once after a write on this node.
    pub poked: Notify,
    closing: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        Self {
            matches: Mutex::default(),
            articles: Mutex::default(),
            site: Mutex::new(Snapshot::new()),
            site_dirty: AtomicBool::new(true),
            followed: AtomicI64::new(-1),
            pass: tokio::sync::Mutex::new(()),
            poked: Notify::new(),
            closing: watch::channel(false).0,
        }
    }
}

/// Where a client of a match stream starts.
pub enum Start {
    /// Messages to send first; then the live ones after `last`.
    From { frames: Vec<Frame>, last: i64 },
    /// Too far behind (or a log this node does not know): reload the page.
    Reload,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding it leaves plain data behind: keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Live {
    /// A write on this node: tell readers now, not at the next poll.
    pub fn poke(&self) {
        self.poked.notify_one();
    }

    /// Ends every stream (the server is shutting down: open streams would hold it up).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Where the follower stands; the first look puts it at the end of the log (pages
    /// rendered from then on show everything before). Called with the pass lock held.
    async fn started(&self, store: &dyn Store) -> StoreResult<i64> {
        let followed = self.followed.load(Ordering::SeqCst);
        if followed >= 0 {
            return Ok(followed);
        }
        let end = store.match_log_span().await?.1;
        self.followed.store(end, Ordering::SeqCst);
        Ok(end)
    }

    /// Subscribes to a match and works out what a client that has seen up to `since` misses.
    pub async fn join_match(
        &self,
        store: &dyn Store,
        id: MatchId,
        since: Option<i64>,
    ) -> StoreResult<(broadcast::Receiver<Frame>, Start)> {
        let live = self;
        let pass = live.pass.lock().await;
        let followed = live.started(store).await?;
        let (rx, ring, complete_after) = {
            let mut channels = lock(&live.matches);
            let ch = channels.entry(id).or_insert_with(|| MatchChannel {
                tx: broadcast::channel(QUEUE).0,
                ring: VecDeque::new(),
                complete_after: followed,
            });
            let ring: Vec<Frame> = match since {
                Some(s) => ch.ring.iter().filter(|f| f.seq > s).cloned().collect(),
                None => Vec::new(),
            };
            (ch.tx.subscribe(), ring, ch.complete_after)
        };
        drop(pass);
        let Some(since) = since else {
            return Ok((
                rx,
                Start::From {
                    frames: Vec::new(),
                    last: 0,
                },
            ));
        };
        if since >= complete_after && since <= followed {
            let last = ring.last().map_or(since, |f| f.seq);
            return Ok((rx, Start::From { frames: ring, last }));
        }
        // The ring does not reach back far enough (a restart, a long absence): the log.
        let (oldest, newest) = store.match_log_span().await?;
        if since > newest || (since + 1 < oldest && since > 0) {
            return Ok((rx, Start::Reload));
        }
        let changes = store.match_changes(since, Some(id), REPLAY_MAX).await?;
        if changes.len() == REPLAY_MAX as usize {
            return Ok((rx, Start::Reload));
        }
        let mut frames: Vec<Frame> = build_frames(store, &changes)
            .await?
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        let mut last = frames.last().map_or(since, |f| f.seq).max(since);
        frames.extend(ring.into_iter().filter(|f| f.seq > last));
        last = frames.last().map_or(last, |f| f.seq);
        Ok((rx, Start::From { frames, last }))
    }

    /// Subscribes to the whole site: the snapshot that stands now comes first.
    pub async fn join_site(
        &self,
        store: &dyn Store,
        clock: &dyn Clock,
    ) -> StoreResult<(broadcast::Receiver<Frame>, Frame)> {
        let (rx, latest) = {
            let site = lock(&self.site);
            (site.tx.subscribe(), site.latest.clone())
        };
        let frame = match latest {
            Some(f) => f,
            None => {
                let f = site_frame(store, clock).await?;
                lock(&self.site).offer(f.clone());
                f
            }
        };
        Ok((rx, frame))
    }

    /// Subscribes to one article: its snapshot now comes first.
    pub async fn join_article(
        &self,
        store: &dyn Store,
        clock: &dyn Clock,
        id: ArticleId,
    ) -> StoreResult<(broadcast::Receiver<Frame>, Frame)> {
        let rx = lock(&self.articles)
            .entry(id)
            .or_insert_with(Snapshot::new)
            .tx
            .subscribe();
        let frame = article_frame(store, clock, id).await?;
        if let Some(s) = lock(&self.articles).get_mut(&id) {
            s.offer(frame.clone());
        }
        Ok((rx, frame))
    }

    /// One pass of the follower: sends what the match log holds beyond what was sent, and
    /// fresh snapshots for the site and for followed articles among `articles`. Every match
    /// the log names is announced through `publish` (the node's [`Event`] bus, so its cached
    /// pages go) before its messages are sent.
    pub async fn catch_up(
        &self,
        store: &dyn Store,
        clock: &dyn Clock,
        articles: &[ArticleId],
        publish: impl Fn(Event),
    ) -> StoreResult<()> {
        let live = self;
        let _pass = live.pass.lock().await;
        let mut followed = live.started(store).await?;
        loop {
            let changes = store.match_changes(followed, None, 500).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                break;
            };
            // Build only for matches someone follows on this node; the site needs to know
            // about every board.
            let watched: Vec<MatchChange> = {
                let channels = lock(&live.matches);
                changes
                    .iter()
                    .filter(|c| channels.contains_key(&c.match_id))
                    .copied()
                    .collect()
            };
            if changes.iter().any(|c| c.entry.is_none()) {
                live.site_dirty.store(true, Ordering::SeqCst);
            }
            // Cached pages of the match (its board or liveblog) go, on every node.
            let mut changed: Vec<MatchId> = changes.iter().map(|c| c.match_id).collect();
            changed.sort_unstable();
            changed.dedup();
            for id in changed {
                publish(Event::MatchChanged { id });
            }
            let frames = build_frames(store, &watched).await?;
            {
                let mut channels = lock(&live.matches);
                for (match_id, frame) in frames {
                    if let Some(ch) = channels.get_mut(&match_id) {
                        let _ = ch.tx.send(frame.clone());
                        ch.ring.push_back(frame);
                        while ch.ring.len() > RING {
                            if let Some(old) = ch.ring.pop_front() {
                                ch.complete_after = old.seq;
                            }
                        }
                    }
                }
                // Channels nobody listens to any more go; a new one starts complete.
                channels.retain(|_, ch| ch.tx.receiver_count() > 0);
                followed = last;
                live.followed.store(followed, Ordering::SeqCst);
            }
            if changes.len() < 500 {
                break;
            }
        }
        if !articles.is_empty() {
            live.site_dirty.store(true, Ordering::SeqCst);
            let followed_articles: Vec<ArticleId> = {
                let mut map = lock(&live.articles);
                map.retain(|_, s| s.tx.receiver_count() > 0);
                articles
                    .iter()
                    .filter(|a| map.contains_key(a))
                    .copied()
                    .collect()
            };
            for id in followed_articles {
                let frame = article_frame(store, clock, id).await?;
                if let Some(s) = lock(&live.articles).get_mut(&id) {
                    s.offer(frame);
                }
            }
        }
        let has_site_readers = lock(&live.site).tx.receiver_count() > 0;
        if has_site_readers && live.site_dirty.swap(false, Ordering::SeqCst) {
            let frame = site_frame(store, clock).await?;
            lock(&live.site).offer(frame);
        } else if !has_site_readers {
            // Nobody listens: the next reader gets a snapshot built for them.
            lock(&live.site).latest = None;
        }
        Ok(())
    }
}
