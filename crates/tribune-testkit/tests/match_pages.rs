//! The match pages readers see: the week's fixtures with the live match on top, and a match
//! page with score, status, minute, its events (a goal VAR took back struck through and not
//! counted), the clubs' news and LiveBlogPosting data. Over real HTTP, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tribune_core::football::MatchStatus;
use tribune_testkit::{Backend, TestApp, on_both_backends};

/// The JSON-LD block of a page.
fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("the page has JSON-LD")
        + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

async fn the_live_match_page_shows_score_events_and_the_var_reversal(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let live = app.store.live_matches().await.unwrap();
    assert_eq!(live.len(), 1, "the demo plays one match live");
    let m = &live[0];
    assert_eq!(m.title(), "KRC Genk - Royal Antwerp FC");
    assert_eq!(m.status, MatchStatus::FirstHalf);

    let html = app.page(&m.path()).await;
    assert!(
        html.contains("<span class=\"score\" data-score>1-0</span>"),
        "{html}"
    );
    assert!(html.contains("Eerste helft"), "{html}");
    assert!(html.contains("data-minute>30&#39;</span>"), "{html}");
    assert!(
        html.contains("class=\"event goal away cancelled\""),
        "the goal VAR took back is marked: {html}"
    );
    assert!(html.contains("geannuleerd na VAR"));
    assert!(
        html.contains("Doelpunt van Sven Willaert (24&#39;) afgekeurd"),
        "{html}"
    );
    assert!(html.contains("Nordin Azzouzi"));
    let genk = app.store.find_topic("KRC Genk").await.unwrap().unwrap();
    assert!(
        html.contains(&format!(
            "<a href=\"/onderwerp/{}\">KRC Genk</a>",
            genk.slug
        )),
        "the club links to its topic"
    );

    let data = json_ld(&html);
    assert_eq!(data["@type"], "LiveBlogPosting");
    assert_eq!(data["about"]["@type"], "SportsEvent");
    assert_eq!(data["about"]["homeTeam"]["name"], "KRC Genk");
    assert!(data.get("coverageEndTime").is_none(), "still being played");
    let updates = data["liveBlogUpdate"].as_array().unwrap();
    assert_eq!(updates.len(), 5, "the liveblog's entries: {updates:#?}");
    assert_eq!(
        updates[0]["headline"],
        "26' Afgekeurd: Willaert stond buitenspel bij de voorzet. Het blijft 1-0.",
        "newest first"
    );
    assert_eq!(
        updates[2]["articleBody"],
        "GOAL! Nordin Azzouzi kopt een hoekschop binnen aan de tweede paal: 1-0.",
        "plain text, no Markdown"
    );

    // The liveblog: the pinned welcome on top, then newest first; the entry about the goal
    // VAR took back is marked.
    let blog = &html[html.find("data-entries").unwrap()..];
    let welcome = blog.find("Welkom in ons liveblog").unwrap();
    let ruling = blog.find("Afgekeurd: Willaert").unwrap();
    let kickoff = blog.find("De bal rolt").unwrap();
    assert!(welcome < ruling && ruling < kickoff, "{blog}");
    assert!(
        blog.contains("<strong>GOAL!</strong>"),
        "Markdown rendered: {blog}"
    );
    let reversed = blog.find("class=\"entry key reversed\"").expect("marked");
    assert!(
        blog[reversed..].find("Sven Willaert").unwrap() < 600,
        "{blog}"
    );

    // The round: the live match on top, yesterday's results, tomorrow's fixtures.
    let round = app.page("/wedstrijden").await;
    let live_at = round.find("Nu live").unwrap();
    let genk_at = round.find("KRC Genk").unwrap();
    let gisteren = round.find("Gisteren").unwrap();
    assert!(live_at < genk_at && genk_at < gisteren, "{round}");
    assert!(
        round.contains("<span class=\"score\">2-1</span>"),
        "Brugge - Anderlecht: {round}"
    );
}

async fn match_addresses_answer_like_article_addresses(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.store.live_matches().await.unwrap().remove(0);
    let r = app.get(&format!("/wedstrijden/{}-oude-naam", m.id)).await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], m.path().as_str());
    assert_eq!(
        app.get(&format!("/wedstrijden/{}", m.id + 1000))
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/wedstrijden/genk-antwerp").await.status(), 404);
    assert_eq!(app.get("/wedstrijden/0").await.status(), 404);

    // Before kick-off the page says when to follow it live.
    let tomorrow = app
        .store
        .matches_between(app.now(), app.now() + chrono::Duration::days(2), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.status == MatchStatus::Scheduled)
        .unwrap();
    let html = app.page(&tomorrow.path()).await;
    assert!(
        html.contains(&format!(
            "Volg {} live vanaf {} ({})",
            tomorrow.title(),
            tribune_core::time::clock_time(tomorrow.kickoff_at),
            tribune_core::time::day_month(tomorrow.kickoff_at)
        )),
        "{html}"
    );
    assert!(html.contains("Nog geen fasen om te melden."));
}

async fn reloading_the_demo_keeps_its_live_match_as_it_was(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let live = app.store.live_matches().await.unwrap().remove(0);
    let events = app.store.match_events(live.id).await.unwrap();
    let entries = app.store.live_entries(live.id).await.unwrap();
    let before = app.store.site_counts().await.unwrap();
    tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    let after = app.store.site_counts().await.unwrap();
    assert_eq!(
        (
            after.matches,
            after.match_events,
            after.live_entries,
            after.teams
        ),
        (
            before.matches,
            before.match_events,
            before.live_entries,
            before.teams
        ),
        "nothing doubled"
    );
    let again = app.store.match_by_id(live.id).await.unwrap().unwrap();
    assert_eq!((again.status, again.score), (live.status, live.score));
    assert_eq!(app.store.match_events(live.id).await.unwrap(), events);
    assert_eq!(app.store.live_entries(live.id).await.unwrap(), entries);
}

async fn an_article_about_a_club_leads_to_its_next_match(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let next = app
        .store
        .matches_between(app.now(), app.now() + chrono::Duration::days(2), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.status == MatchStatus::Scheduled && m.home.topic_id.is_some())
        .unwrap();
    let preview = app
        .save(&tribune_core::article::NewArticle {
            topics: vec![next.home.topic_id.unwrap()],
            ..tribune_testkit::article("Voorbeschouwing op morgen", 0)
        })
        .await;
    let path = app
        .store
        .article(preview.id, app.now())
        .await
        .unwrap()
        .unwrap()
        .path();
    let html = app.page(&path).await;
    assert!(
        html.contains(&format!(
            "<p class=\"follow-match\"><a href=\"{}\">Volg {} live vanaf {} ({})</a></p>",
            next.path(),
            next.title(),
            tribune_core::time::clock_time(next.kickoff_at),
            tribune_core::time::day_month(next.kickoff_at)
        )),
        "{html}"
    );
    // Kick-off: the cached article says so once the node has followed the match log.
    app.sync().await;
    app.store
        .set_match_status(
            next.id,
            MatchStatus::FirstHalf,
            Some(tribune_core::football::Minute::new(1, None)),
            app.now(),
        )
        .await
        .unwrap();
    app.sync().await;
    let html = app.page(&path).await;
    assert!(
        html.contains(&format!(
            ">Nu live: {} 0-0 {}</a>",
            next.home.name, next.away.name
        )),
        "{html}"
    );
    // An article about no club leads nowhere.
    let other = app
        .save(&tribune_testkit::article("Over iets anders", 0))
        .await;
    let path = app
        .store
        .article(other.id, app.now())
        .await
        .unwrap()
        .unwrap()
        .path();
    assert!(!app.page(&path).await.contains("follow-match"));
}

on_both_backends!(
    an_article_about_a_club_leads_to_its_next_match,
    reloading_the_demo_keeps_its_live_match_as_it_was,
    the_live_match_page_shows_score_events_and_the_var_reversal,
    match_addresses_answer_like_article_addresses,
);
