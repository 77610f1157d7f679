//! The reading site: home ("Meest recent" and the ticker), articles, topics, authors, media.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tribune_core::article::ArticleId;
use tribune_core::store::ArticleQuery;
use tribune_core::topic::topic_path;

use chrono::{DateTime, Duration, Utc};
use tribune_core::comment;
use tribune_core::topic::TopicId;

use super::{Params, Segment, at_canonical, comment_paging, page_number, params, segment};
use crate::cache::{CacheKey, Page};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::comments::CommentSection;
use crate::views::matches::FollowMatch;
use crate::views::site::{ArticlePage, HomePage, ListPage, PollView, TopicsPage};
use crate::views::{Headline, Layout, Pager, list_feed, page_link, ticker};
use crate::{assets, photos};

/// Headlines per page of "Meest recent", topic and author pages.
pub const PAGE_SIZE: u32 = 30;
/// Headlines in the ticker.
pub const TICKER_SIZE: u32 = 40;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/nieuws/{id_slug}", get(article))
        .route("/onderwerpen", get(topics))
        .route("/onderwerp/{slug}", get(topic))
        .route("/auteur/{slug}", get(author))
        .route("/media/{file}", get(media))
        .route("/assets/{file}", get(asset))
        // Browsers ask for it on their own; point them at the fingerprinted icon.
        .route(
            "/favicon.ico",
            get(|| async { Redirect::permanent(&assets::ICON.path) }),
        )
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, AppError> {
    let page = page_number(&params(q)?)?;
    let key = format!("home:{page}");
    let rendered = state
        .cache
        .get_or_render(&key, || async {
            let now = state.clock.now();
            let offset = (page - 1) * PAGE_SIZE;
            let mut recent = state
                .store
                .articles(&ArticleQuery { offset, limit: PAGE_SIZE + 1, ..Default::default() }, now)
                .await?;
            if recent.is_empty() && page > 1 {
                return Err(AppError::NotFound);
            }
            let has_more = recent.len() > PAGE_SIZE as usize;
            recent.truncate(PAGE_SIZE as usize);
            let latest = state
                .store
                .articles(&ArticleQuery { limit: TICKER_SIZE, ..Default::default() }, now)
                .await?;
            let title = if page == 1 {
                "Tribune — voetbalnieuws uit België".to_string()
            } else {
                format!("Meer nieuws, pagina {page} — Tribune")
            };
            let view = HomePage {
                layout: Layout::new(title, "Het laatste voetbalnieuws uit België: Jupiler Pro League, Rode Duivels, transfers en meer.")
                    .public(&state.config.public_url, &page_link("/", page)),
                page,
                recent: recent.iter().map(|a| Headline::dated(a, now)).collect(),
                pager: Pager::new("/", page, has_more),
                ticker: ticker(&latest, now),
            };
            Ok(Page::html(view.render()?, vec![CacheKey::Home, CacheKey::Lists]))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

/// "/nieuws/12-club-wint" -> 12. The slug is decoration; the id decides.
fn article_id(id_slug: &str) -> Option<ArticleId> {
    let digits = id_slug.split('-').next()?;
    digits.parse::<ArticleId>().ok().filter(|id| *id > 0)
}

async fn article(
    State(state): State<AppState>,
    id_slug: Segment,
    uri: Uri,
    q: Params,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = article_id(&segment(id_slug)?).ok_or(AppError::NotFound)?;
    let q = params(q)?;
    let (sort, after) = comment_paging(&q)?;
    // Where a form post (no JavaScript) sends its author, `?reactie=ID`: they must see
    // their own change at once, not a page that is a moment behind.
    let own_change = q.contains_key("reactie");
    let key = format!(
        "article:{id}:{}:{}",
        sort.as_str(),
        after.map(|c| c.encode()).unwrap_or_default()
    );
    let render = || async {
        let now = state.clock.now();
        let a = state
            .store
            .article(id, now)
            .await?
            .ok_or(AppError::NotFound)?;
        let poll = state.store.poll_of_article(id).await?;
        let page = state
            .store
            .comments_page(id, sort, after, comment::PAGE_SIZE, comment::REPLIES_SHOWN)
            .await?;
        let comments = CommentSection::new(&a.path(), a.id, a.comment_count, sort, &page, now);
        let poll = poll.map(|p| PollView::new(&p, now));
        let topic_ids: Vec<_> = a.topics.iter().map(|t| t.id).collect();
        let follow = match_to_follow(&state, a.published_at, &topic_ids).await?;
        let mut keys = vec![
            CacheKey::Article(a.id),
            CacheKey::Author(a.author.slug.clone()),
        ];
        keys.extend(a.related.iter().map(|r| CacheKey::Article(r.id)));
        keys.extend(a.topics.iter().map(|t| CacheKey::Topic(t.slug.clone())));
        keys.extend(follow.as_ref().map(|f| CacheKey::Match(f.id)));
        Ok::<_, AppError>(
            Page::html(
                ArticlePage::new(&a, poll, comments, follow, &state.config.public_url).render()?,
                keys,
            )
            .with_canonical(a.path()),
        )
    };
    let rendered = if own_change {
        state.cache.render_now(render).await?
    } else {
        state.cache.get_or_render(&key, render).await?
    };
    Ok(at_canonical(&rendered, &uri, &headers))
}

/// The match an article is about: the first one of its clubs that kicks off from three
/// hours before the article appeared to three days after it ("Volg X - Y live vanaf
/// 16:30"; once played, the score). The match is fixed by the article's own time; the page
/// is cached under `match-{id}`, which every change of the match's board drops.
async fn match_to_follow(
    state: &AppState,
    published_at: DateTime<Utc>,
    topics: &[TopicId],
) -> Result<Option<FollowMatch>, AppError> {
    if topics.is_empty() {
        return Ok(None);
    }
    let found = state
        .store
        .matches_between(
            published_at - Duration::hours(3),
            published_at + Duration::days(3),
            200,
        )
        .await?
        .into_iter()
        .find(|m| {
            [m.home.topic_id, m.away.topic_id]
                .into_iter()
                .flatten()
                .any(|t| topics.contains(&t))
        });
    Ok(found.as_ref().map(FollowMatch::new))
}

async fn topics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let rendered = state
        .cache
        .get_or_render("topics", || async {
            let topics = state.store.topics().await?;
            Ok::<_, AppError>(Page::html(
                TopicsPage::new(&topics, &state.config.public_url).render()?,
                vec![CacheKey::Topics],
            ))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

async fn topic(
    State(state): State<AppState>,
    slug: Segment,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, AppError> {
    let slug = segment(slug)?;
    let page = page_number(&params(q)?)?;
    let rendered = state
        .cache
        .get_or_render(&format!("topic:{slug}:{page}"), || async {
            let topic = state
                .store
                .topic_by_slug(&slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let query = ArticleQuery {
                topic: Some(topic.id),
                ..Default::default()
            };
            let (items, pager) = list_page(&state, query, &topic_path(&topic.slug), page).await?;
            let intro = (!topic.aliases.is_empty())
                .then(|| format!("Ook bekend als: {}", topic.aliases.join(", ")));
            let view = ListPage {
                layout: Layout::new(
                    format!("{} — nieuws op Tribune", topic.name),
                    format!("Het laatste nieuws over {}", topic.name),
                )
                .public(
                    &state.config.public_url,
                    &page_link(&topic_path(&topic.slug), page),
                )
                .feed(list_feed(
                    &state.config.public_url,
                    &topic_path(&topic.slug),
                    &topic.name,
                )),
                kicker: topic.kind.label().to_string(),
                heading: topic.name.clone(),
                intro,
                items,
                pager,
            };
            Ok(Page::html(
                view.render()?,
                vec![CacheKey::Topic(topic.slug.clone()), CacheKey::Lists],
            ))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

async fn author(
    State(state): State<AppState>,
    slug: Segment,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, AppError> {
    let slug = segment(slug)?;
    let page = page_number(&params(q)?)?;
    let rendered = state
        .cache
        .get_or_render(&format!("author:{slug}:{page}"), || async {
            let author = state
                .store
                .author_by_slug(&slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let base = format!("/auteur/{}", author.slug);
            let query = ArticleQuery {
                author: Some(author.id),
                ..Default::default()
            };
            let (items, pager) = list_page(&state, query, &base, page).await?;
            let view = ListPage {
                layout: Layout::new(
                    format!("{} — Tribune", author.name),
                    format!("Artikels van {}", author.name),
                )
                .public(&state.config.public_url, &page_link(&base, page))
                .feed(list_feed(&state.config.public_url, &base, &author.name)),
                kicker: "Auteur".to_string(),
                heading: author.name.clone(),
                intro: None,
                items,
                pager,
            };
            Ok(Page::html(
                view.render()?,
                vec![CacheKey::Author(author.slug.clone()), CacheKey::Lists],
            ))
        })
        .await?;
    Ok(rendered.respond(&headers))
}

/// One page of a headline list; an empty page past the first does not exist.
async fn list_page(
    state: &AppState,
    mut query: ArticleQuery,
    base: &str,
    page: u32,
) -> Result<(Vec<Headline>, Pager), AppError> {
    query.offset = (page - 1) * PAGE_SIZE;
    query.limit = PAGE_SIZE + 1;
    let now = state.clock.now();
    let mut items = state.store.articles(&query, now).await?;
    if items.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let has_more = items.len() > PAGE_SIZE as usize;
    items.truncate(PAGE_SIZE as usize);
    Ok((
        items.iter().map(|a| Headline::dated(a, now)).collect(),
        Pager::new(base, page, has_more),
    ))
}

/// Photos: content-addressed file names, so they never change and are cached forever. Only
/// the three photo types are ever served, judged by the name (which only we choose), with
/// nosniff, whatever a file contains: nothing in the media directory runs in a browser.
async fn media(State(state): State<AppState>, file: Segment) -> Result<Response, AppError> {
    let file = segment(file)?;
    let content_type = photos::media_type(&file).ok_or(AppError::NotFound)?;
    let path = state.config.media_dir.join(&file);
    // A directory (or anything else) that happens to carry a photo's name is not a photo.
    match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(AppError::NotFound),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(AppError::Internal(format!("reading media {file}: {e}"))),
    }
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(AppError::Internal(format!("reading media {file}: {e}"))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(photos::CACHE_CONTROL),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn asset(uri: Uri) -> Result<Response, AppError> {
    let asset = assets::find(uri.path()).ok_or(AppError::NotFound)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.body,
    )
        .into_response())
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_ids_come_from_the_front_of_the_path() {
        assert_eq!(article_id("12-club-wint"), Some(12));
        assert_eq!(article_id("12"), Some(12));
        assert_eq!(article_id("abc-12"), None);
        assert_eq!(article_id("0-x"), None);
        assert_eq!(article_id("-5-x"), None);
        assert_eq!(article_id("99999999999999999999999-x"), None);
    }
}
