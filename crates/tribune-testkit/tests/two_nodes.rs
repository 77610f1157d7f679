//! Several nodes on one database: a change made through one reaches the others' page caches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use tribune_core::Woke;
use tribune_testkit::{Backend, TestApp, article, on_both_backends};

/// Node A publishes; node B, which had the old home page cached, serves the new one.
async fn an_article_published_on_one_node_reaches_the_other(backend: Backend) {
    let mut a = TestApp::start(backend).await;
    a.follow_changes();
    a.save(&article("Eerder nieuws", 30)).await;
    let mut b = a.second_node().await;
    b.follow_changes();
    let b_home = b.page("/").await;
    assert!(b_home.contains("Eerder nieuws"));
    assert!(!b_home.contains("Vers van node A"));
    // Cached on B now: a second look is a cache hit.
    b.page("/").await;

    let published = Instant::now();
    a.save(&article("Vers van node A", 1)).await;
    let deadline = published + Duration::from_secs(20);
    loop {
        if b.page("/").await.contains("Vers van node A") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node B still serves the old home page after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "node B served the new home page {} ms after node A's write",
        published.elapsed().as_millis()
    );
}

on_both_backends!(an_article_published_on_one_node_reaches_the_other);

/// On PostgreSQL other nodes are told at once (NOTIFY), not left to find out by polling.
#[tokio::test]
async fn postgres_tells_other_nodes_of_a_write_as_it_commits() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = TestApp::start(backend).await;
    let b = a.second_node().await;
    // The first wait sets up B's LISTEN connection.
    let _ = b.store.wait_for_changes(Duration::from_millis(10)).await;
    let writer = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        a.save(&article("Gemeld via NOTIFY", 1)).await;
    };
    // A long wait: only a notification ends it early.
    let (woke, ()) = tokio::join!(b.store.wait_for_changes(Duration::from_secs(120)), writer);
    assert_eq!(woke, Woke::Notified);
}
