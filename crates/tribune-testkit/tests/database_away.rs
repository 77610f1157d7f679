//! PostgreSQL goes away or hangs behind a proxy (`tribune_testkit::chaos::PgProxy`) while
//! readers keep coming: pages already rendered are still served, everything else answers 503
//! with Retry-After (never a 500, never a hang), and the node serves again by itself when
//! the database is back. Unlike `outage.rs`, nothing outside the test is stopped, so these
//! run with the rest of the suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::{Duration, Instant};

use tribune_core::slugify;
use tribune_testkit::chaos::PgProxy;
use tribune_testkit::{Backend, TestApp, article};

/// Asks `check` again until it says yes; fails after `limit` with `what`.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The proxy and a site behind it, or `None` when PostgreSQL is not configured.
async fn site_behind_a_proxy() -> Option<(PgProxy, TestApp)> {
    let Backend::Postgres(url) = Backend::postgres()? else {
        return None;
    };
    let proxy = PgProxy::start(&url).await;
    let app = TestApp::start_behind(&proxy).await;
    Some((proxy, app))
}

/// What a reader gets for a page the database must answer while it is away.
async fn assert_come_back_later(app: &TestApp, path: &str) {
    let r = app
        .http
        .get(app.url(path))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path} should answer while the database is away: {e}"));
    assert_eq!(r.status(), 503, "GET {path} while the database is away");
    assert!(
        r.headers().contains_key("retry-after"),
        "GET {path}: 503 without Retry-After"
    );
    assert_eq!(r.headers()["cache-control"], "no-store", "GET {path}");
    let api = path.starts_with("/api/");
    if api {
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let body = r.text().await.unwrap();
    if !api {
        assert!(body.contains("Even geduld"), "GET {path}: {body}");
    }
    for internal in ["sqlx", "postgres", "connection", "pool"] {
        assert!(
            !body.to_lowercase().contains(internal),
            "GET {path}: '{internal}' leaked to the reader: {body}"
        );
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn readers_get_503_while_the_database_is_cut_off_and_pages_again_when_it_is_back() {
        let Some((proxy, mut app)) = site_behind_a_proxy().await else {
            return;
        };
        app.follow_changes();
        let title = "Club Brugge wint de topper tegen Anderlecht";
        let saved = app.save(&article(title, 5)).await;
        let path = format!("/nieuws/{}-{}", saved.id, slugify(title));
        assert!(app.page("/").await.contains(title));

        // The follower's LISTEN connection drops with the rest and it drops every cached
        // page at once, so even the home page may answer 503 now: only pages never cached
        // are sure to need the database.
        proxy.cut();
        assert_come_back_later(&app, &path).await;
        assert_come_back_later(&app, "/api/v1/articles").await;
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 503, "/readyz while the database is away");
        assert!(ready.headers().contains_key("retry-after"));
        assert_eq!(app.get("/healthz").await.status(), 200, "the process lives");

        // Written meanwhile by another process, straight into the database: the node
        // hears nothing of it while it is cut off.
        let during = "Anderlecht ontslaat zijn trainer";
        app.another_process()
            .await
            .save_article(&article(during, 1), app.now())
            .await
            .unwrap();

        proxy.heal();
        eventually(
            "the node is ready again once the database is back",
            Duration::from_secs(30),
            || async { app.get("/readyz").await.status() == 200 },
        )
        .await;
        let article_page = app.page(&path).await;
        assert!(article_page.contains(title), "the article renders again");
        eventually(
            "the home page shows what was written while the node was cut off",
            Duration::from_secs(30),
            || async { app.page("/").await.contains(during) },
        )
        .await;
    }

    #[tokio::test]
    async fn a_hanging_database_answers_503_instead_of_holding_readers_and_recovers() {
        let Some((proxy, app)) = site_behind_a_proxy().await else {
            return;
        };
        let title = "Genk wint de Limburgse derby";
        let saved = app.save(&article(title, 5)).await;
        assert!(app.page("/").await.contains(title));

        proxy.stall();
        assert_eq!(
            app.get("/").await.status(),
            200,
            "the home page, already rendered, is served from the page cache"
        );
        // Nothing answers from the database now: the node stops waiting for a connection
        // and says so, rather than leaving the reader hanging.
        assert_come_back_later(&app, &format!("/api/v1/articles/{}", saved.id)).await;
        assert_come_back_later(&app, &format!("/nieuws/{}-{}", saved.id, slugify(title))).await;

        proxy.heal();
        eventually(
            "the article answers once the database moves again",
            Duration::from_secs(30),
            || async {
                app.get(&format!("/api/v1/articles/{}", saved.id))
                    .await
                    .status()
                    == 200
            },
        )
        .await;
    }
}
