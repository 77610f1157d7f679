//! Accounts: registering, confirming the address, logging in and out, the account page,
//! changing or resetting the password, deleting the account and exporting its data; the
//! same things as JSON under /api/v1.
//!
//! Nothing here tells a stranger whether an address has an account: registering a taken
//! address, asking a reset for an unknown one and logging in with a wrong password all get
//! the answer the other case gets; only the owner of the address learns more, by mail.
//! Every page here is personal or holds what was typed, so none is ever cached.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Json, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use tribune_core::account::{
    Account, Session, check_display_name, check_password, normalize_email,
};
use tribune_core::store::StoreError;

use super::{Params, form, json, params, private_json};
use crate::auth::{
    self, ApiViewer, Viewer, check_login_password, create_session, rotate_session, session_cookie,
};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::throttle::ClientAddr;
use crate::views::Layout;
use crate::views::account::{
    AccountPage, ForgotPage, Link, LoginPage, MessagePage, RegisterPage, ResetPage,
};
use crate::writes;
use crate::writes::accounts::Reset;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registreren", get(register_page).post(register_submit))
        .route("/account/bevestigen", get(activate))
        .route("/inloggen", get(login_page).post(login_submit))
        .route("/uitloggen", post(logout))
        .route("/account", get(account_page))
        .route("/account/wachtwoord", post(password_submit))
        .route("/account/verwijderen", post(delete_submit))
        .route("/account/export", get(export_download))
        .route("/wachtwoord-vergeten", get(forgot_page).post(forgot_submit))
        .route("/wachtwoord-herstellen", get(reset_page).post(reset_submit))
        .route("/api/v1/me", get(api_me).delete(api_delete_me))
        .route("/api/v1/me/password", put(api_change_password))
        .route("/api/v1/me/export", get(api_export))
        .route("/api/v1/accounts", post(api_register))
        .route("/api/v1/session", post(api_login).delete(api_logout))
        .route("/api/v1/password-resets", post(api_request_reset))
}

/// The one answer to every failed login, whatever failed.
pub const LOGIN_FAILED: &str = "E-mailadres of wachtwoord klopt niet.";
const CHECK_MAILBOX: &str = "We stuurden je een mail met een link om je account te bevestigen. \
     De link is 24 uur geldig. Geen mail gekregen? Kijk ook bij je spam.";
const RESET_REQUESTED: &str = "Als dit adres bij ons bekend is, krijg je een mail met een link \
     om een nieuw wachtwoord te kiezen. De link is een uur geldig.";
const WRONG_CURRENT_PASSWORD: &str = "Je huidige wachtwoord klopt niet.";
const BAD_LINK: &str = "Deze link werkt niet (meer): hij is verlopen, al gebruikt of onvolledig.";

/// Where to go after logging in: only a path on this site ("/account", "/nieuws/12-x"),
/// never "//evil.example" or "https://..." (an open redirect would lend our name to
/// phishing); anything else becomes "/".
pub fn local_path(target: &str) -> String {
    let mut chars = target.chars();
    let local = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !target.contains('\\')
        && !target.chars().any(char::is_control);
    if !local {
        return "/".to_string();
    }
    // A Location header holds visible ASCII only.
    let mut out = String::with_capacity(target.len());
    for c in target.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// What the HTML and the JSON handlers share

/// Checks a registration and hands it to [`writes::accounts::register`], which mails the
/// link that confirms it. A taken address gets the same answer. Bad input is a `BadRequest`
/// saying what to fix.
async fn register(
    state: &AppState,
    client: &ClientAddr,
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<(), AppError> {
    let email = normalize_email(email).map_err(AppError::BadRequest)?;
    let display_name = check_display_name(display_name).map_err(AppError::BadRequest)?;
    check_password(password, &email, &display_name).map_err(AppError::BadRequest)?;
    state.limits.mail_request(client, state.clock.now())?;
    writes::accounts::register(state, email, display_name, password).await
}

/// Why a login did not work.
enum LoginError {
    /// Wrong address, wrong password, or not confirmed: the reader hears only [`LOGIN_FAILED`].
    Failed,
    /// Throttled (429) or the store failed.
    Other(AppError),
}

impl From<AppError> for LoginError {
    fn from(e: AppError) -> Self {
        Self::Other(e)
    }
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        Self::Other(e.into())
    }
}

/// Checks an address and password. Unknown addresses are checked against a dummy hash, so
/// the time taken does not tell whether the account exists; failures count towards the
/// limits per address and per account.
async fn login(
    state: &AppState,
    client: &ClientAddr,
    email: &str,
    password: &str,
) -> Result<Account, LoginError> {
    let now = state.clock.now();
    let valid_email = normalize_email(email);
    // Whatever was typed is the key, cut short: a megabyte of "address" must not become a
    // megabyte of memory in the limiter.
    let key = valid_email
        .clone()
        .unwrap_or_else(|_| email.trim().to_lowercase().chars().take(254).collect());
    state.limits.check_login(&key, client, now)?;
    let found = match &valid_email {
        Ok(e) => state.store.account_by_email(e).await?,
        Err(_) => None,
    };
    let (account, hash) = found.unzip();
    let ok = check_login_password(hash, password).await;
    match account {
        Some(account) if ok && account.verified => {
            state.limits.login_succeeded(&key);
            Ok(account)
        }
        // The right password for an account not yet confirmed: not a guess, so not counted.
        Some(_) if ok => Err(LoginError::Failed),
        _ => {
            state.limits.login_failed(&key, client, now);
            Err(LoginError::Failed)
        }
    }
}

/// Asks for the password again before something that cannot be undone; wrong guesses count
/// towards the login limits (a borrowed session must not become a way to guess).
async fn confirm_password(
    state: &AppState,
    viewer: &Viewer,
    client: &ClientAddr,
    password: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let email = &viewer.account.email;
    state.limits.check_login(email, client, now)?;
    let hash = state.store.account_by_email(email).await?.map(|(_, h)| h);
    if check_login_password(hash, password).await {
        Ok(())
    } else {
        state.limits.login_failed(email, client, now);
        Err(AppError::BadRequest(WRONG_CURRENT_PASSWORD.to_string()))
    }
}

/// Sets a new password: every session of the account ends (a thief's too), and this browser
/// gets a new one. Returns its `Set-Cookie`.
async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    client: &ClientAddr,
    current: &str,
    new: &str,
) -> Result<HeaderValue, AppError> {
    confirm_password(state, viewer, client, current).await?;
    let account = &viewer.account;
    check_password(new, &account.email, &account.display_name).map_err(AppError::BadRequest)?;
    writes::accounts::set_password(state, account.id, new).await?;
    let (token, _) = create_session(state, account.id).await?;
    session_cookie(&state.config, &token)
}

/// Removes the account after the password was given again; the pages that showed its
/// comments are refreshed.
async fn delete_account(
    state: &AppState,
    viewer: &Viewer,
    client: &ClientAddr,
    password: &str,
) -> Result<(), AppError> {
    confirm_password(state, viewer, client, password).await?;
    writes::accounts::delete_account(state, viewer.account.id).await
}

/// Mails a reset link when the address has an account; the answer is the same either way
/// and does not wait for the lookup.
async fn request_reset(state: &AppState, client: &ClientAddr, email: &str) -> Result<(), AppError> {
    let email = normalize_email(email).map_err(AppError::BadRequest)?;
    state.limits.mail_request(client, state.clock.now())?;
    writes::accounts::send_reset(state, email);
    Ok(())
}

/// Everything kept about the account, as pretty JSON.
async fn export_json(state: &AppState, viewer: &Viewer) -> Result<String, AppError> {
    let export = state.store.export_account(viewer.account.id).await?;
    let mut value = serde_json::to_value(&export)
        .map_err(|e| AppError::Internal(format!("export to JSON: {e}")))?;
    // The statements of reasons and contests (routes/law.rs) travel with the rest.
    let decisions = super::law::decisions_json(state, viewer.account.id).await?;
    if let Some(map) = value.as_object_mut() {
        map.insert("moderation_decisions".to_string(), decisions);
    }
    serde_json::to_string_pretty(&value)
        .map_err(|e| AppError::Internal(format!("export to JSON: {e}")))
}

// ---------------------------------------------------------------------------------------
// Pages

fn layout(title: &str, description: &str) -> Layout {
    Layout::new(format!("{title} — Tribune"), description)
}

/// A personal page: never stored by a browser cache, a proxy or a CDN.
fn page(status: StatusCode, template: &impl Template) -> Result<Response, AppError> {
    let body = template.render()?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

fn see_other(location: &str) -> Response {
    let location =
        HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

fn message_page(
    status: StatusCode,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Result<Response, AppError> {
    page(
        status,
        &MessagePage {
            layout: layout(heading, heading),
            heading: heading.to_string(),
            message: message.to_string(),
            link: link.map(|(url, label)| Link {
                url: url.to_string(),
                label: label.to_string(),
            }),
        },
    )
}

fn register_form(
    status: StatusCode,
    error: Option<String>,
    email: &str,
    name: &str,
) -> Result<Response, AppError> {
    page(
        status,
        &RegisterPage {
            layout: layout(
                "Account aanmaken",
                "Maak een account om te reageren en te stemmen",
            ),
            error,
            email: email.trim().to_string(),
            display_name: name.trim().to_string(),
        },
    )
}

async fn register_page() -> Result<Response, AppError> {
    register_form(StatusCode::OK, None, "", "")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RegisterForm {
    email: String,
    #[serde(alias = "schermnaam")]
    display_name: String,
    #[serde(alias = "wachtwoord")]
    password: String,
}

async fn register_submit(
    State(state): State<AppState>,
    client: ClientAddr,
    f: Result<Form<RegisterForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    match register(&state, &client, &f.email, &f.display_name, &f.password).await {
        Ok(()) => message_page(
            StatusCode::OK,
            "Controleer je mailbox",
            CHECK_MAILBOX,
            Some(("/", "Naar het laatste nieuws")),
        ),
        Err(AppError::BadRequest(message)) => register_form(
            StatusCode::BAD_REQUEST,
            Some(message),
            &f.email,
            &f.display_name,
        ),
        Err(e) => Err(e),
    }
}

async fn activate(
    State(state): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    let p = params(p)?;
    let token = p.get("token").map(String::as_str).unwrap_or("");
    let Some(id) = writes::accounts::activate(&state, token).await? else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "Deze link werkt niet meer",
            &format!(
                "{BAD_LINK} Bevestigde je je account al? Log dan gewoon in. Anders kun je je \
                 opnieuw registreren met hetzelfde adres: je krijgt dan een nieuwe link."
            ),
            Some(("/inloggen", "Inloggen")),
        );
    };
    let (cookie, _) = rotate_session(&state, &headers, id).await?;
    Ok(with_cookie(see_other("/account?welkom=1"), cookie))
}

fn login_form(
    status: StatusCode,
    error: Option<String>,
    email: &str,
    terug: &str,
) -> Result<Response, AppError> {
    page(
        status,
        &LoginPage {
            layout: layout("Inloggen", "Log in bij Tribune"),
            error,
            email: email.trim().to_string(),
            terug: local_path(terug),
        },
    )
}

async fn login_page(viewer: Option<Viewer>, p: Params) -> Result<Response, AppError> {
    let p = params(p)?;
    let terug = p.get("terug").map(String::as_str).unwrap_or("/");
    if viewer.is_some() {
        return Ok(see_other(&local_path(terug)));
    }
    login_form(StatusCode::OK, None, "", terug)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    #[serde(alias = "wachtwoord")]
    password: String,
    terug: String,
}

async fn login_submit(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    f: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    match login(&state, &client, &f.email, &f.password).await {
        Ok(account) => {
            let (cookie, _) = rotate_session(&state, &headers, account.id).await?;
            Ok(with_cookie(see_other(&local_path(&f.terug)), cookie))
        }
        Err(LoginError::Failed) => login_form(
            StatusCode::BAD_REQUEST,
            Some(LOGIN_FAILED.to_string()),
            &f.email,
            &f.terug,
        ),
        Err(LoginError::Other(AppError::TooManyRequests {
            message,
            retry_after_seconds,
        })) => {
            let mut response = login_form(
                StatusCode::TOO_MANY_REQUESTS,
                Some(message),
                &f.email,
                &f.terug,
            )?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
            Ok(response)
        }
        Err(LoginError::Other(e)) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    f: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let cookie = match &viewer {
        Some(viewer) => {
            viewer.check_form_token(&form(f)?.csrf)?;
            viewer.log_out(&state).await?;
            auth::clear_session_cookie(&state.config)
        }
        // An expired or unknown session: forget the cookie all the same.
        None => auth::end_session(&state, &headers).await?,
    };
    Ok(with_cookie(see_other("/"), cookie))
}

fn account_view(state: &AppState, viewer: &Viewer) -> AccountPage {
    let a = &viewer.account;
    AccountPage {
        layout: layout("Mijn account", "Je account bij Tribune"),
        display_name: a.display_name.clone(),
        email: a.email.clone(),
        role: a.role.label(),
        member_since: tribune_core::time::long_date_time(a.created_at),
        barred: a.barred(state.clock.now()),
        csrf: viewer.session.csrf_token.clone(),
        notice: None,
        password_error: None,
        delete_error: None,
    }
}

async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    p: Params,
) -> Result<Response, AppError> {
    let p = params(p)?;
    let mut view = account_view(&state, &viewer);
    view.notice = if p.contains_key("welkom") {
        Some("Je account is bevestigd. Welkom bij Tribune!")
    } else if p.contains_key("wachtwoord-gewijzigd") {
        Some("Je wachtwoord is gewijzigd. Op andere toestellen moet je opnieuw inloggen.")
    } else {
        None
    };
    page(StatusCode::OK, &view)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    csrf: String,
    #[serde(alias = "huidig_wachtwoord")]
    current_password: String,
    #[serde(alias = "nieuw_wachtwoord")]
    new_password: String,
}

async fn password_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    client: ClientAddr,
    f: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    match change_password(
        &state,
        &viewer,
        &client,
        &f.current_password,
        &f.new_password,
    )
    .await
    {
        Ok(cookie) => Ok(with_cookie(
            see_other("/account?wachtwoord-gewijzigd=1"),
            cookie,
        )),
        Err(AppError::BadRequest(message)) => {
            let mut view = account_view(&state, &viewer);
            view.password_error = Some(message);
            page(StatusCode::BAD_REQUEST, &view)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeleteForm {
    csrf: String,
    #[serde(alias = "wachtwoord")]
    password: String,
}

async fn delete_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    client: ClientAddr,
    f: Result<Form<DeleteForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    viewer.check_form_token(&f.csrf)?;
    match delete_account(&state, &viewer, &client, &f.password).await {
        Ok(()) => {
            let response = message_page(
                StatusCode::OK,
                "Je account is verwijderd",
                "Je account en je gegevens zijn gewist. Je reacties blijven als \"verwijderde \
                 reactie\" staan, zonder tekst en zonder naam, zodat de gesprekken leesbaar \
                 blijven. Bedankt voor je bijdragen.",
                Some(("/", "Naar het laatste nieuws")),
            )?;
            Ok(with_cookie(
                response,
                auth::clear_session_cookie(&state.config),
            ))
        }
        Err(AppError::BadRequest(message)) => {
            let mut view = account_view(&state, &viewer);
            view.delete_error = Some(message);
            page(StatusCode::BAD_REQUEST, &view)
        }
        Err(e) => Err(e),
    }
}

async fn export_download(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, AppError> {
    let body = export_json(&state, &viewer).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tribune-mijn-gegevens.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

fn forgot_form(
    status: StatusCode,
    error: Option<String>,
    email: &str,
) -> Result<Response, AppError> {
    page(
        status,
        &ForgotPage {
            layout: layout("Wachtwoord vergeten", "Kies een nieuw wachtwoord"),
            error,
            email: email.trim().to_string(),
        },
    )
}

async fn forgot_page() -> Result<Response, AppError> {
    forgot_form(StatusCode::OK, None, "")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForgotForm {
    email: String,
}

async fn forgot_submit(
    State(state): State<AppState>,
    client: ClientAddr,
    f: Result<Form<ForgotForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    match request_reset(&state, &client, &f.email).await {
        Ok(()) => message_page(
            StatusCode::OK,
            "Kijk in je mailbox",
            RESET_REQUESTED,
            Some(("/inloggen", "Terug naar inloggen")),
        ),
        Err(AppError::BadRequest(message)) => {
            forgot_form(StatusCode::BAD_REQUEST, Some(message), &f.email)
        }
        Err(e) => Err(e),
    }
}

fn reset_form(
    status: StatusCode,
    error: Option<String>,
    token: &str,
) -> Result<Response, AppError> {
    page(
        status,
        &ResetPage {
            layout: layout("Nieuw wachtwoord", "Kies een nieuw wachtwoord"),
            error,
            token: token.to_string(),
        },
    )
}

fn bad_reset_link() -> Result<Response, AppError> {
    message_page(
        StatusCode::BAD_REQUEST,
        "Deze link werkt niet meer",
        &format!("{BAD_LINK} Vraag een nieuwe aan."),
        Some(("/wachtwoord-vergeten", "Nieuwe link aanvragen")),
    )
}

/// Shows the form only: the link is used up when the new password is sent, not by opening it
/// (mail scanners open links too).
async fn reset_page(p: Params) -> Result<Response, AppError> {
    let p = params(p)?;
    match p.get("token") {
        Some(token) if !token.is_empty() => reset_form(StatusCode::OK, None, token),
        _ => bad_reset_link(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    token: String,
    #[serde(alias = "wachtwoord")]
    password: String,
}

async fn reset_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<ResetForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form(f)?;
    match writes::accounts::reset_password(&state, &f.token, &f.password).await? {
        Reset::Done(account) => {
            let (cookie, _) = rotate_session(&state, &headers, account.id).await?;
            Ok(with_cookie(
                see_other("/account?wachtwoord-gewijzigd=1"),
                cookie,
            ))
        }
        Reset::BadLink => bad_reset_link(),
        Reset::Refused { message, token } => {
            reset_form(StatusCode::BAD_REQUEST, Some(message), &token)
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON

fn problem(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [
            (header::CONTENT_TYPE, "application/problem+json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

fn me_json(a: &Account, session: &Session) -> serde_json::Value {
    serde_json::json!({
        "account": {
            "id": a.id,
            "display_name": a.display_name,
            "role": a.role,
            "can_moderate": a.role.can_moderate(),
        },
        "csrf": session.csrf_token,
    })
}

/// Who is reading (DESIGN §5): what the page scripts of the cached public pages ask to show
/// the personal parts, and the CSRF token their forms carry.
async fn api_me(viewer: Option<ApiViewer>) -> Response {
    match viewer {
        Some(ApiViewer(v)) => private_json(StatusCode::OK, me_json(&v.account, &v.session)),
        None => private_json(StatusCode::OK, serde_json::json!({ "account": null })),
    }
}

#[derive(Deserialize)]
struct RegisterJson {
    email: String,
    display_name: String,
    password: String,
}

async fn api_register(
    State(state): State<AppState>,
    client: ClientAddr,
    j: Result<Json<RegisterJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let j = json(j)?;
    register(&state, &client, &j.email, &j.display_name, &j.password).await?;
    Ok(private_json(
        StatusCode::ACCEPTED,
        serde_json::json!({ "message": CHECK_MAILBOX }),
    ))
}

#[derive(Deserialize)]
struct LoginJson {
    email: String,
    password: String,
}

async fn api_login(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    j: Result<Json<LoginJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let j = json(j)?;
    match login(&state, &client, &j.email, &j.password).await {
        Ok(account) => {
            let (cookie, session) = rotate_session(&state, &headers, account.id).await?;
            Ok(with_cookie(
                private_json(StatusCode::OK, me_json(&account, &session)),
                cookie,
            ))
        }
        Err(LoginError::Failed) => Ok(problem(StatusCode::UNAUTHORIZED, LOGIN_FAILED)),
        Err(LoginError::Other(e)) => Err(ApiError(e)),
    }
}

async fn api_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let cookie = auth::end_session(&state, &headers).await?;
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), cookie))
}

#[derive(Deserialize)]
struct PasswordJson {
    current_password: String,
    new_password: String,
}

async fn api_change_password(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    client: ClientAddr,
    j: Result<Json<PasswordJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let j = json(j)?;
    let cookie = change_password(
        &state,
        &viewer,
        &client,
        &j.current_password,
        &j.new_password,
    )
    .await?;
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), cookie))
}

#[derive(Deserialize)]
struct DeleteJson {
    password: String,
}

async fn api_delete_me(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    client: ClientAddr,
    j: Result<Json<DeleteJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let j = json(j)?;
    delete_account(&state, &viewer, &client, &j.password).await?;
    Ok(with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        auth::clear_session_cookie(&state.config),
    ))
}

async fn api_export(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Response, ApiError> {
    let body = export_json(&state, &viewer).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct ResetRequestJson {
    email: String,
}

async fn api_request_reset(
    State(state): State<AppState>,
    client: ClientAddr,
    j: Result<Json<ResetRequestJson>, JsonRejection>,
) -> Result<Response, ApiError> {
    let j = json(j)?;
    request_reset(&state, &client, &j.email).await?;
    Ok(private_json(
        StatusCode::ACCEPTED,
        serde_json::json!({ "message": RESET_REQUESTED }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path("/account"), "/account");
        assert_eq!(
            local_path("/nieuws/12-x?pagina=2#reacties"),
            "/nieuws/12-x?pagina=2#reacties"
        );
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil.example",
            "",
            "/\\/evil.example",
            "/a\\b",
            "/a\r\nSet-Cookie: x=y",
            "javascript:alert(1)",
        ] {
            assert_eq!(local_path(evil), "/", "{evil:?}");
        }
        assert_eq!(local_path("/onderwerp/oud-hé"), "/onderwerp/oud-h%C3%A9");
        assert_eq!(local_path("/a b"), "/a%20b");
    }
}
