//! Personal API tokens: a journalist makes one in the back office, sees it once, and a
//! script publishes with it (no cookies, no Origin) until it is revoked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tribune_core::account::{AccountId, Role};
use tribune_core::comment::AccountAction;
use tribune_core::copy::{COMMUNITY, Cell};
use tribune_testkit::{Backend, TestApp, Visitor, on_both_backends};
use tribune_web::auth::sha256_hex;

/// A script: a plain HTTP client that keeps no cookies and says nothing about where it
/// comes from, sending `token` as a bearer token.
async fn script(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::Response {
    app.http
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn script_json(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let r = script(app, Method::GET, path, token).await;
    let status = r.status();
    (status, r.json().await.unwrap())
}

/// The one `trb_` + 64 hex token on a page, if there is one.
fn secret_on(page: &str) -> Option<String> {
    let mut found = page.match_indices("trb_").filter_map(|(at, _)| {
        let candidate = page.get(at..at + 68)?;
        candidate[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            .then(|| candidate.to_string())
    });
    let first = found.next();
    assert!(
        found.all(|other| Some(&other) == first.as_ref()),
        "one secret on the page"
    );
    first
}

/// Makes a token in the back office as a person would; returns the secret shown.
async fn make_token(browser: &Visitor, name: &str) -> String {
    let csrf = browser.csrf().await;
    let r = browser
        .post_form("/redactie/tokens", &[("naam", name), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 201, "making a token answers with it");
    let cache = r.headers()["cache-control"].to_str().unwrap().to_string();
    assert!(
        cache.contains("no-store"),
        "the secret is never stored: {cache}"
    );
    let page = r.text().await.unwrap();
    secret_on(&page).expect("the new token is shown on the answer")
}

/// The token the account made last, by the store.
async fn newest_token_id(app: &TestApp, account: AccountId) -> i64 {
    app.store.api_tokens(account).await.unwrap()[0].id
}

fn assert_refused_token(r: &reqwest::Response, what: &str) {
    assert_eq!(r.status(), 401, "{what}");
    let challenge = r
        .headers()
        .get("www-authenticate")
        .unwrap_or_else(|| panic!("{what}: a 401 names its scheme"))
        .to_str()
        .unwrap();
    assert!(
        challenge.starts_with("Bearer") && challenge.contains("invalid_token"),
        "{what}: {challenge}"
    );
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "{what}"
    );
    assert!(
        r.headers().get("location").is_none(),
        "{what}: no login page"
    );
}

async fn a_journalist_makes_a_token_sees_it_once_and_a_script_uses_it_until_revoked(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let (jana, browser) = app.account(Role::Journalist, "Jana Janssens").await;

    let empty = browser.page("/redactie/tokens").await;
    assert!(empty.contains("Je hebt nog geen API-sleutels"), "{empty}");

    let secret = make_token(&browser, "Liveblog-script").await;
    assert!(secret.starts_with("trb_") && secret.len() == 68, "{secret}");

    // Listed by name from now on, and the secret is never shown again.
    let list = browser.get("/redactie/tokens").await;
    assert_eq!(list.status(), 200);
    assert!(
        list.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let list = list.text().await.unwrap();
    assert!(
        list.contains("Liveblog-script") && list.contains("nog nooit"),
        "{list}"
    );
    assert!(!list.contains(&secret), "the secret is shown once only");
    assert_eq!(secret_on(&list), None);

    // The database holds its hash, not the token.
    let table = COMMUNITY.iter().find(|t| t.name == "api_tokens").unwrap();
    let rows = app.store.export_rows(table, 0, 100).await.unwrap();
    assert_eq!(rows.len(), 1);
    let hash_at = table
        .columns
        .iter()
        .position(|c| c.name == "token_hash")
        .unwrap();
    assert_eq!(rows[0][hash_at], Cell::Text(sha256_hex(&secret)));
    assert!(
        !rows[0]
            .iter()
            .any(|c| matches!(c, Cell::Text(t) if t.contains(&secret[4..]))),
        "no part of the secret is stored: {:?}",
        rows[0]
    );

    // A script without cookies is Jana, with her role.
    let (status, me) = script_json(&app, "/api/v1/me", &secret).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["account"]["id"], jana.id, "{me}");
    assert_eq!(me["account"]["role"], "journalist", "{me}");
    assert_eq!(me["csrf"], "", "a token has no form token: {me}");

    let (status, tokens) = script_json(&app, "/api/v1/tokens", &secret).await;
    assert_eq!(status, 200, "{tokens}");
    let listed = tokens["tokens"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{tokens}");
    assert_eq!(listed[0]["name"], "Liveblog-script");
    assert!(listed[0]["revoked_at"].is_null());
    assert!(listed[0].get("secret").is_none(), "{tokens}");
    assert!(!tokens.to_string().contains(&secret[4..]));
    // Its use is stamped (at most once a minute).
    let used = app.store.api_tokens(jana.id).await.unwrap()[0].last_used_at;
    assert_eq!(used, Some(app.now()));
    app.clock.advance(Duration::seconds(30));
    script_json(&app, "/api/v1/me", &secret).await;
    let again = app.store.api_tokens(jana.id).await.unwrap()[0].last_used_at;
    assert_eq!(again, used, "within the minute the stamp stays");
    app.clock.advance(Duration::seconds(31));
    script_json(&app, "/api/v1/me", &secret).await;
    let later = app.store.api_tokens(jana.id).await.unwrap()[0].last_used_at;
    assert_eq!(later, Some(app.now()), "after a minute it moves on");
    assert!(!browser.page("/redactie/tokens").await.contains("nog nooit"));

    // A token cannot make tokens.
    let r = app
        .http
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({ "name": "Nog een" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.store.api_tokens(jana.id).await.unwrap().len(), 1);

    // Revoked in the back office, it answers 401 from then on.
    let id = newest_token_id(&app, jana.id).await;
    let csrf = browser.csrf().await;
    let r = browser
        .post_form(
            &format!("/redactie/tokens/{id}/intrekken"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/redactie/tokens");
    let r = script(&app, Method::GET, "/api/v1/me", &secret).await;
    assert_refused_token(&r, "a revoked token");
    let list = browser.page("/redactie/tokens").await;
    assert!(
        list.contains("Liveblog-script") && list.contains("ingetrokken op"),
        "revoked tokens stay listed as revoked: {list}"
    );
    assert!(!list.contains(&format!("/redactie/tokens/{id}/intrekken")));
}

async fn a_bad_token_is_refused_with_a_bearer_challenge_never_the_login_page_or_the_cookie(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let (_, browser) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let secret = make_token(&browser, "Echte sleutel").await;
    let wrong = format!("trb_{}", "ab".repeat(32));
    assert_ne!(wrong, secret);

    for (token, what) in [
        (wrong.as_str(), "an unknown token"),
        ("trb_kort", "a malformed token"),
        ("0123456789abcdef0123456789abcdef", "a session id as token"),
    ] {
        let r = script(&app, Method::GET, "/api/v1/me", token).await;
        assert_refused_token(&r, what);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], 401);
        assert!(!body["detail"].as_str().unwrap().is_empty());
        // Back-office pages answer a script the same way, not with the login page.
        let r = script(&app, Method::GET, "/redactie/tokens", token).await;
        assert_refused_token(&r, what);
    }

    // A logged-in browser that sends a wrong token is not let in on its cookie.
    let r = browser
        .send(
            browser
                .request(Method::GET, "/api/v1/me")
                .bearer_auth(&wrong),
        )
        .await;
    assert_refused_token(&r, "a wrong token beside a good cookie");
    let r = browser
        .send(
            browser
                .request(Method::GET, "/redactie/tokens")
                .bearer_auth(&wrong),
        )
        .await;
    assert_refused_token(&r, "a wrong token beside a good cookie, on a page");
    // Someone else's scheme (a proxy's Basic login in front of the site) changes nothing.
    let r = browser
        .send(
            browser
                .request(Method::GET, "/api/v1/me")
                .basic_auth("redactie", Some("geheim")),
        )
        .await;
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["account"]["display_name"], "Eddy Eindredacteur");

    // Without any credential, an API route still answers 401 with a challenge.
    let r = app.get("/api/v1/tokens").await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    // The good token still works after all that.
    let (status, _) = script_json(&app, "/api/v1/me", &secret).await;
    assert_eq!(status, 200);
}

async fn only_writers_have_tokens_and_only_their_own(backend: Backend) {
    let app = TestApp::start(backend).await;
    for role in [Role::Reader, Role::Moderator] {
        let (account, browser) = app.account(role, "Geen Schrijver").await;
        assert_eq!(
            browser.get("/redactie/tokens").await.status(),
            403,
            "{role:?}"
        );
        let csrf = browser.csrf().await;
        let r = browser
            .post_form("/redactie/tokens", &[("naam", "Stiekem"), ("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), 403, "{role:?}");
        let r = browser
            .post_json("/api/v1/tokens", &serde_json::json!({ "name": "Stiekem" }))
            .await;
        assert_eq!(r.status(), 403, "{role:?}");
        assert_eq!(app.store.api_tokens(account.id).await.unwrap(), vec![]);
    }
    // Without a login, the page asks to log in.
    let r = app.get("/redactie/tokens").await;
    assert_eq!(r.status(), 303);

    let (anna, annas_browser) = app.account(Role::Journalist, "Anna Auteur").await;
    let (_, bens_browser) = app.account(Role::Journalist, "Ben Bericht").await;
    // Over JSON with the session, the answer holds the secret, once.
    let r = annas_browser
        .post_json(
            "/api/v1/tokens",
            &serde_json::json!({ "name": "App op mijn gsm" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_string();
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["name"], "App op mijn gsm");

    // Ben cannot revoke Anna's token, neither on the page nor over the API.
    let csrf = bens_browser.csrf().await;
    let r = bens_browser
        .post_form(
            &format!("/redactie/tokens/{id}/intrekken"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = bens_browser.delete(&format!("/api/v1/tokens/{id}")).await;
    assert_eq!(r.status(), 404);
    let (status, _) = script_json(&app, "/api/v1/me", &secret).await;
    assert_eq!(status, 200, "Anna's token still works");
    assert!(
        !bens_browser
            .page("/redactie/tokens")
            .await
            .contains("App op mijn gsm")
    );

    // The form needs the session's own form token: empty or wrong makes nothing.
    for csrf in ["", "0123456789abcdef0123456789abcdef"] {
        let r = annas_browser
            .post_form("/redactie/tokens", &[("naam", "Zonder"), ("csrf", csrf)])
            .await;
        assert_eq!(r.status(), 403, "csrf {csrf:?}");
        let r = annas_browser
            .post_form(
                &format!("/redactie/tokens/{id}/intrekken"),
                &[("csrf", csrf)],
            )
            .await;
        assert_eq!(r.status(), 403, "csrf {csrf:?}");
    }
    // A name to fix: said on the page, nothing made.
    let csrf = annas_browser.csrf().await;
    let r = annas_browser
        .post_form("/redactie/tokens", &[("naam", "   "), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Geef de sleutel een naam"));
    let r = annas_browser
        .post_json(
            "/api/v1/tokens",
            &serde_json::json!({ "name": "x".repeat(61) }),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.store.api_tokens(anna.id).await.unwrap().len(), 1);

    // Anna's script revokes its own token; from then on it is refused.
    let r = script(
        &app,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        &secret,
    )
    .await;
    assert_eq!(r.status(), 200);
    let revoked: Value = r.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    let r = script(&app, Method::GET, "/api/v1/tokens", &secret).await;
    assert_refused_token(&r, "a token revoked over the API");
}

async fn a_token_acts_with_the_role_its_account_has_now(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (eddy, browser) = app.account(Role::Editor, "Eddy Eindredacteur").await;
    let (moderator, _) = app.account(Role::Moderator, "Mia Moderator").await;
    let secret = make_token(&browser, "Moderatiescript").await;
    let (status, log) = script_json(&app, "/api/v1/moderation/log", &secret).await;
    assert_eq!(status, 200, "an editor moderates: {log}");

    app.store.set_role(eddy.id, Role::Journalist).await.unwrap();
    let (status, _) = script_json(&app, "/api/v1/moderation/log", &secret).await;
    assert_eq!(status, 403, "a journalist does not");
    let (status, _) = script_json(&app, "/api/v1/me", &secret).await;
    assert_eq!(status, 200);

    // Tokens are for staff who write: a reader's are refused altogether.
    app.store.set_role(eddy.id, Role::Reader).await.unwrap();
    let r = script(&app, Method::GET, "/api/v1/me", &secret).await;
    assert_refused_token(&r, "a token of an account that no longer writes");

    app.store.set_role(eddy.id, Role::Editor).await.unwrap();
    let (status, _) = script_json(&app, "/api/v1/me", &secret).await;
    assert_eq!(status, 200);
    app.store
        .moderate_account(eddy.id, moderator.id, AccountAction::Ban, "Test", app.now())
        .await
        .unwrap();
    let r = script(&app, Method::GET, "/api/v1/me", &secret).await;
    assert_refused_token(&r, "a banned account's token");
}

async fn token_requests_pass_the_csrf_guard_cookie_requests_without_origin_do_not(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let (jana, browser) = app.account(Role::Journalist, "Jana Janssens").await;
    let first = make_token(&browser, "Eerste").await;
    let first_id = newest_token_id(&app, jana.id).await;
    make_token(&browser, "Tweede").await;
    let second_id = newest_token_id(&app, jana.id).await;

    // The browser's cookie alone, without Origin or Sec-Fetch-Site: refused as ever.
    let r = browser
        .send(browser.request(Method::DELETE, &format!("/api/v1/tokens/{second_id}")))
        .await;
    assert_eq!(
        r.status(),
        403,
        "a cookie request must say where it comes from"
    );
    // Cookie and token together are checked like any cookie request.
    let r = browser
        .send(
            browser
                .request(Method::DELETE, &format!("/api/v1/tokens/{second_id}"))
                .bearer_auth(&first),
        )
        .await;
    assert_eq!(
        r.status(),
        403,
        "a cookie beside the token is still checked"
    );
    let tokens = app.store.api_tokens(jana.id).await.unwrap();
    assert!(tokens.iter().all(|t| !t.is_revoked()), "{tokens:?}");

    // The token alone needs neither Origin nor a form token, on the API and on a form.
    let r = script(
        &app,
        Method::DELETE,
        &format!("/api/v1/tokens/{second_id}"),
        &first,
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .post(app.url(&format!("/redactie/tokens/{first_id}/intrekken")))
        .bearer_auth(&first)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let tokens = app.store.api_tokens(jana.id).await.unwrap();
    assert!(tokens.iter().all(|t| t.is_revoked()), "{tokens:?}");
}

on_both_backends!(
    a_journalist_makes_a_token_sees_it_once_and_a_script_uses_it_until_revoked,
    a_bad_token_is_refused_with_a_bearer_challenge_never_the_login_page_or_the_cookie,
    only_writers_have_tokens_and_only_their_own,
    a_token_acts_with_the_role_its_account_has_now,
    token_requests_pass_the_csrf_guard_cookie_requests_without_origin_do_not,
);
