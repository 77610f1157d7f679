//! What the Digital Services Act asks of comment moderation, over real HTTP on both
//! backends: the author's statement of reasons, one contest per decision with the
//! moderator's outcome, notices of illegal content from anyone, the transparency figures per
//! month, and the busy night's desk (bulk actions, the account's recent comments).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use serde_json::{Value, json};
use tribune_core::account::Role;
use tribune_core::moderation::Rules;
use tribune_testkit::{Backend, TestApp, Visitor, article, on_both_backends};

const SLUR: &str = "Jij k a n k e r ref";

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

/// Posts a comment; returns (id, status).
async fn post(app: &TestApp, v: &Visitor, article: i64, body: &str) -> (i64, String) {
    app.clock.advance(Duration::minutes(2));
    let r = v
        .post_json(
            &format!("/api/v1/articles/{article}/comments"),
            &json!({ "body": body }),
        )
        .await;
    assert_eq!(r.status(), 201, "posting {body:?}");
    let v: Value = r.json().await.unwrap();
    (
        v["comment"]["id"].as_i64().unwrap(),
        v["status"].as_str().unwrap().to_string(),
    )
}

async fn moderate(mod_: &Visitor, id: i64, action: &str, reason: &str) {
    let r = mod_
        .post_json(
            &format!("/api/v1/moderation/comments/{id}"),
            &json!({ "action": action, "reason": reason }),
        )
        .await;
    assert_eq!(r.status(), 200, "{action} on {id}");
}

async fn decisions(v: &Visitor) -> Vec<Value> {
    let r = v.get("/api/v1/me/decisions").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["decisions"].as_array().unwrap().clone()
}

async fn log_actions(app: &TestApp) -> Vec<String> {
    app.store
        .moderation_log(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
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

async fn the_statement_of_reasons_is_shown_to_the_author_only(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Lezer Lotte").await;
    let (_, other) = app.account(Role::Reader, "Lezer Ander").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    let (auto, status) = post(&app, &reader, id, SLUR).await;
    assert_eq!(status, "rejected");
    let (removed, status) = post(&app, &reader, id, "Een stevige mening over de ref").await;
    assert_eq!(status, "visible");
    moderate(
        &moderator,
        removed,
        "remove",
        "persoonlijke aanval op de scheidsrechter",
    )
    .await;

    let page = reader.page("/account/reacties").await;
    assert!(page.contains("k a n k e r"), "the rejected text is shown");
    assert!(
        page.contains("verboden woord: kanker"),
        "the rule's reason in Dutch"
    );
    assert!(
        page.contains("automatisch"),
        "the rules decided the first one"
    );
    assert!(
        page.contains("door een moderator"),
        "a moderator the second"
    );
    assert!(page.contains("verwijderd") && page.contains("geweigerd"));
    assert!(page.contains("persoonlijke aanval op de scheidsrechter"));
    assert!(page.contains("Bezwaar indienen"), "a contest form");
    assert!(
        reader.page("/account").await.contains("/account/reacties"),
        "the account page links to it"
    );

    let list = decisions(&reader).await;
    assert_eq!(list.len(), 2);
    let by_id = |id: i64| list.iter().find(|d| d["comment_id"] == id).unwrap().clone();
    let a = by_id(auto);
    assert_eq!(a["decision"], "rejected");
    assert_eq!(a["automated"], true);
    assert_eq!(a["reason_codes"][0], "banned-word:kanker");
    let category = tribune_core::moderation::Reason::parse("banned-word:kanker")
        .and_then(|r| r.category())
        .expect("the engine gives the slur a policy category");
    assert_eq!(a["category"], category.describe());
    assert!(
        page.contains(category.describe()),
        "the category on the page"
    );
    assert_eq!(a["can_contest"], true);
    let r = by_id(removed);
    assert_eq!(r["decision"], "removed");
    assert_eq!(r["automated"], false);
    assert_eq!(
        r["moderator_note"],
        "persoonlijke aanval op de scheidsrechter"
    );

    // Nobody else sees any of it.
    assert!(decisions(&other).await.is_empty());
    let theirs = other.page("/account/reacties").await;
    assert!(!theirs.contains("k a n k e r") && !theirs.contains("stevige mening"));
    assert_eq!(
        app.visitor().get("/api/v1/me/decisions").await.status(),
        401
    );

    // The data export carries the statements.
    let export: Value = reader.get("/api/v1/me/export").await.json().await.unwrap();
    assert_eq!(
        export["moderation_decisions"].as_array().unwrap().len(),
        2,
        "{export}"
    );
}

async fn a_decision_is_contested_once_and_bad_contests_store_nothing(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Lezer Lotte").await;
    let (_, other) = app.account(Role::Reader, "Lezer Ander").await;
    let (comment, _) = post(&app, &reader, id, SLUR).await;
    let path = format!("/account/reacties/{comment}/bezwaar");

    // Refused, and nothing stored: empty, too long, someone else's comment, a forged form.
    let r = reader.post_signed(&path, &[("uitleg", "   ")]).await;
    assert_eq!(r.status(), 400);
    let r = reader
        .post_signed(&path, &[("uitleg", &"x".repeat(1_001))])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("1000 tekens"));
    let r = other
        .post_signed(&path, &[("uitleg", "Niet de mijne")])
        .await;
    assert_eq!(r.status(), 404);
    let r = reader
        .post_form(
            &path,
            &[("uitleg", "Vervalst"), ("csrf", "niet-het-juiste")],
        )
        .await;
    assert_eq!(r.status(), 403, "a wrong form token");
    let r = reader
        .send(
            reader
                .request(reqwest::Method::POST, &path)
                .header("origin", "https://evil.example")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("uitleg=van+elders"),
        )
        .await;
    assert_eq!(r.status(), 403, "another site's form");
    assert!(app.store.contests(true, 10).await.unwrap().is_empty());
    let r = reader
        .post_signed(
            &format!("/account/reacties/{}/bezwaar", comment + 999),
            &[("uitleg", "Bestaat niet")],
        )
        .await;
    assert_eq!(r.status(), 404);

    // Once: accepted, then refused with a clear message (form and API alike).
    let r = reader
        .post_signed(
            &path,
            &[("uitleg", "Ik bedoelde *kanker* als ziekte <b>echt</b>")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = reader.post_signed(&path, &[("uitleg", "Nog eens")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("maar één keer"));
    let r = reader
        .post_json(
            &format!("/api/v1/me/decisions/{comment}/contest"),
            &json!({ "explanation": "En via de API" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    let open = app.store.contests(true, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].contest.explanation,
        "Ik bedoelde *kanker* als ziekte <b>echt</b>"
    );

    // Plain text, escaped: no Markdown, no HTML on the author's page or the desk.
    let page = reader.page("/account/reacties").await;
    assert!(page.contains("Ik bedoelde *kanker* als ziekte &#60;b&#62;echt&#60;/b&#62;"));
    assert!(!page.contains("<b>echt</b>") && !page.contains("<em>kanker</em>"));
    assert!(!page.contains("Bezwaar indienen"), "no second contest form");
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    let desk = moderator.page("/moderatie?wachtrij=bezwaren").await;
    assert!(desk.contains("&#60;b&#62;echt&#60;/b&#62;") && !desk.contains("<b>echt</b>"));
    assert!(log_actions(&app).await.contains(&"contest".to_string()));
    // Readers have no business in the queue.
    assert_eq!(
        reader.get("/api/v1/moderation/contests").await.status(),
        403
    );
}

async fn a_moderator_upholds_or_overturns_and_the_author_sees_the_outcome(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Lezer Lotte").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    let (kept, _) = post(&app, &reader, id, SLUR).await;
    let (back, _) = post(&app, &reader, id, "Die scheidsrechter had een matige avond").await;
    moderate(&moderator, back, "remove", "belediging").await;
    for c in [kept, back] {
        let r = reader
            .post_json(
                &format!("/api/v1/me/decisions/{c}/contest"),
                &json!({ "explanation": format!("Bezwaar tegen {c}") }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let open = app.store.contests(true, 10).await.unwrap();
    assert_eq!(open.len(), 2);
    let contest_of = |c: i64| {
        open.iter()
            .find(|i| i.contest.comment_id == c)
            .unwrap()
            .contest
            .id
    };
    let before = app
        .store
        .article(id, app.now())
        .await
        .unwrap()
        .unwrap()
        .comment_count;

    let r = moderator
        .post_signed(
            &format!("/moderatie/bezwaren/{}", contest_of(kept)),
            &[
                ("actie", "upheld"),
                ("notitie", "Het woord blijft verboden"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = moderator
        .post_signed(
            &format!("/moderatie/bezwaren/{}", contest_of(back)),
            &[("actie", "overturned"), ("notitie", "Te streng geweest")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Decided is decided.
    let r = moderator
        .post_signed(
            &format!("/moderatie/bezwaren/{}", contest_of(kept)),
            &[("actie", "overturned")],
        )
        .await;
    assert_eq!(r.status(), 409);

    let page = reader.page("/account/reacties").await;
    assert!(page.contains("bezwaar afgewezen") && page.contains("Het woord blijft verboden"));
    assert!(page.contains("bezwaar aanvaard") && page.contains("Te streng geweest"));
    let list = decisions(&reader).await;
    let restored = list.iter().find(|d| d["comment_id"] == back).unwrap();
    assert_eq!(restored["visible_again"], true);
    assert_eq!(restored["contest"]["outcome"], "overturned");
    let upheld = list.iter().find(|d| d["comment_id"] == kept).unwrap();
    assert_eq!(upheld["contest"]["outcome"], "upheld");
    assert_eq!(upheld["can_contest"], false);

    // The overturned comment is back like any restore: public, counted, logged.
    let c = app.store.comment(back).await.unwrap().unwrap();
    assert!(c.public);
    let after = app
        .store
        .article(id, app.now())
        .await
        .unwrap()
        .unwrap()
        .comment_count;
    assert_eq!(after, before + 1);
    assert!(
        public_page(&app, id)
            .await
            .contains("Die scheidsrechter had een matige avond")
    );
    assert!(app.store.counter_mismatches().await.unwrap().is_empty());
    let log = log_actions(&app).await;
    for action in ["contest", "contest-upheld", "contest-overturned", "restore"] {
        assert!(log.contains(&action.to_string()), "{action} in {log:?}");
    }
    assert!(app.store.contests(true, 10).await.unwrap().is_empty());
}

async fn anyone_notifies_illegal_content_and_gets_a_reference(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Lezer Lotte").await;
    let (comment, _) = post(
        &app,
        &reader,
        id,
        "De scheidsrechter was vandaag echt ondermaats",
    )
    .await;
    let article_page = public_page(&app, id).await;
    assert!(article_page.contains(&format!("/melden?reactie={comment}")));
    assert!(article_page.contains("/transparantie"), "footer link");

    let anonymous = app.visitor();
    let form = anonymous.page(&format!("/melden?reactie={comment}")).await;
    assert!(
        form.contains("De scheidsrechter was vandaag echt ondermaats") && form.contains("doxxing")
    );

    // Refused, nothing stored.
    let c = comment.to_string();
    for (fields, status) in [
        (
            vec![
                ("reactie", "999999"),
                ("categorie", "privacy"),
                ("uitleg", "x"),
            ],
            404,
        ),
        (
            vec![
                ("reactie", "abc"),
                ("categorie", "privacy"),
                ("uitleg", "x"),
            ],
            404,
        ),
        (
            vec![
                ("reactie", c.as_str()),
                ("categorie", "privacy"),
                ("uitleg", "  "),
            ],
            400,
        ),
        (
            vec![
                ("reactie", c.as_str()),
                ("categorie", "gewoon-stom"),
                ("uitleg", "Fout"),
            ],
            400,
        ),
        (
            vec![
                ("reactie", c.as_str()),
                ("categorie", "privacy"),
                ("uitleg", "Adres"),
                ("email", "geen adres"),
            ],
            400,
        ),
    ] {
        let r = anonymous.post_form("/melden", &fields).await;
        assert_eq!(r.status(), status, "{fields:?}");
        if status == 404 {
            assert!(r.text().await.unwrap().contains("bestaat niet"));
        }
    }
    let long = "x".repeat(2_001);
    let r = anonymous
        .post_form(
            "/melden",
            &[
                ("reactie", &comment.to_string()),
                ("categorie", "privacy"),
                ("uitleg", &long),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(anonymous.get("/melden?reactie=999999").await.status(), 404);
    let r = anonymous
        .send(
            anonymous
                .request(reqwest::Method::POST, "/melden")
                .header("origin", "https://evil.example")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "reactie={comment}&categorie=privacy&uitleg=van+elders"
                )),
        )
        .await;
    assert_eq!(r.status(), 403, "another site's form");
    let r = anonymous
        .post_json(
            "/api/v1/notices",
            &json!({ "comment_id": 999_999, "category": "threat", "explanation": "x" }),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert!(
        app.store.notices(true, 10).await.unwrap().is_empty(),
        "nothing stored"
    );

    // Accepted: a reference on the page, and from the API.
    let r = anonymous
        .post_form(
            "/melden",
            &[
                ("reactie", &comment.to_string()),
                ("categorie", "privacy"),
                (
                    "uitleg",
                    "Dit is het adres van de scheidsrechter <script>alert(1)</script>",
                ),
                ("email", "melder@voorbeeld.be"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let done = r.text().await.unwrap();
    assert!(done.contains("M-2026-"), "{done}");
    let r = anonymous
        .post_json(
            "/api/v1/notices",
            &json!({ "comment_id": comment, "category": "threat", "explanation": "Bedreiging" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("M-2026-") && reference.len() == "M-2026-000000".len());

    // The queue shows both, escaped; handling is recorded with who and when, once.
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    let desk = moderator.page("/moderatie?wachtrij=meldingen").await;
    assert!(desk.contains(reference) && desk.contains("melder@voorbeeld.be"));
    assert!(desk.contains("&#60;script&#62;") && !desk.contains("<script>alert"));
    let open = app.store.notices(true, 10).await.unwrap();
    assert_eq!(open.len(), 2);
    moderate(&moderator, comment, "remove", "doxxing").await;
    let first = open[0].notice.id;
    let r = moderator
        .post_signed(
            &format!("/moderatie/meldingen/{first}"),
            &[("actie", "action_taken"), ("notitie", "verwijderd")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = moderator
        .post_signed(
            &format!("/moderatie/meldingen/{first}"),
            &[("actie", "no_action")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let n = app.store.notice(first).await.unwrap().unwrap();
    assert_eq!(n.handled_by.as_deref(), Some("Moderator Mo"));
    assert!(n.handled_at.is_some());
    assert_eq!(app.store.notices(true, 10).await.unwrap().len(), 1);
    let log = log_actions(&app).await;
    assert!(
        log.contains(&"notice".to_string()) && log.contains(&"notice-action-taken".to_string())
    );
}

async fn transparency_counts_per_month(backend: Backend) {
    let (app, id) = site(backend, trusting()).await;
    let (_, reader) = app.account(Role::Reader, "Lezer Lotte").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    // November: one taken off by the rules (contested, overturned), one by a moderator, one
    // notice handled without action.
    let (auto, _) = post(&app, &reader, id, SLUR).await;
    let (removed, _) = post(&app, &reader, id, "Die scheidsrechter had een matige avond").await;
    moderate(&moderator, removed, "remove", "belediging").await;
    let r = reader
        .post_json(
            &format!("/api/v1/me/decisions/{auto}/contest"),
            &json!({ "explanation": "Ziekte" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let contest = app.store.contests(true, 1).await.unwrap()[0].contest.id;
    let r = moderator
        .post_json(
            &format!("/api/v1/moderation/contests/{contest}"),
            &json!({ "outcome": "overturned" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (visible, _) = post(&app, &reader, id, "Mooie goal").await;
    let r = app
        .visitor()
        .post_json(
            "/api/v1/notices",
            &json!({ "comment_id": visible, "category": "copyright", "explanation": "Mijn tekst" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let notice = app.store.notices(true, 1).await.unwrap()[0].notice.id;
    let r = moderator
        .post_json(
            &format!("/api/v1/moderation/notices/{notice}"),
            &json!({ "outcome": "no_action" }),
        )
        .await;
    assert_eq!(r.status(), 200);

    // December: one more removal.
    app.clock.advance(Duration::days(15));
    let (later, _) = post(
        &app,
        &reader,
        id,
        "Nog een scheidsrechter die er niets van kan",
    )
    .await;
    moderate(&moderator, later, "remove", "belediging").await;
    let later_status = app.store.comment(later).await.unwrap().unwrap().verdict;
    assert_ne!(later_status, tribune_core::moderation::Verdict::Visible);

    let report: Value = app
        .visitor()
        .get("/api/v1/transparency")
        .await
        .json()
        .await
        .unwrap();
    let months = report["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let (dec, nov) = (&months[0], &months[1]);
    assert_eq!(dec["month"], "2026-12");
    assert_eq!(nov["month"], "2026-11");
    assert_eq!(nov["removed_total"], 2, "{nov}");
    assert_eq!(nov["automated"], 1);
    assert_eq!(nov["by_moderators"], 1);
    assert_eq!(nov["notices_received"], 1);
    assert_eq!(nov["notices_no_action"], 1);
    assert_eq!(nov["notices_by_category"][0][0], "auteursrecht");
    assert_eq!(nov["contests_received"], 1);
    assert_eq!(nov["contests_overturned"], 1);
    assert_eq!(nov["contests_upheld"], 0);
    assert_eq!(dec["removed_total"], 1, "{dec}");
    assert_eq!(dec["by_moderators"], 1);
    assert_eq!(dec["automated"], 0);
    assert_eq!(months[2]["removed_total"], 0);
    let page = app.page("/transparantie").await;
    assert!(page.contains("2026-11") && page.contains("Bezwaren aanvaard"));
}

async fn bulk_actions_apply_to_each_chosen_comment(backend: Backend) {
    // New readers wait for a moderator.
    let (app, id) = site(backend, Rules::default()).await;
    let (_, reader) = app.account(Role::Reader, "Nieuwe Lezer").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let (c, status) = post(&app, &reader, id, &format!("Eerste reactie nummer {i}")).await;
        assert_eq!(status, "pending");
        ids.push(c.to_string());
    }
    let desk = moderator.page("/moderatie").await;
    assert!(desk.contains("name=\"ids\"") && desk.contains("/moderatie/bulk"));

    // Refused: a forged form, no choice, an action that is not for many.
    let forged = moderator
        .post_form(
            "/moderatie/bulk",
            &[("ids", &ids[0]), ("actie", "approve"), ("csrf", "vals")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let r = moderator
        .post_signed("/moderatie/bulk", &[("actie", "approve")])
        .await;
    assert_eq!(r.status(), 400);
    let r = moderator
        .post_signed("/moderatie/bulk", &[("ids", &ids[0]), ("actie", "dismiss")])
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.store
            .queue(tribune_core::comment::Queue::Pending, 10)
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(reader.get("/moderatie").await.status(), 403);

    // Two ticked and approved, one audit line each.
    let r = moderator
        .post_signed(
            "/moderatie/bulk",
            &[
                ("ids", &ids[0]),
                ("ids", &ids[1]),
                ("actie", "approve"),
                ("wachtrij", "wachtend"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    for (i, c) in ids.iter().enumerate() {
        let c = app
            .store
            .comment(c.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.public, i < 2, "comment {i}");
    }
    let approvals = log_actions(&app)
        .await
        .iter()
        .filter(|a| *a == "approve")
        .count();
    assert_eq!(approvals, 2);

    // "All in this list": the rest, rejected.
    let r = moderator
        .post_signed(
            "/moderatie/bulk",
            &[
                ("lijst", &ids[2]),
                ("lijst", &ids[3]),
                ("bereik", "alles"),
                ("actie", "reject"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        app.store
            .queue(tribune_core::comment::Queue::Pending, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let rejects = log_actions(&app)
        .await
        .iter()
        .filter(|a| *a == "reject")
        .count();
    assert_eq!(rejects, 2);
    assert!(app.store.counter_mismatches().await.unwrap().is_empty());
}

async fn the_desk_shows_the_accounts_recent_comments(backend: Backend) {
    let (app, id) = site(backend, Rules::default()).await;
    let (author, reader) = app.account(Role::Reader, "Drukke Lezer").await;
    let (_, moderator) = app.account(Role::Moderator, "Moderator Mo").await;
    let mut last = 0;
    for i in 0..12 {
        let (c, _) = post(&app, &reader, id, &format!("Reactie met volgnummer {i:02}")).await;
        last = c;
    }
    let newest = app
        .store
        .recent_comments_of(&[author.id], 10)
        .await
        .unwrap();
    assert_eq!(newest.len(), 10);
    assert_eq!(newest[0].id, last);
    let desk = moderator.page("/moderatie").await;
    assert!(desk.contains("Laatste 10 reacties van dit account"));
    assert!(
        desk.contains("Reactie met volgnummer 11") && desk.contains("Reactie met volgnummer 02")
    );
    assert!(!desk.contains("Reactie met volgnummer 01</span>"));
    assert!(desk.contains("recent-status\">wacht"));
}

on_both_backends!(
    the_statement_of_reasons_is_shown_to_the_author_only,
    a_decision_is_contested_once_and_bad_contests_store_nothing,
    a_moderator_upholds_or_overturns_and_the_author_sees_the_outcome,
    anyone_notifies_illegal_content_and_gets_a_reference,
    transparency_counts_per_month,
    bulk_actions_apply_to_each_chosen_comment,
    the_desk_shows_the_accounts_recent_comments,
);
