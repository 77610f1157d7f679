//! The page cache: same bytes for everyone, ETags, CDN headers, and invalidation by events,
//! including writes made by another process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, article, on_both_backends};

async fn pages_carry_etag_cache_control_and_surrogate_keys_and_answer_304(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let mut a = article("Club wint", 5);
    a.topics = vec![club.id];
    let saved = app.save(&a).await;

    let r = app.get("/").await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].clone();
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=30, stale-while-revalidate=60"
    );
    assert!(
        r.headers()["surrogate-key"]
            .to_str()
            .unwrap()
            .split(' ')
            .any(|k| k == "home")
    );

    let again = app
        .http
        .get(app.url("/"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag);
    assert!(again.text().await.unwrap().is_empty());

    let r = app.get(&format!("/nieuws/{}-club-wint", saved.id)).await;
    let keys = r.headers()["surrogate-key"].to_str().unwrap().to_string();
    for k in [
        format!("article-{}", saved.id),
        "topic-club-brugge".to_string(),
        "author-sofie-vermeulen".to_string(),
    ] {
        assert!(
            keys.split(' ').any(|x| x == k),
            "surrogate keys {keys} lack {k}"
        );
    }
}

async fn a_cached_page_is_served_until_an_event_says_it_changed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut a = article("Eerste versie van de kop", 5);
    let saved = app.save(&a).await;
    app.sync().await;
    let path = format!("/nieuws/{}", saved.id);
    let canonical = app.get(&path).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        app.page(&canonical)
            .await
            .contains("Eerste versie van de kop")
    );
    assert!(app.page("/").await.contains("Eerste versie van de kop"));

    // The title changes in the database, as another process would change it.
    a.title = "Tweede versie van de kop".into();
    app.save(&a).await;
    assert!(
        app.page(&canonical)
            .await
            .contains("Eerste versie van de kop"),
        "before the change is noticed, the cached page is served"
    );
    assert!(app.sync().await >= 1);
    let new_canonical = format!("/nieuws/{}-tweede-versie-van-de-kop", saved.id);
    assert!(
        app.page(&new_canonical)
            .await
            .contains("Tweede versie van de kop")
    );
    assert!(
        app.page("/").await.contains("Tweede versie van de kop"),
        "the home page follows too"
    );
    // The old slug now redirects to the new one.
    assert_eq!(app.get(&canonical).await.status(), 301);
}

async fn a_change_to_a_related_article_refreshes_the_pages_that_link_to_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut target = article("Oude kop van het achtergrondstuk", 60);
    let target_id = app.save(&target).await.id;
    let mut linking = article("Het nieuws", 5);
    linking.related = vec![target_id];
    let linking_id = app.save(&linking).await.id;
    app.sync().await;
    let path = format!("/nieuws/{linking_id}-het-nieuws");
    assert!(
        app.page(&path)
            .await
            .contains("Oude kop van het achtergrondstuk")
    );
    target.title = "Nieuwe kop van het achtergrondstuk".into();
    app.save(&target).await;
    app.sync().await;
    assert!(
        app.page(&path)
            .await
            .contains("Nieuwe kop van het achtergrondstuk")
    );
}

async fn without_the_page_cache_every_request_renders_fresh(backend: Backend) {
    let app = TestApp::start_uncached(backend).await;
    let mut a = article("Versie een", 5);
    app.save(&a).await;
    assert!(app.page("/").await.contains("Versie een"));
    a.title = "Versie twee".into();
    app.save(&a).await;
    // No sync: without a cache nothing can be stale.
    assert!(app.page("/").await.contains("Versie twee"));
}

async fn a_write_by_another_process_reaches_the_running_site(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.save(&article("Al gepubliceerd", 30)).await;
    app.sync().await;
    assert!(!app.page("/").await.contains("Nieuw van elders"));
    // A second, independent connection to the same database file: what the import command does.
    let other = app.another_process().await;
    other
        .save_article(&article("Nieuw van elders", 1), app.now())
        .await
        .unwrap();
    assert!(
        app.sync().await >= 1,
        "the change log shows the other process's write"
    );
    assert!(app.page("/").await.contains("Nieuw van elders"));
}

async fn an_unpublished_article_leaves_every_page_and_can_come_back(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let mut a = article("Een stuk dat offline moet", 5);
    a.topics = vec![club.id];
    let id = app.save(&a).await.id;
    app.sync().await;
    let path = format!("/nieuws/{id}-een-stuk-dat-offline-moet");
    assert_eq!(app.get(&path).await.status(), 200);
    assert!(app.page("/").await.contains("Een stuk dat offline moet"));
    assert!(
        app.page("/onderwerp/club-brugge")
            .await
            .contains("Een stuk dat offline moet")
    );

    app.store.set_published(id, false, app.now()).await.unwrap();
    app.sync().await;
    assert_eq!(app.get(&path).await.status(), 404);
    assert!(!app.page("/").await.contains("Een stuk dat offline moet"));
    assert!(
        !app.page("/onderwerp/club-brugge")
            .await
            .contains("Een stuk dat offline moet")
    );
    assert_eq!(
        app.get(&format!("/api/v1/articles/{id}")).await.status(),
        404
    );

    app.store.set_published(id, true, app.now()).await.unwrap();
    app.sync().await;
    assert_eq!(app.get(&path).await.status(), 200);
    assert!(matches!(
        app.store.set_published(424242, false, app.now()).await,
        Err(tribune_core::StoreError::NotFound)
    ));
}

on_both_backends!(
    pages_carry_etag_cache_control_and_surrogate_keys_and_answer_304,
    a_cached_page_is_served_until_an_event_says_it_changed,
    a_change_to_a_related_article_refreshes_the_pages_that_link_to_it,
    without_the_page_cache_every_request_renders_fresh,
    a_write_by_another_process_reaches_the_running_site,
    an_unpublished_article_leaves_every_page_and_can_come_back,
);
