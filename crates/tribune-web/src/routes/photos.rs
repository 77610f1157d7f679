//! Photo uploads for the newsroom: `POST /redactie/fotos` (the article editor's script, with
//! the session's `csrf` token) and `POST /api/v1/photos` (scripts and apps). Both read the
//! same multipart form (`file`, `credit`, `caption`) through [`receive`] and answer the same
//! JSON; the article that uses the photo keeps `path`, `credit`, `caption`, `width` and
//! `height` (the photos row is written when the article is saved).
//!
//! Only these two routes take bodies up to [`BODY_LIMIT`]; the rest of the site keeps axum's
//! small default.

use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Serialize;
use tribune_core::account::Role;

use crate::auth::{ApiViewer, Viewer};
use crate::error::ApiError;
use crate::error::AppError;
use crate::photos::{self, MAX_BYTES, PhotoError, ProcessedPhoto};
use crate::state::AppState;

/// The largest body these routes read: a photo of [`MAX_BYTES`] plus the other fields and
/// the multipart boundaries.
pub const BODY_LIMIT: usize = MAX_BYTES + 64 * 1024;

/// Where every stored photo file is served (`routes::site::media`).
const MEDIA_PREFIX: &str = "/media/";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redactie/fotos", post(upload_from_editor))
        .route("/api/v1/photos", post(upload_from_api))
        // Applies to the routes above only.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The answer to an upload: what the article form keeps, and what the editor shows.
#[derive(Debug, Serialize)]
pub struct UploadedPhoto {
    /// The master's file name under the media directory: `Photo.path` of the article.
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub credit: String,
    pub caption: Option<String>,
    /// A variant no wider than 1024 px, for `<img src>`.
    pub src: String,
    pub srcset: String,
    pub content_type: &'static str,
}

impl UploadedPhoto {
    fn new(photo: &ProcessedPhoto, credit: String, caption: Option<String>) -> Self {
        Self {
            path: photo
                .master()
                .map(|m| m.file_name.clone())
                .unwrap_or_default(),
            width: photo.width,
            height: photo.height,
            credit,
            caption,
            src: photo.src(MEDIA_PREFIX),
            srcset: photo.srcset(MEDIA_PREFIX),
            content_type: photo.content_type,
        }
    }

    fn into_response(self) -> Response {
        let location = format!("{MEDIA_PREFIX}{}", self.path);
        let mut response = (
            StatusCode::CREATED,
            [(header::CACHE_CONTROL, "private, no-store")],
            axum::Json(self),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response
    }
}

/// The editor's upload: a logged-in journalist, editor or admin, with the session's form
/// token. Refusals are problem+json when the request asks for JSON (the editor's fetch does),
/// otherwise an error page.
async fn upload_from_editor(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Option<Viewer>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let json = wants_json(&headers);
    let result = match viewer {
        Some(viewer) => receive(&state, &viewer, &headers, form, true).await,
        // Log in first (401 for the editor's script, else the login page), then back to
        // the editor.
        None => Err(AppError::LoginRequired {
            return_to: "/redactie".to_string(),
        }),
    };
    match result {
        Ok(photo) => photo.into_response(),
        Err(e) if json => ApiError(e).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The same upload for scripts and apps.
async fn upload_from_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiViewer(viewer): ApiViewer,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    Ok(receive(&state, &viewer, &headers, form, false)
        .await?
        .into_response())
}

/// True when the client wants JSON answers (also for errors).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") || v.contains("+json"))
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(PhotoError::TooManyBytes { len: 0 }.to_string())
}

/// What the form carried.
#[derive(Default)]
struct UploadForm {
    file: Option<bytes::Bytes>,
    credit: String,
    caption: String,
    csrf: String,
}

/// Reads and judges the form and stores the photo. Everything that can be refused without
/// decoding (role, form token, credit, caption) is refused before the photo is processed;
/// [`photos::process`] itself writes nothing for a photo it refuses.
async fn receive(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    form: Result<Multipart, MultipartRejection>,
    require_form_token: bool,
) -> Result<UploadedPhoto, AppError> {
    viewer.require(Role::can_write)?;
    // A body announced as too large is refused before a byte of it is read.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|len| len > BODY_LIMIT as u64) {
        return Err(too_large());
    }
    let form = read_form(form).await?;
    if require_form_token && form.csrf.is_empty() {
        // The editor is a private page: its form always carries the session's token.
        return Err(AppError::Forbidden(
            "Dit formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."
                .to_string(),
        ));
    }
    if !form.csrf.is_empty() {
        viewer.check_form_token(&form.csrf)?;
    }
    let credit = photos::check_credit(&form.credit).map_err(AppError::BadRequest)?;
    let caption = photos::check_caption(&form.caption).map_err(AppError::BadRequest)?;
    let file = form.file.ok_or_else(|| {
        AppError::BadRequest("Kies een foto (JPEG, PNG of WebP) om op te laden.".to_string())
    })?;

    let photo = photos::process_in_background(file, state.config.media_dir.clone()).await?;
    if !photo.already_stored {
        tracing::info!(
            account = %viewer.account.id,
            key = %photo.key,
            width = photo.width,
            height = photo.height,
            "photo uploaded"
        );
    }
    Ok(UploadedPhoto::new(&photo, credit, caption))
}

async fn read_form(form: Result<Multipart, MultipartRejection>) -> Result<UploadForm, AppError> {
    let mut multipart = form.map_err(|e| {
        AppError::BadRequest(format!(
            "Stuur de foto als formulier (multipart/form-data): {}",
            e.body_text()
        ))
    })?;
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                if form.file.is_some() {
                    return Err(AppError::BadRequest("Stuur één foto tegelijk.".to_string()));
                }
                form.file = Some(field.bytes().await.map_err(unreadable)?);
            }
            "credit" => form.credit = field.text().await.map_err(unreadable)?,
            "caption" => form.caption = field.text().await.map_err(unreadable)?,
            "csrf" => form.csrf = field.text().await.map_err(unreadable)?,
            // Other fields (a file name, the browser's extras) play no part.
            _ => {}
        }
    }
    Ok(form)
}

/// A form that stopped short of the end, or one over the size limit.
fn unreadable(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::BadRequest(format!(
            "Het formulier met de foto is niet volledig aangekomen: {}",
            e.body_text()
        ))
    }
}
