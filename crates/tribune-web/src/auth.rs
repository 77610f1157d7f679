//! Who is asking: sessions, passwords, the CSRF guard and the limits on guessing.
//!
//! A session is a random 128-bit token in a cookie; the database keeps only its SHA-256, so a
//! copy of the database hands out no sessions. Passwords are argon2id, hashed on the blocking
//! pool so a burst of logins does not stall the pages.
//!
//! # Cross-site request forgery
//!
//! Two locks, because two kinds of page post forms:
//! - [`csrf_guard`] runs before every state-changing request (anything but GET, HEAD,
//!   OPTIONS). Browsers say where a request comes from: `Sec-Fetch-Site` (modern browsers),
//!   else `Origin`. Only our own origin passes. A request with neither header is allowed only
//!   when it carries no session cookie: it then acts for nobody (an API client without
//!   cookies cannot be a victim), and every browser we serve sends `Origin` on a POST.
//! - Personal pages (account settings) are never cached, so their forms also carry the
//!   session's own token in a hidden `csrf` field, checked by [`Viewer::check_form_token`].
//!
//! # Personal API tokens
//!
//! Scripts and apps of journalists, editors and admins send `Authorization: Bearer trb_...`.
//! Such a request is its token's account (with the role it has at that moment) and nothing
//! else: a wrong, revoked or malformed token is a 401 problem+json, never a login page and
//! never the cookie instead. It has no session, so no form token: its forms pass
//! [`Viewer::check_form_token`] with the field left empty, as a browser cannot attach the
//! header to a forged cross-site request (that needs a CORS preflight, which we never
//! answer). For the same reason [`csrf_guard`] lets a request through that carries a bearer
//! token and no session cookie; with a cookie too, it is checked as any other.
//!
//! Forms on the public pages cannot carry a per-session token: those pages are the same bytes
//! for everyone and sit in the page cache and in CDNs (DESIGN §5). They rely on the origin
//! check above; when JavaScript runs, the page script fills their `csrf` field from
//! `/api/v1/me`, and an empty field is accepted because the guard already vouched for it.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, OptionalFromRequestParts, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tribune_core::account::{Account, AccountId, ApiTokenId, MAX_PASSWORD_BYTES, Role, Session};

use crate::config::WebConfig;
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::throttle::ClientAddr;

/// How long a login lasts without logging in again.
pub const SESSION_DAYS: i64 = 30;
/// The session cookie when the site is served over TLS: `__Host-` makes the browser refuse it
/// unless it is Secure, host-only and for the whole site.
pub const SECURE_COOKIE_NAME: &str = "__Host-tribune";
/// The session cookie on plain http (development, tests): browsers drop `__Host-` cookies
/// that are not Secure, and Secure cookies are not sent over http.
pub const PLAIN_COOKIE_NAME: &str = "tribune_sessie";

/// The cookie that carries the session for this site's settings.
pub fn cookie_name(config: &WebConfig) -> &'static str {
    if config.secure_cookies {
        SECURE_COOKIE_NAME
    } else {
        PLAIN_COOKIE_NAME
    }
}

/// 128 random bits as 32 hex characters: session cookies and mailed one-time links.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness from the system: {e}")))?;
    Ok(hex(&bytes))
}

/// What the database keeps of a token: its SHA-256, in hex.
pub fn sha256_hex(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// What every personal API token starts with, so that one pasted in the wrong place is
/// recognised for what it is (by people and by secret scanners).
pub const API_TOKEN_PREFIX: &str = "trb_";

/// A new personal API token: the prefix and 256 random bits as 64 hex characters.
pub fn new_api_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness from the system: {e}")))?;
    Ok(format!("{API_TOKEN_PREFIX}{}", hex(&bytes)))
}

fn looks_like_api_token(s: &str) -> bool {
    s.strip_prefix(API_TOKEN_PREFIX).is_some_and(|secret| {
        secret.len() == 64
            && secret
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What a request's `Authorization` header says about a bearer token. Other schemes (a
/// proxy's Basic login in front of a test site) are none of our business.
#[derive(Debug, PartialEq, Eq)]
enum Bearer<'h> {
    Absent,
    /// Says Bearer, but not one well-formed token of ours.
    Malformed,
    Token(&'h str),
}

fn bearer(headers: &HeaderMap) -> Bearer<'_> {
    let says_bearer = |v: &&HeaderValue| {
        let bytes = v.as_bytes();
        let scheme_end = bytes
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        bytes[..scheme_end].eq_ignore_ascii_case(b"bearer")
    };
    let mut values = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter(says_bearer);
    match (values.next(), values.next()) {
        (None, _) => Bearer::Absent,
        // Two tokens: which account would it be? Neither.
        (Some(_), Some(_)) => Bearer::Malformed,
        (Some(value), None) => value
            .to_str()
            .ok()
            .and_then(|v| v.get("bearer".len()..))
            .map(str::trim)
            .filter(|t| looks_like_api_token(t))
            .map_or(Bearer::Malformed, Bearer::Token),
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn looks_like_token(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares without stopping at the first difference, so the time taken says nothing about
/// how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------
// Passwords

/// Hashes a new password with argon2id (default parameters) on the blocking pool.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| AppError::Internal(format!("no randomness for a salt: {e}")))?;
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(format!("salt: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing task: {e}")))?
}

/// Whether `password` matches the stored `hash` (any PHC string argon2 understands).
pub async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// An argon2id hash (default parameters) of a password nobody knows. A login for an unknown
/// address is verified against it, so that it takes as long as one for a real account and
/// the timing does not tell which addresses have an account.
pub const DUMMY_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$dHJpYnVuZS1kdW1teS1zYWx0$2NoeZ79SebCzk1mrFOnf9b+C8dPFRoVkmnAzUYbDCAY";

/// Checks a login: the account's hash when there is one, else the dummy, so both take as
/// long. An account without a password (imported from WordPress, not yet reset) is checked
/// against the dummy too, so the timing does not tell it apart either. Passwords longer than
/// any we accept fail at once, whoever they are for.
pub async fn check_login_password(stored_hash: Option<String>, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let stored_hash = stored_hash.filter(|h| !h.is_empty());
    let real = stored_hash.is_some();
    let hash = stored_hash.unwrap_or_else(|| DUMMY_PASSWORD_HASH.to_string());
    let ok = verify_password(hash, password.to_string()).await;
    ok && real
}

// ---------------------------------------------------------------------------------------
// Sessions

/// A new session for `account_id`: the token goes into the cookie, its hash into the store.
pub async fn create_session(
    state: &AppState,
    account_id: AccountId,
) -> Result<(String, Session), AppError> {
    let token = random_token()?;
    let now = state.clock.now();
    let session = Session {
        account_id,
        csrf_token: random_token()?,
        expires_at: now + Duration::days(SESSION_DAYS),
    };
    state
        .store
        .create_session(&sha256_hex(&token), &session, now)
        .await?;
    Ok((token, session))
}

/// Logs the browser in afresh: the session it came with (if any) ends, a new one begins.
/// Returns the `Set-Cookie` value for the new one. Rotating at login means a session id
/// planted in a browser before login is worth nothing after it.
pub async fn rotate_session(
    state: &AppState,
    headers: &HeaderMap,
    account_id: AccountId,
) -> Result<(HeaderValue, Session), AppError> {
    if let Some(old) = session_token(headers, &state.config) {
        state.store.delete_session(&sha256_hex(old)).await?;
    }
    let (token, session) = create_session(state, account_id).await?;
    Ok((session_cookie(&state.config, &token)?, session))
}

/// Ends the session the request carries (if any); returns the `Set-Cookie` that clears it.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, AppError> {
    if let Some(old) = session_token(headers, &state.config) {
        state.store.delete_session(&sha256_hex(old)).await?;
    }
    Ok(clear_session_cookie(&state.config))
}

/// `Set-Cookie` for a session token: whole site, not readable by scripts, not sent along
/// with cross-site subrequests or POSTs, Secure (and `__Host-`) over TLS.
pub fn session_cookie(config: &WebConfig, token: &str) -> Result<HeaderValue, AppError> {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        cookie_name(config),
        SESSION_DAYS * 24 * 60 * 60
    );
    HeaderValue::from_str(&value).map_err(|e| AppError::Internal(format!("cookie: {e}")))
}

/// `Set-Cookie` that makes the browser forget the session cookie.
pub fn clear_session_cookie(config: &WebConfig) -> HeaderValue {
    let value = if config.secure_cookies {
        "__Host-tribune=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
    } else {
        "tribune_sessie=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    };
    HeaderValue::from_static(value)
}

/// The session token in the request's cookies, when it has one of the right shape.
pub fn session_token<'h>(headers: &'h HeaderMap, config: &WebConfig) -> Option<&'h str> {
    let name = cookie_name(config);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| looks_like_token(v))
}

// ---------------------------------------------------------------------------------------
// The viewer

/// The logged-in account behind a request, with its session.
///
/// As an extractor it answers "log in first" (a redirect to the login page, back to where the
/// reader was) when there is no valid session; `Option<Viewer>` is `None` then instead.
/// A request with a personal API token is that token's account; its `session` is a stand-in
/// without a form token (see the module docs), and a bad token is a 401 either way.
#[derive(Clone)]
pub struct Viewer {
    pub account: Account,
    pub session: Session,
    credential: Credential,
}

/// What the request proved itself with.
#[derive(Clone)]
enum Credential {
    /// Kept to end exactly this session (logging out); never shown.
    Session {
        token_hash: String,
    },
    ApiToken {
        id: ApiTokenId,
    },
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field("account", &self.account.id)
            .field("role", &self.account.role)
            .field("session", &self.session)
            .field("api_token", &self.api_token())
            .finish_non_exhaustive()
    }
}

impl Viewer {
    /// The personal API token the request came with, when it came with one instead of a
    /// session cookie.
    pub fn api_token(&self) -> Option<ApiTokenId> {
        match self.credential {
            Credential::ApiToken { id } => Some(id),
            Credential::Session { .. } => None,
        }
    }

    /// 403 for a request made with an API token: for what only a person logged in with a
    /// browser may do, such as making new tokens (a leaked token must not breed more).
    pub fn require_session(&self) -> Result<(), AppError> {
        match self.credential {
            Credential::Session { .. } => Ok(()),
            Credential::ApiToken { .. } => Err(AppError::Forbidden(
                "Dit kan niet met een API-sleutel: log in op de site en doe het daar.".to_string(),
            )),
        }
    }

    /// 403 unless the account's role passes `allowed`, e.g. `viewer.require(Role::can_moderate)`.
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), AppError> {
        if allowed(self.account.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Dit mag je account niet doen: daarvoor is een andere rol nodig.".to_string(),
            ))
        }
    }

    /// Checks the `csrf` field of a form. Empty passes (the form came from a cached public
    /// page without script; [`csrf_guard`] already checked its origin); anything else must be
    /// this session's token.
    pub fn check_form_token(&self, token: &str) -> Result<(), AppError> {
        if token.is_empty()
            || constant_time_eq(token.as_bytes(), self.session.csrf_token.as_bytes())
        {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Dit formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."
                    .to_string(),
            ))
        }
    }

    /// 403 when the account may not comment or vote: not confirmed yet, banned or suspended.
    pub fn can_post(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        if !self.account.verified {
            return Err(AppError::Forbidden(
                "Bevestig eerst je e-mailadres met de link die we je mailden.".to_string(),
            ));
        }
        match self.account.barred(now) {
            Some(reason) => Err(AppError::Forbidden(reason)),
            None => Ok(()),
        }
    }

    /// Ends this session (logging out); the caller clears the cookie. An API token has no
    /// session to end (it is revoked in the back office instead).
    pub async fn log_out(&self, state: &AppState) -> Result<(), AppError> {
        if let Credential::Session { token_hash } = &self.credential {
            state.store.delete_session(token_hash).await?;
        }
        Ok(())
    }
}

/// The answer to "who is this?", remembered for the rest of the request so several
/// extractors ask the store once.
#[derive(Clone)]
struct Looked(Option<Viewer>);

async fn look_up(parts: &mut Parts, state: &AppState) -> Result<Option<Viewer>, AppError> {
    if let Some(Looked(v)) = parts.extensions.get::<Looked>() {
        return Ok(v.clone());
    }
    let viewer = match bearer(&parts.headers) {
        Bearer::Token(token) => Some(api_token_viewer(state, token).await?),
        Bearer::Malformed => {
            return Err(AppError::BadApiToken(
                "Stuur een API-sleutel als \"Authorization: Bearer trb_...\", precies zoals je hem \
                 kreeg."
                    .to_string(),
            ));
        }
        Bearer::Absent => match session_token(&parts.headers, &state.config) {
            None => None,
            Some(token) => {
                let token_hash = sha256_hex(token);
                state
                    .store
                    .session(&token_hash, state.clock.now())
                    .await?
                    .map(|(session, account)| Viewer {
                        account,
                        session,
                        credential: Credential::Session { token_hash },
                    })
            }
        },
    };
    parts.extensions.insert(Looked(viewer.clone()));
    Ok(viewer)
}

/// The account of a personal API token, as it is now: refused when the token is unknown or
/// revoked, when the account is banned, or when its role no longer writes (tokens are for
/// the newsroom's staff).
async fn api_token_viewer(state: &AppState, token: &str) -> Result<Viewer, AppError> {
    let now = state.clock.now();
    let Some((token, account)) = state
        .store
        .account_by_api_token(&sha256_hex(token), now)
        .await?
    else {
        return Err(AppError::BadApiToken(
            "Deze API-sleutel bestaat niet of is ingetrokken.".to_string(),
        ));
    };
    if account.banned {
        return Err(AppError::BadApiToken(
            "Het account van deze API-sleutel is geblokkeerd.".to_string(),
        ));
    }
    if !account.role.can_write() {
        return Err(AppError::BadApiToken(
            "Het account van deze API-sleutel mag geen API-sleutels meer gebruiken.".to_string(),
        ));
    }
    Ok(Viewer {
        session: Session {
            account_id: account.id,
            // No form token: forms sent with a bearer token leave the field empty.
            csrf_token: String::new(),
            expires_at: DateTime::<Utc>::MAX_UTC,
        },
        account,
        credential: Credential::ApiToken { id: token.id },
    })
}

/// Where to come back to after logging in: the page asked for, or for a form sent without a
/// session, the page it was on (when that page is ours).
fn return_to(parts: &Parts, config: &WebConfig) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |u| &u.0);
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    }
    parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| {
            own_origins(&parts.headers, config)
                .into_iter()
                .find_map(|origin| referer.strip_prefix(origin.as_str()).map(str::to_string))
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_string())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match look_up(parts, state).await? {
            Some(v) => Ok(v),
            None => Err(AppError::LoginRequired {
                return_to: return_to(parts, &state.config),
            }),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        look_up(parts, state).await
    }
}

/// [`Viewer`] for the JSON API: 401 problem+json instead of a redirect.
#[derive(Debug, Clone)]
pub struct ApiViewer(pub Viewer);

impl FromRequestParts<AppState> for ApiViewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match look_up(parts, state).await? {
            Some(v) => Ok(Self(v)),
            None => Err(ApiError(AppError::LoginRequired {
                return_to: "/".to_string(),
            })),
        }
    }
}

impl OptionalFromRequestParts<AppState> for ApiViewer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        Ok(look_up(parts, state).await?.map(Self))
    }
}

// ---------------------------------------------------------------------------------------
// Client address (the type and its limits are in throttle.rs)

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Self::of(parts, &state.config))
    }
}

// ---------------------------------------------------------------------------------------
// The CSRF guard

/// The origins this site is reached at, as a browser would write them in `Origin`:
/// the configured public address, and the scheme and Host of this very request (the scheme
/// is https when cookies are Secure, or when a trusted proxy says so).
fn own_origins(headers: &HeaderMap, config: &WebConfig) -> Vec<String> {
    let mut origins = Vec::with_capacity(2);
    if let Some(public) = origin_of(&config.public_url) {
        origins.push(public);
    }
    let forwarded_https = config.trusted_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let scheme = if config.secure_cookies || forwarded_https {
        "https"
    } else {
        "http"
    };
    if let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
        origins.push(format!("{scheme}://{}", host.to_ascii_lowercase()));
    }
    origins
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        )
    })
}

/// Whether a state-changing request may go on (see the module docs for why these rules).
fn same_site_request(headers: &HeaderMap, config: &WebConfig) -> bool {
    let cookie = session_token(headers, config).is_some();
    if !cookie && bearer(headers) != Bearer::Absent {
        // A script with its token: nothing a browser could have sent for someone else.
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim().to_ascii_lowercase();
        return own_origins(headers, config).contains(&origin);
    }
    !cookie
}

/// Middleware: refuses state-changing requests that a browser says came from another site.
/// 403 as a page, or as problem+json under /api/.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || same_site_request(request.headers(), &state.config) {
        return next.run(request).await;
    }
    tracing::info!(
        method = %request.method(),
        path = request.uri().path(),
        "refused a cross-site request"
    );
    let error = AppError::Forbidden(
        "Dit verzoek kwam niet van Tribune zelf en is daarom geweigerd. Ga terug naar de pagina, \
         laad ze opnieuw en probeer het nog eens."
            .to_string(),
    );
    if request.uri().path().starts_with("/api/") {
        ApiError(error).into_response()
    } else {
        error.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secure: bool) -> WebConfig {
        let mut c = WebConfig::new(std::path::PathBuf::from("/tmp/media"));
        c.secure_cookies = secure;
        c.public_url = "https://www.tribune.example".into();
        c
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn tokens_are_128_bit_hex_and_hashed_to_sha256() {
        let t = random_token().unwrap();
        assert!(looks_like_token(&t), "{t}");
        assert_ne!(t, random_token().unwrap());
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let c = config(false);
        let token = "0123456789abcdef0123456789abcdef";
        let h = headers(&[("cookie", &format!("a=b; tribune_sessie={token}; c=d"))]);
        assert_eq!(session_token(&h, &c), Some(token));
        assert_eq!(
            session_token(&h, &config(true)),
            None,
            "other name over TLS"
        );
        let junk = headers(&[("cookie", "tribune_sessie=../../etc")]);
        assert_eq!(session_token(&junk, &c), None);
    }

    #[test]
    fn cookies_say_secure_only_over_tls() {
        let plain = session_cookie(&config(false), "t").unwrap();
        let plain = plain.to_str().unwrap();
        assert!(plain.starts_with("tribune_sessie=t; Path=/;"), "{plain}");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        let tls = session_cookie(&config(true), "t").unwrap();
        let tls = tls.to_str().unwrap();
        assert!(tls.starts_with("__Host-tribune=t; Path=/;") && tls.ends_with("; Secure"));
    }

    #[test]
    fn the_guard_lets_our_own_pages_through_and_refuses_others() {
        let c = config(false);
        let cookie = ("cookie", "tribune_sessie=0123456789abcdef0123456789abcdef");
        let host = ("host", "127.0.0.1:8080");
        assert!(same_site_request(
            &headers(&[("sec-fetch-site", "same-origin"), cookie]),
            &c
        ));
        assert!(same_site_request(
            &headers(&[("sec-fetch-site", "none"), cookie]),
            &c
        ));
        assert!(!same_site_request(
            &headers(&[("sec-fetch-site", "cross-site"), cookie]),
            &c
        ));
        assert!(!same_site_request(
            &headers(&[("sec-fetch-site", "same-site"), cookie]),
            &c
        ));
        assert!(same_site_request(
            &headers(&[("origin", "http://127.0.0.1:8080"), host, cookie]),
            &c
        ));
        assert!(same_site_request(
            &headers(&[("origin", "https://www.tribune.example"), host, cookie]),
            &c
        ));
        assert!(!same_site_request(
            &headers(&[("origin", "https://evil.example"), host, cookie]),
            &c
        ));
        assert!(!same_site_request(
            &headers(&[("origin", "null"), host, cookie]),
            &c
        ));
        // No word on where it came from: fine without a session, refused with one.
        assert!(same_site_request(&headers(&[host]), &c));
        assert!(!same_site_request(&headers(&[host, cookie]), &c));
    }

    #[test]
    fn api_tokens_are_prefixed_256_bit_hex_and_read_from_the_bearer_header() {
        let t = new_api_token().unwrap();
        assert!(t.starts_with("trb_") && t.len() == 68, "{t}");
        assert!(looks_like_api_token(&t));
        assert_ne!(t, new_api_token().unwrap());
        assert_eq!(
            bearer(&headers(&[("authorization", &format!("Bearer {t}"))])),
            Bearer::Token(&t)
        );
        assert_eq!(
            bearer(&headers(&[("authorization", &format!("bearer   {t} "))])),
            Bearer::Token(&t)
        );
        assert_eq!(bearer(&headers(&[])), Bearer::Absent);
        // Someone else's scheme (a proxy's login) is not ours to judge.
        assert_eq!(
            bearer(&headers(&[("authorization", "Basic cmVkYWN0aWU6Z2VoZWlt")])),
            Bearer::Absent
        );
        for bad in [
            "Bearer".to_string(),
            "Bearer ".to_string(),
            "Bearer 0123456789abcdef0123456789abcdef".to_string(),
            format!("Bearer {}", t.to_uppercase()),
            format!("Bearer {}x", t),
            format!("Bearer {t} {t}"),
        ] {
            assert_eq!(
                bearer(&headers(&[("authorization", &bad)])),
                Bearer::Malformed,
                "{bad}"
            );
        }
        let two = headers(&[
            ("authorization", &format!("Bearer {t}")),
            ("authorization", &format!("Bearer {t}")),
        ]);
        assert_eq!(bearer(&two), Bearer::Malformed);
    }

    #[test]
    fn a_bearer_token_without_a_cookie_passes_the_guard_but_not_with_one() {
        let c = config(false);
        let host = ("host", "127.0.0.1:8080");
        let cookie = ("cookie", "tribune_sessie=0123456789abcdef0123456789abcdef");
        let token = new_api_token().unwrap();
        let auth = format!("Bearer {token}");
        let auth = ("authorization", auth.as_str());
        assert!(same_site_request(&headers(&[host, auth]), &c));
        assert!(same_site_request(
            &headers(&[host, auth, ("sec-fetch-site", "cross-site")]),
            &c
        ));
        // With a session cookie as well, the browser rules hold as before.
        assert!(!same_site_request(&headers(&[host, auth, cookie]), &c));
        assert!(!same_site_request(
            &headers(&[host, auth, cookie, ("sec-fetch-site", "cross-site")]),
            &c
        ));
        assert!(same_site_request(
            &headers(&[host, auth, cookie, ("sec-fetch-site", "same-origin")]),
            &c
        ));
        // A Basic login is no reason to wave anything through.
        let basic = ("authorization", "Basic cmVkYWN0aWU6Z2VoZWlt");
        assert!(!same_site_request(
            &headers(&[host, basic, ("sec-fetch-site", "cross-site")]),
            &c
        ));
    }

    #[test]
    fn over_tls_our_origin_is_https() {
        let c = config(true);
        let h = headers(&[
            ("origin", "http://tribune.local"),
            ("host", "tribune.local"),
        ]);
        assert!(!same_site_request(&h, &c));
        let h = headers(&[
            ("origin", "https://tribune.local"),
            ("host", "tribune.local"),
        ]);
        assert!(same_site_request(&h, &c));
    }

    #[test]
    fn form_tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[tokio::test]
    async fn passwords_hash_and_verify_and_the_dummy_is_a_real_hash() {
        let hash = hash_password("blauw zwart tot ik sterf".into())
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(hash.clone(), "blauw zwart tot ik sterf".into()).await);
        assert!(!verify_password(hash.clone(), "paars-wit".into()).await);
        assert!(!verify_password("garbage".into(), "x".into()).await);
        // The dummy has today's default cost, so it takes as long as a real account's.
        let dummy = PasswordHash::new(DUMMY_PASSWORD_HASH).unwrap();
        let real = PasswordHash::new(&hash).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.params, real.params);
        assert!(!check_login_password(None, "wat dan ook").await);
        // An imported account without a password lets nobody in, not even with "".
        assert!(!check_login_password(Some(String::new()), "").await);
        assert!(!check_login_password(Some(String::new()), "wat dan ook").await);
        assert!(check_login_password(Some(hash.clone()), "blauw zwart tot ik sterf").await);
        assert!(!check_login_password(Some(hash), &"x".repeat(300)).await);
    }
}
