//! One error type for every handler. 4xx says what to fix; 5xx logs the whole chain and shows
//! a generic page. HTML for the site, problem+json (RFC 9457) for the API.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tribune_core::StoreError;

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
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) | Self::Store(StoreError::Invalid(_)) => StatusCode::BAD_REQUEST,
            Self::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the reader is told; never internals.
    fn public_detail(&self) -> String {
        match self {
            Self::NotFound | Self::Store(StoreError::NotFound) => {
                "Deze pagina bestaat niet (meer).".to_string()
            }
            Self::BadRequest(m) => m.clone(),
            Self::Store(StoreError::Invalid(m)) => m.clone(),
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
        let cache = if status.is_server_error() {
            "no-store"
        } else {
            "public, max-age=30"
        };
        let mut response = (status, [(header::CACHE_CONTROL, cache)], Html(body)).into_response();
        retry_after(&mut response);
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
        retry_after(&mut response);
        response
    }
}

/// A 503 tells clients and load balancers when to come back.
fn retry_after(response: &mut Response) {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
}

pub const RETRY_AFTER_SECONDS: &str = "5";
