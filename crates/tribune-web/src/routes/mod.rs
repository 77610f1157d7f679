pub mod account;
pub mod api;
pub mod comments;
pub mod feeds;
pub mod law;
pub mod live;
pub mod live_console;
pub mod match_api;
pub mod match_evening;
pub mod matches;
pub mod moderation;
pub mod newsroom;
pub mod ops;
pub mod photos;
pub mod polls;
pub mod redirects;
pub mod search;
pub mod site;
pub mod teams_desk;
pub mod tokens;
pub mod topics_desk;

use std::collections::HashMap;

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Json, Path, Query};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use tribune_core::comment::{CommentCursor, CommentSort};

use crate::cache::Page;
use crate::error::AppError;

/// Headers every answer carries: no sniffing, no framing, a strict CSP (no inline script or
/// style anywhere on the site).
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    response
}

/// The query string as name -> value; a malformed one is the reader's error, not ours.
pub type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

pub fn params(p: Params) -> Result<HashMap<String, String>, AppError> {
    p.map(|Query(m)| m)
        .map_err(|e| AppError::BadRequest(format!("De zoekparameters kloppen niet: {e}")))
}

/// Most items one API answer may hold (`?limit=`).
pub const MAX_LIMIT: u32 = 100;

/// `?limit=N` of an API list: 1 to [`MAX_LIMIT`], `default` when absent.
pub fn limit(params: &HashMap<String, String>, default: u32) -> Result<u32, AppError> {
    match params.get("limit") {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!("limit must be a number from 1 to {MAX_LIMIT}"))
            }),
    }
}

/// Highest page number a list offers; beyond it nobody is reading.
pub const MAX_PAGE: u32 = 1_000;

/// `?pagina=N` (default 1).
pub fn page_number(params: &HashMap<String, String>) -> Result<u32, AppError> {
    match params.get("pagina") {
        None => Ok(1),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "pagina moet een getal van 1 tot {MAX_PAGE} zijn, niet \"{v}\""
                ))
            }),
    }
}

/// A path segment such as an id or slug; one that is not valid UTF-8 is the reader's error.
pub type Segment = Result<Path<String>, PathRejection>;

pub fn segment(p: Segment) -> Result<String, AppError> {
    p.map(|Path(s)| s).map_err(|_| {
        AppError::BadRequest("Dit adres bevat tekens die we niet kunnen lezen.".to_string())
    })
}

/// A submitted form; one that cannot be read is the sender's error.
pub fn form<T>(f: Result<Form<T>, FormRejection>) -> Result<T, AppError> {
    f.map(|Form(t)| t).map_err(|e| {
        AppError::BadRequest(format!("Het formulier is niet volledig of klopt niet: {e}"))
    })
}

/// A JSON body; one that cannot be read is the sender's error.
pub fn json<T>(j: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    j.map(|Json(t)| t)
        .map_err(|e| AppError::BadRequest(format!("De JSON klopt niet: {}", e.body_text())))
}

/// A back-office or form page: the viewer's own, never stored by browsers or CDNs.
pub fn personal(html: String) -> Response {
    personal_with(axum::http::StatusCode::OK, html)
}

pub fn personal_with(status: axum::http::StatusCode, html: String) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "private, no-store")],
        axum::response::Html(html),
    )
        .into_response()
}

/// A JSON answer about the reader's own state: never stored by browsers or CDNs.
pub fn private_json(status: axum::http::StatusCode, body: impl serde::Serialize) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "private, no-store")],
        Json(body),
    )
        .into_response()
}

/// The page, or a redirect to its own address when it was asked for under another one (an
/// old slug), with the query kept.
pub fn at_canonical(rendered: &Page, uri: &Uri, headers: &HeaderMap) -> Response {
    match &rendered.canonical {
        // 301, not 308: the old address is gone for good and every crawler knows 301.
        Some(canonical) if canonical != uri.path() => {
            let location = match uri.query() {
                Some(query) => format!("{canonical}?{query}"),
                None => canonical.clone(),
            };
            (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
        _ => rendered.respond(headers),
    }
}

/// `?sorteer=` (or `?sort=`) and `?na=` (or `?after=`) of a comment section.
pub fn comment_paging(
    q: &std::collections::HashMap<String, String>,
) -> Result<(CommentSort, Option<CommentCursor>), AppError> {
    let sort = match q.get("sort").or_else(|| q.get("sorteer")) {
        None => CommentSort::Newest,
        Some(s) => CommentSort::parse(s)
            .or(match s.as_str() {
                "newest" => Some(CommentSort::Newest),
                "oldest" => Some(CommentSort::Oldest),
                "best" => Some(CommentSort::Best),
                _ => None,
            })
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Sorteren kan op nieuwste, oudste of beste, niet op \"{s}\"."
                ))
            })?,
    };
    let after = match q.get("after").or_else(|| q.get("na")) {
        None => None,
        Some(c) => Some(CommentCursor::decode(c).ok_or_else(|| {
            AppError::BadRequest(format!("\"{c}\" is geen geldige positie in de reacties."))
        })?),
    };
    Ok((sort, after))
}
