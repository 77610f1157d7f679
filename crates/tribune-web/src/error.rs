//! One error type for every handler. 4xx says what to fix; 5xx logs the whole chain and shows
//! a generic page. HTML for the site, problem+json (RFC 9457) for the API.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tribune_core::StoreError;

use crate::photos::PhotoError;
use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The request itself is wrong; the message tells the reader what.
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Render(#[from] askama::Error),
    #[error("{0}")]
    Internal(String),
    /// Needs a logged-in account. HTML answers send the reader to the login page and back
    /// to `return_to` afterwards; the API answers 401.
    #[error("login required")]
    LoginRequired { return_to: String },
    /// The request's personal API token is malformed, unknown, revoked or of an account that
    /// may not use it; the message says which. Always 401 problem+json with
    /// `WWW-Authenticate: Bearer`, never a login page: a script is asking.
    #[error("{0}")]
    BadApiToken(String),
    /// Logged in, but this account may not do this; the message says why.
    #[error("{0}")]
    Forbidden(String),
    /// The request body is larger than this route takes (a photo over 20 MB); the message
    /// says what the limit is.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too fast (login attempts, comments); try again after `retry_after_seconds`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_seconds: u64,
    },
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) | Self::Store(StoreError::Invalid(_)) => StatusCode::BAD_REQUEST,
            Self::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            Self::LoginRequired { .. } | Self::BadApiToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the reader is told; never internals.
    pub fn public_detail(&self) -> String {
        match self {
            Self::NotFound | Self::Store(StoreError::NotFound) => {
                "Deze pagina bestaat niet (meer).".to_string()
            }
            Self::BadRequest(m) => m.clone(),
            Self::Store(StoreError::Invalid(m)) | Self::Store(StoreError::Conflict(m)) => m.clone(),
            Self::LoginRequired { .. } => "Log in om dit te doen.".to_string(),
            Self::Forbidden(m) | Self::BadApiToken(m) | Self::PayloadTooLarge(m) => m.clone(),
            Self::TooManyRequests { message, .. } => message.clone(),
            Self::Store(StoreError::Unavailable(_)) => {
                "Tribune is even niet bereikbaar. Probeer het over enkele seconden opnieuw."
                    .to_string()
            }
            _ => "Er ging iets mis aan onze kant. Probeer het zo meteen opnieuw.".to_string(),
        }
    }

    fn log(&self) {
        if self.status() == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %self, "answered 503: the database is unreachable");
        } else if self.status().is_server_error() {
            let mut chain = self.to_string();
            let mut source = std::error::Error::source(self);
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        if let Self::LoginRequired { return_to } = &self {
            return login_redirect(return_to);
        }
        if let Self::BadApiToken(_) = &self {
            return ApiError(self).into_response();
        }
        let status = self.status();
        let title = if status == StatusCode::NOT_FOUND {
            "Pagina niet gevonden"
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            "Even geduld"
        } else if status.is_client_error() {
            "Dat begrijpen we niet"
        } else {
            "Er ging iets mis"
        };
        let page = views::ErrorPage {
            layout: views::Layout::new(format!("{title} — Tribune"), title),
            status: status.as_u16(),
            title,
            detail: self.public_detail(),
        };
        let body = page.render().unwrap_or_else(|_| {
            "<!doctype html><title>Fout</title><h1>Er ging iets mis</h1>".to_string()
        });
        // Only "no such page" and "bad address" are the same for everyone; anything about the
        // reader's own request or account must not be cached.
        let cache = if matches!(status, StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST) {
            "public, max-age=30"
        } else {
            "no-store"
        };
        let mut response = (status, [(header::CACHE_CONTROL, cache)], Html(body)).into_response();
        self.retry_after(&mut response);
        response
    }
}

/// The same errors, answered as application/problem+json for the API.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.0.public_detail(),
        });
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        self.0.retry_after(&mut response);
        // RFC 9110 wants a challenge with every 401; ours is a bearer token (RFC 6750).
        let challenge = match self.0 {
            AppError::BadApiToken(_) => Some(r#"Bearer realm="tribune", error="invalid_token""#),
            AppError::LoginRequired { .. } => Some(r#"Bearer realm="tribune""#),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

impl AppError {
    /// A 503 or 429 tells clients when to come back.
    fn retry_after(&self, response: &mut Response) {
        let value = match self {
            Self::TooManyRequests {
                retry_after_seconds,
                ..
            } => header::HeaderValue::from(*retry_after_seconds),
            _ if response.status() == StatusCode::SERVICE_UNAVAILABLE => {
                header::HeaderValue::from_static(RETRY_AFTER_SECONDS)
            }
            _ => return,
        };
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

/// To the login page, which sends the reader back to where they were.
fn login_redirect(return_to: &str) -> Response {
    let target = format!("/inloggen?terug={}", crate::views::url_encode(return_to));
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, target),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

pub const RETRY_AFTER_SECONDS: &str = "5";

impl From<PhotoError> for AppError {
    fn from(e: PhotoError) -> Self {
        if matches!(e, PhotoError::TooManyBytes { .. }) {
            Self::PayloadTooLarge(e.to_string())
        } else if e.is_refusal() {
            Self::BadRequest(e.to_string())
        } else {
            Self::Internal(e.to_string())
        }
    }
}
