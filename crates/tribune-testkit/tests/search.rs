//! Search: a reader looks for news at /zoeken (or through /api/v1/search) and finds it by its
//! Dutch words, whatever their ending; the index follows every publish, on every node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Minutes;
use serde_json::Value;
use tribune_core::topic::TopicKind;
use tribune_core::{ArticleKind, NewArticle};
use tribune_search::{Found, Indexer, SearchIndex, SearchQuery};
use tribune_testkit::{Backend, TestApp, article, on_both_backends};

/// An article with text of the test's choosing, published `minutes_ago`.
fn story(title: &str, lead: &str, body: &str, minutes_ago: i64) -> NewArticle {
    let mut a = article(title, minutes_ago);
    a.lead = lead.into();
    a.body_markdown = body.into();
    a
}

/// Waits until this node's index has read the change log as far as the store has written
/// it (the follower is nudged first, as its background loop would be).
async fn indexed(app: &TestApp) {
    let target = app.store.last_change().await.unwrap();
    let index = app
        .state
        .search
        .clone()
        .expect("the node has a search index");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        app.sync().await;
        if index.is_ready() && index.caught_up_to() >= target {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the index did not catch up with change {target} within 30 s (it is at {})",
            index.caught_up_to()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn api(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(r.status(), 200, "GET /api/v1/search?{query}");
    r.json().await.unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

/// Polls the API until `id` is (or is no longer) among the results for `query`; returns
/// how long that took. The deadline is generous; the time is printed, not asserted.
async fn wait_for(app: &TestApp, query: &str, id: i64, present: bool) -> Duration {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(30);
    loop {
        if ids(&api(app, query).await).contains(&id) == present {
            return started.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "after 30 s article {id} is still {} for {query}",
            if present { "not found" } else { "found" }
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// "transfer" finds an article about "transfers", and "scoren" one where someone "gescoord"
/// heeft: Snowball's Dutch stemmer strips the "ge-" of past participles. It keeps the "-t" of
/// the present tense ("scoort" is a stem of its own) and cannot join strong verbs ("winnen",
/// "gewonnen"); tribune-search's unit tests pin those limits.
async fn dutch_word_endings_are_found(backend: Backend) {
    let app = TestApp::start(backend).await;
    let plural = app
        .save(&story(
            "Brugge rondt twee transfers af",
            "Blauw-zwart haalt een spits en een verdediger.",
            "Beide spelers tekenden vanmiddag.",
            10,
        ))
        .await
        .id;
    let singular = app
        .save(&story(
            "Duurste transfer ooit voor Genk",
            "Genk betaalt recordbedrag.",
            "De club bevestigt het bedrag niet.",
            20,
        ))
        .await
        .id;
    let goals = app
        .save(&story(
            "Vanaken heeft opnieuw gescoord",
            "De middenvelder was de man van de wedstrijd.",
            "Zijn doelpunten vielen na de rust.",
            30,
        ))
        .await
        .id;
    indexed(&app).await;

    let found = ids(&api(&app, "q=transfer").await);
    assert!(
        found.contains(&plural) && found.contains(&singular),
        "transfer finds transfers and transfer: {found:?}"
    );
    let found = ids(&api(&app, "q=transfers").await);
    assert!(found.contains(&plural) && found.contains(&singular));
    assert!(!found.contains(&goals));
    assert_eq!(
        ids(&api(&app, "q=scoren").await),
        [goals],
        "scoren finds gescoord"
    );
    assert_eq!(ids(&api(&app, "q=scoorde").await), [goals]);
    assert_eq!(ids(&api(&app, "q=doelpunt").await), [goals]);
}

/// Stop words neither have to occur nor find anything on their own.
async fn stop_words_are_ignored(backend: Backend) {
    let app = TestApp::start(backend).await;
    let id = app
        .save(&story(
            "Antwerp zoekt keeper",
            "Great Old wil snel duidelijkheid.",
            "Trainer bevestigt interesse.",
            5,
        ))
        .await
        .id;
    indexed(&app).await;
    // "de", "van" and "het" appear nowhere in the article, yet it is found.
    let v = api(&app, "q=de+keeper+van+het+Antwerp").await;
    assert_eq!(ids(&v), [id]);
    assert_eq!(v["words"], serde_json::json!(["keeper", "antwerp"]));
    // Only stop words: nothing to search for, said so on the page.
    let v = api(&app, "q=de+het+een").await;
    assert_eq!(v["words"], serde_json::json!([]));
    let page = app.page("/zoeken?q=de+het+een").await;
    assert!(
        page.contains("kunnen we niet zoeken"),
        "the reader is told why: {page}"
    );
}

/// The words found are marked in the title and the snippet; the snippet is cut from the body
/// around them.
async fn hits_are_highlighted(backend: Backend) {
    let app = TestApp::start(backend).await;
    let body = format!(
        "{}\n\nIn de slotfase besliste een penalty de wedstrijd in het voordeel van de thuisploeg.\n\n{}",
        "Lange aanloop zonder zoekwoord. ".repeat(20),
        "Nog meer tekst zonder het zoekwoord. ".repeat(20)
    );
    let id = app
        .save(&story(
            "Late penalty beslist derby",
            "Cercle wint nipt.",
            &body,
            5,
        ))
        .await
        .id;
    indexed(&app).await;
    let v = api(&app, "q=penalty").await;
    assert_eq!(ids(&v), [id]);
    let hit = &v["results"][0];
    assert_eq!(hit["title_html"], "Late <mark>penalty</mark> beslist derby");
    let snippet = hit["snippet_html"].as_str().unwrap();
    assert!(
        snippet.contains("besliste een <mark>penalty</mark> de wedstrijd"),
        "snippet around the hit: {snippet}"
    );
    assert!(
        snippet.chars().count() < 300,
        "a snippet, not the body: {snippet}"
    );
}

/// Topic, kind and date narrow the results; newest first puts them in time order.
async fn filters_narrow_the_results(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app
        .topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    let mut on_club = story(
        "Trainer over de derby",
        "Voorbeschouwing.",
        "De trainer verwacht een zware derby.",
        60,
    );
    on_club.topics = vec![club.id];
    let on_club = app.save(&on_club).await.id;
    let mut rumour = story(
        "Derby zonder publiek",
        "Burgemeester beslist.",
        "Geen fans bij de derby.",
        30,
    );
    rumour.kind = ArticleKind::Rumour;
    rumour.source = Some("Het Nieuwsblad".into());
    let rumour = app.save(&rumour).await.id;
    // Three days earlier (22 November is the test's match day).
    let old = app
        .save(&story(
            "Vorige derby eindigde gelijk",
            "Terugblik.",
            "De derby eindigde op 1-1.",
            3 * 24 * 60,
        ))
        .await
        .id;
    indexed(&app).await;

    let mut all = ids(&api(&app, "q=derby&sort=newest").await);
    assert_eq!(all, [rumour, on_club, old], "newest first");
    all.sort();
    let mut by_relevance = ids(&api(&app, "q=derby").await);
    by_relevance.sort();
    assert_eq!(all, by_relevance, "the same articles, whatever the order");

    assert_eq!(
        ids(&api(&app, "q=derby&topic=club-brugge").await),
        [on_club]
    );
    // A topic's alias is searched like its name.
    assert_eq!(ids(&api(&app, "q=blauw-zwart").await), [on_club]);
    assert_eq!(ids(&api(&app, "q=derby&kind=rumour").await), [rumour]);
    assert_eq!(
        ids(&api(&app, "q=derby&from=2026-11-22&to=2026-11-22&sort=newest").await),
        [rumour, on_club]
    );
    assert_eq!(ids(&api(&app, "q=derby&to=2026-11-20").await), [old]);
    // Without words, the filters alone list the newest.
    assert_eq!(ids(&api(&app, "kind=rumour").await), [rumour]);
    // The page takes the same filters in Dutch.
    let page = app
        .page("/zoeken?q=derby&soort=rumour&volgorde=nieuwste")
        .await;
    assert!(page.contains("<mark>Derby</mark> zonder publiek"), "{page}");
    assert!(!page.contains("eindigde gelijk"), "{page}");

    // Bad filters are the reader's error, and say what to fix.
    for bad in [
        "q=derby&kind=nieuws",
        "q=derby&from=gisteren",
        "q=derby&sort=beste",
        "q=derby&page=0",
        "q=derby&limit=1000",
        "q=derby&from=2026-11-22&to=2026-11-01",
        "",
    ] {
        let r = app.get(&format!("/api/v1/search?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad}");
        let problem: Value = r.json().await.unwrap();
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "{bad}");
    }
    let r = app.get("/zoeken?q=derby&van=morgen").await;
    assert_eq!(r.status(), 400);
}

/// Pages of results visit every match once; the last says there is no next page.
async fn results_come_in_pages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut saved = Vec::new();
    for i in 0..25 {
        let a = story(
            &format!("Jeugdspeler {i} debuteert"),
            "Een nieuw talent.",
            "Hij mocht invallen.",
            i,
        );
        saved.push(app.save(&a).await.id);
    }
    indexed(&app).await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let v = api(
            &app,
            &format!("q=jeugdspeler&sort=newest&limit=10&page={page}"),
        )
        .await;
        assert_eq!(v["total"], 25);
        let expect_next = if page < 3 {
            Value::from(page + 1)
        } else {
            Value::Null
        };
        assert_eq!(v["next_page"], expect_next, "page {page}");
        seen.extend(ids(&v));
    }
    assert_eq!(seen, saved, "every match once, newest first");
    // The page's pager keeps the search in its links.
    let page = app.page("/zoeken?q=jeugdspeler&volgorde=nieuwste").await;
    assert!(
        page.contains("href=\"/zoeken?q=jeugdspeler&#38;volgorde=nieuwste&#38;pagina=2\""),
        "{page}"
    );
    let last = app.page("/zoeken?q=jeugdspeler&pagina=2").await;
    assert!(!last.contains("rel=\"next\""));
}

/// A publish is findable within moments on this node and another; taking the article off
/// the site makes it unfindable everywhere. The times are printed (the promise is 2 s).
async fn the_index_follows_publishing_on_every_node(backend: Backend) {
    let mut a = TestApp::start(backend).await;
    a.follow_changes();
    let mut b = a.second_node().await;
    b.follow_changes();
    indexed(&a).await;
    indexed(&b).await;

    let published = Instant::now();
    let id = a
        .save(&story(
            "Nieuwe bondscoach voorgesteld",
            "De Rode Duivels hebben een opvolger.",
            "Hij tekende tot na het EK.",
            1,
        ))
        .await
        .id;
    let on_a = wait_for(&a, "q=bondscoach", id, true).await;
    wait_for(&b, "q=bondscoach", id, true).await;
    eprintln!(
        "findable on node A after {} ms, on node B after {} ms (both from the write)",
        on_a.as_millis(),
        published.elapsed().as_millis()
    );

    a.store.set_published(id, false, a.now()).await.unwrap();
    let gone_a = wait_for(&a, "q=bondscoach", id, false).await;
    let gone_b = wait_for(&b, "q=bondscoach", id, false).await;
    eprintln!(
        "gone from node A after {} ms, from node B after {} more ms",
        gone_a.as_millis(),
        gone_b.as_millis()
    );
    // Put back, it is found again.
    a.store.set_published(id, true, a.now()).await.unwrap();
    wait_for(&b, "q=bondscoach", id, true).await;
}

/// A scheduled article is in the index but not findable before its time; once due it is.
async fn a_scheduled_article_is_found_once_it_is_due(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut later = story(
        "Selectie bekend voor interland",
        "Dertien nieuwe namen.",
        "De selectie telt drie debutanten.",
        0,
    );
    later.published_at = app.now() + Minutes::minutes(30);
    let id = app.save(&later).await.id;
    indexed(&app).await;
    assert!(
        ids(&api(&app, "q=selectie").await).is_empty(),
        "not before its time"
    );
    app.clock.advance(Minutes::minutes(31));
    // The follower announces it too; the index needs no write for it.
    wait_for(&app, "q=selectie", id, true).await;
}

/// Hostile text in an article or in the query never becomes markup on /zoeken.
async fn the_search_page_escapes_everything(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.save(&story(
        "<script>alert('titel')</script> Keeper <b>vlamt</b>",
        "Lead met <img src=x onerror=alert(1)> erin.",
        "Tekst over de keeper & zijn <em>redding</em>.",
        5,
    ))
    .await;
    indexed(&app).await;
    let page = app.page("/zoeken?q=keeper").await;
    assert!(page.contains("<mark>Keeper</mark>"), "{page}");
    assert!(
        !page.contains("<script>alert"),
        "title became markup: {page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert(&#39;titel&#39;)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<b>vlamt</b>"));
    assert!(!page.contains("<img src=x"));
    let page = app
        .page("/zoeken?q=%22%3E%3Cscript%3Ealert(2)%3C%2Fscript%3E")
        .await;
    assert!(
        !page.contains("<script>alert(2)"),
        "query became markup: {page}"
    );
    // Without a query the page is the search form.
    let empty = app.page("/zoeken").await;
    assert!(empty.contains("name=\"q\""));
    let r = app.get("/zoeken?q=keeper").await;
    assert_eq!(
        r.headers()["cache-control"],
        "public, no-cache",
        "the same for everyone, asked again every time"
    );
    assert!(r.headers().contains_key("etag"));
}

/// A node that starts with an unreadable index rebuilds it from the store; one that is
/// behind (it was stopped while others wrote) catches up from its change number.
async fn a_corrupt_or_old_index_is_repaired_at_start(backend: Backend) {
    let app = TestApp::start(backend).await;
    let first = app
        .save(&story(
            "Spelersbus vertrekt vroeg",
            "Verplaatsing naar Luik.",
            "De spelersbus vertrok om acht uur.",
            5,
        ))
        .await
        .id;

    let dir = app.paths.data_dir.join("search-elders");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("meta.json"), b"{ dit is geen index").unwrap();
    std::fs::write(dir.join("0123.store"), b"rommel").unwrap();
    // The way `serve` starts: AppState opens the index and its writer repairs it.
    let mut config = tribune::web_config(&app.paths, true);
    config.search_dir = Some(dir.clone());
    let state = tribune_web::AppState::new(
        app.another_process().await,
        Arc::new(app.clock.clone()),
        config,
    );
    let index = state.search.clone().expect("the index was made anew");
    let deadline = Instant::now() + Duration::from_secs(30);
    let query = SearchQuery {
        text: "spelersbus".into(),
        limit: 10,
        ..Default::default()
    };
    loop {
        let r = index.search(&query, app.now()).unwrap();
        if r.hits.iter().any(|h| h.id == first) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the corrupt index was not rebuilt within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!dir.join("0123.store").exists(), "the junk is gone");
    drop(index);
    drop(state);

    // An index of its own, brought up to date and closed, as a stopped node leaves it.
    let own = app.paths.data_dir.join("search-gestopt");
    let (index, found) = SearchIndex::open(&own).unwrap();
    assert!(matches!(found, Found::Empty(_)), "{found:?}");
    let mut writer = Indexer::new(Arc::new(index), app.another_process().await).unwrap();
    writer.prepare(&found).await.unwrap();
    drop(writer);
    let second = app
        .save(&story(
            "Spelersbus terug na middernacht",
            "Lange terugreis.",
            "De spelersbus kwam pas laat aan.",
            1,
        ))
        .await
        .id;
    let (index, found) = SearchIndex::open(&own).unwrap();
    let Found::UpTo(change) = found else {
        panic!("a good index is kept: {found:?}")
    };
    assert!(change > 0);
    let index = Arc::new(index);
    let mut writer = Indexer::new(index.clone(), app.another_process().await).unwrap();
    writer.prepare(&found).await.unwrap();
    let r = index.search(&query, app.now()).unwrap();
    let mut found_ids: Vec<_> = r.hits.iter().map(|h| h.id).collect();
    found_ids.sort();
    assert_eq!(
        found_ids,
        [first, second],
        "caught up with the write made while it was stopped"
    );
}

on_both_backends!(
    dutch_word_endings_are_found,
    stop_words_are_ignored,
    hits_are_highlighted,
    filters_narrow_the_results,
    results_come_in_pages,
    the_index_follows_publishing_on_every_node,
    a_scheduled_article_is_found_once_it_is_due,
    the_search_page_escapes_everything,
    a_corrupt_or_old_index_is_repaired_at_start,
);
