//! The live console: a reporter kicks off a match, adds goals in two taps, takes one back
//! after VAR, and the match page follows; bad posts are refused and change nothing; only
//! journalists, editors and admins get in. Over real HTTP, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tribune_core::account::Role;
use tribune_core::football::{EventKind, MatchStatus, Score};
use tribune_testkit::{Backend, TestApp, on_both_backends};

async fn a_reporter_plays_a_match_and_var_takes_a_goal_back(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let (_, reporter) = app.account(Role::Journalist, "Verslag Gever").await;
    let console = format!("/redactie/wedstrijden/{}", m.id);

    let list = reporter.page("/redactie/wedstrijden").await;
    assert!(list.contains(&format!("href=\"{console}\"")), "{list}");
    let r = reporter.get(&console).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");

    let r = reporter
        .post_signed(
            &format!("{console}/status"),
            &[("status", "first_half"), ("minuut", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], console.as_str());
    let now = app.store.match_by_id(m.id).await.unwrap().unwrap();
    assert_eq!(
        (now.status, now.score),
        (MatchStatus::FirstHalf, Some(Score::new(0, 0)))
    );

    // The minute moves on; a goal without a typed minute takes the match's minute.
    reporter
        .post_signed(
            &format!("{console}/status"),
            &[("status", "first_half"), ("minuut", "9")],
        )
        .await;
    let r = reporter
        .post_signed(
            &format!("{console}/fase"),
            &[
                ("kant", "home"),
                ("speler", "Thuis Spits"),
                ("soort", "goal"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = reporter
        .post_signed(
            &format!("{console}/fase"),
            &[
                ("kant", "away"),
                ("speler", "Uit Spits"),
                ("minuut", "45"),
                ("extra", "2"),
                ("soort", "goal"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let events = app.store.match_events(m.id).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].minute.to_string(), "9'");
    assert_eq!(events[1].minute.to_string(), "45+2'");

    let page = app.page(&m.path()).await;
    assert!(page.contains("data-score>1-1</span>"), "{page}");
    assert!(page.contains("Uit Spits"));

    // The console offers the away goal for VAR; taking it back corrects the score.
    let html = reporter.page(&console).await;
    assert!(
        html.contains(&format!("name=\"herroept\" value=\"{}\"", events[1].id)),
        "{html}"
    );
    let r = reporter
        .post_signed(
            &format!("{console}/fase"),
            &[
                ("kant", "away"),
                ("soort", "var_decision"),
                ("herroept", &events[1].id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let after = app.store.match_by_id(m.id).await.unwrap().unwrap();
    assert_eq!(after.score, Some(Score::new(1, 0)));
    let page = app.page(&m.path()).await;
    assert!(page.contains("data-score>1-0</span>"), "{page}");
    assert!(
        page.contains("class=\"event goal away cancelled\""),
        "{page}"
    );
    let events = app.store.match_events(m.id).await.unwrap();
    assert_eq!(events[2].kind, EventKind::VarDecision);
    assert_eq!(events[2].minute.to_string(), "9'", "the match's minute");
}

/// (what is wrong, where it is posted, the fields, the status it gets)
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, u16);

async fn bad_posts_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let (_, editor) = app.account(Role::Editor, "Eind Redacteur").await;
    let console = format!("/redactie/wedstrijden/{}", m.id);
    let fase = format!("{console}/fase");
    let status = format!("{console}/status");
    editor
        .post_signed(
            &fase,
            &[("kant", "home"), ("minuut", "3"), ("soort", "substitution")],
        )
        .await;
    let sub = app.store.match_events(m.id).await.unwrap()[0]
        .id
        .to_string();
    let before = (
        app.store.match_by_id(m.id).await.unwrap(),
        app.store.match_events(m.id).await.unwrap(),
    );
    let cases: Vec<Case> = vec![
        (
            "an unknown kind",
            &fase,
            vec![("kant", "home"), ("minuut", "5"), ("soort", "hattrick")],
            400,
        ),
        (
            "an unknown side",
            &fase,
            vec![("kant", "midden"), ("minuut", "5"), ("soort", "goal")],
            400,
        ),
        (
            "no minute before kick-off",
            &fase,
            vec![("kant", "home"), ("soort", "goal")],
            400,
        ),
        (
            "a minute that is no number",
            &fase,
            vec![("kant", "home"), ("minuut", "vijf"), ("soort", "goal")],
            400,
        ),
        (
            "minute 500",
            &fase,
            vec![("kant", "home"), ("minuut", "500"), ("soort", "goal")],
            400,
        ),
        (
            "a name on two lines",
            &fase,
            vec![
                ("kant", "home"),
                ("minuut", "5"),
                ("speler", "a\nb"),
                ("soort", "goal"),
            ],
            400,
        ),
        (
            "VAR on a substitution",
            &fase,
            vec![
                ("kant", "home"),
                ("minuut", "5"),
                ("soort", "var_decision"),
                ("herroept", sub.as_str()),
            ],
            400,
        ),
        (
            "VAR on an unknown event",
            &fase,
            vec![
                ("kant", "home"),
                ("minuut", "5"),
                ("soort", "var_decision"),
                ("herroept", "999999"),
            ],
            400,
        ),
        (
            "a goal that reverses",
            &fase,
            vec![
                ("kant", "home"),
                ("minuut", "5"),
                ("soort", "goal"),
                ("herroept", sub.as_str()),
            ],
            400,
        ),
        ("an unknown status", &status, vec![("status", "regen")], 400),
        ("a missing field", &fase, vec![("minuut", "5")], 400),
    ];
    for (what, path, fields, code) in cases {
        let r = editor.post_signed(path, &fields).await;
        assert_eq!(r.status().as_u16(), code, "{what}");
        assert!(!r.text().await.unwrap().is_empty(), "{what}: says why");
    }
    let r = editor
        .post_form(
            &fase,
            &[
                ("kant", "home"),
                ("minuut", "5"),
                ("soort", "goal"),
                ("csrf", "vals"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "a wrong form token");
    assert_eq!(
        editor
            .post_signed(
                "/redactie/wedstrijden/999999/fase",
                &[("kant", "home"), ("minuut", "5"), ("soort", "goal")]
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        editor.get("/redactie/wedstrijden/999999").await.status(),
        404
    );
    let after = (
        app.store.match_by_id(m.id).await.unwrap(),
        app.store.match_events(m.id).await.unwrap(),
    );
    assert_eq!(after, before, "nothing changed");
}

async fn only_the_newsroom_runs_the_console(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let console = format!("/redactie/wedstrijden/{}", m.id);
    for role in [Role::Reader, Role::Moderator] {
        let (_, v) = app
            .account(role, &format!("Iemand {}", role.as_str()))
            .await;
        for path in ["/redactie/wedstrijden", console.as_str()] {
            assert_eq!(v.get(path).await.status(), 403, "GET {path} as {role:?}");
        }
        let status = v
            .post_signed(&format!("{console}/status"), &[("status", "first_half")])
            .await;
        assert_eq!(status.status(), 403, "status as {role:?}");
        let goal = v
            .post_signed(
                &format!("{console}/fase"),
                &[("kant", "home"), ("minuut", "5"), ("soort", "goal")],
            )
            .await;
        assert_eq!(goal.status(), 403, "event as {role:?}");
    }
    let anonymous = app.visitor();
    let r = anonymous
        .post_form(
            &format!("{console}/fase"),
            &[("kant", "home"), ("minuut", "5"), ("soort", "goal")],
        )
        .await;
    assert!(
        r.status().is_client_error() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert_ne!(anonymous.get(&console).await.status(), 200);
    let same = app.store.match_by_id(m.id).await.unwrap().unwrap();
    assert_eq!((same.status, same.score), (MatchStatus::Scheduled, None));
    assert!(app.store.match_events(m.id).await.unwrap().is_empty());
    for role in [Role::Journalist, Role::Editor, Role::Admin] {
        let (_, v) = app
            .account(role, &format!("Redactie {}", role.as_str()))
            .await;
        assert_eq!(v.get(&console).await.status(), 200, "{role:?}");
    }
}

async fn the_liveblog_offers_an_entry_per_event_and_entries_change_after_publishing(
    backend: Backend,
) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let (_, reporter) = app.account(Role::Journalist, "Verslag Gever").await;
    let console = format!("/redactie/wedstrijden/{}", m.id);
    reporter
        .post_signed(
            &format!("{console}/status"),
            &[("status", "first_half"), ("minuut", "17")],
        )
        .await;
    let r = reporter
        .post_signed(
            &format!("{console}/fase"),
            &[
                ("kant", "home"),
                ("speler", "Thuis Spits"),
                ("soort", "goal"),
            ],
        )
        .await;
    let goal = app.store.match_events(m.id).await.unwrap()[0].clone();
    let back = format!("{console}?fase={}#verslag", goal.id);
    assert_eq!(r.headers()["location"], back.as_str());

    // Two taps: the entry is written already.
    let html = reporter.page(&format!("{console}?fase={}", goal.id)).await;
    let offered = format!("GOAL! Thuis Spits ({}) scoort.", m.home.name);
    assert!(
        html.contains(&format!("required>{offered}</textarea>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<option value=\"{}\" selected>", goal.id)),
        "{html}"
    );
    let goal_id = goal.id.to_string();
    let r = reporter
        .post_signed(
            &format!("{console}/verslag"),
            &[
                ("tekst", offered.as_str()),
                ("minuut", "17"),
                ("fase", goal_id.as_str()),
                ("sleutel", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let entries = app.store.live_entries(m.id).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].key_event && !entries[0].pinned);
    assert_eq!(entries[0].event_id, Some(goal.id));
    let page = app.page(&m.path()).await;
    assert!(page.contains(&offered), "{page}");

    // VAR takes the goal back: the entry about it is marked on the page.
    reporter
        .post_signed(
            &format!("{console}/fase"),
            &[
                ("kant", "home"),
                ("soort", "var_decision"),
                ("herroept", goal_id.as_str()),
            ],
        )
        .await;
    let page = app.page(&m.path()).await;
    assert!(page.contains("class=\"entry key reversed\""), "{page}");

    // Edited after publishing, then deleted.
    let entry = format!("{console}/verslag/{}", entries[0].id);
    let r = reporter
        .post_signed(
            &entry,
            &[
                ("tekst", "Doelpunt, maar de VAR kijkt nog."),
                ("minuut", "17"),
                ("vastpinnen", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let edited = app.store.live_entries(m.id).await.unwrap().remove(0);
    assert_eq!(edited.body_markdown, "Doelpunt, maar de VAR kijkt nog.");
    assert!(edited.pinned && !edited.key_event && edited.edited_at.is_some());
    assert!(app.page(&m.path()).await.contains("aangepast"));
    let r = reporter
        .post_signed(&format!("{entry}/verwijderen"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.store.live_entries(m.id).await.unwrap().is_empty());
    assert!(!app.page(&m.path()).await.contains("Doelpunt, maar de VAR"));
    assert_eq!(
        reporter
            .post_signed(&format!("{entry}/verwijderen"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        reporter
            .post_signed(&entry, &[("tekst", "weer terug")])
            .await
            .status(),
        404,
        "a deleted entry stays deleted"
    );

    // Bad entries change nothing.
    let other = app.store.live_matches().await.unwrap().remove(0);
    let foreign = app.store.match_events(other.id).await.unwrap()[0]
        .id
        .to_string();
    let long = "x".repeat(6000);
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        ("no text", vec![("tekst", "  ")]),
        ("too long", vec![("tekst", long.as_str())]),
        (
            "another match's event",
            vec![("tekst", "Goal"), ("fase", foreign.as_str())],
        ),
        ("a bad minute", vec![("tekst", "Goal"), ("minuut", "200")]),
    ];
    for (what, fields) in cases {
        let r = reporter
            .post_signed(&format!("{console}/verslag"), &fields)
            .await;
        assert_eq!(r.status(), 400, "{what}");
    }
    assert!(app.store.live_entries(m.id).await.unwrap().is_empty());
    let (_, reader) = app.account(Role::Reader, "Gewone Lezer").await;
    assert_eq!(
        reader
            .post_signed(&format!("{console}/verslag"), &[("tekst", "Hallo")])
            .await
            .status(),
        403
    );
}

async fn an_editor_puts_a_team_right(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let (_, reporter) = app.account(Role::Journalist, "Verslag Gever").await;
    let live = app.store.live_matches().await.unwrap().remove(0);
    let teams = app.store.teams().await.unwrap();
    let genk = teams.iter().find(|t| t.name == "KRC Genk").unwrap().clone();
    let topic = app.store.find_topic("KRC Genk").await.unwrap().unwrap();
    let form = format!("/redactie/ploegen/{}", genk.id);

    let list = editor.page("/redactie/ploegen").await;
    assert!(
        list.contains(&format!("<a href=\"{form}\">KRC Genk</a>")),
        "{list}"
    );
    assert!(editor.page(&form).await.contains("value=\"KRC Genk\""));
    assert_eq!(reporter.get("/redactie/ploegen").await.status(), 403);
    assert_eq!(
        reporter
            .post_signed(&form, &[("naam", "X"), ("kort", "X")])
            .await
            .status(),
        403,
        "journalists report, editors put teams right"
    );
    assert_eq!(editor.get("/redactie/ploegen/99999999").await.status(), 404);

    // Refused: nothing changes, and the form comes back as it was sent with the reason.
    let topic_id = topic.id.to_string();
    for (fields, why) in [
        (
            vec![
                ("naam", "Racing Genk"),
                ("kort", ""),
                ("onderwerp", topic_id.as_str()),
            ],
            "een naam en een korte naam",
        ),
        (
            vec![
                ("naam", "Racing Genk"),
                ("kort", "Genk"),
                ("namen", "Royal Antwerp FC"),
            ],
            "hoort al bij Royal Antwerp FC",
        ),
        (
            vec![
                ("naam", "Racing Genk"),
                ("kort", "Genk"),
                ("onderwerp", "99999999"),
            ],
            "bestaat niet",
        ),
        (
            vec![
                ("naam", "Racing Genk"),
                ("kort", "Genk"),
                ("onderwerp", "de blauwe"),
            ],
            "Onbekend onderwerp",
        ),
    ] {
        let r = editor.post_signed(&form, &fields).await;
        assert_eq!(r.status(), 422, "{why}");
        let html = r.text().await.unwrap();
        assert!(html.contains(why), "{why}: {html}");
        assert!(
            html.contains("value=\"Racing Genk\""),
            "the form keeps what was sent"
        );
    }
    let unchanged = app.store.teams().await.unwrap();
    assert_eq!(unchanged, teams, "refused forms changed nothing");

    // Saved: the new name is on the match page at once, and imports find the new names.
    let r = editor
        .post_signed(
            &form,
            &[
                ("naam", " Racing Genk "),
                ("naam_fr", "Racing Genk"),
                ("kort", "Racing"),
                (
                    "namen",
                    "KRC Genk\nKoninklijke Racing Club Genk\n\nkrc genk",
                ),
                ("onderwerp", topic_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{form}?bewaard=1").as_str()
    );
    let saved = app
        .store
        .teams()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id == genk.id)
        .unwrap();
    assert_eq!(saved.name, "Racing Genk");
    assert_eq!(saved.name_fr.as_deref(), Some("Racing Genk"));
    assert_eq!(saved.short_name, "Racing");
    assert_eq!(saved.slug, genk.slug, "the address stays");
    assert_eq!(saved.topic_id, Some(topic.id));
    let mut aliases = saved.aliases.clone();
    aliases.sort();
    assert_eq!(
        aliases,
        [
            "KRC Genk",
            "Koninklijke Racing Club Genk",
            "Racing",
            "Racing Genk"
        ],
        "trimmed, blank and repeated names left out, the names themselves kept"
    );
    let html = app.page(&live.path()).await;
    assert!(html.contains(">Racing Genk</"), "{html}");
    assert!(!html.contains(">KRC Genk</"), "{html}");
    // Unlinking the topic is allowed.
    let r = editor
        .post_signed(&form, &[("naam", "Racing Genk"), ("kort", "Racing")])
        .await;
    assert_eq!(r.status(), 303);
    let saved = app.store.teams().await.unwrap();
    assert_eq!(
        saved.iter().find(|t| t.id == genk.id).unwrap().topic_id,
        None
    );
}

on_both_backends!(
    an_editor_puts_a_team_right,
    a_reporter_plays_a_match_and_var_takes_a_goal_back,
    the_liveblog_offers_an_entry_per_event_and_entries_change_after_publishing,
    bad_posts_are_refused_and_change_nothing,
    only_the_newsroom_runs_the_console,
);
