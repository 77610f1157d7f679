//! Accounts as readers meet them, over real HTTP, on both backends: registering and
//! confirming by mail, logging in and out, limits on guessing, sessions, password change and
//! reset, deleting and exporting, cookies, CSRF, and `tribune user add`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use serde_json::{Value, json};
use tribune_core::account::Role;
use tribune_testkit::{Backend, PASSWORD, TestApp, Visitor, link_in, on_both_backends};

const NEW_PASSWORD: &str = "de bal is rond en het gras is groen";

async fn register(v: &Visitor, email: &str, name: &str, password: &str) -> (u16, String) {
    let r = v
        .post_form(
            "/registreren",
            &[
                ("email", email),
                ("display_name", name),
                ("password", password),
            ],
        )
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn log_in(v: &Visitor, email: &str, password: &str) -> reqwest::Response {
    v.post_form("/inloggen", &[("email", email), ("password", password)])
        .await
}

async fn logged_in_as(v: &Visitor) -> Option<String> {
    v.me().await["account"]["display_name"]
        .as_str()
        .map(str::to_string)
}

fn location(r: &reqwest::Response) -> &str {
    r.headers()["location"].to_str().unwrap()
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get("set-cookie")
        .expect("the answer sets a cookie")
        .to_str()
        .unwrap()
        .to_string()
}

async fn a_new_reader_registers_confirms_by_mail_and_is_logged_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = app.visitor();
    let form = v.page("/registreren").await;
    assert!(
        form.contains("name=\"display_name\""),
        "the form asks for a name"
    );

    let (status, body) =
        register(&v, "Jan.Peeters@Voorbeeld.be ", "Jan Peeters", NEW_PASSWORD).await;
    assert_eq!(status, 200);
    assert!(body.contains("Controleer je mailbox"), "{body}");

    // Not confirmed yet: logging in says nothing more than for a wrong password.
    let r = log_in(&v, "jan.peeters@voorbeeld.be", NEW_PASSWORD).await;
    assert_eq!(r.status(), 400, "an unconfirmed account cannot log in");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("E-mailadres of wachtwoord klopt niet.")
    );

    let mail = app.wait_for_mail("jan.peeters@voorbeeld.be", 1).await;
    assert!(
        mail.contains("Subject: Bevestig je account bij Tribune"),
        "{mail}"
    );
    assert!(mail.contains("Dag Jan Peeters"), "{mail}");
    let link = link_in(&mail, "/account/bevestigen?token=").expect("the mail holds the link");
    assert!(
        mail.contains(&format!("{}{link}", app.base)),
        "the link points at the site"
    );

    let r = v.get(&link).await;
    assert_eq!(r.status(), 303, "the link confirms and logs in");
    assert!(location(&r).starts_with("/account"));
    let page = v.page(location(&r)).await;
    assert!(page.contains("Jan Peeters") && page.contains("jan.peeters@voorbeeld.be"));
    assert!(page.contains("Je account is bevestigd"));
    let me = v.me().await;
    assert_eq!(me["account"]["display_name"], "Jan Peeters");
    assert_eq!(me["account"]["role"], "reader");
    assert_eq!(me["account"]["can_moderate"], false);

    // The link works once.
    let other = app.visitor();
    let r = other.get(&link).await;
    assert_eq!(r.status(), 400, "a used link is refused");
    assert_eq!(logged_in_as(&other).await, None);

    // A link left lying for more than a day does not work either.
    register(&v, "laat@voorbeeld.be", "Laat Lotte", NEW_PASSWORD).await;
    let mail = app.wait_for_mail("laat@voorbeeld.be", 1).await;
    app.clock.advance(Duration::hours(25));
    let r = app
        .visitor()
        .get(&link_in(&mail, "/account/bevestigen").unwrap())
        .await;
    assert_eq!(r.status(), 400, "an activation link expires after 24 hours");
}

async fn registering_a_taken_address_looks_the_same_and_warns_the_owner(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = app.account(Role::Reader, "Els Eigenaar").await;
    let v = app.visitor();
    let (fresh_status, fresh_body) =
        register(&v, "nieuw@voorbeeld.be", "Nieuwe Nina", NEW_PASSWORD).await;
    let (taken_status, taken_body) =
        register(&v, &owner.email.to_uppercase(), "Indringer", NEW_PASSWORD).await;
    assert_eq!(
        fresh_status, taken_status,
        "same status for a taken address"
    );
    assert_eq!(fresh_body, taken_body, "same page for a taken address");

    let warning = app.wait_for_mail(&owner.email, 1).await;
    assert!(warning.contains("Iemand probeerde"), "{warning}");
    assert!(
        link_in(&warning, "/wachtwoord-vergeten").is_some(),
        "{warning}"
    );
    assert!(
        !warning.contains("/account/bevestigen"),
        "no activation link for the intruder"
    );
    // The owner's account is untouched.
    assert_eq!(
        log_in(&app.visitor(), &owner.email, PASSWORD)
            .await
            .status(),
        303
    );

    // The JSON API answers the same way in both cases.
    let fresh = v
        .post_json(
            "/api/v1/accounts",
            &json!({"email": "ander@voorbeeld.be", "display_name": "Ander", "password": NEW_PASSWORD}),
        )
        .await;
    let fresh = (fresh.status(), fresh.text().await.unwrap());
    let taken = v
        .post_json(
            "/api/v1/accounts",
            &json!({"email": owner.email, "display_name": "Ander", "password": NEW_PASSWORD}),
        )
        .await;
    let taken = (taken.status(), taken.text().await.unwrap());
    assert_eq!(fresh.0, 202);
    assert_eq!(fresh, taken);
    app.wait_for_mail(&owner.email, 2).await;
}

async fn a_wrong_password_and_an_unknown_address_get_the_same_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, _) = app.account(Role::Reader, "Piet Pech").await;
    let v = app.visitor();
    let wrong = log_in(&v, &reader.email, "niet mijn wachtwoord hoor").await;
    let wrong = (wrong.status(), wrong.text().await.unwrap());
    let unknown = log_in(&v, "niemand@voorbeeld.be", "niet mijn wachtwoord hoor").await;
    let unknown = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(wrong.0, 400);
    assert!(wrong.1.contains("E-mailadres of wachtwoord klopt niet."));
    // The form keeps what was typed, except the password.
    assert!(wrong.1.contains(&reader.email));
    assert!(
        !wrong.1.contains("niet mijn wachtwoord"),
        "the password is never echoed"
    );
    assert_eq!(wrong.0, unknown.0);
    assert_eq!(
        wrong.1.replace(&reader.email, "X"),
        unknown.1.replace("niemand@voorbeeld.be", "X"),
        "the pages differ only in the address typed"
    );

    let v = &v;
    let api = |email: &str| {
        let body = json!({"email": email, "password": "niet mijn wachtwoord hoor"});
        async move {
            let r = v.post_json("/api/v1/session", &body).await;
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, b1) = api(&reader.email).await;
    let (s2, b2) = api("niemand@voorbeeld.be").await;
    assert_eq!(s1, 401);
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(b1["detail"], "E-mailadres of wachtwoord klopt niet.");
}

async fn guessing_is_stopped_per_account_until_time_passes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (target, _) = app.account(Role::Reader, "Doelwit Dirk").await;
    let (bystander, _) = app.account(Role::Reader, "Buur Bert").await;
    let v = app.visitor();
    for i in 0..10 {
        let r = log_in(&v, &target.email, &format!("gok nummer {i} van tien")).await;
        assert_eq!(r.status(), 400, "guess {i} is just wrong");
    }
    let r = log_in(&v, &target.email, PASSWORD).await;
    assert_eq!(
        r.status(),
        429,
        "the 11th try waits, even with the right password"
    );
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
    let body = r.text().await.unwrap();
    assert!(body.contains("Te veel mislukte pogingen"), "{body}");
    assert!(body.contains("minuten opnieuw"), "{body}");

    // Another account from the same address is not locked out.
    assert_eq!(
        log_in(&app.visitor(), &bystander.email, PASSWORD)
            .await
            .status(),
        303
    );

    app.clock.advance(Duration::minutes(15));
    assert_eq!(
        log_in(&v, &target.email, PASSWORD).await.status(),
        303,
        "the limit lifts when the failures age"
    );
}

async fn guessing_is_stopped_per_address_behind_a_trusted_proxy(backend: Backend) {
    let app = TestApp::start_configured(backend, |c| c.trusted_proxy = true).await;
    let (reader, _) = app.account(Role::Reader, "Gewone Gert").await;
    let v = app.visitor();
    let from = |addr: &'static str, email: String| {
        let request = v
            .request(reqwest::Method::POST, "/inloggen")
            .header("origin", &app.base)
            .header("x-forwarded-for", format!("198.51.100.1, {addr}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "email={}&password=fout+fout+fout+fout",
                email.replace('@', "%40")
            ));
        v.send(request)
    };
    for i in 0..30 {
        let r = from("203.0.113.5", format!("persoon{i}@voorbeeld.be")).await;
        assert_eq!(r.status(), 400, "failure {i}");
    }
    let r = from("203.0.113.5", "nog-een@voorbeeld.be".into()).await;
    assert_eq!(r.status(), 429, "30 failures from one address: it waits");
    assert!(r.headers().contains_key("retry-after"));
    // Another client behind the same proxy is its own address.
    let r = from("203.0.113.6", reader.email.clone()).await;
    assert_eq!(r.status(), 400, "another address is still heard");

    app.clock.advance(Duration::minutes(16));
    let r = from("203.0.113.5", "weer@voorbeeld.be".into()).await;
    assert_eq!(r.status(), 400, "the address may try again later");
}

async fn logging_in_gives_a_new_session_and_logging_out_ends_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, v) = app.account(Role::Reader, "Roterende Rita").await;
    let before = v.fork();
    let old_cookie = v.cookie_header().unwrap();
    let r = log_in(&v, &reader.email, PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_ne!(
        v.cookie_header().unwrap(),
        old_cookie,
        "a new session id at login"
    );
    assert_eq!(logged_in_as(&v).await.as_deref(), Some("Roterende Rita"));
    assert_eq!(
        logged_in_as(&before).await,
        None,
        "the session from before login is gone"
    );

    let kept = v.fork();
    let csrf = v.csrf().await;
    let r = v.post_form("/uitloggen", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    assert!(
        set_cookie(&r).contains("Max-Age=0"),
        "the cookie is cleared"
    );
    assert_eq!(logged_in_as(&v).await, None);
    assert_eq!(
        logged_in_as(&kept).await,
        None,
        "a copy of the cookie is worth nothing"
    );

    // The JSON twins.
    let r = v
        .post_json(
            "/api/v1/session",
            &json!({"email": reader.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["account"]["id"], reader.id);
    assert!(me["csrf"].as_str().is_some_and(|t| t.len() == 32));
    assert_eq!(v.delete("/api/v1/session").await.status(), 204);
    assert_eq!(v.me().await, json!({ "account": null }));
    let r = v.get("/api/v1/me").await;
    assert_eq!(r.headers()["cache-control"], "private, no-store");
}

async fn changing_the_password_ends_the_other_sessions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, laptop) = app.account(Role::Reader, "Wisselende Wim").await;
    let phone = app.visitor();
    phone.log_in(&reader.email, PASSWORD).await;
    let csrf = laptop.csrf().await;

    let wrong = laptop
        .post_form(
            "/account/wachtwoord",
            &[
                ("csrf", &csrf),
                ("current_password", "fout fout fout"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 400);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Je huidige wachtwoord klopt niet.")
    );
    let weak = laptop
        .post_form(
            "/account/wachtwoord",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "kort"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 400);
    assert!(weak.text().await.unwrap().contains("minstens 12 tekens"));
    assert!(logged_in_as(&phone).await.is_some(), "nothing changed yet");

    let r = laptop
        .post_form(
            "/account/wachtwoord",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        set_cookie(&r).contains("HttpOnly"),
        "this browser gets a new session"
    );
    assert!(
        laptop
            .page(location(&r))
            .await
            .contains("Je wachtwoord is gewijzigd")
    );
    assert_eq!(logged_in_as(&phone).await, None, "the other session ended");
    assert_eq!(
        log_in(&app.visitor(), &reader.email, PASSWORD)
            .await
            .status(),
        400
    );
    assert_eq!(
        log_in(&app.visitor(), &reader.email, NEW_PASSWORD)
            .await
            .status(),
        303
    );

    // And through the API.
    let r = laptop
        .put_json(
            "/api/v1/me/password",
            &json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(logged_in_as(&laptop).await.is_some());
    assert_eq!(
        log_in(&app.visitor(), &reader.email, PASSWORD)
            .await
            .status(),
        303
    );
}

async fn a_forgotten_password_is_reset_with_a_link_that_works_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, old_session) = app.account(Role::Reader, "Vergeetachtige Vera").await;
    let v = app.visitor();
    let known = v
        .post_form("/wachtwoord-vergeten", &[("email", &reader.email)])
        .await;
    let known = (known.status(), known.text().await.unwrap());
    let unknown = v
        .post_form(
            "/wachtwoord-vergeten",
            &[("email", "onbekend@voorbeeld.be")],
        )
        .await;
    let unknown = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(known.0, 200);
    assert!(known.1.contains("Als dit adres bij ons bekend is"));
    assert_eq!(
        known, unknown,
        "the same answer whether or not the address is known"
    );

    let mail = app.wait_for_mail(&reader.email, 1).await;
    assert!(app.mails_to("onbekend@voorbeeld.be").is_empty());
    let link = link_in(&mail, "/wachtwoord-herstellen?token=").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();

    // Opening the link only shows the form (mail scanners open links too).
    let form = v.page(&link).await;
    assert!(form.contains(&token));
    let weak = v
        .post_form(
            "/wachtwoord-herstellen",
            &[("token", &token), ("password", "PASSWORDPASSWORD")],
        )
        .await;
    assert_eq!(weak.status(), 400);
    assert!(
        weak.text()
            .await
            .unwrap()
            .contains("veelgebruikte wachtwoorden")
    );

    let r = v
        .post_form(
            "/wachtwoord-herstellen",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303, "a weak try did not use up the link");
    assert_eq!(location(&r), "/account?wachtwoord-gewijzigd=1");
    assert_eq!(
        logged_in_as(&v).await.as_deref(),
        Some("Vergeetachtige Vera")
    );
    assert_eq!(logged_in_as(&old_session).await, None, "old sessions end");
    assert_eq!(
        log_in(&app.visitor(), &reader.email, NEW_PASSWORD)
            .await
            .status(),
        303
    );

    let again = app
        .visitor()
        .post_form(
            "/wachtwoord-herstellen",
            &[
                ("token", &token),
                ("password", "nog een ander lang wachtwoord"),
            ],
        )
        .await;
    assert_eq!(again.status(), 400, "the link works once");
    assert!(again.text().await.unwrap().contains("werkt niet"));

    // A link older than an hour is refused.
    let r = app
        .visitor()
        .post_json("/api/v1/password-resets", &json!({"email": reader.email}))
        .await;
    assert_eq!(r.status(), 202);
    let mail = app.wait_for_mail(&reader.email, 2).await;
    let token = link_in(&mail, "/wachtwoord-herstellen")
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    app.clock.advance(Duration::minutes(61));
    let late = app
        .visitor()
        .post_form(
            "/wachtwoord-herstellen",
            &[
                ("token", &token),
                ("password", "nog een ander lang wachtwoord"),
            ],
        )
        .await;
    assert_eq!(late.status(), 400, "an expired link is refused");
    assert_eq!(
        log_in(&app.visitor(), &reader.email, NEW_PASSWORD)
            .await
            .status(),
        303
    );
}

async fn a_reader_deletes_their_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, v) = app.account(Role::Reader, "Vertrekkende Veerle").await;
    let csrf = v.csrf().await;
    let r = v
        .post_form(
            "/account/verwijderen",
            &[("csrf", &csrf), ("password", "verkeerd verkeerd")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        app.store.account(reader.id).await.unwrap().is_some(),
        "a wrong password deletes nothing"
    );

    let r = v
        .post_form(
            "/account/verwijderen",
            &[("csrf", &csrf), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(set_cookie(&r).contains("Max-Age=0"));
    assert!(r.text().await.unwrap().contains("Je account is verwijderd"));
    assert!(
        app.store.account(reader.id).await.unwrap().is_none(),
        "the account is gone"
    );
    assert_eq!(
        log_in(&app.visitor(), &reader.email, PASSWORD)
            .await
            .status(),
        400
    );

    // Through the API.
    let (other, api) = app.account(Role::Reader, "Andere Anja").await;
    let r = api
        .delete_json("/api/v1/me", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(r.status(), 204);
    assert!(app.store.account(other.id).await.unwrap().is_none());
    assert_eq!(api.me().await, json!({ "account": null }));
}

async fn a_reader_downloads_what_is_kept_about_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, v) = app.account(Role::Reader, "Nieuwsgierige Nico").await;
    let r = v.get("/account/export").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let export: Value = r.json().await.unwrap();
    assert_eq!(export["account"]["email"], reader.email);
    assert_eq!(export["account"]["display_name"], "Nieuwsgierige Nico");
    assert!(export["comments"].is_array());
    let r = v.get("/api/v1/me/export").await;
    assert_eq!(r.status(), 200);
    let api: Value = r.json().await.unwrap();
    assert_eq!(api, export);
    assert_eq!(app.visitor().get("/api/v1/me/export").await.status(), 401);
}

async fn session_cookies_are_http_only_lax_and_secure_over_tls(backend: Backend) {
    let app = TestApp::start(backend.clone()).await;
    let (reader, _) = app.account(Role::Reader, "Koekje Koen").await;
    let r = log_in(&app.visitor(), &reader.email, PASSWORD).await;
    let cookie = set_cookie(&r);
    assert!(cookie.starts_with("tribune_sessie="), "{cookie}");
    for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(
        !cookie.contains("Secure"),
        "no Secure on plain http: {cookie}"
    );

    let tls = TestApp::start_configured(backend, |c| c.secure_cookies = true).await;
    let (reader, v) = tls.account(Role::Reader, "Veilige Vic").await;
    let r = log_in(&tls.visitor(), &reader.email, PASSWORD).await;
    let cookie = set_cookie(&r);
    assert!(cookie.starts_with("__Host-tribune="), "{cookie}");
    for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Domain"), "__Host- cookies have no Domain");
    assert_eq!(logged_in_as(&v).await.as_deref(), Some("Veilige Vic"));
}

async fn cross_site_requests_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, v) = app.account(Role::Reader, "Doelwit Daan").await;
    let csrf = v.csrf().await;
    let body = format!(
        "csrf={csrf}&current_password={}&new_password={}",
        PASSWORD.replace(' ', "+"),
        NEW_PASSWORD.replace(' ', "+")
    );
    let change = |headers: &[(&str, &str)]| {
        let mut r = v
            .request(reqwest::Method::POST, "/account/wachtwoord")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        for (k, val) in headers {
            r = r.header(*k, *val);
        }
        v.send(r)
    };
    let r = change(&[("origin", "https://evil.example")]).await;
    assert_eq!(r.status(), 403, "another site's Origin");
    assert!(r.text().await.unwrap().contains("niet van Tribune zelf"));
    let r = change(&[
        ("sec-fetch-site", "cross-site"),
        ("origin", app.base.as_str()),
    ])
    .await;
    assert_eq!(
        r.status(),
        403,
        "Sec-Fetch-Site: cross-site wins over a forged Origin"
    );
    let r = change(&[]).await;
    assert_eq!(r.status(), 403, "a session cookie without Origin");
    let r = v
        .send(
            v.request(reqwest::Method::DELETE, "/api/v1/me")
                .header("origin", "https://evil.example")
                .json(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    assert!(app.store.account(reader.id).await.unwrap().is_some());
    assert_eq!(
        log_in(&app.visitor(), &reader.email, PASSWORD)
            .await
            .status(),
        303,
        "the password did not change"
    );
    assert!(logged_in_as(&v).await.is_some());

    // Our own pages pass, and so do cookieless clients that say nothing of where they are.
    let r = change(&[("sec-fetch-site", "same-origin")]).await;
    assert_eq!(r.status(), 303);
    let r = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": reader.email, "password": NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "an API client without cookies logs in");

    // A form token that is not the session's is refused even from our own origin.
    let r = v
        .post_form(
            "/account/wachtwoord",
            &[
                ("csrf", "0000"),
                ("current_password", NEW_PASSWORD),
                ("new_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

async fn logging_in_never_sends_a_reader_to_another_site(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (reader, _) = app.account(Role::Reader, "Teruggaande Tom").await;
    let v = app.visitor();
    let r = v.get("/account").await;
    assert_eq!(r.status(), 303, "the account page asks to log in");
    assert_eq!(location(&r), "/inloggen?terug=/account");

    let form = v.page("/inloggen?terug=//evil.example").await;
    assert!(form.contains("name=\"terug\" value=\"/\""), "{form}");
    for evil in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
        let r = v
            .post_form(
                "/inloggen",
                &[
                    ("email", &reader.email),
                    ("password", PASSWORD),
                    ("terug", evil),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/", "{evil} is ignored");
    }
    let r = v
        .post_form(
            "/inloggen",
            &[
                ("email", &reader.email),
                ("password", PASSWORD),
                ("terug", "/account"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/account");
}

async fn the_registration_form_explains_what_to_fix(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = app.visitor();
    let cases = [
        (
            "kort@voorbeeld.be",
            "Korte Karel",
            "kort",
            "minstens 12 tekens",
        ),
        (
            "gewoon@voorbeeld.be",
            "Gewone Gust",
            "PASSWORDPASSWORD",
            "veelgebruikte wachtwoorden",
        ),
        (
            "geen-adres",
            "Adresloze Ada",
            NEW_PASSWORD,
            "geldig e-mailadres",
        ),
        ("naam@voorbeeld.be", "X", NEW_PASSWORD, "schermnaam"),
    ];
    for (email, name, password, says) in cases {
        let (status, body) = register(&v, email, name, password).await;
        assert_eq!(status, 400, "{email}/{name}");
        assert!(body.contains(says), "the form should say {says:?}: {body}");
        assert!(
            body.contains(&format!("value=\"{email}\"")),
            "the address is kept"
        );
        assert!(
            body.contains(&format!("value=\"{name}\"")),
            "the name is kept"
        );
        assert!(
            !body.contains(&format!("value=\"{password}\"")),
            "never the password"
        );
    }
    let r = v
        .post_json(
            "/api/v1/accounts",
            &json!({"email": "kort@voorbeeld.be", "display_name": "Korte Karel", "password": "kort"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("minstens 12 tekens")
    );
    assert!(app.mails_to("kort@voorbeeld.be").is_empty());
}

async fn the_operator_adds_staff_from_the_command_line(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = tribune::user::add(
        app.store.as_ref(),
        "Hoofdredactie@Tribune.be",
        Some("Hoofdredactie"),
        Role::Admin,
        NEW_PASSWORD,
        app.now(),
    )
    .await
    .unwrap();
    assert!(admin.verified, "made by the operator: no mail to confirm");
    assert_eq!(admin.email, "hoofdredactie@tribune.be");
    let v = app.visitor();
    v.log_in("hoofdredactie@tribune.be", NEW_PASSWORD).await;
    let me = v.me().await;
    assert_eq!(me["account"]["role"], "admin");
    assert_eq!(me["account"]["can_moderate"], true);

    let err = tribune::user::add(
        app.store.as_ref(),
        "hoofdredactie@tribune.be",
        None,
        Role::Reader,
        NEW_PASSWORD,
        app.now(),
    )
    .await
    .unwrap_err();
    assert!(err.contains("has an account already"), "{err}");
    let err = tribune::user::add(
        app.store.as_ref(),
        "zwak@tribune.be",
        None,
        Role::Editor,
        "kort",
        app.now(),
    )
    .await
    .unwrap_err();
    assert!(err.contains("minstens 12 tekens"), "{err}");

    let journalist = tribune::user::add(
        app.store.as_ref(),
        "sofie.vermeulen@tribune.be",
        None,
        Role::Journalist,
        NEW_PASSWORD,
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(journalist.display_name, "sofie.vermeulen");
    let editor = tribune::user::set_role(
        app.store.as_ref(),
        "sofie.vermeulen@tribune.be",
        Role::Editor,
    )
    .await
    .unwrap();
    assert_eq!(editor.role, Role::Editor);
    assert!(
        tribune::user::set_role(app.store.as_ref(), "niemand@tribune.be", Role::Admin)
            .await
            .is_err()
    );
    assert_eq!(tribune::user::parse_role("Moderator"), Ok(Role::Moderator));
    assert!(tribune::user::parse_role("baas").is_err());
}

async fn the_account_api_is_documented(backend: Backend) {
    let app = TestApp::start(backend).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/v1/me", "get"),
        ("/api/v1/me", "delete"),
        ("/api/v1/me/password", "put"),
        ("/api/v1/me/export", "get"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
        ("/api/v1/password-resets", "post"),
    ] {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    let me = app.get("/api/v1/me").await.json::<Value>().await.unwrap();
    assert_eq!(me, json!({ "account": null }));
}

on_both_backends!(
    a_new_reader_registers_confirms_by_mail_and_is_logged_in,
    registering_a_taken_address_looks_the_same_and_warns_the_owner,
    a_wrong_password_and_an_unknown_address_get_the_same_answer,
    guessing_is_stopped_per_account_until_time_passes,
    guessing_is_stopped_per_address_behind_a_trusted_proxy,
    logging_in_gives_a_new_session_and_logging_out_ends_it,
    changing_the_password_ends_the_other_sessions,
    a_forgotten_password_is_reset_with_a_link_that_works_once,
    a_reader_deletes_their_account,
    a_reader_downloads_what_is_kept_about_them,
    session_cookies_are_http_only_lax_and_secure_over_tls,
    cross_site_requests_are_refused_and_change_nothing,
    logging_in_never_sends_a_reader_to_another_site,
    the_registration_form_explains_what_to_fix,
    the_operator_adds_staff_from_the_command_line,
    the_account_api_is_documented,
);
