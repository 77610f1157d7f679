//! Comments as readers and moderators meet them, over real HTTP, on both backends: the
//! moderation rules (trust levels, word lists with their evasions, rates, slow mode,
//! duplicates, links, shadow-bans), threads, edits, votes, reports, polls and roles.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use serde_json::{Value, json};
use tribune_core::account::Role;
use tribune_core::moderation::Rules;
use tribune_core::poll::NewPoll;
use tribune_testkit::{Backend, TestApp, Visitor, article, on_both_backends};

/// A site whose readers are trusted from their first comment, unless a test says otherwise.
async fn site(backend: Backend, rules: Rules) -> (TestApp, i64) {
    let app = TestApp::start_configured(backend, move |c| c.rules = rules).await;
    let id = app.save(&article("Club wint de topper", 60)).await.id;
    (app, id)
}

fn trusting() -> Rules {
    Rules {
        premoderate_until: 0,
        ..Rules::default()
    }
}

async fn post(v: &Visitor, article: i64, body: &str) -> (u16, Value) {
    let r = v
        .post_json(
            &format!("/api/v1/articles/{article}/comments"),
            &json!({ "body": body }),
        )
        .await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn reply(v: &Visitor, article: i64, to: i64, body: &str) -> Value {
    let r = v
        .post_json(
            &format!("/api/v1/articles/{article}/comments"),
            &json!({ "body": body, "reply_to": to }),
        )
        .await;
    assert_eq!(r.status(), 201, "a reply is accepted");
    r.json().await.unwrap()
}

async fn public_page(app: &TestApp, article: i64) -> String {
    let a = app
        .store
        .article(article, app.now())
        .await
        .unwrap()
        .unwrap();
    app.page(&a.path()).await
}

async fn count_on_page(app: &TestApp, article: i64) -> i64 {
    let page = public_page(app, article).await;
    let at = page
        .find("data-count>")
        .expect("the page shows a comment count")
        + 11;
    page[at..page[at..].find('<').unwrap() + at]
        .parse()
        .unwrap()
}

async fn counters_agree(app: &TestApp) {
    let wrong = app.store.counter_mismatches().await.unwrap();
    assert!(
        wrong.is_empty(),
        "counters disagree with their rows: {wrong:?}"
    );
}

async fn a_new_reader_waits_for_a_moderator_and_is_trusted_after(backend: Backend) {
    let (app, id) = site(backend, Rules::default()).await;
    let (_, reader) = app.account(Role::Reader, "Nieuwe Nele").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;

    let (status, first) = post(&reader, id, "Mijn eerste reactie op Tribune").await;
    assert_eq!(status, 201);
    assert_eq!(first["status"], "pending", "a new account is pre-moderated");
    assert!(!public_page(&app, id).await.contains("Mijn eerste reactie"));
    assert_eq!(count_on_page(&app, id).await, 0);

    let desk = moderator.get("/moderatie").await.text().await.unwrap();
    assert!(
        desk.contains("Mijn eerste reactie"),
        "the pending comment is in the queue"
    );
    let comment = first["comment"]["id"].as_i64().unwrap();
    let r = moderator
        .post_form(
            &format!("/moderatie/reacties/{comment}"),
            &[("actie", "approve"), ("reden", "in orde")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(public_page(&app, id).await.contains("Mijn eerste reactie"));
    assert_eq!(count_on_page(&app, id).await, 1);

    let (_, second) = post(&reader, id, "En nu meteen zichtbaar").await;
    assert_eq!(
        second["status"], "visible",
        "one approved comment earns trust"
    );
    assert_eq!(count_on_page(&app, id).await, 2);
    counters_agree(&app).await;
}

async fn slurs_are_caught_through_their_disguises_and_innocent_words_pass(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Lezer Lars").await;
    for (i, hostile) in ["Jij k a n k e r ref", "wat een n1gg3r", "K.A.N.K.E.R"]
        .iter()
        .enumerate()
    {
        app.clock.advance(Duration::minutes(2));
        let (status, answer) = post(&reader, id, &format!("{hostile} {i}")).await;
        assert_eq!(status, 201, "{hostile}");
        assert_eq!(answer["status"], "rejected", "{hostile} must be rejected");
    }
    for (i, innocent) in ["Het Kanaal was vol", "Schaken is ook een sport"]
        .iter()
        .enumerate()
    {
        app.clock.advance(Duration::minutes(2));
        let (_, answer) = post(&reader, id, &format!("{innocent} {i}")).await;
        assert_eq!(answer["status"], "visible", "{innocent} is fine");
    }
    let page = public_page(&app, id).await;
    assert!(page.contains("Het Kanaal was vol") && page.contains("Schaken is ook"));
    assert!(!page.contains("n1gg3r") && !page.contains("k a n k e r"));
    assert_eq!(count_on_page(&app, id).await, 2);
    counters_agree(&app).await;
}

async fn a_reader_who_posts_too_fast_is_asked_to_wait(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Snelle Sam").await;
    for i in 0..5 {
        let (status, _) = post(&reader, id, &format!("Reactie nummer {i}")).await;
        assert_eq!(status, 201, "comment {i} is within the burst");
    }
    let r = reader
        .post_json(
            &format!("/api/v1/articles/{id}/comments"),
            &json!({ "body": "nummer zes" }),
        )
        .await;
    assert_eq!(r.status(), 429, "the sixth in a minute is too fast");
    assert!(r.headers().contains_key("retry-after"));
    app.clock.advance(Duration::seconds(61));
    let (status, _) = post(&reader, id, "nummer zes, na een minuut").await;
    assert_eq!(status, 201, "after a minute there is room again");
    assert_eq!(count_on_page(&app, id).await, 6);
}

async fn a_busy_article_goes_into_slow_mode(backend: Backend) {
    let rules = Rules {
        premoderate_until: 0,
        slow_mode_threshold: 3,
        ..Rules::default()
    };
    let (app, busy) = site(backend, rules).await;
    let quiet = app.save(&article("Rustig nieuws", 30)).await.id;
    let mut readers = Vec::new();
    for name in ["Anna", "Bert", "Cas", "Dirk"] {
        readers.push(app.account(Role::Reader, name).await.1);
    }
    for (i, r) in readers.iter().enumerate() {
        let (status, _) = post(r, busy, &format!("Goal! {i}")).await;
        assert_eq!(status, 201);
    }
    let (status, _) = post(&readers[0], busy, "Nog eentje").await;
    assert_eq!(
        status, 429,
        "in slow mode one comment per interval per reader"
    );
    let (status, _) = post(&readers[0], quiet, "Hier is het rustig").await;
    assert_eq!(status, 201, "slow mode is per article");
    app.clock.advance(Duration::seconds(31));
    let (status, _) = post(&readers[1], busy, "Na een halve minuut").await;
    assert_eq!(status, 201);
}

async fn the_same_text_twice_is_refused(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Dubbel Dave").await;
    assert_eq!(post(&reader, id, "Wat een match!").await.0, 201);
    app.clock.advance(Duration::minutes(3));
    assert_eq!(post(&reader, id, "  wat een MATCH! ").await.0, 409);
    assert_eq!(count_on_page(&app, id).await, 1);
}

async fn a_new_account_may_not_post_a_pile_of_links(backend: Backend) {
    let (app, id) = site(backend, Rules::default()).await;
    let (_, moderator) = app.account(Role::Moderator, "Mod").await;
    let (_, reader) = app.account(Role::Reader, "Link Lotte").await;
    let (_, answer) = post(
        &reader,
        id,
        "Kijk op https://a.example/x en https://b.example/y",
    )
    .await;
    assert_eq!(answer["status"], "pending");
    let queue: Value = moderator
        .get("/api/v1/moderation/queues/pending")
        .await
        .json()
        .await
        .unwrap();
    let reasons = queue["items"][0]["reasons"].to_string();
    assert!(
        reasons.contains("links"),
        "the link rule is named: {reasons}"
    );
}

async fn a_shadow_banned_author_sees_their_comments_and_nobody_else_does(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (troll, troll_client) = app.account(Role::Reader, "Trol Tom").await;
    let (_, other) = app.account(Role::Reader, "Gewone Greet").await;
    let (_, moderator) = app.account(Role::Moderator, "Mod Mia").await;
    let r = moderator
        .post_json(
            &format!("/api/v1/moderation/accounts/{}", troll.id),
            &json!({ "action": "shadowban", "reason": "zaait onrust" }),
        )
        .await;
    assert_eq!(r.status(), 200);

    let (status, answer) = post(&troll_client, id, "Niemand ziet dit behalve ik").await;
    assert_eq!(status, 201);
    assert_eq!(answer["status"], "visible", "the author is not told");
    assert!(!public_page(&app, id).await.contains("Niemand ziet dit"));
    assert_eq!(count_on_page(&app, id).await, 0);
    let mine: Value = troll_client
        .get(&format!("/api/v1/articles/{id}/comments/mine"))
        .await
        .json()
        .await
        .unwrap();
    assert!(mine["unlisted"].to_string().contains("Niemand ziet dit"));
    let theirs: Value = other
        .get(&format!("/api/v1/articles/{id}/comments/mine"))
        .await
        .json()
        .await
        .unwrap();
    assert!(!theirs.to_string().contains("Niemand ziet dit"));
    counters_agree(&app).await;
}

async fn replies_to_replies_stay_two_levels_deep_with_a_mention(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, a) = app.account(Role::Reader, "Anouk").await;
    let (_, b) = app.account(Role::Reader, "Bavo").await;
    let (_, top) = post(&a, id, "Sterke eerste helft").await;
    let top = top["comment"]["id"].as_i64().unwrap();
    let level2 = reply(&b, id, top, "Maar de tweede was zwak").await;
    let level2 = level2["comment"]["id"].as_i64().unwrap();
    let deeper = reply(&a, id, level2, "Dat vind ik niet").await;
    assert_eq!(
        deeper["comment"]["root_id"], top,
        "a deeper reply joins the thread"
    );
    let page = public_page(&app, id).await;
    assert!(
        page.contains("@Bavo"),
        "the deeper reply names whom it answers"
    );
    assert_eq!(count_on_page(&app, id).await, 3);
}

async fn an_author_edits_within_ten_minutes_and_deletes_leaving_a_placeholder(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, a) = app.account(Role::Reader, "Schrijver Stijn").await;
    let (_, b) = app.account(Role::Reader, "Antwoorder Ann").await;
    let (_, c) = post(&a, id, "Eerste versie").await;
    let cid = c["comment"]["id"].as_i64().unwrap();
    reply(&b, id, cid, "Goed gezegd").await;
    let r = a
        .patch_json(
            &format!("/api/v1/comments/{cid}"),
            &json!({ "body": "Tweede versie" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = public_page(&app, id).await;
    assert!(page.contains("Tweede versie") && page.contains("bewerkt"));
    let revisions: Value = a
        .get(&format!("/api/v1/comments/{cid}/revisions"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        revisions.to_string().contains("Eerste versie"),
        "the old text is kept"
    );
    let r = b
        .patch_json(
            &format!("/api/v1/comments/{cid}"),
            &json!({ "body": "gekaapt" }),
        )
        .await;
    assert_eq!(r.status(), 404, "nobody edits someone else's comment");
    app.clock.advance(Duration::minutes(11));
    let r = a
        .patch_json(
            &format!("/api/v1/comments/{cid}"),
            &json!({ "body": "te laat" }),
        )
        .await;
    assert_eq!(r.status(), 400, "the edit window is ten minutes");

    assert_eq!(
        a.delete(&format!("/api/v1/comments/{cid}")).await.status(),
        204
    );
    let page = public_page(&app, id).await;
    assert!(!page.contains("Tweede versie"));
    assert!(
        page.contains("verwijderd door de auteur"),
        "the thread keeps a placeholder"
    );
    assert!(page.contains("Goed gezegd"), "the reply stays readable");
    assert_eq!(count_on_page(&app, id).await, 1);
    counters_agree(&app).await;
}

async fn votes_count_once_and_reports_reach_the_desk_with_the_text_as_reported(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, a) = app.account(Role::Reader, "Auteur Aline").await;
    let (_, b) = app.account(Role::Reader, "Stemmer Staf").await;
    let (_, moderator) = app.account(Role::Moderator, "Mod Marc").await;
    let (_, c) = post(&a, id, "Die spits is waardeloos").await;
    let cid = c["comment"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/comments/{cid}/vote");
    let vote = async |v: &Visitor, value: i32| v.put_json(&path, &json!({ "value": value })).await;
    assert_eq!(
        vote(&a, 1).await.status(),
        400,
        "no votes on your own comment"
    );
    let counts: Value = vote(&b, 1).await.json().await.unwrap();
    assert_eq!(
        (counts["up"].as_i64(), counts["down"].as_i64()),
        (Some(1), Some(0))
    );
    let counts: Value = vote(&b, -1).await.json().await.unwrap();
    assert_eq!(
        (counts["up"].as_i64(), counts["down"].as_i64()),
        (Some(0), Some(1))
    );

    let r = b
        .post_json(
            &format!("/api/v1/comments/{cid}/reports"),
            &json!({ "reason": "abuse", "note": "beledigend" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let again = b
        .post_json(
            &format!("/api/v1/comments/{cid}/reports"),
            &json!({ "reason": "abuse" }),
        )
        .await;
    assert_eq!(again.status(), 409, "one open report per reader");
    a.patch_json(
        &format!("/api/v1/comments/{cid}"),
        &json!({ "body": "Die spits is niet in vorm" }),
    )
    .await;
    let queue: Value = moderator
        .get("/api/v1/moderation/queues/reported")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        queue.to_string().contains("Die spits is waardeloos"),
        "the desk keeps the text as it was reported: {queue}"
    );
    let r = moderator
        .post_json(
            &format!("/api/v1/moderation/comments/{cid}"),
            &json!({ "action": "remove", "reason": "persoonlijke aanval" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(count_on_page(&app, id).await, 0);
    let log: Value = moderator
        .get("/api/v1/moderation/log")
        .await
        .json()
        .await
        .unwrap();
    let first = &log["entries"][0];
    assert_eq!(first["action"], "remove");
    assert_eq!(first["reason"], "persoonlijke aanval");
    assert_eq!(first["moderator_name"], "Mod Marc");
    counters_agree(&app).await;
}

async fn a_suspended_reader_cannot_comment_until_the_suspension_ends(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (reader, client) = app.account(Role::Reader, "Geschorste Gert").await;
    let (_, moderator) = app.account(Role::Moderator, "Mod Mathias").await;
    let r = moderator
        .post_json(
            &format!("/api/v1/moderation/accounts/{}", reader.id),
            &json!({ "action": "suspend", "days": 1, "reason": "afkoelen" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(post(&client, id, "mag ik al?").await.0, 403);
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    assert_eq!(post(&client, id, "nu wel").await.0, 201);
}

async fn a_poll_counts_one_vote_per_account_and_shows_results_after_voting(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let poll = app
        .store
        .create_poll(
            &NewPoll {
                article_id: id,
                question: "Blijft de trainer?".into(),
                options: vec!["Ja".into(), "Nee".into()],
                closes_at: Some(app.now() + Duration::days(1)),
            },
            app.now(),
        )
        .await
        .unwrap();
    let (_, a) = app.account(Role::Reader, "Peiler Pim").await;
    let before: Value = a
        .get(&format!("/api/v1/polls/{}", poll.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(before["results"].is_null(), "no results before voting");
    let yes = poll.options[0].id;
    let r = a
        .post_json(
            &format!("/api/v1/polls/{}/votes", poll.id),
            &json!({ "option_id": yes }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["results"]["total"], 1);
    assert_eq!(after["results"]["options"][0]["percent"], 100);
    let twice = a
        .post_json(
            &format!("/api/v1/polls/{}/votes", poll.id),
            &json!({ "option_id": yes }),
        )
        .await;
    assert_eq!(twice.status(), 409, "one vote per account");
    app.clock.advance(Duration::days(2));
    let (_, late) = app.account(Role::Reader, "Laat Lien").await;
    let r = late
        .post_json(
            &format!("/api/v1/polls/{}/votes", poll.id),
            &json!({ "option_id": yes }),
        )
        .await;
    assert_eq!(r.status(), 400, "a closed poll takes no votes");
    let page = public_page(&app, id).await;
    assert!(
        page.contains("100%"),
        "a closed poll shows its results on the article page"
    );
    counters_agree(&app).await;
}

/// Every state-changing route: anonymous visitors are sent to log in (HTML) or get 401
/// (API); readers get 403 where a role is needed.
async fn every_state_changing_route_checks_who_asks(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (author, writer) = app.account(Role::Reader, "Auteur").await;
    let (_, c) = post(&writer, id, "Een gewone reactie").await;
    let cid = c["comment"]["id"].as_i64().unwrap();
    let poll = app
        .store
        .create_poll(
            &NewPoll {
                article_id: id,
                question: "Vraag?".into(),
                options: vec!["A".into(), "B".into()],
                closes_at: None,
            },
            app.now(),
        )
        .await
        .unwrap();
    let anonymous = app.visitor();
    let (_, reader) = app.account(Role::Reader, "Gewone Lezer").await;

    let api: Vec<(&str, String, Value)> = vec![
        (
            "POST",
            format!("/api/v1/articles/{id}/comments"),
            json!({ "body": "x" }),
        ),
        (
            "PATCH",
            format!("/api/v1/comments/{cid}"),
            json!({ "body": "x" }),
        ),
        ("DELETE", format!("/api/v1/comments/{cid}"), Value::Null),
        (
            "PUT",
            format!("/api/v1/comments/{cid}/vote"),
            json!({ "value": 1 }),
        ),
        (
            "POST",
            format!("/api/v1/comments/{cid}/reports"),
            json!({ "reason": "spam" }),
        ),
        (
            "POST",
            format!("/api/v1/polls/{}/votes", poll.id),
            json!({ "option_id": poll.options[0].id }),
        ),
        (
            "POST",
            format!("/api/v1/articles/{id}/poll"),
            json!({ "question": "?", "options": ["a", "b"] }),
        ),
        (
            "POST",
            format!("/api/v1/moderation/comments/{cid}"),
            json!({ "action": "remove" }),
        ),
        (
            "POST",
            format!("/api/v1/moderation/accounts/{}", author.id),
            json!({ "action": "ban" }),
        ),
    ];
    let send = async |v: &Visitor, method: &str, path: &str, body: &Value| {
        match method {
            "POST" => v.post_json(path, body).await,
            "PATCH" => v.patch_json(path, body).await,
            "PUT" => v.put_json(path, body).await,
            _ => v.delete(path).await,
        }
        .status()
        .as_u16()
    };
    for (method, path, body) in &api {
        assert_eq!(
            send(&anonymous, method, path, body).await,
            401,
            "{method} {path} anonymous"
        );
    }
    // Staff-only routes refuse readers.
    for (method, path, body) in &api[6..] {
        assert_eq!(
            send(&reader, method, path, body).await,
            403,
            "{method} {path} as reader"
        );
    }
    // Someone else's comment is not theirs to change.
    assert_eq!(send(&reader, "PATCH", &api[1].1, &api[1].2).await, 404);
    assert_eq!(send(&reader, "DELETE", &api[2].1, &Value::Null).await, 404);

    let forms: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            "/reacties/nieuw".into(),
            vec![("artikel", id.to_string()), ("tekst", "x".into())],
        ),
        (
            format!("/reacties/{cid}/stem"),
            vec![("waarde", "1".into())],
        ),
        (
            format!("/reacties/{cid}/melden"),
            vec![("reden", "spam".into())],
        ),
        (
            format!("/reacties/{cid}/bewerken"),
            vec![("tekst", "x".into())],
        ),
        (format!("/reacties/{cid}/verwijderen"), vec![]),
        (
            format!("/peilingen/{}/stem", poll.id),
            vec![("option", poll.options[0].id.to_string())],
        ),
        (
            format!("/moderatie/reacties/{cid}"),
            vec![("actie", "remove".into())],
        ),
        (
            format!("/moderatie/accounts/{}", author.id),
            vec![("actie", "ban".into())],
        ),
    ];
    for (path, fields) in &forms {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = anonymous.post_form(path, &fields).await;
        assert_eq!(
            r.status(),
            303,
            "POST {path} anonymous goes to the login page"
        );
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/inloggen"), "POST {path} -> {to}");
    }
    for (path, fields) in &forms[6..] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            reader.post_form(path, &fields).await.status(),
            403,
            "POST {path} as reader"
        );
    }
    for path in [
        "/moderatie",
        "/moderatie/logboek",
        &format!("/moderatie/accounts/{}", author.id),
    ] {
        assert_eq!(reader.get(path).await.status(), 403, "GET {path} as reader");
    }
    // Nothing of the above changed anything.
    assert!(public_page(&app, id).await.contains("Een gewone reactie"));
    assert_eq!(count_on_page(&app, id).await, 1);
    counters_agree(&app).await;
}

async fn comments_page_without_gaps_in_every_order(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, staff) = app.account(Role::Editor, "Eindredacteur").await;
    for i in 0..120 {
        let (status, _) = post(&staff, id, &format!("Bericht {i:03}")).await;
        assert_eq!(status, 201);
        app.clock.advance(Duration::seconds(1));
    }
    for sort in ["nieuwste", "oudste", "beste"] {
        let mut seen = std::collections::HashSet::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                None => format!("/api/v1/articles/{id}/comments?sort={sort}"),
                Some(c) => format!("/api/v1/articles/{id}/comments?sort={sort}&after={c}"),
            };
            let page: Value = app.get(&path).await.json().await.unwrap();
            for t in page["comments"].as_array().unwrap() {
                assert!(
                    seen.insert(t["id"].as_i64().unwrap()),
                    "{sort}: a comment came twice"
                );
            }
            match page["next"].as_str() {
                Some(c) => next = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 120, "{sort}: every comment once");
    }
}

/// On a busy page the cache shows a new comment a moment late (`page_refresh`), but never to
/// the reader who posted it without JavaScript: the form sends them to a fresh render.
async fn a_cached_page_may_lag_but_never_for_the_one_who_posted(backend: Backend) {
    let app = TestApp::start_configured(backend, |c| {
        c.rules = trusting();
        c.page_refresh = std::time::Duration::from_secs(3600);
    })
    .await;
    let id = app.save(&article("Club wint de topper", 60)).await.id;
    let (_, reader) = app.account(Role::Reader, "Lezer Lars").await;
    let before = public_page(&app, id).await;
    assert!(!before.contains("Wat een wedstrijd"));

    let csrf = reader.csrf().await;
    let r = reader
        .post_form(
            "/reacties/nieuw",
            &[
                ("artikel", &id.to_string()),
                ("tekst", "Wat een wedstrijd was dat"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (path, fragment) = location.split_once('#').unwrap();
    assert!(
        path.starts_with(&format!("/nieuws/{id}?reactie=")),
        "{location}"
    );
    assert!(fragment.starts_with("reactie-"), "{location}");
    // The short address is sent on to the canonical one with the question kept.
    let r = reader.get(path).await;
    assert_eq!(r.status(), 301);
    let canonical = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        canonical.contains("-club-wint-de-topper?reactie="),
        "{canonical}"
    );
    let own = reader.page(&canonical).await;
    assert!(
        own.contains("Wat een wedstrijd was dat"),
        "the author sees it"
    );

    // Everyone else is served the cached page until it is due (an hour here).
    assert!(
        !public_page(&app, id)
            .await
            .contains("Wat een wedstrijd was dat")
    );
}

on_both_backends!(
    a_cached_page_may_lag_but_never_for_the_one_who_posted,
    a_new_reader_waits_for_a_moderator_and_is_trusted_after,
    slurs_are_caught_through_their_disguises_and_innocent_words_pass,
    a_reader_who_posts_too_fast_is_asked_to_wait,
    a_busy_article_goes_into_slow_mode,
    the_same_text_twice_is_refused,
    a_new_account_may_not_post_a_pile_of_links,
    a_shadow_banned_author_sees_their_comments_and_nobody_else_does,
    replies_to_replies_stay_two_levels_deep_with_a_mention,
    an_author_edits_within_ten_minutes_and_deletes_leaving_a_placeholder,
    votes_count_once_and_reports_reach_the_desk_with_the_text_as_reported,
    a_suspended_reader_cannot_comment_until_the_suspension_ends,
    a_poll_counts_one_vote_per_account_and_shows_results_after_voting,
    every_state_changing_route_checks_who_asks,
    comments_page_without_gaps_in_every_order,
);
