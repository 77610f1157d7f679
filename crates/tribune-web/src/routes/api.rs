//! The public JSON API under /api/v1, described by /api/v1/openapi.json (kept beside this
//! file; the integration tests hold the two together).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tribune_core::article::{Article, ArticleSummary};
use tribune_core::store::{ArticleQuery, Cursor};
use tribune_core::time::iso;
use tribune_core::topic::{TopicRef, topic_path};

use super::{Params, Segment, limit, params, segment};
use crate::cache::{CacheKey, Page};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/articles", get(articles))
        .route("/api/v1/articles/{id}", get(article))
        .route("/api/v1/topics", get(topics))
        .route("/api/v1/openapi.json", get(openapi))
}

#[derive(Serialize)]
struct SummaryJson {
    id: i64,
    url: String,
    title: String,
    display_title: String,
    kind: &'static str,
    source: Option<String>,
    author: String,
    published_at: String,
    teaser: String,
    comment_count: i64,
}

impl From<&ArticleSummary> for SummaryJson {
    fn from(a: &ArticleSummary) -> Self {
        Self {
            id: a.id,
            url: a.path(),
            title: a.title.clone(),
            display_title: a.display_title(),
            kind: a.kind.as_str(),
            source: a.source.clone(),
            author: a.author_name.clone(),
            published_at: iso(a.published_at),
            teaser: a.teaser.clone(),
            comment_count: a.comment_count,
        }
    }
}

#[derive(Serialize)]
struct TopicJson {
    slug: String,
    name: String,
    kind: &'static str,
    url: String,
}

impl From<&TopicRef> for TopicJson {
    fn from(t: &TopicRef) -> Self {
        Self {
            slug: t.slug.clone(),
            name: t.name.clone(),
            kind: t.kind.as_str(),
            url: t.path(),
        }
    }
}

#[derive(Serialize)]
struct PhotoJson {
    url: String,
    credit: String,
    caption: Option<String>,
    width: u32,
    height: u32,
}

#[derive(Serialize)]
struct AuthorJson {
    name: String,
    slug: String,
    url: String,
}

#[derive(Serialize)]
struct ArticleJson {
    id: i64,
    url: String,
    slug: String,
    title: String,
    display_title: String,
    kind: &'static str,
    source: Option<String>,
    author: AuthorJson,
    published_at: String,
    updated_at: String,
    lead: String,
    body_html: String,
    photo: Option<PhotoJson>,
    comment_count: i64,
    topics: Vec<TopicJson>,
    related: Vec<SummaryJson>,
}

impl From<&Article> for ArticleJson {
    fn from(a: &Article) -> Self {
        Self {
            id: a.id,
            url: a.path(),
            slug: a.slug.clone(),
            title: a.title.clone(),
            display_title: a.display_title(),
            kind: a.kind.as_str(),
            source: a.source.clone(),
            author: AuthorJson {
                name: a.author.name.clone(),
                slug: a.author.slug.clone(),
                url: format!("/auteur/{}", a.author.slug),
            },
            published_at: iso(a.published_at),
            updated_at: iso(a.updated_at),
            lead: a.lead.clone(),
            body_html: a.body_html.clone(),
            photo: a.photo.as_ref().map(|p| PhotoJson {
                url: format!("/media/{}", p.path),
                credit: p.credit.clone(),
                caption: p.caption.clone(),
                width: p.width,
                height: p.height,
            }),
            comment_count: a.comment_count,
            topics: a.topics.iter().map(TopicJson::from).collect(),
            related: a.related.iter().map(SummaryJson::from).collect(),
        }
    }
}

fn json(value: &impl Serialize, keys: Vec<CacheKey>) -> Result<Page, AppError> {
    serde_json::to_vec(value)
        .map(|body| Page::json(body, keys))
        .map_err(|e| AppError::Internal(format!("json: {e}")))
}

/// Newest first; `cursor` continues where `next_cursor` of the previous answer left off.
async fn articles(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let limit = limit(&p, DEFAULT_LIMIT)?;
    let after = match p.get("cursor") {
        None => None,
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
            AppError::BadRequest("cursor is not one this API handed out".to_string())
        })?),
    };
    let topic_slug = p.get("topic").cloned();
    let key = format!(
        "api:articles:{}:{}:{limit}",
        topic_slug.as_deref().unwrap_or(""),
        after.map(|c| c.encode()).unwrap_or_default()
    );
    let page = state
        .cache
        .get_or_render(&key, || async {
            let mut keys = vec![CacheKey::Lists];
            let topic = match &topic_slug {
                Some(slug) => {
                    let t = state
                        .store
                        .topic_by_slug(slug)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    keys.push(CacheKey::Topic(t.slug.clone()));
                    Some(t.id)
                }
                None => None,
            };
            let mut items = state
                .store
                .articles(
                    &ArticleQuery {
                        topic,
                        after,
                        limit: limit + 1,
                        ..Default::default()
                    },
                    state.clock.now(),
                )
                .await?;
            let more = items.len() > limit as usize;
            items.truncate(limit as usize);
            let next_cursor = if more {
                items.last().map(|a| Cursor::of(a).encode())
            } else {
                None
            };
            json(
                &serde_json::json!({
                    "articles": items.iter().map(SummaryJson::from).collect::<Vec<_>>(),
                    "next_cursor": next_cursor,
                }),
                keys,
            )
        })
        .await?;
    Ok(page.respond(&headers))
}

async fn article(
    State(state): State<AppState>,
    id: Segment,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id: i64 = segment(id)?
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)?;
    let page = state
        .cache
        .get_or_render(&format!("api:article:{id}"), || async {
            let a = state
                .store
                .article(id, state.clock.now())
                .await?
                .ok_or(AppError::NotFound)?;
            let mut keys = vec![CacheKey::Article(a.id)];
            keys.extend(a.related.iter().map(|r| CacheKey::Article(r.id)));
            json(&ArticleJson::from(&a), keys)
        })
        .await?;
    Ok(page.respond(&headers))
}

async fn topics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let page = state
        .cache
        .get_or_render("api:topics", || async {
            let topics = state.store.topics().await?;
            let list: Vec<_> = topics
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "slug": t.slug,
                        "name": t.name,
                        "kind": t.kind.as_str(),
                        "aliases": t.aliases,
                        "url": topic_path(&t.slug),
                    })
                })
                .collect();
            json(
                &serde_json::json!({ "topics": list }),
                vec![CacheKey::Topics],
            )
        })
        .await?;
    Ok(page.respond(&headers))
}

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
