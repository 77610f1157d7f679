//! The JSON API and its OpenAPI document, held together.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tribune_core::account::Role;
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, article, on_both_backends};

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn cursor_paging_visits_every_article_once_newest_first(backend: Backend) {
    let app = TestApp::start(backend).await;
    let batch: Vec<_> = (0..45)
        .map(|i| article(&format!("Stuk {i}"), i * 3))
        .collect();
    app.store.save_articles(&batch, app.now()).await.unwrap();
    let mut seen = Vec::new();
    let mut path = "/api/v1/articles?limit=20".to_string();
    loop {
        let (status, body) = json(&app, &path).await;
        assert_eq!(status, 200);
        for a in body["articles"].as_array().unwrap() {
            seen.push(a["title"].as_str().unwrap().to_string());
        }
        match body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/articles?limit=20&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<_> = (0..45).map(|i| format!("Stuk {i}")).collect();
    assert_eq!(seen, expected);
}

async fn articles_filter_by_topic_and_one_article_has_its_details(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app
        .topic("KAA Gent", TopicKind::Club, &["De Buffalo's"])
        .await;
    let mut a = article("Gent wint", 5);
    a.topics = vec![club.id];
    let id = app.save(&a).await.id;
    app.save(&article("Iets anders", 6)).await;

    let (_, list) = json(&app, "/api/v1/articles?topic=kaa-gent").await;
    let titles: Vec<_> = list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Gent wint"]);

    let (status, one) = json(&app, &format!("/api/v1/articles/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["url"], format!("/nieuws/{id}-gent-wint"));
    assert_eq!(one["author"]["name"], "Sofie Vermeulen");
    assert_eq!(one["topics"][0]["slug"], "kaa-gent");
    assert_eq!(one["published_at"], "2026-11-22T14:55:00+01:00");
    assert!(
        one["body_html"]
            .as_str()
            .unwrap()
            .contains("<h2>DE ANALYSE</h2>")
    );

    let (_, topics) = json(&app, "/api/v1/topics").await;
    assert_eq!(topics["topics"][0]["aliases"][0], "De Buffalo's");
}

async fn bad_requests_get_problem_json_that_says_what_to_fix(backend: Backend) {
    let app = TestApp::start(backend).await;
    for (path, status) in [
        ("/api/v1/articles?limit=0", 400),
        ("/api/v1/articles?limit=101", 400),
        ("/api/v1/articles?limit=veel", 400),
        ("/api/v1/articles?cursor=garbage", 400),
        ("/api/v1/articles?cursor=1.-5", 400),
        ("/api/v1/articles?topic=bestaat-niet", 404),
        ("/api/v1/articles/999999", 404),
        ("/api/v1/articles/abc", 404),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], status, "{path}");
        assert!(!body["detail"].as_str().unwrap().is_empty(), "{path}");
    }
}

/// Every path in the OpenAPI document answers, and every answer has the fields its schema
/// requires: the document matches what the routes do.
async fn the_openapi_document_matches_the_routes(backend: Backend) {
    // Readers are trusted at once here, so the comment below is public.
    let app = TestApp::start_configured(backend, |c| c.rules.premoderate_until = 0).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let mut a = article("Club wint", 5);
    a.topics = vec![club.id];
    a.photo = Some(tribune_testkit::photo("x.png", "photonews"));
    let id = app.save(&a).await.id;

    let (_, visitor) = app.account(Role::Reader, "Lezer").await;
    let posted: Value = visitor
        .post_json(
            &format!("/api/v1/articles/{id}/comments"),
            &serde_json::json!({ "body": "Mooi" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let comment = posted["comment"]["id"].as_i64().unwrap();
    let poll = app
        .store
        .create_poll(
            &tribune_core::poll::NewPoll {
                article_id: id,
                question: "Wint Club?".into(),
                options: vec!["Ja".into(), "Nee".into()],
                closes_at: None,
            },
            app.now(),
        )
        .await
        .unwrap();

    let (status, doc) = json(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<_> = paths.keys().cloned().collect();
    documented.sort();
    let mut routes = vec![
        "/api/v1/accounts",
        "/api/v1/articles",
        "/api/v1/articles/{id}",
        "/api/v1/articles/{id}/comments",
        "/api/v1/articles/{id}/comments/mine",
        "/api/v1/articles/{id}/poll",
        "/api/v1/comments/{id}",
        "/api/v1/comments/{id}/reports",
        "/api/v1/comments/{id}/revisions",
        "/api/v1/comments/{id}/vote",
        "/api/v1/desk/articles",
        "/api/v1/desk/articles/{id}",
        "/api/v1/desk/articles/{id}/publish",
        "/api/v1/desk/articles/{id}/revisions",
        "/api/v1/desk/articles/{id}/revisions/{n}/restore",
        "/api/v1/desk/articles/{id}/submit",
        "/api/v1/desk/articles/{id}/withdraw",
        "/api/v1/desk/matches/{id}/article",
        "/api/v1/desk/matches/{id}/entries",
        "/api/v1/desk/matches/{id}/events",
        "/api/v1/desk/matches/{id}/status",
        "/api/v1/matches",
        "/api/v1/matches/{id}",
        "/api/v1/me",
        "/api/v1/me/export",
        "/api/v1/me/password",
        "/api/v1/moderation/accounts/{id}",
        "/api/v1/moderation/comments/{id}",
        "/api/v1/moderation/log",
        "/api/v1/moderation/queues/{queue}",
        "/api/v1/openapi.json",
        "/api/v1/password-resets",
        "/api/v1/photos",
        "/api/v1/polls/{id}",
        "/api/v1/polls/{id}/votes",
        "/api/v1/search",
        "/api/v1/session",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/topics",
        // The Digital Services Act part (routes/law.rs).
        "/api/v1/me/decisions",
        "/api/v1/me/decisions/{id}/contest",
        "/api/v1/notices",
        "/api/v1/transparency",
        "/api/v1/moderation/contests",
        "/api/v1/moderation/contests/{id}",
        "/api/v1/moderation/notices",
        "/api/v1/moderation/notices/{id}",
    ];
    routes.sort();
    assert_eq!(
        documented, routes,
        "every API route is documented, and nothing else"
    );
    let schemas = &doc["components"]["schemas"];
    let resolve = |v: &Value| -> Value {
        match v["$ref"].as_str() {
            Some(r) => schemas[r.trim_start_matches("#/components/schemas/")].clone(),
            None => v.clone(),
        }
    };
    // What anyone may read answers as documented.
    let public = [
        ("/api/v1/articles", "/api/v1/articles".to_string()),
        ("/api/v1/articles/{id}", format!("/api/v1/articles/{id}")),
        ("/api/v1/topics", "/api/v1/topics".to_string()),
        ("/api/v1/openapi.json", "/api/v1/openapi.json".to_string()),
        (
            "/api/v1/articles/{id}/comments",
            format!("/api/v1/articles/{id}/comments"),
        ),
        (
            "/api/v1/comments/{id}",
            format!("/api/v1/comments/{comment}"),
        ),
        ("/api/v1/polls/{id}", format!("/api/v1/polls/{}", poll.id)),
        ("/api/v1/search", "/api/v1/search?q=club".to_string()),
    ];
    for (path, concrete) in public {
        let (status, body) = json(&app, &concrete).await;
        assert_eq!(status, 200, "{path}");
        let schema = resolve(
            &paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        );
        check(&body, &schema, &resolve, path);
    }
    // The documented query parameters are the ones the route reads.
    let params: Vec<_> = paths["/api/v1/articles"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["topic", "limit", "cursor"]);
    let (status, _) = json(&app, "/api/v1/articles?topic=club-brugge&limit=100").await;
    assert_eq!(status, 200);
}

/// Required fields present, recursively through objects and arrays.
fn check(value: &Value, schema: &Value, resolve: &dyn Fn(&Value) -> Value, at: &str) {
    let schema = resolve(schema);
    if let Some(required) = schema["required"].as_array() {
        for field in required {
            let name = field.as_str().unwrap();
            let v = value
                .get(name)
                .unwrap_or_else(|| panic!("{at}: missing required field {name}"));
            let sub = &schema["properties"][name];
            if !v.is_null() {
                check(v, sub, resolve, &format!("{at}.{name}"));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        assert!(schema["type"] == "array", "{at}: schema is not an array");
        for (i, v) in array.iter().enumerate() {
            check(v, items, resolve, &format!("{at}[{i}]"));
        }
    }
    if let Some(options) = schema["oneOf"].as_array()
        && !value.is_null()
    {
        check(value, &options[0], resolve, at);
    }
}

on_both_backends!(
    cursor_paging_visits_every_article_once_newest_first,
    articles_filter_by_topic_and_one_article_has_its_details,
    bad_requests_get_problem_json_that_says_what_to_fix,
    the_openapi_document_matches_the_routes,
);
