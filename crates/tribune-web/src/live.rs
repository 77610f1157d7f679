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

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use askama::Template;
use bytes::Bytes;
use tokio::sync::{Notify, broadcast, watch};
use tribune_core::article::ArticleId;
use tribune_core::football::{LiveEntryId, MatchChange, MatchId};
use tribune_core::store::{ArticleQuery, StoreResult};

use crate::AppState;
use crate::routes::matches::{EntryLine, EventLine, MatchLine, entry_lines, event_line};

/// Messages a client may fall behind before it is dropped.
pub const QUEUE: usize = 64;
/// Match messages kept per match for readers who reconnect.
const RING: usize = 256;
/// A comment line this often keeps proxies from closing a quiet stream.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Most match-log rows a replay reads; further behind, the reader reloads.
const REPLAY_MAX: u32 = 2_000;
/// Headlines the site stream carries (ticker and counts).
const TICKER: u32 = 20;
/// Newest articles per playing club that get its score chip.
const CHIP_ARTICLES: u32 = 30;

/// One message, encoded once for every client.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Place in the match log (0 for snapshots, which carry no id).
    pub seq: i64,
    pub bytes: Bytes,
}

impl Frame {
    fn new(seq: i64, event: &str, data: &serde_json::Value) -> Self {
        let id = if seq > 0 {
            format!("id: {seq}\n")
        } else {
            String::new()
        };
        // serde_json writes no raw newlines: one data line.
        Self {
            seq,
            bytes: Bytes::from(format!("{id}event: {event}\ndata: {data}\n\n")),
        }
    }
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

    /// After a write to match `id` on this node: its cached pages go at once (the writer sees
    /// the change on the next page), and the follower tells the streams; other nodes learn
    /// it from the match log.
    pub fn match_written(state: &AppState, id: MatchId) {
        state.publish(tribune_core::Event::MatchChanged { id });
        state.live.poke();
    }

    /// Ends every stream (the server is shutting down: open streams would hold it up).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// The match log position pages are rendered at: every change up to it is in the page.
    pub async fn rendered_at(state: &AppState) -> StoreResult<i64> {
        Ok(state.store.match_log_span().await?.1)
    }

    /// Where the follower stands; the first look puts it at the end of the log (pages
    /// rendered from then on show everything before). Called with the pass lock held.
    async fn started(&self, state: &AppState) -> StoreResult<i64> {
        let followed = self.followed.load(Ordering::SeqCst);
        if followed >= 0 {
            return Ok(followed);
        }
        let end = state.store.match_log_span().await?.1;
        self.followed.store(end, Ordering::SeqCst);
        Ok(end)
    }

    /// Subscribes to a match and works out what a client that has seen up to `since` misses.
    pub async fn join_match(
        state: &AppState,
        id: MatchId,
        since: Option<i64>,
    ) -> StoreResult<(broadcast::Receiver<Frame>, Start)> {
        let live = &state.live;
        let pass = live.pass.lock().await;
        let followed = live.started(state).await?;
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
        let (oldest, newest) = state.store.match_log_span().await?;
        if since > newest || (since + 1 < oldest && since > 0) {
            return Ok((rx, Start::Reload));
        }
        let changes = state
            .store
            .match_changes(since, Some(id), REPLAY_MAX)
            .await?;
        if changes.len() == REPLAY_MAX as usize {
            return Ok((rx, Start::Reload));
        }
        let mut frames: Vec<Frame> = build_frames(state, &changes)
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
    pub async fn join_site(state: &AppState) -> StoreResult<(broadcast::Receiver<Frame>, Frame)> {
        let (rx, latest) = {
            let site = lock(&state.live.site);
            (site.tx.subscribe(), site.latest.clone())
        };
        let frame = match latest {
            Some(f) => f,
            None => {
                let f = site_frame(state).await?;
                lock(&state.live.site).offer(f.clone());
                f
            }
        };
        Ok((rx, frame))
    }

    /// Subscribes to one article: its snapshot now comes first.
    pub async fn join_article(
        state: &AppState,
        id: ArticleId,
    ) -> StoreResult<(broadcast::Receiver<Frame>, Frame)> {
        let rx = lock(&state.live.articles)
            .entry(id)
            .or_insert_with(Snapshot::new)
            .tx
            .subscribe();
        let frame = article_frame(state, id).await?;
        if let Some(s) = lock(&state.live.articles).get_mut(&id) {
            s.offer(frame.clone());
        }
        Ok((rx, frame))
    }

    /// One pass of the follower: sends what the match log holds beyond what was sent, and
    /// fresh snapshots for the site and for followed articles among `articles`.
    pub async fn catch_up(state: &AppState, articles: &[ArticleId]) -> StoreResult<()> {
        let live = &state.live;
        let _pass = live.pass.lock().await;
        let mut followed = live.started(state).await?;
        loop {
            let changes = state.store.match_changes(followed, None, 500).await?;
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
                state.publish(tribune_core::Event::MatchChanged { id });
            }
            let frames = build_frames(state, &watched).await?;
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
                let frame = article_frame(state, id).await?;
                if let Some(s) = lock(&live.articles).get_mut(&id) {
                    s.offer(frame);
                }
            }
        }
        let has_site_readers = lock(&live.site).tx.receiver_count() > 0;
        if has_site_readers && live.site_dirty.swap(false, Ordering::SeqCst) {
            let frame = site_frame(state).await?;
            lock(&live.site).offer(frame);
        } else if !has_site_readers {
            // Nobody listens: the next reader gets a snapshot built for them.
            lock(&live.site).latest = None;
        }
        Ok(())
    }
}

#[derive(Template)]
#[template(path = "_scoreboard.html")]
struct Board<'a> {
    m: &'a MatchLine,
}

#[derive(Template)]
#[template(path = "_timeline.html")]
struct Timeline<'a> {
    events: &'a [EventLine],
}

#[derive(Template)]
#[template(path = "_live_entry.html")]
struct Entry<'a> {
    e: &'a EntryLine,
}

/// The messages for a run of match-log rows: one per board and entry, as it stands now,
/// in log order (each under the highest number that named it).
async fn build_frames(
    state: &AppState,
    changes: &[MatchChange],
) -> StoreResult<Vec<(MatchId, Frame)>> {
    let mut last: BTreeMap<(MatchId, Option<LiveEntryId>), i64> = BTreeMap::new();
    for c in changes {
        last.insert((c.match_id, c.entry), c.seq);
    }
    let mut parts: Vec<((MatchId, Option<LiveEntryId>), i64)> = last.into_iter().collect();
    parts.sort_by_key(|p| p.1);
    let mut frames = Vec::with_capacity(parts.len());
    let mut events_of = HashMap::new();
    for ((match_id, entry), seq) in parts {
        let Some(m) = state.store.match_by_id(match_id).await? else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(v) = events_of.entry(match_id) {
            v.insert(state.store.match_events(match_id).await?);
        }
        let events = &events_of[&match_id];
        let frame = match entry {
            None => {
                let line = MatchLine::linked(state, &m).await?;
                let timeline: Vec<EventLine> = events
                    .iter()
                    .rev()
                    .map(|e| event_line(&m, e, events))
                    .collect();
                let data = serde_json::json!({
                    "board": Board { m: &line }.render().unwrap_or_default(),
                    "timeline": Timeline { events: &timeline }.render().unwrap_or_default(),
                    "status": line.status_key,
                    "score": line.score,
                });
                Frame::new(seq, "board", &data)
            }
            Some(entry_id) => match state.store.live_entry(match_id, entry_id).await? {
                Some(e) => {
                    let lines = entry_lines(std::slice::from_ref(&e), events);
                    let html = lines
                        .first()
                        .map(|l| Entry { e: l }.render().unwrap_or_default())
                        .unwrap_or_default();
                    let data = serde_json::json!({"id": e.id, "html": html, "pinned": e.pinned});
                    Frame::new(seq, "entry", &data)
                }
                None => Frame::new(
                    seq,
                    "entry",
                    &serde_json::json!({"id": entry_id, "deleted": true}),
                ),
            },
        };
        frames.push((match_id, frame));
    }
    Ok(frames)
}

/// The site's snapshot: a chip per playing match (with the articles about its clubs) and
/// the newest headlines with their comment counts.
async fn site_frame(state: &AppState) -> StoreResult<Frame> {
    let now = state.clock.now();
    let mut chips = Vec::new();
    for m in state.store.live_matches().await? {
        let line = MatchLine::new(&m);
        let mut articles = Vec::new();
        for topic in [m.home.topic_id, m.away.topic_id].into_iter().flatten() {
            let query = ArticleQuery {
                topic: Some(topic),
                limit: CHIP_ARTICLES,
                ..Default::default()
            };
            for a in state.store.articles(&query, now).await? {
                articles.push(a.path());
            }
        }
        articles.sort();
        articles.dedup();
        let minute = line.minute.clone().unwrap_or_else(|| line.status.clone());
        chips.push(serde_json::json!({
            "match": m.path(),
            "text": format!("{} {} {}", m.home.short_name, line.score, m.away.short_name),
            "minute": minute,
            "title": format!("{} {} {} ({})", m.home.name, line.score, m.away.name, line.status),
            "articles": articles,
        }));
    }
    let query = ArticleQuery {
        limit: TICKER,
        ..Default::default()
    };
    let ticker: Vec<serde_json::Value> = state
        .store
        .articles(&query, now)
        .await?
        .iter()
        .map(|a| {
            serde_json::json!({
                "url": a.path(),
                "title": a.display_title(),
                "time": tribune_core::time::clock_time(a.published_at),
                "datetime": tribune_core::time::iso(a.published_at),
                "comments": a.comment_count,
            })
        })
        .collect();
    Ok(Frame::new(
        0,
        "site",
        &serde_json::json!({"chips": chips, "ticker": ticker}),
    ))
}

/// An article's snapshot: comment count and poll results.
async fn article_frame(state: &AppState, id: ArticleId) -> StoreResult<Frame> {
    let now = state.clock.now();
    let count = state
        .store
        .article(id, now)
        .await?
        .map_or(0, |a| a.comment_count);
    let poll = state.store.poll_of_article(id).await?.map(|p| {
        serde_json::json!({
            "id": p.id,
            "total": p.total_votes,
            "percent": p.percentages(),
        })
    });
    Ok(Frame::new(
        0,
        "article",
        &serde_json::json!({"comments": count, "poll": poll}),
    ))
}

/// What a stream is still to send and where it listens.
struct Feed {
    pending: VecDeque<Bytes>,
    last: i64,
    rx: broadcast::Receiver<Frame>,
    /// Snapshots of other streams too (the site's, a match page's live article), for a
    /// page that wants them all on its one connection.
    side: Vec<broadcast::Receiver<Frame>>,
    closing: watch::Receiver<bool>,
    beat: tokio::time::Interval,
}

/// The body of an event stream: `first`, then what the channels bring (match messages only
/// after `last`), with heartbeats; ends when the client falls [`QUEUE`] behind on either
/// channel or the server closes.
pub fn stream(
    first: Vec<Frame>,
    last: i64,
    rx: broadcast::Receiver<Frame>,
    side: Vec<broadcast::Receiver<Frame>>,
    closing: watch::Receiver<bool>,
    retry_ms: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    // The reconnect delay differs per client, so that a restart is not met by all at once.
    let mut pending: VecDeque<Bytes> = VecDeque::with_capacity(first.len() + 1);
    pending.push_back(Bytes::from(format!("retry: {retry_ms}\n\n")));
    pending.extend(first.into_iter().map(|f| f.bytes));
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let feed = Feed {
        pending,
        last,
        rx,
        side,
        closing,
        beat,
    };
    futures_util::stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(b) = feed.pending.pop_front() {
                return Some((Ok(b), feed));
            }
            if *feed.closing.borrow() {
                return None;
            }
            let got = {
                let Feed {
                    rx,
                    side,
                    closing,
                    beat,
                    ..
                } = &mut feed;
                let from_side = async {
                    if side.is_empty() {
                        std::future::pending().await
                    } else {
                        let waits = side.iter_mut().map(|rx| Box::pin(rx.recv()));
                        futures_util::future::select_all(waits).await.0
                    }
                };
                tokio::select! {
                    got = rx.recv() => Some(got),
                    got = from_side => Some(got),
                    _ = beat.tick() => None,
                    _ = closing.changed() => return None,
                }
            };
            let Some(got) = got else {
                return Some((Ok(Bytes::from_static(b":\n\n")), feed));
            };
            match got {
                Ok(f) if f.seq == 0 || f.seq > feed.last => {
                    feed.last = feed.last.max(f.seq);
                    return Some((Ok(f.bytes), feed));
                }
                Ok(_) => continue,
                // Too slow, or the channel is gone: the browser reconnects.
                Err(_) => return None,
            }
        }
    })
}

/// A reload message: the client is too far behind to catch up message by message.
pub fn reload_frame() -> Frame {
    Frame::new(0, "reload", &serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use futures_util::StreamExt;

    use super::*;

    fn frame(seq: i64) -> Frame {
        Frame::new(seq, "entry", &serde_json::json!({"id": seq}))
    }

    #[tokio::test]
    async fn a_client_that_falls_behind_is_dropped_not_buffered() {
        let (tx, rx) = broadcast::channel(QUEUE);
        let (_closing_tx, closing) = watch::channel(false);
        let s = stream(Vec::new(), 0, rx, Vec::new(), closing, 1000);
        tokio::pin!(s);
        assert_eq!(s.next().await.unwrap().unwrap(), "retry: 1000\n\n");
        // More than the queue holds arrives before the client reads on.
        for seq in 1..=(QUEUE as i64 + 1) {
            tx.send(frame(seq)).unwrap();
        }
        assert!(s.next().await.is_none(), "the lagging client is let go");
    }

    #[tokio::test]
    async fn a_stream_skips_what_the_client_has_and_ends_on_shutdown() {
        let (tx, rx) = broadcast::channel(QUEUE);
        let (closing_tx, closing) = watch::channel(false);
        let s = stream(vec![frame(5)], 5, rx, Vec::new(), closing, 1000);
        tokio::pin!(s);
        s.next().await.unwrap().unwrap();
        assert!(
            std::str::from_utf8(&s.next().await.unwrap().unwrap())
                .unwrap()
                .starts_with("id: 5\n")
        );
        // Already sent from the ring: not again.
        tx.send(frame(4)).unwrap();
        tx.send(frame(5)).unwrap();
        tx.send(frame(6)).unwrap();
        let next = s.next().await.unwrap().unwrap();
        assert!(std::str::from_utf8(&next).unwrap().starts_with("id: 6\n"));
        closing_tx.send(true).unwrap();
        assert!(s.next().await.is_none());
    }

    #[test]
    fn a_frame_is_one_event_with_one_data_line() {
        let f = Frame::new(7, "entry", &serde_json::json!({"html": "<p>a\nb</p>"}));
        assert_eq!(
            std::str::from_utf8(&f.bytes).unwrap(),
            "id: 7\nevent: entry\ndata: {\"html\":\"<p>a\\nb</p>\"}\n\n"
        );
        assert!(
            !std::str::from_utf8(&Frame::new(0, "site", &serde_json::json!({})).bytes)
                .unwrap()
                .contains("id:")
        );
    }
}
