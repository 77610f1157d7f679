//! The back office's topics and users: topic suggestions while an article is written (the
//! demo newsroom's nicknames, French names and bare city names), topic administration, role
//! changes, and who may do what. Over real HTTP, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tribune_core::account::Role;
use tribune_core::topic::{Topic, TopicKind};
use tribune_testkit::{Backend, TestApp, Visitor, on_both_backends};

async fn topic_named(app: &TestApp, name: &str) -> Topic {
    app.store
        .find_topic(name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the demo has a topic {name}"))
}

async fn suggest(v: &Visitor, title: &str, lead: &str, body: &str) -> Vec<Value> {
    let r = v
        .post_json(
            "/redactie/suggesties",
            &json!({ "title": title, "lead": lead, "body": body }),
        )
        .await;
    assert_eq!(r.status(), 200, "POST /redactie/suggesties");
    assert_eq!(
        r.headers()["cache-control"],
        "private, no-store",
        "suggestions are the writer's own"
    );
    r.json::<Vec<Value>>().await.unwrap()
}

/// The suggestion for the topic with this slug; fails with what was suggested instead.
fn found<'a>(suggestions: &'a [Value], slug: &str) -> &'a Value {
    suggestions
        .iter()
        .find(|s| s["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} should be suggested, got {suggestions:#?}"))
}

fn absent(suggestions: &[Value], slug: &str) {
    assert!(
        suggestions.iter().all(|s| s["slug"] != slug),
        "{slug} should not be suggested, got {suggestions:#?}"
    );
}

async fn journalist_finds_the_nicknames_in_running_text(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let (_, journalist) = app.account(Role::Journalist, "Jef Journalist").await;

    let found_list = suggest(
        &journalist,
        "Blauw-zwart haalt uit tegen Paars-Wit",
        "In een kolkend Jan Breydelstadion won blauw-zwart zondag met 3-1. Bij Paars-Wit \
         hangt de trainer aan een zijden draadje.",
        "Na de rust zat de match al in het slot. Intussen speelde The Great Old op de Bosuil \
         gelijk tegen Standard de Liège, zodat de titelstrijd helemaal openligt.\n\n\
         Bondscoach en staf zaten in de tribune: drie spelers van de thuisploeg staan op de \
         voorlopige lijst van de Rode Duivels voor de interlands van maart.",
    )
    .await;

    for (slug, written) in [
        ("club-brugge", "Blauw-zwart"),
        ("rsc-anderlecht", "Paars-Wit"),
        ("royal-antwerp-fc", "The Great Old"),
        ("rode-duivels", "Rode Duivels"),
        ("standard-luik", "Standard de Liège"),
    ] {
        let s = found(&found_list, slug);
        assert_eq!(s["confidence"], "sure", "{slug}: {s}");
        assert_eq!(s["first_text"], written, "{slug}: {s}");
    }
    let club = found(&found_list, "club-brugge");
    assert_eq!(club["count"], 2, "blauw-zwart in title and lead: {club}");
    assert_eq!(club["name"], "Club Brugge");
    assert_eq!(club["kind"], "club");
    assert_eq!(club["first_part"], "title");
    let standard = topic_named(&app, "Standard Luik").await;
    assert_eq!(
        found(&found_list, "standard-luik")["topic_id"],
        standard.id,
        "the French name finds the topic"
    );
    assert_eq!(
        found_list[0]["slug"], "club-brugge",
        "the title's topic with the most mentions comes first"
    );
}

async fn club_brugge_counts_once_and_bare_cities_are_only_maybe(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let (_, editor) = app.account(Role::Editor, "Els Eindredactie").await;

    let named = suggest(
        &editor,
        "Club Brugge wint in Mechelen",
        "",
        "De bezoekers uit Brugge waren de betere ploeg.",
    )
    .await;
    let club = found(&named, "club-brugge");
    assert_eq!(
        (&club["confidence"], &club["count"], &club["first_text"]),
        (&json!("sure"), &json!(2), &json!("Club Brugge")),
        "'Club Brugge' is the club once; the bare 'Brugge' later in the text is read as it"
    );
    assert_eq!(
        named.iter().filter(|s| s["slug"] == "club-brugge").count(),
        1,
        "one suggestion per topic"
    );
    absent(&named, "cercle-brugge");

    let bare = suggest(
        &editor,
        "",
        "",
        "Het regende in Brugge en in Gent werd de training afgelast.",
    )
    .await;
    for slug in ["club-brugge", "cercle-brugge", "kaa-gent"] {
        let s = found(&bare, slug);
        assert_eq!(
            (&s["confidence"], &s["count"]),
            (&json!("maybe"), &json!(1)),
            "a bare city suggests {slug} without a check mark: {s}"
        );
    }
    assert!(
        bare.iter().all(|s| s["confidence"] == "maybe"),
        "nothing here names a club for sure: {bare:#?}"
    );

    let cercle = suggest(
        &editor,
        "Cercle Brugge houdt stand",
        "",
        "In Brugge kijkt men tevreden terug.",
    )
    .await;
    assert_eq!(found(&cercle, "cercle-brugge")["count"], 2);
    absent(&cercle, "club-brugge");

    assert!(suggest(&editor, "", "", "").await.is_empty());
    let r = editor
        .post_json(
            "/redactie/suggesties",
            &json!({ "body": "x".repeat(200_001) }),
        )
        .await;
    assert_eq!(r.status(), 400, "a text past the limit is refused");
}

/// A multipart form as a browser sends it; `file` is (field, bytes).
async fn post_multipart(
    app: &TestApp,
    v: &Visitor,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let boundary = "----tribune-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"wapen.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    v.send(
        v.request(reqwest::Method::POST, path)
            .header("origin", &app.base)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
}

async fn an_admin_edits_a_topic_and_its_pages_follow(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let (_, admin) = app.account(Role::Admin, "Ann Admin").await;
    let csrf = admin.csrf().await;
    let gent = topic_named(&app, "KAA Gent").await;
    let page = format!("/onderwerp/{}", gent.slug);
    assert!(app.page(&page).await.contains("KAA Gent"));

    let list = admin.page("/redactie/onderwerpen").await;
    assert!(list.contains("KAA Gent") && list.contains("La Gantoise"));
    let form = admin
        .page(&format!("/redactie/onderwerpen/{}", gent.id))
        .await;
    assert!(form.contains("value=\"La Gantoise\"") && form.contains("AA Gent"));

    let path = format!("/redactie/onderwerpen/{}", gent.id);
    let r = post_multipart(
        &app,
        &admin,
        &path,
        &[
            ("csrf", &csrf),
            ("naam", "KAA Gent 1864"),
            ("naam_fr", "La Gantoise"),
            ("soort", "club"),
            ("bijnamen", "De Buffalo's\nAA Gent\n\nde Gantoise"),
            ("zwakke_bijnamen", "Gent\nArteveldestad"),
        ],
        Some((
            "wapen",
            tribune::demo::photo_png(200, 240, [0, 70, 160], [255, 255, 255]),
        )),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(
        r.headers()["location"],
        format!("/redactie/onderwerpen/{}?bewaard=1", gent.id)
    );

    let after = app.store.topic(gent.id).await.unwrap().unwrap();
    assert_eq!(after.name, "KAA Gent 1864");
    assert_eq!(after.slug, gent.slug, "renaming keeps the address");
    assert_eq!(after.name_fr.as_deref(), Some("La Gantoise"));
    assert_eq!(after.kind, TopicKind::Club);
    let mut aliases = after.aliases.clone();
    aliases.sort();
    assert_eq!(aliases, ["AA Gent", "De Buffalo's", "de Gantoise"]);
    let mut weak = after.weak_aliases.clone();
    weak.sort();
    assert_eq!(weak, ["Arteveldestad", "Gent"]);
    let crest = after.crest.clone().expect("the uploaded crest is kept");
    assert_eq!(
        app.get(&format!("/media/{crest}")).await.status(),
        200,
        "the crest is served"
    );
    assert!(
        app.page(&page).await.contains("KAA Gent 1864"),
        "the public topic page shows the new name at once"
    );
    let saved = admin.page(&format!("{path}?bewaard=1")).await;
    assert!(saved.contains("Bewaard."));

    // Suggestions follow at once: the new weak alias is a "maybe".
    let found_list = suggest(&admin, "", "", "Feest in de Arteveldestad").await;
    assert_eq!(found(&found_list, &gent.slug)["confidence"], "maybe");

    // Another topic's alias is refused, in Dutch, and nothing changes.
    let r = admin
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("naam", "KAA Gent"),
                ("naam_fr", ""),
                ("soort", "competition"),
                ("bijnamen", "De Buffalo's\nblauw-zwart"),
                ("zwakke_bijnamen", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("blauw-zwart") && body.contains("is al een naam of bijnaam van Club Brugge"),
        "{body}"
    );
    assert!(
        body.contains("value=\"KAA Gent\""),
        "the form comes back as sent"
    );
    assert_eq!(
        app.store.topic(gent.id).await.unwrap().unwrap(),
        after,
        "a refused edit changes nothing"
    );

    // A weak alias may be shared; taking the crest away keeps the rest.
    let r = admin
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("naam", "KAA Gent"),
                ("naam_fr", "La Gantoise"),
                ("soort", "club"),
                ("bijnamen", "De Buffalo's"),
                ("zwakke_bijnamen", "Gent\nBrugge"),
                ("wapen_weg", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let last = app.store.topic(gent.id).await.unwrap().unwrap();
    assert_eq!(
        (
            last.name.as_str(),
            last.crest.as_deref(),
            last.slug.as_str()
        ),
        ("KAA Gent", None, gent.slug.as_str())
    );

    // Not a photo: refused with the photo desk's words, nothing changes.
    let r = post_multipart(
        &app,
        &admin,
        &path,
        &[("csrf", &csrf), ("naam", "KAA Gent"), ("soort", "club")],
        Some(("wapen", b"<html><script>alert(1)</script></html>".to_vec())),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("geen JPEG-, PNG- of WebP-foto")
    );
    assert_eq!(app.store.topic(gent.id).await.unwrap().unwrap(), last);

    // A new topic; a name that is taken is refused.
    let r = admin
        .post_form(
            "/redactie/onderwerpen/nieuw",
            &[
                ("csrf", &csrf),
                ("naam", "Zulte Waregem"),
                ("naam_fr", ""),
                ("soort", "club"),
                ("bijnamen", "Essevee"),
                ("zwakke_bijnamen", "Waregem"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let essevee = app.store.find_topic("Essevee").await.unwrap().unwrap();
    assert_eq!(
        (essevee.name.as_str(), essevee.slug.as_str()),
        ("Zulte Waregem", "zulte-waregem")
    );
    assert_eq!(essevee.weak_aliases, ["Waregem"]);
    assert!(
        app.store.find_topic("Waregem").await.unwrap().is_none(),
        "a weak alias never identifies a topic on its own"
    );
    assert!(app.page("/onderwerpen").await.contains("Zulte Waregem"));
    let again = admin
        .post_form(
            "/redactie/onderwerpen/nieuw",
            &[
                ("csrf", &csrf),
                ("naam", "zulte waregem"),
                ("soort", "club"),
            ],
        )
        .await;
    assert_eq!(again.status(), 409);
    let bad_token = admin
        .post_form(
            "/redactie/onderwerpen/nieuw",
            &[("csrf", "vals"), ("naam", "Lierse"), ("soort", "club")],
        )
        .await;
    assert_eq!(bad_token.status(), 403);
    assert!(app.store.find_topic("Lierse").await.unwrap().is_none());
}

async fn a_topic_edit_reaches_another_node(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let other = app.second_node().await;
    let (_, admin) = app.account(Role::Admin, "Ann Admin").await;
    let csrf = admin.csrf().await;
    let club = topic_named(&app, "Club Brugge").await;
    let articles = app
        .store
        .articles(
            &tribune_core::store::ArticleQuery {
                topic: Some(club.id),
                limit: 1,
                ..Default::default()
            },
            app.now(),
        )
        .await
        .unwrap();
    let article = tribune_core::article::article_path(articles[0].id, &articles[0].slug);
    assert!(other.page(&article).await.contains("Club Brugge"));
    // The other node's follower reads the change log from here on.
    other.sync().await;

    let r = admin
        .post_form(
            &format!("/redactie/onderwerpen/{}", club.id),
            &[
                ("csrf", &csrf),
                ("naam", "Club Brugge KV"),
                ("naam_fr", "Club Bruges"),
                ("soort", "club"),
                ("bijnamen", "blauw-zwart"),
                ("zwakke_bijnamen", "Brugge"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        other.sync().await > 0,
        "the edit is in the change log, for the topic's articles"
    );
    assert!(
        other.page(&article).await.contains("Club Brugge KV"),
        "the other node's article page shows the topic's new name"
    );
}

async fn an_admin_changes_roles_but_never_the_last_admin(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (boss, admin) = app.account(Role::Admin, "Ann Admin").await;
    let (reader, _) = app.account(Role::Reader, "Rik Lezer").await;
    let (editor_account, editor) = app.account(Role::Editor, "Els Eindredactie").await;
    let csrf = admin.csrf().await;

    let users = admin.page("/redactie/gebruikers?q=rik").await;
    assert!(users.contains("Rik Lezer") && !users.contains("Els Eindredactie"));
    let by_mail = admin
        .page(&format!(
            "/redactie/gebruikers?q={}",
            &editor_account.email[..6]
        ))
        .await;
    assert!(by_mail.contains("Els Eindredactie"));
    let editors = admin.page("/redactie/gebruikers?rol=editor").await;
    assert!(editors.contains("Els Eindredactie") && !editors.contains("Rik Lezer"));
    assert_eq!(
        admin.get("/redactie/gebruikers?rol=baas").await.status(),
        400
    );

    let r = admin
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", reader.id),
            &[
                ("csrf", &csrf),
                ("rol", "journalist"),
                ("q", "rik"),
                ("filter", ""),
                ("pagina", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/redactie/gebruikers?q=rik&bewaard={}", reader.id)
    );
    assert_eq!(
        app.store.account(reader.id).await.unwrap().unwrap().role,
        Role::Journalist
    );
    assert!(
        admin
            .page(&format!("/redactie/gebruikers?q=rik&bewaard={}", reader.id))
            .await
            .contains("Rik Lezer is nu redacteur.")
    );

    // An editor may not.
    let editor_csrf = editor.csrf().await;
    let r = editor
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", reader.id),
            &[("csrf", &editor_csrf), ("rol", "admin")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.store.account(reader.id).await.unwrap().unwrap().role,
        Role::Journalist
    );

    // The only admin cannot give up the role.
    let r = admin
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", boss.id),
            &[("csrf", &csrf), ("rol", "editor")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("laatste beheerder"));
    assert_eq!(
        app.store.account(boss.id).await.unwrap().unwrap().role,
        Role::Admin
    );

    // With a second admin, one may step down; then the other is the last.
    let r = admin
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", editor_account.id),
            &[("csrf", &csrf), ("rol", "admin")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", boss.id),
            &[("csrf", &csrf), ("rol", "editor")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        admin.get("/redactie/gebruikers").await.status(),
        403,
        "no longer an admin"
    );
    let r = editor
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", editor_account.id),
            &[("csrf", &editor_csrf), ("rol", "reader")],
        )
        .await;
    assert_eq!(r.status(), 409, "now the last admin");

    for bad in ["baas", ""] {
        let r = editor
            .post_form(
                &format!("/redactie/gebruikers/{}/rol", reader.id),
                &[("csrf", &editor_csrf), ("rol", bad)],
            )
            .await;
        assert_eq!(r.status(), 400, "role {bad:?}");
    }
    let r = editor
        .post_form(
            &format!("/redactie/gebruikers/{}/rol", reader.id),
            &[("csrf", "vals"), ("rol", "reader")],
        )
        .await;
    assert_eq!(r.status(), 403, "a form with another session's token");
    assert_eq!(
        app.store.account(reader.id).await.unwrap().unwrap().role,
        Role::Journalist
    );
    let r = editor
        .post_form(
            "/redactie/gebruikers/999999/rol",
            &[("csrf", &editor_csrf), ("rol", "reader")],
        )
        .await;
    assert_eq!(r.status(), 404);
}

async fn the_back_office_routes_enforce_their_roles(backend: Backend) {
    let app = TestApp::start(backend).await;
    let topic = app
        .topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    let (target, _) = app.account(Role::Reader, "Doel Lezer").await;
    let topic_path = format!("/redactie/onderwerpen/{}", topic.id);
    let role_path = format!("/redactie/gebruikers/{}/rol", target.id);
    let admin_pages = [
        "/redactie/onderwerpen",
        "/redactie/onderwerpen/nieuw",
        topic_path.as_str(),
        "/redactie/gebruikers",
    ];
    let admin_forms: [(&str, &[(&str, &str)]); 3] = [
        (
            "/redactie/onderwerpen/nieuw",
            &[("naam", "Lierse"), ("soort", "club")],
        ),
        (
            topic_path.as_str(),
            &[("naam", "Gekaapt"), ("soort", "club")],
        ),
        (role_path.as_str(), &[("rol", "admin")]),
    ];
    for role in [
        Role::Reader,
        Role::Moderator,
        Role::Journalist,
        Role::Editor,
    ] {
        let (_, v) = app
            .account(role, &format!("Iemand {}", role.as_str()))
            .await;
        let csrf = v.csrf().await;
        for path in admin_pages {
            assert_eq!(v.get(path).await.status(), 403, "GET {path} as {role:?}");
        }
        for (path, fields) in admin_forms {
            let mut fields = fields.to_vec();
            fields.push(("csrf", csrf.as_str()));
            assert_eq!(
                v.post_form(path, &fields).await.status(),
                403,
                "POST {path} as {role:?}"
            );
        }
        let suggestions = v
            .post_json("/redactie/suggesties", &json!({ "title": "Club Brugge" }))
            .await
            .status();
        let expected = if role.can_write() { 200 } else { 403 };
        assert_eq!(suggestions, expected, "suggestions as {role:?}");
    }
    assert_eq!(app.store.topic(topic.id).await.unwrap().unwrap(), topic);
    assert!(app.store.find_topic("Lierse").await.unwrap().is_none());
    assert_eq!(
        app.store.account(target.id).await.unwrap().unwrap().role,
        Role::Reader
    );

    let anonymous = app.visitor();
    let r = anonymous
        .post_json("/redactie/suggesties", &json!({ "title": "Club Brugge" }))
        .await;
    assert_eq!(r.status(), 401);
    let r = anonymous.get("/redactie/onderwerpen").await;
    assert_eq!(r.status(), 303, "sent to log in");

    let (_, admin) = app.account(Role::Admin, "Ann Admin").await;
    for path in admin_pages {
        let r = admin.get(path).await;
        assert_eq!(r.status(), 200, "GET {path} as admin");
        assert_eq!(r.headers()["cache-control"], "private, no-store");
    }
    assert_eq!(
        admin.get("/redactie/onderwerpen/999999").await.status(),
        404
    );
    assert_eq!(admin.get("/redactie/onderwerpen/abc").await.status(), 404);
}

on_both_backends!(
    journalist_finds_the_nicknames_in_running_text,
    club_brugge_counts_once_and_bare_cities_are_only_maybe,
    an_admin_edits_a_topic_and_its_pages_follow,
    a_topic_edit_reaches_another_node,
    an_admin_changes_roles_but_never_the_last_admin,
    the_back_office_routes_enforce_their_roles,
);
