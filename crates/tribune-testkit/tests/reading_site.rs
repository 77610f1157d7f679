//! A reader's story through the site: home, ticker, paging, article, topics, authors, errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use tribune_core::ArticleKind;
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, article, on_both_backends, photo};

async fn home_shows_meest_recent_with_teasers_counts_and_a_grouped_ticker(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut fresh = article("Club Brugge wint de topper tegen Anderlecht", 30);
    fresh.lead = "Club Brugge heeft zondagavond de topper tegen Anderlecht gewonnen met 2-1, na een wedstrijd vol wendingen en een late strafschop van Ordoñez.".into();
    let fresh = app.save(&fresh).await;
    app.comment_on(fresh.id, 149).await;
    // 14:00 UTC minus 20 hours is Saturday evening in Brussels: "Gisteren".
    app.save(&article("Genk wint de Limburgse derby", 20 * 60))
        .await;
    // Two days back: a weekday heading.
    app.save(&article("Standard ontslaat zijn trainer", 44 * 60))
        .await;

    let html = app.page("/").await;
    assert!(html.contains("Meest recent"));
    assert!(html.contains("Club Brugge wint de topper tegen Anderlecht"));
    // The teaser: the lead cut before a word, at most 100 characters, ending in " ...".
    assert!(
        html.contains("Club Brugge heeft zondagavond de topper tegen Anderlecht gewonnen met 2-1, na een wedstrijd vol ..."),
        "teaser missing or cut wrongly"
    );
    assert!(
        html.contains(r#"aria-label="149 reacties">149</span>"#),
        "comment count missing"
    );
    // Ticker: HH:MM in Brussels (14:30 UTC - 30 min = 14:30 Brussels), grouped by day.
    let ticker = &html[html.find("Laatste nieuws").expect("ticker heading")..];
    let today = ticker.find(">Vandaag<").expect("Vandaag heading");
    let yesterday = ticker.find(">Gisteren<").expect("Gisteren heading");
    let older = ticker
        .find(">vrijdag 20/11<")
        .expect("weekday heading for two days back");
    assert!(
        today < yesterday && yesterday < older,
        "ticker days out of order"
    );
    assert!(
        ticker.contains(">14:30</time>"),
        "ticker time is not Brussels HH:MM"
    );
}

async fn meer_nieuws_pages_through_thirty_at_a_time(backend: Backend) {
    let app = TestApp::start(backend).await;
    let batch: Vec<_> = (0..65)
        .map(|i| article(&format!("Bericht nummer {i:02}"), i * 10))
        .collect();
    app.store.save_articles(&batch, app.now()).await.unwrap();

    // Only the "Meest recent" column; the ticker beside it has its own, longer list.
    let recent = |html: String| html[..html.find("Laatste nieuws").unwrap()].to_string();
    let first = recent(app.page("/").await);
    assert_eq!(first.matches(r#"class="teaser""#).count(), 30);
    assert!(first.contains(r#"href="/?pagina=2" rel="next" class="more">Meer nieuws</a>"#));
    assert!(first.contains("Bericht nummer 00") && first.contains("Bericht nummer 29"));
    assert!(!first.contains("Bericht nummer 30"));

    let second = recent(app.page("/?pagina=2").await);
    assert!(
        second.contains(&format!(
            r#"<link rel="canonical" href="{}/?pagina=2">"#,
            app.base
        )),
        "page 2 names itself as canonical"
    );
    assert!(second.contains("Bericht nummer 30") && second.contains("Bericht nummer 59"));
    assert!(!second.contains("Bericht nummer 29<"));
    assert!(second.contains(r#"href="/" rel="prev">Vorige</a>"#));

    let third = recent(app.page("/?pagina=3").await);
    assert_eq!(third.matches(r#"class="teaser""#).count(), 5);
    assert!(
        !third.contains(r#"rel="next""#),
        "last page offers no next page"
    );

    assert_eq!(app.get("/?pagina=4").await.status(), 404);
}

async fn an_article_page_has_everything_a_reader_expects(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app
        .topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    let league = app
        .topic("Jupiler Pro League", TopicKind::Competition, &[])
        .await;
    let earlier = app.save(&article("Ordoñez traint weer mee", 300)).await;
    let mut a = article("Ordoñez is écht terug", 60);
    a.author_name = "Jens De Backer".into();
    a.body_markdown =
        "Eerste alinea.\n\n## VIJFTIEN JAAR\n\n\"Ik voel me goed\", vertelt hij aan Sporza.".into();
    a.photo = Some(photo("abc.png", "photonews"));
    a.topics = vec![club.id, league.id];
    a.related = vec![earlier.id];
    let saved = app.save(&a).await;
    app.comment_on(saved.id, 12).await;

    let html = app
        .page(&format!("/nieuws/{}-ordonez-is-echt-terug", saved.id))
        .await;
    assert!(html.contains("<h1>Ordoñez is écht terug</h1>"));
    assert!(
        html.contains(r#"door <a href="/auteur/jens-de-backer" rel="author">Jens De Backer</a>"#),
        "byline"
    );
    // 14:00 UTC - 60 min = 14:00 Brussels (UTC+1 in November).
    assert!(
        html.contains("zondag 22 november 2026 om 14:00"),
        "Brussels date and time"
    );
    assert!(html.contains("Foto: © photonews"), "photo credit");
    assert!(html.contains(r#"<img src="/media/abc.png" width="960" height="540""#));
    assert!(html.contains("<h2>VIJFTIEN JAAR</h2>"), "intertitle");
    assert!(
        html.contains(&format!(
            r#"href="/nieuws/{}-ordonez-traint-weer-mee""#,
            earlier.id
        )),
        "related link"
    );
    assert!(
        html.contains(r#"<a href="/onderwerp/club-brugge">Club Brugge</a>"#),
        "topic link"
    );
    assert!(html.contains("12 reacties"));
    assert!(html.contains(r#"<p class="lead">"#));
}

async fn a_rumour_is_quoted_with_its_source(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut a = article("Antwerp wil Kerk terughalen", 10);
    a.kind = ArticleKind::Rumour;
    a.source = Some("Gazet van Antwerpen".into());
    let saved = app.save(&a).await;
    let home = app.page("/").await;
    assert!(
        home.contains("&#39;Antwerp wil Kerk terughalen&#39;"),
        "rumour headline in single quotes"
    );
    assert!(home.contains("bron: Gazet van Antwerpen"));
    let page = app
        .page(&format!("/nieuws/{}-antwerp-wil-kerk-terughalen", saved.id))
        .await;
    assert!(page.contains("Bron: Gazet van Antwerpen"));
}

async fn a_wrong_slug_answers_301_to_the_canonical_url(backend: Backend) {
    let app = TestApp::start(backend).await;
    let saved = app.save(&article("Anderlecht ontslaat trainer", 5)).await;
    let canonical = format!("/nieuws/{}-anderlecht-ontslaat-trainer", saved.id);
    for wrong in [
        format!("/nieuws/{}-oude-titel", saved.id),
        format!("/nieuws/{}", saved.id),
    ] {
        let r = app.get(&wrong).await;
        assert_eq!(r.status(), 301, "{wrong}");
        assert_eq!(r.headers()["location"], canonical.as_str());
    }
    assert_eq!(app.get(&canonical).await.status(), 200);
}

async fn unknown_pages_answer_a_real_404_page_and_bad_parameters_400(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.save(&article("Iets", 5)).await;
    for path in [
        "/nieuws/999999-bestaat-niet",
        "/nieuws/abc",
        "/nieuws/0-nul",
        "/onderwerp/bestaat-niet",
        "/auteur/niemand",
        "/bestaat/niet",
        "/media/nope.png",
        "/media/..%2Ftribune.db",
        "/assets/site.css",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(
            r.text().await.unwrap().contains("Pagina niet gevonden"),
            "{path} has no 404 page"
        );
    }
    for path in [
        "/?pagina=abc",
        "/?pagina=0",
        "/?pagina=-1",
        "/?pagina=99999999999",
        "/?pagina=%FF",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(
            r.text().await.unwrap().contains("pagina"),
            "{path}: the 400 page says what to fix"
        );
    }
}

async fn unreadable_addresses_answer_400_pages_not_500(backend: Backend) {
    let app = TestApp::start(backend).await;
    for path in [
        "/nieuws/%FF",
        "/onderwerp/%FF",
        "/auteur/%E2%82",
        "/media/%FF.png",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("tekens die we niet kunnen lezen"),
            "{path}"
        );
    }
    let r = app.get("/api/v1/articles/%FF").await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

async fn a_scheduled_article_is_invisible_until_its_time_then_appears_without_restart(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let club = app.topic("KRC Genk", TopicKind::Club, &[]).await;
    let mut later = article("Genk stelt nieuwe trainer voor", -5);
    later.topics = vec![club.id];
    let saved = app.save(&later).await;
    app.sync().await;
    let path = format!("/nieuws/{}-genk-stelt-nieuwe-trainer-voor", saved.id);
    assert!(
        !app.page("/")
            .await
            .contains("Genk stelt nieuwe trainer voor")
    );
    assert!(
        !app.page("/onderwerp/krc-genk")
            .await
            .contains("Genk stelt nieuwe trainer voor")
    );
    assert_eq!(app.get(&path).await.status(), 404);
    assert_eq!(
        app.get(&format!("/api/v1/articles/{}", saved.id))
            .await
            .status(),
        404
    );

    app.clock.advance(Duration::minutes(6));
    assert!(
        app.sync().await >= 1,
        "the follower announces the article whose time came"
    );
    assert!(
        app.page("/")
            .await
            .contains("Genk stelt nieuwe trainer voor")
    );
    assert!(
        app.page("/onderwerp/krc-genk")
            .await
            .contains("Genk stelt nieuwe trainer voor")
    );
    assert_eq!(app.get(&path).await.status(), 200);
}

async fn topic_and_author_pages_list_their_articles(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app
        .topic("RSC Anderlecht", TopicKind::Club, &["Paars-Wit"])
        .await;
    let mut tagged = article("Paars-Wit haalt verdediger", 5);
    tagged.topics = vec![club.id];
    tagged.author_name = "Lotte Claes".into();
    app.save(&tagged).await;
    app.save(&article("Iets over Genk", 6)).await;

    let topic = app.page("/onderwerp/rsc-anderlecht").await;
    assert!(topic.contains("<h1>RSC Anderlecht</h1>"));
    assert!(topic.contains("Ook bekend als: Paars-Wit"));
    assert!(topic.contains("Paars-Wit haalt verdediger"));
    assert!(!topic.contains("Iets over Genk"));

    let author = app.page("/auteur/lotte-claes").await;
    assert!(author.contains("<h1>Lotte Claes</h1>"));
    assert!(author.contains("Paars-Wit haalt verdediger"));
    assert!(!author.contains("Iets over Genk"));

    let index = app.page("/onderwerpen").await;
    assert!(index.contains(r#"<a href="/onderwerp/rsc-anderlecht">RSC Anderlecht</a>"#));
}

async fn hostile_markdown_never_reaches_the_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut a = article("Gevaarlijke inhoud", 5);
    a.body_markdown = "<script>alert('x')</script>\n\n[klik](javascript:alert(1))\n\n<img src=x onerror=alert(1)>".into();
    a.lead = "<b>lead</b> met \"aanhalingstekens\"".into();
    let saved = app.save(&a).await;
    let html = app
        .page(&format!("/nieuws/{}-gevaarlijke-inhoud", saved.id))
        .await;
    assert!(!html.contains("<script>alert"), "script tag survived");
    assert!(!html.contains("javascript:"), "javascript: link survived");
    assert!(!html.contains("onerror"), "event handler survived");
    assert!(
        html.contains("&#60;b&#62;lead&#60;/b&#62;"),
        "the lead is plain text, escaped"
    );
}

async fn a_broken_database_shows_the_500_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let title = "Club Brugge wint de topper";
    let saved = app.save(&article(title, 5)).await;
    assert!(app.page("/").await.contains(title));

    // SQLite: the file is overwritten under the open store; PostgreSQL: the site's tables
    // are gone. The database answers, with errors.
    tribune_testkit::chaos::spoil_database(&app).await;
    assert_eq!(
        app.get("/").await.status(),
        200,
        "the home page, already rendered, is served from the page cache"
    );
    let r = app
        .get(&format!(
            "/nieuws/{}-{}",
            saved.id,
            tribune_core::slugify(title)
        ))
        .await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().await.unwrap();
    assert!(body.contains("Er ging iets mis"));
    for internal in ["not a database", "relation", "sqlx", "disk"] {
        assert!(
            !body.contains(internal),
            "'{internal}' leaked to the reader"
        );
    }
    let r = app.get("/api/v1/articles").await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    for path in ["/", "/nieuws/404-x", "/api/v1/topics"] {
        let r = app.get(path).await;
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
    }
}

on_both_backends!(
    home_shows_meest_recent_with_teasers_counts_and_a_grouped_ticker,
    meer_nieuws_pages_through_thirty_at_a_time,
    an_article_page_has_everything_a_reader_expects,
    a_rumour_is_quoted_with_its_source,
    a_wrong_slug_answers_301_to_the_canonical_url,
    unknown_pages_answer_a_real_404_page_and_bad_parameters_400,
    unreadable_addresses_answer_400_pages_not_500,
    a_scheduled_article_is_invisible_until_its_time_then_appears_without_restart,
    topic_and_author_pages_list_their_articles,
    hostile_markdown_never_reaches_the_page,
    a_broken_database_shows_the_500_page,
    every_answer_carries_the_security_headers,
);
