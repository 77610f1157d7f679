//! `tribune copy`: a whole site moves to another database with its ids, and the copy serves
//! byte for byte the same pages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use tribune::copy::{self, Progress, Stage};
use tribune_core::store::{ArticleQuery, ArticleRecord};
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, article};

/// The demo newsroom, with one article taken off the site and one scheduled for later.
async fn demo_site() -> TestApp {
    let app = TestApp::start(Backend::Sqlite).await;
    tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    let visible = app
        .store
        .articles(
            &ArticleQuery {
                limit: 5,
                ..Default::default()
            },
            app.now(),
        )
        .await
        .unwrap();
    app.store
        .set_published(visible[2].id, false, app.now())
        .await
        .unwrap();
    let club = app.store.find_topic("Club Brugge").await.unwrap().unwrap();
    let mut later = article("Opstelling van Club om vijf uur bekend", -90);
    later.topics = vec![club.id];
    later.comment_count = 3;
    app.save(&later).await;
    app
}

async fn all_articles(app: &TestApp) -> Vec<ArticleRecord> {
    app.store.export_articles(0, 100_000).await.unwrap()
}

/// Every kind of page, from both apps, must be the same bytes (or the same refusal).
async fn assert_same_pages(a: &TestApp, b: &TestApp) {
    let mut paths: Vec<String> = [
        "/",
        "/?pagina=2",
        "/?pagina=3",
        "/onderwerpen",
        "/onderwerp/club-brugge",
        "/onderwerp/rsc-anderlecht",
        "/api/v1/articles",
        "/api/v1/topics",
    ]
    .map(String::from)
    .to_vec();
    for author in a.store.authors().await.unwrap() {
        paths.push(format!("/auteur/{}", author.slug));
    }
    // Every article, visible or not: hidden ones must be hidden on both.
    for record in all_articles(a).await {
        paths.push(format!("/nieuws/{}-{}", record.id, record.slug));
        paths.push(format!("/api/v1/articles/{}", record.id));
    }
    for path in &paths {
        let (ra, rb) = (a.get(path).await, b.get(path).await);
        let status = ra.status();
        assert_eq!(status, rb.status(), "GET {path}");
        let (ba, bb) = (ra.text().await.unwrap(), rb.text().await.unwrap());
        assert!(ba == bb, "GET {path} differs:\n{ba}\n----\n{bb}");
    }
    assert!(
        a.page("/").await.contains("/nieuws/"),
        "the home page lists articles"
    );
}

/// The stores hold the same rows, ids and stored HTML included.
async fn assert_same_rows(a: &TestApp, b: &TestApp) {
    assert_eq!(all_articles(a).await, all_articles(b).await);
    assert_eq!(
        a.store.authors().await.unwrap(),
        b.store.authors().await.unwrap()
    );
    assert_eq!(
        a.store.topics().await.unwrap(),
        b.store.topics().await.unwrap()
    );
    assert_eq!(
        a.store.photos().await.unwrap(),
        b.store.photos().await.unwrap()
    );
    assert_eq!(
        a.store.site_counts().await.unwrap(),
        b.store.site_counts().await.unwrap()
    );
}

#[tokio::test]
async fn the_demo_copied_to_postgres_serves_the_same_pages() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let from = demo_site().await;
    let to = TestApp::start(backend).await;
    let mut seen: Vec<Progress> = Vec::new();
    let counts = copy::site(from.store.as_ref(), to.store.as_ref(), false, |p| {
        seen.push(p)
    })
    .await
    .unwrap();

    let source = from.store.site_counts().await.unwrap();
    assert_eq!(counts, source);
    assert_eq!(counts, to.store.site_counts().await.unwrap());
    assert!(
        counts.articles > 60 && counts.related > 0 && counts.photos > 0,
        "{counts:?}"
    );
    let last_articles = seen
        .iter()
        .rev()
        .find(|p| p.stage == Stage::Articles)
        .unwrap();
    let total = u64::try_from(counts.articles).unwrap();
    assert_eq!((last_articles.done, last_articles.total), (total, total));
    assert!(seen.iter().any(|p| p.stage == Stage::Related));
    assert_eq!(
        last_articles.to_string(),
        format!("articles {total}/{total}")
    );

    assert_same_pages(&from, &to).await;
    assert_same_rows(&from, &to).await;

    // One article in detail: id, slug and comment count survive, and it is the same
    // article to readers on both.
    let records = all_articles(&from).await;
    let commented = records
        .iter()
        .find(|a| a.published && a.comment_count > 0 && a.published_at <= from.now())
        .unwrap();
    let there = to
        .store
        .article(commented.id, to.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(there.id, commented.id);
    assert_eq!(there.slug, commented.slug);
    assert_eq!(there.comment_count, commented.comment_count);
    let here = from
        .store
        .article(commented.id, from.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&here).unwrap(),
        serde_json::to_value(&there).unwrap()
    );
    // The article taken off the site stays off; the scheduled one keeps its time.
    assert!(records.iter().any(|a| !a.published));
    let scheduled = records
        .iter()
        .find(|a| a.title == "Opstelling van Club om vijf uur bekend")
        .unwrap();
    assert!(
        to.store
            .article(scheduled.id, to.now())
            .await
            .unwrap()
            .is_none()
    );

    // A second copy into the now non-empty target is refused, and changes nothing.
    let refused = copy::site(from.store.as_ref(), to.store.as_ref(), false, |_| {})
        .await
        .unwrap_err();
    assert!(
        refused.contains("not empty") && refused.contains("--force"),
        "{refused}"
    );
    assert!(
        refused.contains(&format!("{} articles", counts.articles)),
        "{refused}"
    );
    assert_eq!(to.store.site_counts().await.unwrap(), counts);

    // Forced, it overwrites row for row: nothing is duplicated.
    let again = copy::site(from.store.as_ref(), to.store.as_ref(), true, |_| {})
        .await
        .unwrap();
    assert_eq!(again, counts);
    assert_same_rows(&from, &to).await;

    // When the scheduled article's time comes, it appears on both.
    for app in [&from, &to] {
        app.clock.advance(Duration::hours(2));
        app.sync().await;
    }
    assert!(
        to.page("/")
            .await
            .contains("Opstelling van Club om vijf uur bekend"),
        "the scheduled article shows up on the copy"
    );
    assert_same_pages(&from, &to).await;

    // And back: PostgreSQL to a fresh SQLite site serves the same pages too.
    let back = TestApp::start(Backend::Sqlite).await;
    back.clock.advance(Duration::hours(2));
    copy::site(to.store.as_ref(), back.store.as_ref(), false, |_| {})
        .await
        .unwrap();
    assert_same_rows(&to, &back).await;
    assert_same_pages(&to, &back).await;

    // New rows on the copy get ids past the copied ones.
    let max_article = records.iter().map(|a| a.id).max().unwrap();
    let max_topic = from
        .store
        .topics()
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .max()
        .unwrap();
    let max_author = from
        .store
        .authors()
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .max()
        .unwrap();
    let mut fresh = article("Eerste stuk na de verhuizing", 1);
    fresh.author_name = "Nieuwe Redacteur".into();
    fresh.photo = Some(tribune_testkit::photo("nieuw.jpg", "Belga"));
    let saved = to.save(&fresh).await;
    assert!(saved.created && saved.id > max_article, "{saved:?}");
    let topic = to
        .topic("Sint-Truidense VV", TopicKind::Club, &["STVV"])
        .await;
    assert!(topic.id > max_topic);
    let author = to
        .store
        .author_by_slug("nieuwe-redacteur")
        .await
        .unwrap()
        .unwrap();
    assert!(author.id > max_author);

    // A forced copy over a target with rows of its own says which tables differ.
    let mismatch = copy::site(from.store.as_ref(), to.store.as_ref(), true, |_| {})
        .await
        .unwrap_err();
    assert!(
        mismatch.contains(&format!(
            "articles: {} in the source, {} in the target",
            counts.articles,
            counts.articles + 1
        )),
        "{mismatch}"
    );
    assert!(mismatch.contains("topics: "), "{mismatch}");
}

/// The same between two SQLite files: runs without PostgreSQL.
#[tokio::test]
async fn a_copy_between_sqlite_files_is_faithful_and_refuses_a_full_target() {
    let from = demo_site().await;
    let to = TestApp::start(Backend::Sqlite).await;
    let counts = copy::site(from.store.as_ref(), to.store.as_ref(), false, |_| {})
        .await
        .unwrap();
    assert_eq!(counts, from.store.site_counts().await.unwrap());
    assert_same_rows(&from, &to).await;
    assert_same_pages(&from, &to).await;
    let refused = copy::site(from.store.as_ref(), to.store.as_ref(), false, |_| {})
        .await
        .unwrap_err();
    assert!(refused.contains("not empty"), "{refused}");
    let again = copy::site(from.store.as_ref(), to.store.as_ref(), true, |_| {})
        .await
        .unwrap();
    assert_eq!(again, counts);
    assert_same_rows(&from, &to).await;
}

/// An empty site copies to an empty site.
#[tokio::test]
async fn an_empty_site_copies_to_nothing() {
    let from = TestApp::start(Backend::Sqlite).await;
    let to = TestApp::start(Backend::Sqlite).await;
    let mut seen = Vec::new();
    let counts = copy::site(from.store.as_ref(), to.store.as_ref(), false, |p| {
        seen.push(p)
    })
    .await
    .unwrap();
    assert!(counts.is_empty());
    assert_eq!(
        seen,
        vec![Progress {
            stage: Stage::Articles,
            done: 0,
            total: 0
        }]
    );
}
