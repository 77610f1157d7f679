//! The moderation that learns and tightens, over real HTTP, on both backends: moderators'
//! decisions teach the site's model (both ways), a retrain keeps the lessons and a rollback
//! forgets them, match-evening mode follows the match clock (and the desk's high-risk mark),
//! the same text from several accounts is held, and comments close at night.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use tribune_core::account::Role;
use tribune_core::comment::NightClosing;
use tribune_core::moderation::Rules;
use tribune_testkit::{Backend, TestApp, Visitor, article, on_both_backends};

/// Readers are trusted from their first comment: what is held, is held for what it says.
fn trusting() -> Rules {
    Rules {
        premoderate_until: 0,
        ..Rules::default()
    }
}

async fn site(backend: Backend) -> (TestApp, i64) {
    let app = TestApp::start_configured(backend, |c| c.rules = trusting()).await;
    let id = app.save(&article("Scheidsrechter in de fout", 60)).await.id;
    (app, id)
}

/// Posts as a fresh reader; answers (status, comment id).
async fn post_as_new_reader(app: &TestApp, article: i64, body: &str) -> (String, i64) {
    let (_, reader) = app.account(Role::Reader, "Lezer").await;
    post(&reader, article, body).await
}

async fn post(reader: &Visitor, article: i64, body: &str) -> (String, i64) {
    let r = reader
        .post_json(
            &format!("/api/v1/articles/{article}/comments"),
            &json!({ "body": body }),
        )
        .await;
    assert_eq!(r.status(), 201, "the comment is stored");
    let v: Value = r.json().await.unwrap();
    (
        v["status"].as_str().unwrap().to_string(),
        v["comment"]["id"].as_i64().unwrap(),
    )
}

async fn decide(moderator: &Visitor, comment: i64, action: &str) {
    let r = moderator
        .post_form(
            &format!("/moderatie/reacties/{comment}"),
            &[("actie", action), ("reden", "")],
        )
        .await;
    assert_eq!(r.status(), 303, "the moderator's {action} is taken");
}

/// Rejects (held) or removes (shown) a comment: either way the model learns "abuse".
async fn turn_down(moderator: &Visitor, comment: i64, status: &str) {
    let action = if status == "pending" {
        "reject"
    } else {
        "remove"
    };
    decide(moderator, comment, action).await;
}

const TAUGHT: [&str; 3] = [
    "Die scheidsrechter is echt een zwamdrol vandaag",
    "Onze spits is een zwamdrol, hij mist alles wat op doel komt",
    "Zwamdrol van een lijnrechter, dat was nooit buitenspel",
];

async fn moderators_teach_the_model_a_new_insult_and_restores_teach_it_back(backend: Backend) {
    let (app, id) = site(backend).await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;

    let (first, _) = post_as_new_reader(&app, id, "Wat een zwamdrol is die trainer").await;
    assert_eq!(first, "visible", "a word nobody taught yet passes");

    for body in TAUGHT {
        let (status, comment) = post_as_new_reader(&app, id, body).await;
        turn_down(&moderator, comment, &status).await;
    }
    let (held, held_id) =
        post_as_new_reader(&app, id, "Die keeper is een zwamdrol, altijd te laat").await;
    assert_eq!(
        held, "pending",
        "after three rejections the new insult is held"
    );
    let desk = moderator.page("/moderatie?wachtrij=wachtend").await;
    assert!(
        desk.contains("zwamdrol"),
        "the desk shows which word weighed"
    );

    // The other way: moderators approve comments with the word, as if it were a nickname.
    decide(&moderator, held_id, "approve").await;
    for body in [
        "Zwamdrol is gewoon de bijnaam van onze kapitein, niks mis mee",
        "Onze zwamdrol heeft weer de beker omhoog gestoken",
    ] {
        let (status, comment) = post_as_new_reader(&app, id, body).await;
        if status == "pending" {
            decide(&moderator, comment, "approve").await;
        }
    }
    let (status, _) =
        post_as_new_reader(&app, id, "Zwamdrol speelt zaterdag weer mee in de basis").await;
    assert_eq!(
        status, "visible",
        "approvals taught the model the word is fine"
    );
}

async fn a_retrain_keeps_the_lessons_and_a_rollback_forgets_them(backend: Backend) {
    let (app, id) = site(backend).await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    for body in TAUGHT {
        let (status, comment) = post_as_new_reader(&app, id, body).await;
        turn_down(&moderator, comment, &status).await;
    }

    let version = tribune_web::learning::retrain(app.store.as_ref(), app.now())
        .await
        .unwrap();
    assert!(
        version.lessons_through > 0,
        "the retrain took the lessons in"
    );
    app.state
        .learning
        .refresh(app.store.as_ref())
        .await
        .unwrap();
    assert_eq!(app.state.learning.position().await.0, version.id);
    let (status, _) =
        post_as_new_reader(&app, id, "Die keeper is een zwamdrol, altijd te laat").await;
    assert_eq!(status, "pending", "the retrained version knows the insult");

    let back = tribune_web::learning::rollback(app.store.as_ref(), None, app.now())
        .await
        .unwrap();
    assert!(back.note.contains("ingebouwde"), "{}", back.note);
    app.state
        .learning
        .refresh(app.store.as_ref())
        .await
        .unwrap();
    let (status, _) = post_as_new_reader(&app, id, "Wat een zwamdrol is die verdediger").await;
    assert_eq!(status, "visible", "rolled back to the built-in model");

    let versions = app.store.model_versions().await.unwrap();
    assert_eq!(versions.len(), 2, "both versions are kept");
    let refused = tribune_web::learning::rollback(app.store.as_ref(), Some(999), app.now()).await;
    assert!(refused.is_err(), "an unknown version is refused");
    assert_eq!(app.store.model_versions().await.unwrap().len(), 2);
}

/// A site upgraded from a release whose model had other features: its stored version cannot
/// be read, so the nodes take the built-in model and learn every lesson again, `serve`
/// stores this release's built-in model, and a rollback to the old version is refused.
async fn a_model_saved_by_an_earlier_release_is_replaced_and_the_lessons_kept(backend: Backend) {
    let (app, id) = site(backend).await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    for body in TAUGHT {
        let (status, comment) = post_as_new_reader(&app, id, body).await;
        turn_down(&moderator, comment, &status).await;
    }
    // As a release with model format 2 saved it: the header says version 2.
    let mut old = tribune_core::moderation::Classifier::builtin().to_bytes();
    old[8..10].copy_from_slice(&2u16.to_le_bytes());
    let through = app.store.last_lesson().await.unwrap();
    let saved = app
        .store
        .save_model(
            &tribune_core::learning::NewModel {
                bytes: old,
                lessons_through: through,
                examples: 1,
                note: "bewaard door een eerdere release".into(),
            },
            app.now(),
        )
        .await
        .unwrap();

    app.state
        .learning
        .refresh(app.store.as_ref())
        .await
        .unwrap();
    assert_eq!(
        app.state.learning.position().await,
        (saved.id, through),
        "the old version's place, with every lesson learned again"
    );
    let (status, _) =
        post_as_new_reader(&app, id, "Die keeper is een zwamdrol, altijd te laat").await;
    assert_eq!(status, "pending", "the lessons were learned again");

    let refused = tribune_web::learning::rollback(app.store.as_ref(), Some(saved.id), app.now())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("eerdere release"), "{refused}");

    tribune_web::learning::store_builtin_if_needed(app.store.as_ref(), app.now())
        .await
        .unwrap();
    let versions = app.store.model_versions().await.unwrap();
    assert_eq!(versions[1].id, saved.id);
    assert!(
        versions[0].note.contains("ingebouwde"),
        "{}",
        versions[0].note
    );
    let bytes = app
        .store
        .model_bytes(versions[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(tribune_core::moderation::Classifier::from_bytes(&bytes).is_ok());
    tribune_web::learning::store_builtin_if_needed(app.store.as_ref(), app.now())
        .await
        .unwrap();
    assert_eq!(
        app.store.model_versions().await.unwrap().len(),
        versions.len(),
        "a readable newest version is left alone"
    );
}

async fn match_evening_mode_follows_the_match_clock(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let club = m.home.topic_id.expect("demo teams have club topics");
    let mut a = article("Voorbeschouwing: alles over de topper", 30);
    a.topics = vec![club];
    a.external_key = Some("test:evening".into());
    let id = app.save(&a).await.id;
    let (_, reader) = app.account(Role::Reader, "Vaste Lezer").await;
    // Trusted: one approved comment.
    let (_, first) = post(&reader, id, "Eerste reactie van een vaste lezer").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    decide(&moderator, first, "approve").await;

    let link = |n: u32| format!("De cijfers van vorig seizoen: https://stats.example/ploeg/{n}");
    let (status, _) = post(&reader, id, &link(1)).await;
    assert_eq!(
        status, "visible",
        "a trusted reader's link shows on a quiet day"
    );

    // An hour before kick-off: match-evening mode.
    let until_kickoff = m.kickoff_at - app.now();
    app.clock.advance(until_kickoff - Duration::hours(1));
    let (status, comment) = post(&reader, id, &link(2)).await;
    assert_eq!(status, "pending", "links are held on a match evening");
    let desk = moderator.page("/moderatie?wachtrij=wachtend").await;
    assert!(
        desk.contains(&format!("#reactie-{comment}")),
        "{comment} is queued"
    );
    let evening = moderator.page("/moderatie/wedstrijdavond").await;
    assert!(evening.contains(&m.home.name), "the desk says which match");
    assert!(evening.contains("Voorbeschouwing"), "and which articles");
    assert!(evening.contains("aftrap nadert"), "and why");

    // Long after the final whistle: back to normal.
    app.clock.advance(Duration::hours(7));
    let (status, _) = post(&reader, id, &link(3)).await;
    assert_eq!(status, "visible", "the mode ends after the match");
    let evening = moderator.page("/moderatie/wedstrijdavond").await;
    assert!(
        !evening.contains("Voorbeschouwing"),
        "the article is no longer listed"
    );
}

async fn a_high_risk_match_tightens_its_whole_day(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let club = m.away.topic_id.expect("demo teams have club topics");
    let mut a = article("Derbykoorts in de stad", 30);
    a.topics = vec![club];
    a.external_key = Some("test:derby".into());
    let id = app.save(&a).await.id;
    let (_, reader) = app.account(Role::Reader, "Vaste Lezer").await;
    let (_, first) = post(&reader, id, "Eerste reactie van een vaste lezer").await;
    let (_, editor) = app.account(Role::Editor, "Eindredacteur").await;
    decide(&editor, first, "approve").await;

    // The morning of the match day (Brussels), far outside the window around kick-off.
    let morning = {
        use chrono_tz::Europe::Brussels;
        let day = m.kickoff_at.with_timezone(&Brussels).date_naive();
        Brussels
            .from_local_datetime(&day.and_hms_opt(8, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    assert!(
        m.kickoff_at - morning > Duration::hours(3),
        "kick-off is later in the day"
    );
    app.clock.advance(morning - app.now());
    let link = |n: u32| format!("Vorige derby: https://stats.example/derby/{n}");
    let (status, _) = post(&reader, id, &link(1)).await;
    assert_eq!(status, "visible", "not yet marked");

    let r = editor
        .post_signed(
            &format!("/redactie/wedstrijden/{}/risico", m.id),
            &[("risico", "ja")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = post(&reader, id, &link(2)).await;
    assert_eq!(status, "pending", "a derby tightens the whole day");
    let evening = editor.page("/moderatie/wedstrijdavond").await;
    assert!(evening.contains("derby of risicowedstrijd"));

    let r = editor
        .post_signed(
            &format!("/redactie/wedstrijden/{}/risico", m.id),
            &[("risico", "misschien")],
        )
        .await;
    assert_eq!(r.status(), 400, "an unknown choice is refused");
    let r = editor
        .post_signed(
            &format!("/redactie/wedstrijden/{}/risico", m.id),
            &[("risico", "nee")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = post(&reader, id, &link(3)).await;
    assert_eq!(status, "visible", "the mark is gone");
}

async fn the_same_text_from_several_accounts_is_held(backend: Backend) {
    let (app, id) = site(backend).await;
    // A copied campaign, harmless on its own (the model alone now holds the money offer
    // this test used to post).
    let campaign =
        "Het bestuur moet nu eindelijk opstappen, teken allemaal de petitie op de supporterssite";
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(post_as_new_reader(&app, id, campaign).await.0);
    }
    assert_eq!(statuses[0], "visible", "the first one is just a comment");
    assert_eq!(
        statuses[1], "visible",
        "one other account is not yet a pattern"
    );
    assert_eq!(
        statuses[2], "pending",
        "the third account with the same text is held"
    );
    // A short cheer is said by many readers alike.
    let mut cheers = Vec::new();
    for _ in 0..4 {
        cheers.push(
            post_as_new_reader(&app, id, "Proficiat aan de ploeg!")
                .await
                .0,
        );
    }
    assert!(cheers.iter().all(|s| s == "visible"), "{cheers:?}");
}

async fn comments_close_at_night(backend: Backend) {
    let night = NightClosing::parse("23:00-07:00").unwrap();
    let app = TestApp::start_configured(backend, move |c| {
        c.rules = trusting();
        c.night_closing = Some(night);
    })
    .await;
    let id = app.save(&article("Late wedstrijd", 60)).await.id;
    let (_, reader) = app.account(Role::Reader, "Nachtuil").await;
    let (_, journalist) = app.account(Role::Journalist, "Nachtredactie").await;
    // match_day() is 15:00 in Brussels: open.
    assert_eq!(post(&reader, id, "Nog even reageren").await.0, "visible");
    app.clock.advance(Duration::hours(9)); // 00:00
    let r = reader
        .post_json(
            &format!("/api/v1/articles/{id}/comments"),
            &json!({ "body": "Middernacht, nog wakker" }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let text = r.text().await.unwrap();
    assert!(text.contains("23:00") && text.contains("07:00"), "{text}");
    assert_eq!(
        post(&journalist, id, "De redactie mag wel").await.0,
        "visible",
        "staff may comment at night"
    );
    app.clock.advance(Duration::hours(8)); // 08:00
    assert_eq!(post(&reader, id, "Goeiemorgen").await.0, "visible");
    assert!(NightClosing::parse("23:00").is_err());
    assert!(NightClosing::parse("25:00-07:00").is_err());
    assert!(NightClosing::parse("07:00-07:00").is_err());
}

on_both_backends!(
    moderators_teach_the_model_a_new_insult_and_restores_teach_it_back,
    a_retrain_keeps_the_lessons_and_a_rollback_forgets_them,
    a_model_saved_by_an_earlier_release_is_replaced_and_the_lessons_kept,
    match_evening_mode_follows_the_match_clock,
    a_high_risk_match_tightens_its_whole_day,
    the_same_text_from_several_accounts_is_held,
    comments_close_at_night,
);
