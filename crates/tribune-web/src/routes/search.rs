//! Search: the page `/zoeken` and `GET /api/v1/search`, both answered from this node's index
//! (tribune-search). Results are the same for every reader; they are not kept in the page
//! cache (every query is its own page, and a flood of odd queries would push the articles
//! out), but carry an ETag so a repeated search costs no bytes.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Serialize;
use tribune_core::ArticleKind;
use tribune_core::article::{article_path, display_title};
use tribune_core::store::StoreError;
use tribune_core::time::iso;
use tribune_search::{SearchIndex, SearchQuery, SearchResults, SortOrder};

use super::{Params, limit, params};
use crate::cache::{CacheKey, Page};
use crate::error::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::search::{HitView, KindOption, SearchPage, TopicOption, quoted};
use crate::views::{Layout, Pager, url_encode};

/// Results per page on /zoeken, and the API's default.
pub const PAGE_SIZE: usize = 20;
/// Searches change as soon as an article does: caches must ask again each time (an unchanged
/// answer is a 304).
const CACHE_CONTROL: &str = "public, no-cache";
/// Longest query we read; the rest is ignored.
const MAX_QUERY_CHARS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/zoeken", get(page))
        .route("/api/v1/search", get(api))
}

/// The parameters of both faces, by their Dutch (page) or English (API) names.
struct Names {
    q: &'static str,
    topic: &'static str,
    kind: &'static str,
    from: &'static str,
    to: &'static str,
    order: &'static str,
    relevance: &'static str,
    newest: &'static str,
    page: &'static str,
}

const PAGE_NAMES: Names = Names {
    q: "q",
    topic: "onderwerp",
    kind: "soort",
    from: "van",
    to: "tot",
    order: "volgorde",
    relevance: "relevantie",
    newest: "nieuwste",
    page: "pagina",
};

const API_NAMES: Names = Names {
    q: "q",
    topic: "topic",
    kind: "kind",
    from: "from",
    to: "to",
    order: "sort",
    relevance: "relevance",
    newest: "newest",
    page: "page",
};

/// A search as asked, checked; `page` counts from 1.
struct Asked {
    query: SearchQuery,
    page: usize,
}

impl Asked {
    fn read(p: &HashMap<String, String>, n: &Names, limit: usize) -> Result<Self, AppError> {
        let text: String = p
            .get(n.q)
            .map(|q| q.chars().take(MAX_QUERY_CHARS).collect())
            .unwrap_or_default();
        let given = |name: &str| p.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let topic = given(n.topic).map(str::to_string);
        let kind = match given(n.kind) {
            None => None,
            Some(k) => Some(ArticleKind::parse(k).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "{} moet een van news, rumour, interview, opinion, match_report zijn, niet \"{k}\"",
                    n.kind
                ))
            })?),
        };
        let date = |name: &str| -> Result<Option<NaiveDate>, AppError> {
            given(name)
                .map(|d| {
                    NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                        AppError::BadRequest(format!(
                            "{name} moet een datum als 2026-11-22 zijn, niet \"{d}\""
                        ))
                    })
                })
                .transpose()
        };
        let (from, to) = (date(n.from)?, date(n.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::BadRequest(format!(
                "{} ligt na {}: kies een begin voor het einde",
                n.from, n.to
            )));
        }
        let order = match given(n.order) {
            None => SortOrder::Relevance,
            Some(o) if o == n.relevance => SortOrder::Relevance,
            Some(o) if o == n.newest => SortOrder::Newest,
            Some(o) => {
                return Err(AppError::BadRequest(format!(
                    "{} is {} of {}, niet \"{o}\"",
                    n.order, n.relevance, n.newest
                )));
            }
        };
        let max_page = tribune_search::MAX_OFFSET / limit;
        let page = match given(n.page) {
            None => 1,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|p| (1..=max_page).contains(p))
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "{} moet een getal van 1 tot {max_page} zijn, niet \"{v}\"",
                        n.page
                    ))
                })?,
        };
        Ok(Self {
            query: SearchQuery {
                text,
                topic,
                kind,
                from,
                to,
                order,
                offset: (page - 1) * limit,
                limit,
            },
            page,
        })
    }

    /// Whether there is anything to look for: a word, or at least a filter to browse by.
    fn is_empty(&self) -> bool {
        let q = &self.query;
        q.text.trim().is_empty()
            && q.topic.is_none()
            && q.kind.is_none()
            && q.from.is_none()
            && q.to.is_none()
    }

    /// The address of another page of this search on /zoeken.
    fn link(&self, page: usize) -> String {
        let q = &self.query;
        let mut parts = vec![format!("q={}", url_encode(&q.text))];
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(format!("{name}={}", url_encode(&v)));
            }
        };
        add(PAGE_NAMES.topic, q.topic.clone());
        add(PAGE_NAMES.kind, q.kind.map(|k| k.as_str().to_string()));
        add(PAGE_NAMES.from, q.from.map(|d| d.to_string()));
        add(PAGE_NAMES.to, q.to.map(|d| d.to_string()));
        if q.order == SortOrder::Newest {
            add(PAGE_NAMES.order, Some(PAGE_NAMES.newest.to_string()));
        }
        if page > 1 {
            add(PAGE_NAMES.page, Some(page.to_string()));
        }
        format!("/zoeken?{}", parts.join("&"))
    }
}

fn index(state: &AppState) -> Result<Arc<SearchIndex>, AppError> {
    state.search.clone().ok_or_else(|| {
        AppError::Store(StoreError::Unavailable(
            "this node has no search index".into(),
        ))
    })
}

/// Searching is CPU work: off the async threads.
async fn run(
    index: Arc<SearchIndex>,
    query: SearchQuery,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SearchResults, AppError> {
    tokio::task::spawn_blocking(move || index.search(&query, now))
        .await
        .map_err(|e| AppError::Internal(format!("search task: {e}")))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The answer as a page that is the same for everyone, revalidated on every use.
fn respond(page: Page, headers: &HeaderMap) -> Response {
    let mut response = page.respond(headers);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    response
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, AppError> {
    let asked = Asked::read(&params(q)?, &PAGE_NAMES, PAGE_SIZE)?;
    let index = index(&state)?;
    let topics = state.store.topics().await?;
    let (results, summary) = if asked.is_empty() {
        (None, None)
    } else {
        let results = run(index.clone(), asked.query.clone(), state.clock.now()).await?;
        let summary = summary(&asked, &results, index.is_ready());
        (Some(results), Some(summary))
    };
    let hits: Vec<HitView> = results
        .iter()
        .flat_map(|r| r.hits.iter().map(HitView::from))
        .collect();
    let has_more = results
        .as_ref()
        .is_some_and(|r| r.total > asked.query.offset + r.hits.len());
    let q = &asked.query;
    let title = if q.text.trim().is_empty() {
        "Zoeken — Tribune".to_string()
    } else {
        format!("{} — zoeken op Tribune", q.text.trim())
    };
    let view = SearchPage {
        layout: Layout::new(title, "Zoek in het voetbalnieuws van Tribune."),
        q: q.text.clone(),
        topics: topics
            .iter()
            .map(|t| TopicOption {
                slug: t.slug.clone(),
                name: t.name.clone(),
                selected: q.topic.as_deref() == Some(t.slug.as_str()),
            })
            .collect(),
        kinds: ArticleKind::ALL
            .into_iter()
            .map(|k| KindOption {
                value: k.as_str(),
                label: kind_name(k),
                selected: q.kind == Some(k),
            })
            .collect(),
        from: q.from.map(|d| d.to_string()).unwrap_or_default(),
        to: q.to.map(|d| d.to_string()).unwrap_or_default(),
        newest: q.order == SortOrder::Newest,
        summary,
        hits,
        pager: Pager {
            previous: (asked.page > 1).then(|| asked.link(asked.page - 1)),
            next: has_more.then(|| asked.link(asked.page + 1)),
        },
    };
    let page = Page::html(view.render()?, vec![CacheKey::Lists, CacheKey::Search]);
    Ok(respond(page, &headers))
}

fn kind_name(k: ArticleKind) -> &'static str {
    match k {
        ArticleKind::News => "Nieuws",
        other => other.label().unwrap_or("Nieuws"),
    }
}

/// "3 artikels gevonden voor “transfer”", or why nothing was.
fn summary(asked: &Asked, r: &SearchResults, ready: bool) -> String {
    let text = asked.query.text.trim();
    let only_stop_words = !text.is_empty() && r.words.is_empty();
    let mut s = if only_stop_words {
        format!(
            "Op “{text}” kunnen we niet zoeken: woorden als “de” en “het” tellen niet mee. Dit is het nieuwste nieuws."
        )
    } else {
        let found = match r.total {
            0 => "Geen artikels gevonden".to_string(),
            1 => "1 artikel gevonden".to_string(),
            n => format!("{n} artikels gevonden"),
        };
        if text.is_empty() {
            found
        } else {
            format!("{found} voor “{text}”")
        }
    };
    if !ready {
        s.push_str(" (de zoekindex wordt nog opgebouwd)");
    }
    s.push('.');
    s.replace("..", ".")
}

#[derive(Serialize)]
struct HitJson {
    id: i64,
    url: String,
    title: String,
    display_title: String,
    /// The title, HTML-escaped, with the words found in <mark>.
    title_html: String,
    kind: &'static str,
    source: Option<String>,
    author: String,
    published_at: String,
    teaser: String,
    snippet_html: String,
}

async fn api(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let limit = limit(&p, PAGE_SIZE as u32)? as usize;
    let asked = Asked::read(&p, &API_NAMES, limit)?;
    if asked.is_empty() {
        return Err(AppError::BadRequest(
            "give q (words to look for) or at least one of topic, kind, from, to".to_string(),
        )
        .into());
    }
    let index = index(&state)?;
    let r = run(index.clone(), asked.query.clone(), state.clock.now()).await?;
    let more = r.total > asked.query.offset + r.hits.len();
    let body = serde_json::json!({
        "query": asked.query.text,
        "words": r.words,
        "total": r.total,
        "page": asked.page,
        "limit": limit,
        "next_page": more.then_some(asked.page + 1),
        "complete": index.is_ready(),
        "results": r.hits.iter().map(|h| HitJson {
            id: h.id,
            url: article_path(h.id, &h.slug),
            title: h.title.clone(),
            display_title: display_title(h.kind, &h.title),
            title_html: quoted(h.kind, &h.title_html),
            kind: h.kind.as_str(),
            source: h.source.clone(),
            author: h.author.clone(),
            published_at: iso(h.published_at),
            teaser: h.teaser.clone(),
            snippet_html: h.snippet_html.clone(),
        }).collect::<Vec<_>>(),
    });
    let body = serde_json::to_vec(&body).map_err(|e| AppError::Internal(format!("json: {e}")))?;
    Ok(respond(
        Page::json(body, vec![CacheKey::Lists, CacheKey::Search]),
        &headers,
    ))
}
