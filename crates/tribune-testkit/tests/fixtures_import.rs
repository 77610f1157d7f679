//! `tribune import fixtures`: a real openfootball season and a football-data.org match list,
//! re-imports that update instead of duplicating, teams found through their aliases and
//! linked to club topics, broken files refused with their position and nothing written; and
//! a match played through the store (kick-off, goals, a VAR reversal). On both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use tribune::fixtures::{import_file, parse};
use tribune_core::football::{EventKind, MatchStatus, Minute, NewMatchEvent, Score, Side, Team};
use tribune_core::store::StoreError;
use tribune_testkit::{Backend, TestApp, on_both_backends};

fn football(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/football")
        .join(name)
}

/// Writes `text` to a file of its own and imports it.
async fn import_text(app: &TestApp, name: &str, text: &str) -> Result<(usize, usize), String> {
    let path = app.media_dir().with_file_name(name);
    std::fs::write(&path, text).unwrap();
    import_file(app.store.as_ref(), &path, app.now())
        .await
        .map(|(r, skipped)| (r.created + r.updated, skipped))
}

fn team<'a>(teams: &'a [Team], alias: &str) -> &'a Team {
    teams
        .iter()
        .find(|t| t.aliases.iter().any(|a| a == alias))
        .unwrap_or_else(|| panic!("a team is known as {alias}: {teams:#?}"))
}

async fn a_season_imports_once_and_again_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    let file = football("2024-25_be.1.json");
    let (report, skipped) = import_file(app.store.as_ref(), &file, app.now())
        .await
        .unwrap();
    assert_eq!(
        (
            report.created,
            report.updated,
            report.teams_created,
            skipped
        ),
        (313, 0, 6, 0),
        "313 matches of 16 teams, 10 of them the demo round's, found through their club \
         topics: {report}"
    );

    let teams = app.store.teams().await.unwrap();
    assert_eq!(teams.len(), 16);
    let club = team(&teams, "Club Brugge KV");
    assert_eq!(
        club.name, "Club Brugge",
        "a new team takes its club topic's name"
    );
    let topic = app.store.find_topic("Club Brugge").await.unwrap().unwrap();
    assert_eq!(club.topic_id, Some(topic.id), "and is linked to it");
    let standard = team(&teams, "Standard Liège");
    let luik = app
        .store
        .find_topic("Standard Luik")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (standard.name.as_str(), &standard.name_fr, standard.topic_id),
        ("Standard Luik", &luik.name_fr, Some(luik.id)),
        "Dutch and French names come from the topic"
    );
    assert!(luik.name_fr.is_some());
    assert!(
        team(&teams, "KV Kortrijk").topic_id.is_none(),
        "\"KV\" alone does not make KV Kortrijk the KV Mechelen topic"
    );
    let dender = team(&teams, "FCV Dender EH");
    assert_eq!(
        (dender.name.as_str(), dender.topic_id),
        ("FCV Dender EH", None),
        "a club without a topic keeps the import's name"
    );

    // The opening match: Friday 26 July 2024, 20:45 in Brussels (18:45 UTC), 1-1 (0-0).
    let from = Utc.with_ymd_and_hms(2024, 7, 26, 0, 0, 0).unwrap();
    let day = app
        .store
        .matches_between(from, from + chrono::Duration::days(1), 10)
        .await
        .unwrap();
    assert_eq!(day.len(), 1, "{day:#?}");
    let opener = &day[0];
    assert_eq!(opener.title(), "Club Brugge - KV Mechelen");
    assert_eq!(
        opener.kickoff_at,
        Utc.with_ymd_and_hms(2024, 7, 26, 18, 45, 0).unwrap()
    );
    assert_eq!(opener.status, MatchStatus::Finished);
    assert_eq!(opener.score, Some(Score::new(1, 1)));
    assert_eq!(opener.half_time, Some(Score::new(0, 0)));
    assert_eq!(opener.round, "Matchday 1");
    assert_eq!(opener.competition.name, "Belgium First Division A 2024/25");

    let before = app.store.site_counts().await.unwrap();
    let (again, _) = import_file(app.store.as_ref(), &file, app.now())
        .await
        .unwrap();
    assert_eq!(
        (
            again.created,
            again.updated,
            again.unchanged,
            again.teams_created
        ),
        (0, 0, 313, 0),
        "{again}"
    );
    assert_eq!(app.store.site_counts().await.unwrap(), before);

    // A corrected score and a moved kick-off update the same match.
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen(
        "\"time\": \"20:45\",\n      \"team1\": \"Club Brugge KV\",\n      \"team2\": \"KV Mechelen\"",
        "\"time\": \"21:00\",\n      \"team1\": \"Club Brugge KV\",\n      \"team2\": \"KV Mechelen\"",
        1,
    );
    assert_ne!(changed, text, "the test edits the opening match");
    let (written, _) = import_text(&app, "changed.json", &changed).await.unwrap();
    assert_eq!(written, 1, "one match changed");
    let opener = app.store.match_by_id(opener.id).await.unwrap().unwrap();
    assert_eq!(
        opener.kickoff_at,
        Utc.with_ymd_and_hms(2024, 7, 26, 19, 0, 0).unwrap()
    );
    assert_eq!(
        app.store.site_counts().await.unwrap().matches,
        before.matches,
        "no copies"
    );
}

async fn a_football_data_list_maps_statuses_and_known_teams(backend: Backend) {
    let app = TestApp::start(backend).await;
    import_file(
        app.store.as_ref(),
        &football("2024-25_be.1.json"),
        app.now(),
    )
    .await
    .unwrap();
    let teams_before = app.store.teams().await.unwrap().len();
    let (report, skipped) = import_file(
        app.store.as_ref(),
        &football("football-data-v4.json"),
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.created, skipped),
        (5, 1),
        "the final without teams waits"
    );
    assert_eq!(
        report.teams_created, 0,
        "every team is found through a name the season used: \"Cercle Brugge KSV\" by its \
         short name \"Cercle Brugge\""
    );
    assert_eq!(app.store.teams().await.unwrap().len(), teams_before);

    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let matches = app.store.matches_between(from, to, 50).await.unwrap();
    let got: Vec<(String, MatchStatus, Option<Score>)> = matches
        .iter()
        .map(|m| (m.title(), m.status, m.score))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Club Brugge KV - RSC Anderlecht".into(),
                MatchStatus::Finished,
                Some(Score::new(3, 1))
            ),
            (
                "Royal Antwerp FC - KAA Gent".into(),
                MatchStatus::SecondHalf,
                Some(Score::new(0, 2))
            ),
            (
                "Standard Liège - Union Saint-Gilloise".into(),
                MatchStatus::HalfTime,
                Some(Score::new(1, 1))
            ),
            (
                "KRC Genk - Cercle Brugge".into(),
                MatchStatus::Postponed,
                None
            ),
            (
                "Club Brugge KV - KRC Genk".into(),
                MatchStatus::Finished,
                Some(Score::new(1, 1))
            ),
        ]
    );
    let shootout = &matches[4];
    assert_eq!(shootout.penalties, Some(Score::new(4, 5)));
    assert_eq!(shootout.round, "semi finals");
    assert_eq!(
        app.store
            .live_matches()
            .await
            .unwrap()
            .iter()
            .map(|m| m.title())
            .collect::<Vec<_>>(),
        vec![
            "Royal Antwerp FC - KAA Gent".to_string(),
            "Standard Liège - Union Saint-Gilloise".to_string()
        ],
        "in play and at half time are live"
    );
}

async fn broken_files_are_refused_with_their_position_and_change_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let season = std::fs::read_to_string(football("2024-25_be.1.json")).unwrap();
    let fd = std::fs::read_to_string(football("football-data-v4.json")).unwrap();
    let cut = &season[..season.len() / 2];
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated", cut.to_string(), "line"),
        ("not json", "Matchday 1: Club - Anderlecht".into(), "line 1"),
        ("another json", r#"{"title": "geen wedstrijden"}"#.into(), "no matches"),
        ("an array", "[1, 2]".into(), "not a fixtures file"),
        (
            "a bad date, halfway the file",
            season.replacen("\"date\": \"2024-12-14\"", "\"date\": \"2024-12-41\"", 1),
            "date \"2024-12-41\" is not YYYY-MM-DD at line",
        ),
        (
            "a bad time",
            season.replacen("\"time\": \"20:45\"", "\"time\": \"kwart voor negen\"", 1),
            "is not HH:MM at line 21 column 4",
        ),
        (
            "a team against itself",
            season.replacen("\"team2\": \"KV Mechelen\"", "\"team2\": \"Club Brugge KV\"", 1),
            "cannot play against itself at line",
        ),
        (
            "a score of three numbers",
            season.replacen(
                "\"ft\": [\n          1,\n          1\n        ]",
                "\"ft\": [1, 1, 1]",
                1,
            ),
            "line",
        ),
        (
            "a negative score",
            season.replacen(
                "\"ft\": [\n          1,\n          1\n        ]",
                "\"ft\": [-1, 1]",
                1,
            ),
            "line",
        ),
        (
            "goals that do not add up",
            season.replacen(
                "\"ft\": [\n          1,\n          1\n        ]\n      }",
                "\"ft\": [\n          1,\n          1\n        ]\n      },\n      \"goals1\": [{\"name\": \"Spits\", \"minute\": 12}, {\"name\": \"Spits\", \"minute\": 80}]",
                1,
            ),
            "the goals add up to 2-0, the score says 1-1",
        ),
        (
            "an unknown status",
            fd.replacen("\"status\": \"PAUSED\"", "\"status\": \"RAINING\"", 1),
            "status \"RAINING\" is not one of football-data.org's at line",
        ),
        (
            "a bad utcDate",
            fd.replacen("2026-11-21T19:45:00Z", "21/11/2026 20u45", 1),
            "utcDate",
        ),
        (
            "the same match twice",
            fd.replacen("\"id\": 501002", "\"id\": 501001", 1),
            "appears twice",
        ),
        (
            "no competition",
            fd.replacen(
                "\"competition\": { \"id\": 2009, \"name\": \"Jupiler Pro League\", \"code\": \"BJL\", \"type\": \"LEAGUE\" },",
                "",
                1,
            ),
            "names no competition",
        ),
    ];
    let before = app.store.site_counts().await.unwrap();
    for (what, text, says) in cases {
        let err = import_text(&app, "broken.json", &text)
            .await
            .expect_err(what);
        assert!(err.contains(says), "{what}: {err:?} should say {says:?}");
        assert!(err.contains("broken.json"), "{what}: names the file: {err}");
        assert_eq!(
            app.store.site_counts().await.unwrap(),
            before,
            "{what}: nothing written"
        );
    }
    // The parser alone says the same, without a store.
    assert!(parse("{").unwrap_err().contains("line 1 column 1"));
}

async fn a_var_reversal_takes_the_goal_back(backend: Backend) {
    let app = TestApp::start(backend).await;
    import_file(
        app.store.as_ref(),
        &football("football-data-v4.json"),
        app.now(),
    )
    .await
    .unwrap();
    let from = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let genk = app
        .store
        .matches_between(from, from + chrono::Duration::days(1), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!((genk.status, genk.score), (MatchStatus::Postponed, None));

    let kickoff = app
        .store
        .set_match_status(
            genk.id,
            MatchStatus::FirstHalf,
            Some(Minute::new(1, None)),
            app.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        kickoff.score,
        Some(Score::new(0, 0)),
        "kick-off starts at 0-0"
    );
    let goal = |side, minute| NewMatchEvent {
        kind: EventKind::Goal,
        side,
        minute: Minute::new(minute, None),
        player: "Spits".into(),
        other_player: String::new(),
        reverses: None,
    };
    let (m, first) = app
        .store
        .add_match_event(genk.id, &goal(Side::Home, 12), app.now())
        .await
        .unwrap();
    assert_eq!(m.score, Some(Score::new(1, 0)));
    let (m, _) = app
        .store
        .add_match_event(genk.id, &goal(Side::Away, 30), app.now())
        .await
        .unwrap();
    assert_eq!(m.score, Some(Score::new(1, 1)));

    let var = NewMatchEvent {
        kind: EventKind::VarDecision,
        side: Side::Home,
        minute: Minute::new(14, None),
        player: String::new(),
        other_player: String::new(),
        reverses: Some(first.id),
    };
    let (m, decision) = app
        .store
        .add_match_event(genk.id, &var, app.now())
        .await
        .unwrap();
    assert_eq!(m.score, Some(Score::new(0, 1)), "the goal no longer counts");
    assert_eq!(decision.reverses, Some(first.id));
    let events = app.store.match_events(genk.id).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events[0].cancelled, "the goal is marked cancelled");
    assert!(!events[1].cancelled);

    // Twice, or across matches, or something that cannot be taken back: refused.
    let err = app
        .store
        .add_match_event(genk.id, &var, app.now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("already")),
        "{err:?}"
    );
    let other = app
        .store
        .matches_between(
            Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(),
            from,
            1,
        )
        .await
        .unwrap()
        .remove(0);
    let err = app
        .store
        .add_match_event(other.id, &var, app.now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let err = app
        .store
        .add_match_event(999_999, &goal(Side::Home, 1), app.now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(
        app.store.match_events(genk.id).await.unwrap().len(),
        3,
        "refusals add nothing"
    );
}

on_both_backends!(
    a_season_imports_once_and_again_changes_nothing,
    a_football_data_list_maps_statuses_and_known_teams,
    broken_files_are_refused_with_their_position_and_change_nothing,
    a_var_reversal_takes_the_goal_back,
);
