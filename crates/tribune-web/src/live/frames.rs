//! What a live message carries: a match's board (score, status, minute and timeline) or one
//! liveblog entry, rendered with the match page's own templates; the site's snapshot (live
//! scores for the chips beside headlines, the ticker, comment counts); an article's snapshot
//! (comment count, poll results).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use bytes::Bytes;
use tribune_core::article::ArticleId;
use tribune_core::football::{LiveEntryId, Match, MatchChange, MatchId};
use tribune_core::store::{ArticleQuery, StoreResult};
use tribune_core::{Clock, Store};

use crate::views::matches::{
    Board, Entry, EventLine, MatchLine, Timeline, entry_lines, event_line,
};

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
    pub(super) fn new(seq: i64, event: &str, data: &serde_json::Value) -> Self {
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

/// A match's line with its clubs linked to their topic pages: the board the match page
/// opens with and the one its stream sends are the same.
pub async fn linked_line(store: &dyn Store, m: &Match) -> StoreResult<MatchLine> {
    let home = match m.home.topic_id {
        Some(id) => store.topic(id).await?,
        None => None,
    };
    let away = match m.away.topic_id {
        Some(id) => store.topic(id).await?,
        None => None,
    };
    Ok(MatchLine::linked(m, home.as_ref(), away.as_ref()))
}

/// The messages for a run of match-log rows: one per board and entry, as it stands now,
/// in log order (each under the highest number that named it).
pub(super) async fn build_frames(
    store: &dyn Store,
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
        let Some(m) = store.match_by_id(match_id).await? else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(v) = events_of.entry(match_id) {
            v.insert(store.match_events(match_id).await?);
        }
        let events = &events_of[&match_id];
        let frame = match entry {
            None => {
                let line = linked_line(store, &m).await?;
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
            Some(entry_id) => match store.live_entry(match_id, entry_id).await? {
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
pub(super) async fn site_frame(store: &dyn Store, clock: &dyn Clock) -> StoreResult<Frame> {
    let now = clock.now();
    let mut chips = Vec::new();
    for m in store.live_matches().await? {
        let line = MatchLine::new(&m);
        let mut articles = Vec::new();
        for topic in [m.home.topic_id, m.away.topic_id].into_iter().flatten() {
            let query = ArticleQuery {
                topic: Some(topic),
                limit: CHIP_ARTICLES,
                ..Default::default()
            };
            for a in store.articles(&query, now).await? {
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
    let ticker: Vec<serde_json::Value> = store
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
pub(super) async fn article_frame(
    store: &dyn Store,
    clock: &dyn Clock,
    id: ArticleId,
) -> StoreResult<Frame> {
    let now = clock.now();
    let count = store.article(id, now).await?.map_or(0, |a| a.comment_count);
    let poll = store.poll_of_article(id).await?.map(|p| {
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

/// A reload message: the client is too far behind to catch up message by message.
pub fn reload_frame() -> Frame {
    Frame::new(0, "reload", &serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

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
