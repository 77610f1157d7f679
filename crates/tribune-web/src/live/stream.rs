//! One client's event stream: what it missed first, then what its channels bring, with
//! heartbeats; a client that falls behind is let go, never buffered for.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{broadcast, watch};

use super::frames::Frame;

/// Messages a client may fall behind before it is dropped.
pub const QUEUE: usize = 64;
/// A comment line this often keeps proxies from closing a quiet stream.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

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
}
