//! Comments under a match: they live on the match's live article, which the live console
//! writes (or links) and an editor publishes. The match page shows that article's comment
//! section, a posted comment comes back to the match page, and bad links change nothing.
//! Over real HTTP, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tribune_core::account::Role;
use tribune_core::moderation::Rules;
use tribune_testkit::{Backend, TestApp, on_both_backends};

/// The article the match's comments live on, as the store has it now.
async fn linked(app: &TestApp, m: &tribune_core::football::Match) -> Option<i64> {
    app.store
        .match_by_id(m.id)
        .await
        .unwrap()
        .unwrap()
        .article_id
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn readers_comment_under_a_match_on_its_live_article(backend: Backend) {
    // Readers are trusted from their first comment: no moderator in this story.
    let app = TestApp::start_configured(backend, |c| {
        c.rules = Rules {
            premoderate_until: 0,
            ..Rules::default()
        }
    })
    .await;
    tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    let m = app.upcoming_match().await;
    assert_eq!(m.article_id, None);
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let (_, reader) = app.account(Role::Reader, "Trouwe Supporter").await;

    // Without a live article the page says when comments open; no form.
    let html = app.page(&m.path()).await;
    assert!(
        html.contains("zodra de redactie het live-artikel"),
        "{html}"
    );
    assert!(!html.contains("id=\"reageren\""), "{html}");

    // The console writes the live article: a draft tagged with both clubs, linked at once.
    let console = format!("/redactie/wedstrijden/{}", m.id);
    let r = editor
        .post_signed(&format!("{console}/artikel"), &[("actie", "nieuw")])
        .await;
    assert_eq!(r.status(), 303);
    let editor_url = location(&r);
    let article_id: i64 = editor_url
        .strip_prefix("/redactie/artikels/")
        .expect("on to the article editor")
        .parse()
        .unwrap();
    let linked = app.store.match_by_id(m.id).await.unwrap().unwrap();
    assert_eq!(linked.article_id, Some(article_id));
    let draft = app
        .store
        .desk_article(article_id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.draft.title, format!("Live: {}", m.title()));
    let mut clubs: Vec<i64> = [m.home.topic_id, m.away.topic_id]
        .into_iter()
        .flatten()
        .collect();
    clubs.sort_unstable();
    let mut tagged = draft.draft.topics.clone();
    tagged.sort_unstable();
    assert_eq!(tagged, clubs, "tagged with both clubs");
    let console_page = editor.page(&console).await;
    assert!(
        console_page.contains(&format!("href=\"{editor_url}\"")),
        "{console_page}"
    );
    assert!(console_page.contains("(Concept)"), "{console_page}");
    // A second live article for the same match is refused.
    let r = editor
        .post_signed(&format!("{console}/artikel"), &[("actie", "nieuw")])
        .await;
    assert_eq!(r.status(), 400);

    // A draft carries no comments yet: the match page still has no form.
    assert!(!app.page(&m.path()).await.contains("id=\"reageren\""));
    let r = editor
        .post_json(
            &format!("/api/v1/desk/articles/{article_id}/publish"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = app.page(&m.path()).await;
    assert!(
        html.contains(&format!("data-article=\"{article_id}\"")),
        "the live article's comment section: {html}"
    );
    assert!(
        html.contains(&format!(
            "<input type=\"hidden\" name=\"terug\" value=\"{}\">",
            m.path()
        )),
        "{html}"
    );
    let news = &html[html.find("Nieuws over deze clubs").unwrap_or(0)..];
    assert!(
        !news.contains(&format!("/nieuws/{article_id}-")),
        "the live article is not listed as other news"
    );

    // A reader posts with the plain form and comes back to the match page, on the comment.
    let r = reader
        .post_signed(
            "/reacties/nieuw",
            &[
                ("artikel", &article_id.to_string()),
                ("tekst", "Morgen winnen we hier, ik voel het."),
                ("terug", &m.path()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let back = location(&r);
    let (path, fragment) = back.split_once('#').unwrap();
    assert!(
        path.starts_with(&format!("{}?reactie=", m.path())),
        "{back}"
    );
    let comment_id = fragment.strip_prefix("reactie-").unwrap();
    let html = reader.page(path).await;
    assert!(html.contains(&format!("id=\"reactie-{comment_id}\"")));
    // The cached page for everyone has it too, and its count; so has the live article.
    let html = app.page(&m.path()).await;
    assert!(html.contains("Morgen winnen we hier"), "{html}");
    assert!(html.contains("Reacties <span class=\"count\" data-count>1</span>"));
    let article_path = app
        .store
        .article(article_id, app.now())
        .await
        .unwrap()
        .unwrap()
        .path();
    assert!(
        app.page(&article_path)
            .await
            .contains("Morgen winnen we hier")
    );

    // A `terug` that is not a match page is ignored: back to the article.
    for hostile in [
        "https://elders.example/",
        "//elders.example",
        "/wedstrijden/../account",
    ] {
        let r = reader
            .post_signed(
                "/reacties/nieuw",
                &[
                    ("artikel", &article_id.to_string()),
                    ("tekst", &format!("Nog een reactie, via {hostile}")),
                    ("terug", hostile),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{hostile}");
        assert!(
            location(&r).starts_with(&format!("/nieuws/{article_id}?reactie=")),
            "{hostile}: {}",
            location(&r)
        );
    }
}

async fn bad_links_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = app.upcoming_match().await;
    let live = app.store.live_matches().await.unwrap().remove(0);
    let demo_article = live
        .article_id
        .expect("the demo's live match has its live article");
    let (_, editor) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let (_, reporter) = app.account(Role::Journalist, "Verslag Gever").await;
    let (_, reader) = app.account(Role::Reader, "Trouwe Supporter").await;
    let link = format!("/redactie/wedstrijden/{}/artikel", m.id);

    for (field, why) in [
        ("99999999", "an article that does not exist"),
        ("geen nummer", "not an article"),
        (&*demo_article.to_string(), "the comments of another match"),
        ("", "nothing"),
    ] {
        let r = editor
            .post_signed(&link, &[("actie", "koppelen"), ("artikel", field)])
            .await;
        assert_eq!(r.status(), 400, "{why}");
    }
    let r = editor.post_signed(&link, &[("actie", "weggooien")]).await;
    assert_eq!(r.status(), 400);
    let r = reader.post_signed(&link, &[("actie", "nieuw")]).await;
    assert_eq!(r.status(), 403, "readers do not run the console");
    assert_eq!(linked(&app, &m).await, None, "nothing was linked");

    // An existing article by its address; unlinking hands it back.
    let own = app
        .save(&tribune_testkit::article("Voorbeschouwing op morgen", 0))
        .await;
    let address = app
        .store
        .article(own.id, app.now())
        .await
        .unwrap()
        .unwrap()
        .path();
    let r = reporter
        .post_signed(
            &link,
            &[
                ("actie", "koppelen"),
                ("artikel", &format!("http://site.example{address}")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(linked(&app, &m).await, Some(own.id));
    assert!(
        app.page(&m.path())
            .await
            .contains(&format!("data-article=\"{}\"", own.id))
    );
    let r = reporter
        .post_signed(&link, &[("actie", "loskoppelen")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(!app.page(&m.path()).await.contains("id=\"reageren\""));

    // The same over the JSON API: article_id is required, null unlinks.
    let api = format!("/api/v1/desk/matches/{}/article", m.id);
    let r = editor.put_json(&api, &json!({"article_id": own.id})).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["article_id"], own.id);
    for bad in [
        json!({}),
        json!({"article_id": "twaalf"}),
        json!({"article_id": 99999999}),
        json!({"article_id": demo_article}),
    ] {
        let r = editor.put_json(&api, &bad).await;
        assert_eq!(r.status(), 400, "{bad}");
    }
    assert_eq!(
        reader
            .put_json(&api, &json!({"article_id": null}))
            .await
            .status(),
        403
    );
    assert_eq!(
        linked(&app, &m).await,
        Some(own.id),
        "refused calls changed nothing"
    );
    let r = editor.put_json(&api, &json!({"article_id": null})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(linked(&app, &m).await, None);
    let r = editor
        .put_json(
            "/api/v1/desk/matches/99999999/article",
            &json!({"article_id": null}),
        )
        .await;
    assert_eq!(r.status(), 404);
}

on_both_backends!(
    readers_comment_under_a_match_on_its_live_article,
    bad_links_are_refused_and_change_nothing,
);
