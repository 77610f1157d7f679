//! The back office for articles (/redactie), on both backends, through real HTTP: a
//! journalist writes and submits, an editor schedules and publishes, every save is a
//! revision that can be compared and restored, autosave keeps what was typed when the
//! connection dies, and every route refuses the roles it is not for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use serde_json::json;
use tribune_core::TopicKind;
use tribune_core::account::Role;
use tribune_core::desk::DeskStatus;
use tribune_core::time::{input_date, input_time};

use tribune_testkit::{Backend, TestApp, Visitor, on_both_backends};

/// The editor form as a browser posts it: these fields plus the session's token.
fn form<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![("csrf", csrf)];
    f.extend_from_slice(fields);
    f
}

/// Posts the editor form; returns the article id it was sent to (from the redirect).
async fn post_editor(v: &Visitor, path: &str, fields: &[(&str, &str)]) -> i64 {
    let csrf = v.csrf().await;
    let r = v.post_form(path, &form(&csrf, fields)).await;
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    assert_eq!(
        status,
        303,
        "posting {path} should save and redirect, got {status}: {}",
        r.text().await.unwrap()
    );
    let location = location.unwrap();
    location
        .trim_start_matches("/redactie/artikels/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

const LEAD: &str =
    "Club Brugge heeft een nieuwe spits beet: de aanvaller tekent voor vier seizoenen.";

async fn a_journalist_submits_an_editor_schedules_and_it_appears_at_its_time(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app
        .topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    let club_id = club.id.to_string();
    let (journalist, writer) = app.account(Role::Journalist, "Jana Journalist").await;
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;

    // The journalist writes a draft: nobody outside sees it.
    let id = post_editor(
        &writer,
        "/redactie/artikels/nieuw",
        &[
            ("titel", "Club Brugge haalt nieuwe spits"),
            ("soort", "news"),
            ("auteur", "Jana Journalist"),
            ("inleiding", LEAD),
            (
                "tekst",
                "Eerste alinea.\n\n## De transfer\n\nTweede alinea.",
            ),
            ("onderwerp", &club_id),
            ("actie", "opslaan"),
        ],
    )
    .await;
    let a = app
        .store
        .desk_article(id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, DeskStatus::Draft);
    assert_eq!(a.owner_id, Some(journalist.id));
    assert_eq!(a.revision, 1);
    assert_eq!(
        app.get(&a.path()).await.status(),
        404,
        "a draft is not public"
    );

    // A journalist cannot publish, only submit.
    let csrf = writer.csrf().await;
    let r = writer
        .post_form(
            &format!("/redactie/artikels/{id}"),
            &form(
                &csrf,
                &[
                    ("titel", "Club Brugge haalt nieuwe spits"),
                    ("soort", "news"),
                    ("auteur", "Jana Journalist"),
                    ("inleiding", LEAD),
                    ("actie", "publiceren"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status(), 403, "a journalist may not publish");
    assert!(r.text().await.unwrap().contains("eindredacteur"));
    post_editor(
        &writer,
        &format!("/redactie/artikels/{id}"),
        &[
            ("titel", "Club Brugge haalt nieuwe spits"),
            ("soort", "news"),
            ("auteur", "Jana Journalist"),
            ("inleiding", LEAD),
            (
                "tekst",
                "Eerste alinea.\n\n## De transfer\n\nTweede alinea.",
            ),
            ("onderwerp", &club_id),
            ("actie", "indienen"),
        ],
    )
    .await;
    let list = editor.page("/redactie?status=submitted").await;
    assert!(
        list.contains("Club Brugge haalt nieuwe spits"),
        "the editor sees the submitted piece"
    );

    // The editor schedules it one minute ahead (Brussels time in the form).
    let at = app.now() + Duration::minutes(1);
    let (date, time) = (input_date(at), input_time(at));
    post_editor(
        &editor,
        &format!("/redactie/artikels/{id}"),
        &[
            ("titel", "Club Brugge haalt nieuwe spits"),
            ("soort", "news"),
            ("auteur", "Jana Journalist"),
            ("inleiding", LEAD),
            (
                "tekst",
                "Eerste alinea.\n\n## De transfer\n\nTweede alinea.",
            ),
            ("onderwerp", &club_id),
            ("datum", &date),
            ("tijd", &time),
            ("actie", "publiceren"),
        ],
    )
    .await;
    let a = app
        .store
        .desk_article(id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, DeskStatus::Scheduled);
    app.sync().await;
    assert!(
        !app.page("/")
            .await
            .contains("Club Brugge haalt nieuwe spits"),
        "not before its time"
    );
    assert!(
        !app.page(&tribune_core::topic::topic_path(&club.slug))
            .await
            .contains("Club Brugge haalt nieuwe spits")
    );
    assert_eq!(app.get(&a.path()).await.status(), 404);

    // The journalist can no longer change it.
    let r = writer
        .post_form(
            &format!("/redactie/artikels/{id}"),
            &form(
                &csrf,
                &[
                    ("titel", "Anders"),
                    ("soort", "news"),
                    ("auteur", "Jana"),
                    ("actie", "opslaan"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status(), 403);

    // Its minute comes.
    app.clock.advance(Duration::minutes(2));
    app.sync().await;
    assert!(
        app.page("/")
            .await
            .contains("Club Brugge haalt nieuwe spits"),
        "on the home page at its time"
    );
    assert!(
        app.page(&tribune_core::topic::topic_path(&club.slug))
            .await
            .contains("Club Brugge haalt nieuwe spits"),
        "and on its topic page"
    );
    let page = app.page(&a.path()).await;
    assert!(
        page.contains("De transfer"),
        "the intertitle is on the page"
    );
    assert_eq!(
        app.store
            .desk_article(id, app.now())
            .await
            .unwrap()
            .unwrap()
            .status,
        DeskStatus::Published
    );
}

async fn every_save_is_a_revision_that_can_be_compared_and_restored(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let base = [("soort", "news"), ("auteur", "Eddy"), ("inleiding", LEAD)];
    let mut first = base.to_vec();
    first.extend([
        ("titel", "Genk wint"),
        ("tekst", "Genk won met 2-0."),
        ("actie", "publiceren"),
    ]);
    let id = post_editor(&editor, "/redactie/artikels/nieuw", &first).await;
    let mut second = base.to_vec();
    second.extend([
        ("titel", "Genk wint overtuigend"),
        ("tekst", "Genk won met 3-0.\n\nEen nieuwe alinea."),
        ("actie", "opslaan"),
    ]);
    post_editor(&editor, &format!("/redactie/artikels/{id}"), &second).await;

    let revisions = app.store.revisions(id).await.unwrap();
    assert_eq!(
        revisions.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let page = editor
        .page(&format!("/redactie/artikels/{id}/versies"))
        .await;
    assert!(
        page.contains("Eddy Eindredacteur"),
        "who saved each version"
    );
    let diff = editor
        .page(&format!(
            "/redactie/artikels/{id}/versies/vergelijk?van=1&naar=2"
        ))
        .await;
    assert!(diff.contains("<del>- Genk won met 2-0.</del>"), "{diff}");
    assert!(diff.contains("<ins>+ Genk won met 3-0.</ins>"));
    assert!(diff.contains("<ins>+ Een nieuwe alinea.</ins>"));

    // The slug followed the title; the old address still leads to the article.
    let a = app
        .store
        .desk_article(id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert!(a.slug.contains("overtuigend"));
    let old = app.get(&format!("/nieuws/{id}-genk-wint")).await;
    assert_eq!(old.status(), 301);
    assert_eq!(old.headers()["location"].to_str().unwrap(), a.path());

    // Restoring version 1 makes version 3 with its text, and the public page follows.
    let csrf = editor.csrf().await;
    let r = editor
        .post_form(
            &format!("/redactie/artikels/{id}/versies/1/herstellen"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let a = app
        .store
        .desk_article(id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.draft.title, "Genk wint");
    assert_eq!(a.draft.body_markdown, "Genk won met 2-0.");
    assert_eq!(a.revision, 3);
    assert_eq!(
        app.store.revisions(id).await.unwrap()[0].note,
        "hersteld uit versie 1"
    );
    assert!(app.page(&a.path()).await.contains("Genk won met 2-0."));
}

async fn autosave_keeps_what_was_typed_when_the_connection_dies(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (journalist, writer) = app.account(Role::Journalist, "Jana Journalist").await;
    let id = post_editor(
        &writer,
        "/redactie/artikels/nieuw",
        &[
            ("titel", "Antwerp zoekt trainer"),
            ("soort", "news"),
            ("auteur", "Jana"),
            ("actie", "opslaan"),
        ],
    )
    .await;
    let csrf = writer.csrf().await;
    // The script posts the fields as typed, with half a sentence and a broken date.
    let typed = "De Great Old zoekt een nieuwe trainer en de naam van";
    let r = writer
        .post_form(
            &format!("/redactie/artikels/{id}/autosave"),
            &form(
                &csrf,
                &[
                    ("titel", "Antwerp zoekt trainer"),
                    ("soort", "news"),
                    ("auteur", "Jana"),
                    ("tekst", typed),
                    ("datum", "2026-13-45"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status(), 200);
    // The connection dies: this browser is gone. The journalist logs in again elsewhere.
    drop(writer);
    let again = app.visitor();
    again
        .log_in(&journalist.email, tribune_testkit::PASSWORD)
        .await;
    let page = again.page(&format!("/redactie/artikels/{id}")).await;
    assert!(
        page.contains(typed),
        "the autosaved text is back in the editor"
    );
    assert!(
        page.contains("automatisch bewaarde tekst"),
        "with a word that it was restored"
    );
    assert!(
        page.contains("2-13-45") || page.contains("2026-13-45"),
        "even the unfinished date"
    );
    // Stored, it is not: the article still says what was saved.
    let a = app
        .store
        .desk_article(id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.draft.body_markdown, "");

    // A new article that was never saved is kept too.
    let csrf = again.csrf().await;
    let r = again
        .post_form(
            "/redactie/artikels/nieuw/autosave",
            &form(
                &csrf,
                &[("titel", "Half af"), ("tekst", "Nog niet bewaard")],
            ),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        again
            .page("/redactie/artikels/nieuw")
            .await
            .contains("Nog niet bewaard")
    );
    // Saving drops the autosave: the editor shows the stored text again.
    post_editor(
        &again,
        &format!("/redactie/artikels/{id}"),
        &[
            ("titel", "Antwerp zoekt trainer"),
            ("soort", "news"),
            ("auteur", "Jana"),
            ("tekst", "Bewaard."),
            ("actie", "opslaan"),
        ],
    )
    .await;
    let page = again.page(&format!("/redactie/artikels/{id}")).await;
    assert!(!page.contains(typed));
    assert!(page.contains("Bewaard."));
}

async fn bad_input_is_refused_with_the_typed_text_kept_and_nothing_stored(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let before = app.store.article_count().await.unwrap();
    let csrf = editor.csrf().await;
    for (fields, says) in [
        (
            vec![
                ("titel", ""),
                ("soort", "news"),
                ("auteur", "Eddy"),
                ("tekst", "Mijn tekst"),
            ],
            "titel",
        ),
        (
            vec![
                ("titel", "Goed"),
                ("soort", "blog"),
                ("auteur", "Eddy"),
                ("tekst", "Mijn tekst"),
            ],
            "Kies wat voor artikel",
        ),
        (
            vec![
                ("titel", "Goed"),
                ("soort", "news"),
                ("auteur", "Eddy"),
                ("tekst", "Mijn tekst"),
                ("datum", "31-12-2026"),
            ],
            "publicatiedatum",
        ),
        (
            vec![
                ("titel", "Goed"),
                ("soort", "news"),
                ("auteur", "Eddy"),
                ("tekst", "Mijn tekst"),
                ("foto_pad", "../../etc/passwd"),
                ("foto_credit", "x"),
            ],
            "foto",
        ),
        (
            vec![
                ("titel", "Goed"),
                ("soort", "news"),
                ("auteur", "Eddy"),
                ("tekst", "Mijn tekst"),
                ("onderwerp", "abc"),
            ],
            "Onderwerp",
        ),
        (
            vec![
                ("titel", "Goed"),
                ("soort", "news"),
                ("auteur", "Eddy"),
                ("tekst", "Mijn tekst"),
                ("onderwerp", "999999"),
            ],
            "topic",
        ),
        (
            vec![
                ("titel", "Gerucht"),
                ("soort", "rumour"),
                ("auteur", "Eddy"),
                ("inleiding", LEAD),
                ("tekst", "Mijn tekst"),
                ("actie", "publiceren"),
            ],
            "bron",
        ),
    ] {
        let mut f = form(&csrf, &fields);
        if !fields.iter().any(|(k, _)| *k == "actie") {
            f.push(("actie", "opslaan"));
        }
        let r = editor.post_form("/redactie/artikels/nieuw", &f).await;
        assert_eq!(r.status(), 400, "{fields:?}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains(says),
            "the error names what to fix ({says}): {fields:?}"
        );
        assert!(page.contains("Mijn tekst"), "the typed text comes back");
    }
    assert_eq!(
        app.store.article_count().await.unwrap(),
        before,
        "nothing was stored"
    );
    // A form from another session's page is refused.
    let r = editor
        .post_form(
            "/redactie/artikels/nieuw",
            &[
                ("csrf", "nep"),
                ("titel", "X"),
                ("soort", "news"),
                ("auteur", "Eddy"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(editor.get("/redactie/artikels/424242").await.status(), 404);
    assert_eq!(editor.get("/redactie?status=weg").await.status(), 400);
}

async fn every_desk_route_refuses_the_roles_it_is_not_for(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let id = post_editor(
        &editor,
        "/redactie/artikels/nieuw",
        &[
            ("titel", "Van de eindredactie"),
            ("soort", "news"),
            ("auteur", "Eddy"),
            ("inleiding", LEAD),
            ("actie", "publiceren"),
        ],
    )
    .await;
    let (_, reader) = app.account(Role::Reader, "Lezer").await;
    let (_, moderator) = app.account(Role::Moderator, "Mo").await;
    let (_, journalist) = app.account(Role::Journalist, "Jana").await;
    let anonymous = app.visitor();
    let gets = [
        "/redactie".to_string(),
        "/redactie/artikels/nieuw".into(),
        format!("/redactie/artikels/{id}"),
        format!("/redactie/artikels/{id}/versies"),
        format!("/redactie/artikels/{id}/versies/vergelijk?van=1&naar=1"),
        "/redactie/artikels/zoek?q=eind".into(),
    ];
    let posts = [
        "/redactie/artikels/nieuw".to_string(),
        "/redactie/artikels/nieuw/autosave".into(),
        "/redactie/voorbeeld".into(),
        format!("/redactie/artikels/{id}"),
        format!("/redactie/artikels/{id}/autosave"),
        format!("/redactie/artikels/{id}/autosave/verwerpen"),
        format!("/redactie/artikels/{id}/peiling"),
        format!("/redactie/artikels/{id}/versies/1/herstellen"),
    ];
    let fields = [
        ("titel", "Overgenomen"),
        ("soort", "news"),
        ("auteur", "X"),
        ("inleiding", LEAD),
        ("actie", "opslaan"),
        ("vraag", "Wie wint?"),
        ("opties", "A\nB"),
    ];
    for path in &gets {
        let r = anonymous.get(path).await;
        assert_eq!(r.status(), 303, "anonymous GET {path} is sent to log in");
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/inloggen")
        );
        for (who, v) in [("reader", &reader), ("moderator", &moderator)] {
            assert_eq!(v.get(path).await.status(), 403, "{who} GET {path}");
        }
        assert_eq!(
            journalist.get(path).await.status(),
            200,
            "journalist GET {path}"
        );
    }
    for path in &posts {
        let r = anonymous.post_form(path, &fields).await;
        assert!(
            matches!(r.status().as_u16(), 303 | 401),
            "anonymous POST {path}: {}",
            r.status()
        );
        for (who, v) in [("reader", &reader), ("moderator", &moderator)] {
            let csrf = v.csrf().await;
            let r = v.post_form(path, &form(&csrf, &fields)).await;
            assert_eq!(r.status(), 403, "{who} POST {path}");
        }
        // The editor's published article is not the journalist's to change (dropping one's
        // own autosave is anyone's right).
        if path.contains(&format!("/{id}")) && !path.ends_with("verwerpen") {
            let csrf = journalist.csrf().await;
            let r = journalist.post_form(path, &form(&csrf, &fields)).await;
            assert_eq!(r.status(), 403, "journalist POST {path}");
        }
    }
    let a = app
        .store
        .desk_article(id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.draft.title, "Van de eindredactie", "nobody changed it");
    assert!(app.store.poll_of_article(id).await.unwrap().is_none());

    // The JSON API: a journalist may create a draft but not publish.
    let r = journalist
        .post_json(
            "/api/v1/desk/articles",
            &json!({"title": "Via script", "kind": "news", "lead": LEAD, "status": "published"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = reader.get("/api/v1/desk/articles").await;
    assert_eq!(r.status(), 403);
    let r = anonymous.get("/api/v1/desk/articles").await;
    assert_eq!(r.status(), 401);
}

async fn scripts_write_publish_and_restore_through_the_json_api(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let r = editor
        .post_json("/api/v1/desk/articles", &json!({"title": "Standard ontslaat trainer", "kind": "news", "lead": LEAD, "body_markdown": "Eerste versie."}))
        .await;
    assert_eq!(r.status(), 201);
    let a: serde_json::Value = r.json().await.unwrap();
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["status"], "draft");
    assert_eq!(
        a["byline"], "Eddy Eindredacteur",
        "the byline defaults to the account"
    );
    let r = editor
        .put_json(&format!("/api/v1/desk/articles/{id}"), &json!({"title": "Standard ontslaat trainer", "kind": "news", "lead": LEAD, "body_markdown": "Tweede versie."}))
        .await;
    assert_eq!(r.status(), 200);
    let r = editor
        .post_json(&format!("/api/v1/desk/articles/{id}/publish"), &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["status"], "published");
    assert!(
        app.page(a["url"].as_str().unwrap())
            .await
            .contains("Tweede versie.")
    );
    let revs: serde_json::Value = editor
        .get(&format!("/api/v1/desk/articles/{id}/revisions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revs.as_array().unwrap().len(), 3);
    let r = editor
        .post_json(
            &format!("/api/v1/desk/articles/{id}/revisions/1/restore"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        app.page(a["url"].as_str().unwrap())
            .await
            .contains("Eerste versie.")
    );
    let r = editor
        .post_json(&format!("/api/v1/desk/articles/{id}/withdraw"), &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get(a["url"].as_str().unwrap()).await.status(), 404);
    // Bad JSON is refused with a problem and changes nothing.
    let r = editor
        .post_json(
            "/api/v1/desk/articles",
            &json!({"title": "", "kind": "news"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = editor
        .post_json(
            "/api/v1/desk/articles",
            &json!({"title": "X", "kind": "blog"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = editor
        .post_json(
            "/api/v1/desk/articles",
            &json!({"title": "X", "kind": "news", "topics": [424242]}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = editor
        .post_json(
            "/api/v1/desk/articles",
            &json!({"title": "X", "kind": "news", "photo": {"path": "../../etc/passwd", "credit": "Belga", "width": 10, "height": 10}}),
        )
        .await;
    assert_eq!(
        r.status(),
        400,
        "a photo the upload did not write is refused"
    );
    let listed: serde_json::Value = editor
        .get("/api/v1/desk/articles?q=Standard")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

/// The rest of /redactie (topics, users, tokens, photos, suggestions): each route lets in
/// exactly the roles it is for; the others get 403, and a visitor is sent to log in.
async fn the_rest_of_the_back_office_lets_in_exactly_its_roles(backend: Backend) {
    let app = TestApp::start(backend).await;
    let topic = app
        .topic("KAA Gent", TopicKind::Club, &["De Buffalo's"])
        .await;
    let (target, _) = app.account(Role::Reader, "Doelwit").await;
    let mut who = vec![("anonymous", None, app.visitor())];
    for (name, role) in [
        ("reader", Role::Reader),
        ("moderator", Role::Moderator),
        ("journalist", Role::Journalist),
        ("editor", Role::Editor),
        ("admin", Role::Admin),
    ] {
        let (_, v) = app.account(role, name).await;
        who.push((name, Some(role), v));
    }
    type MayUse = fn(Role) -> bool;
    let writers: MayUse = Role::can_write;
    let admins: MayUse = Role::can_administer;
    let routes: Vec<(&str, String, MayUse)> = vec![
        ("GET", "/redactie/tokens".into(), writers),
        ("POST", "/redactie/tokens".into(), writers),
        ("POST", "/redactie/tokens/999999/intrekken".into(), writers),
        ("POST", "/redactie/suggesties".into(), writers),
        ("POST", "/redactie/fotos".into(), writers),
        ("GET", "/redactie/onderwerpen".into(), admins),
        ("GET", "/redactie/onderwerpen/nieuw".into(), admins),
        ("POST", "/redactie/onderwerpen/nieuw".into(), admins),
        ("GET", format!("/redactie/onderwerpen/{}", topic.id), admins),
        (
            "POST",
            format!("/redactie/onderwerpen/{}", topic.id),
            admins,
        ),
        ("GET", "/redactie/gebruikers".into(), admins),
        (
            "POST",
            format!("/redactie/gebruikers/{}/rol", target.id),
            admins,
        ),
    ];
    for (method, path, allowed) in &routes {
        for (name, role, v) in &who {
            let r = if *method == "GET" {
                v.get(path).await
            } else if path.ends_with("suggesties") {
                v.post_json(path, &json!({"title": "Gent wint", "lead": "", "body": ""}))
                    .await
            } else {
                let csrf = if role.is_some() {
                    v.csrf().await
                } else {
                    String::new()
                };
                // Harmless fields: a role change to what the target already is.
                v.post_form(
                    path,
                    &[("csrf", &csrf), ("rol", "reader"), ("name", "Test")],
                )
                .await
            };
            let status = r.status().as_u16();
            match role {
                None => assert!(
                    matches!(status, 303 | 401),
                    "anonymous {method} {path}: {status}"
                ),
                Some(role) if allowed(*role) => assert!(
                    !matches!(status, 401 | 403),
                    "{name} {method} {path} should be let in: {status}"
                ),
                Some(_) => assert_eq!(status, 403, "{name} {method} {path}"),
            }
        }
    }
    let after = app.store.topic(topic.id).await.unwrap().unwrap();
    assert_eq!(after.name, "KAA Gent", "the refused posts changed nothing");
}

on_both_backends!(
    the_rest_of_the_back_office_lets_in_exactly_its_roles,
    a_journalist_submits_an_editor_schedules_and_it_appears_at_its_time,
    every_save_is_a_revision_that_can_be_compared_and_restored,
    autosave_keeps_what_was_typed_when_the_connection_dies,
    bad_input_is_refused_with_the_typed_text_kept_and_nothing_stored,
    every_desk_route_refuses_the_roles_it_is_not_for,
    scripts_write_publish_and_restore_through_the_json_api,
);
