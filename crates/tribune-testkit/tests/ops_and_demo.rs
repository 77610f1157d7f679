//! What operators see (health, readiness, metrics) and what a new user meets (the demo).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use tribune_core::ArticleKind;
use tribune_core::store::ArticleQuery;
use tribune_testkit::{Backend, TestApp, on_both_backends};

async fn health_readiness_and_metrics(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(app.page("/healthz").await, "ok\n");
    assert_eq!(app.page("/readyz").await, "ready\n");
    app.page("/").await;
    app.page("/").await;
    app.get("/nieuws/12345-x").await;
    let m = app.page("/metrics").await;
    assert!(
        m.contains(r#"tribune_http_requests_total{route="/",status="200"} 2"#),
        "{m}"
    );
    assert!(
        m.contains(r#"tribune_http_requests_total{route="/nieuws/{id_slug}",status="404"} 1"#),
        "{m}"
    );
    assert!(
        m.contains(r#"tribune_http_request_duration_seconds_count{route="/"} 2"#),
        "{m}"
    );
    assert!(m.contains("tribune_page_cache_hits_total 1"), "{m}");
    assert!(m.contains("tribune_page_cache_misses_total 2"), "{m}");
}

async fn the_demo_newsroom_is_full_fresh_and_loads_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let loaded = tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    assert!(loaded.articles >= 60, "{loaded:?}");
    assert!(loaded.topics >= 8);
    let now = app.now();
    let visible = app
        .store
        .articles(
            &ArticleQuery {
                limit: 500,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert!(visible.len() >= 60);
    assert!(
        visible.len() < loaded.articles,
        "some demo articles are scheduled for later"
    );
    // Spread over the last three days, relative to now.
    let oldest = visible.last().unwrap().published_at;
    assert!(
        now - oldest <= chrono::Duration::hours(72) && now - oldest >= chrono::Duration::hours(60)
    );
    let authors: HashSet<_> = visible.iter().map(|a| a.author_name.clone()).collect();
    assert!(authors.len() >= 4, "{authors:?}");
    let kinds: HashSet<_> = visible.iter().map(|a| a.kind).collect();
    assert_eq!(kinds.len(), ArticleKind::ALL.len(), "every kind is shown");
    assert!(
        visible
            .iter()
            .filter(|a| a.kind == ArticleKind::Rumour)
            .all(|a| a.source.is_some())
    );
    // Real comment sections: busy ones and quiet ones, every count backed by rows, an open
    // poll, and work for the moderators.
    assert!(
        visible.iter().any(|a| a.comment_count >= 25),
        "a busy comment section"
    );
    assert!(visible.iter().any(|a| a.comment_count < 12), "a quiet one");
    let wrong = app.store.counter_mismatches().await.unwrap();
    assert!(
        wrong.is_empty(),
        "demo counters disagree with their rows: {wrong:?}"
    );
    let poll = app
        .store
        .poll_of_article(visible[0].id)
        .await
        .unwrap()
        .expect("the newest article carries the open poll");
    assert!(!poll.closed(now) && poll.total_votes > 0);
    let sizes = app.store.queue_sizes().await.unwrap();
    for queue in tribune_core::comment::Queue::ALL {
        let n = sizes
            .iter()
            .find(|(q, _)| *q == queue)
            .map_or(0, |(_, n)| *n);
        assert!(n > 0, "the {queue:?} queue has work");
    }
    // Photos with credits, and every photo file exists.
    let mut with_photo = 0;
    for a in &visible {
        let full = app.store.article(a.id, now).await.unwrap().unwrap();
        assert!(
            !full.body_html.contains("related:"),
            "unresolved demo link in {}",
            a.title
        );
        if let Some(p) = full.photo {
            with_photo += 1;
            assert!(!p.credit.is_empty());
            assert!(app.media_dir().join(&p.path).exists(), "{} missing", p.path);
        }
    }
    assert!(with_photo >= 40, "{with_photo}");
    // Loading again refreshes; nothing is duplicated.
    let count = app.store.article_count().await.unwrap();
    assert!(tribune::demo::may_load(app.store.as_ref()).await.unwrap());
    tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    assert_eq!(app.store.article_count().await.unwrap(), count);
}

async fn the_demo_is_not_poured_over_a_real_newsroom(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.save(&tribune_testkit::article("Echt nieuws", 5)).await;
    assert!(!tribune::demo::may_load(app.store.as_ref()).await.unwrap());
}

#[tokio::test]
async fn a_database_newer_than_this_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = tribune_store::SqliteStore::open(dir.path()).await.unwrap();
    drop(store);
    let db = dir.path().join("tribune.db");
    let conn = tribune_store::SqliteStore::open_file(&db).await.unwrap();
    conn.force_schema_version_for_tests(99).await;
    drop(conn);
    let err = tribune_store::SqliteStore::open(dir.path())
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("newer than this Tribune knows"),
        "{err}"
    );
}

on_both_backends!(
    health_readiness_and_metrics,
    the_demo_newsroom_is_full_fresh_and_loads_once,
    the_demo_is_not_poured_over_a_real_newsroom,
);
