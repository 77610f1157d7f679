//! Old addresses of imported articles (a WordPress site's permalinks and `/?p=ID`) answer
//! 301 to the article. Only requests nothing else answers are looked up: a 404, or the home
//! page asked for with `?p=` / `?page_id=`.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn old_addresses(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let uri = request.uri().clone();
    let path = uri.path();
    if path == "/"
        && let Some(query) = uri.query()
        && let Some(id) = query.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (matches!(name, "p" | "page_id") && value.bytes().all(|b| b.is_ascii_digit()))
                .then_some(value)
        })
        && let Some(found) = lookup(&state, &format!("/?p={id}")).await
    {
        return found;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::NOT_FOUND {
        return response;
    }
    let with_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or(path);
    if let Some(found) = lookup(&state, with_query).await {
        return found;
    }
    if with_query != path
        && let Some(found) = lookup(&state, path).await
    {
        return found;
    }
    response
}

async fn lookup(state: &AppState, path: &str) -> Option<Response> {
    match state.store.old_path(path, state.clock.now()).await {
        // 301 rather than axum's 308: what search engines and old links expect of a move.
        Ok(Some(target)) => Some(
            (
                StatusCode::MOVED_PERMANENTLY,
                [
                    (header::LOCATION, target),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
                ],
            )
                .into_response(),
        ),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, path, "cannot look up an old address");
            None
        }
    }
}
