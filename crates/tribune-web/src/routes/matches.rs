//! Matches for readers: the round around today (/wedstrijden) and a match page with its
//! score, status and minute, events (a goal VAR took back is shown struck through), the
//! clubs' latest news, and schema.org LiveBlogPosting data.
//!
//! A match page is cached like any page and dropped by every change of the match
//! (`Event::MatchChanged`) and every comment on its live article. An open page keeps itself
//! up to date through its live stream (crate::live), from the match-log position it was
//! rendered at, which is cached with it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use tribune_core::comment;
use tribune_core::football::MatchId;
use tribune_core::store::ArticleQuery;
use tribune_core::topic::TopicId;

use super::{Params, Segment, at_canonical, comment_paging, params, segment};
use crate::cache::{CacheKey, Page};
use crate::error::AppError;
use crate::live;
use crate::state::AppState;
use crate::views::Headline;
use crate::views::comments::CommentSection;
use crate::views::matches::{MatchPage, RoundPage, entry_lines, event_line, match_layout};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wedstrijden", get(round))
        .route("/wedstrijden/{id_slug}", get(match_page))
}

/// Headlines of the clubs' latest news under a match.
const RELATED: u32 = 6;

fn match_id(id_slug: &str) -> Option<MatchId> {
    id_slug
        .split('-')
        .next()?
        .parse::<MatchId>()
        .ok()
        .filter(|id| *id > 0)
}

async fn match_page(
    State(state): State<AppState>,
    id_slug: Segment,
    uri: Uri,
    q: Params,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = match_id(&segment(id_slug)?).ok_or(AppError::NotFound)?;
    let q = params(q)?;
    let (sort, after) = comment_paging(&q)?;
    // A reader who posted without JavaScript comes back with `?reactie=ID` and must see it.
    let own_change = q.contains_key("reactie");
    let key = format!(
        "match:{id}:{}:{}",
        sort.as_str(),
        after.map(|c| c.encode()).unwrap_or_default()
    );
    let render = || async {
        // Read before the match and kept with the page: the page shows at least everything
        // up to here, and its script asks the live stream for what comes after.
        let live_since = live::rendered_at(&*state.store).await?;
        let m = state
            .store
            .match_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let events = state.store.match_events(id).await?;
        let entries = state.store.live_entries(id).await?;
        let now = state.clock.now();
        let topics: Vec<TopicId> = [m.home.topic_id, m.away.topic_id]
            .into_iter()
            .flatten()
            .collect();
        let mut related = Vec::new();
        for topic in &topics {
            related.extend(
                state
                    .store
                    .articles(
                        &ArticleQuery {
                            topic: Some(*topic),
                            limit: RELATED,
                            ..Default::default()
                        },
                        now,
                    )
                    .await?,
            );
        }
        related.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
        related.dedup_by_key(|a| a.id);
        // The live article is this page's own conversation, not other news.
        related.retain(|a| Some(a.id) != m.article_id);
        related.truncate(RELATED as usize);
        // The live article's comments, once it is linked and out.
        let mut comments = None;
        if let Some(article) = m.article_id
            && let Some(a) = state.store.article(article, now).await?
        {
            let page = state
                .store
                .comments_page(
                    a.id,
                    sort,
                    after,
                    comment::PAGE_SIZE,
                    comment::REPLIES_SHOWN,
                )
                .await?;
            comments = Some(CommentSection::new(
                &m.path(),
                a.id,
                a.comment_count,
                sort,
                &page,
                now,
            ));
        }
        let line = live::linked_line(&*state.store, &m).await?;
        // Every change of the match drops `match-{id}`; a comment drops its article; a new
        // headline about the clubs drops the lists.
        let mut keys = vec![CacheKey::Match(id), CacheKey::Lists];
        keys.extend(m.article_id.map(CacheKey::Article));
        let view = MatchPage {
            layout: match_layout(&m, &events, &entries, &state.config.public_url),
            match_id: id,
            live_since,
            events: events
                .iter()
                .rev()
                .map(|e| event_line(&m, e, &events))
                .collect(),
            entries: entry_lines(&entries, &events),
            related: related.iter().map(|a| Headline::dated(a, now)).collect(),
            comments,
            m: line,
        };
        Ok::<_, AppError>(Page::html(view.render()?, keys).with_canonical(m.path()))
    };
    let rendered = if own_change {
        state.cache.render_now(render).await?
    } else {
        state.cache.get_or_render(&key, render).await?
    };
    Ok(at_canonical(&rendered, &uri, &headers))
}

/// Matches from yesterday morning to a week ahead, the ones being played on top.
async fn round(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let page = state
        .cache
        .get_or_render("matches", || async {
            Ok::<_, AppError>(Page::html(
                round_page(&state).await?,
                vec![CacheKey::Matches],
            ))
        })
        .await?;
    Ok(page.respond(&headers))
}

async fn round_page(state: &AppState) -> Result<String, AppError> {
    let now = state.clock.now();
    // From the start of yesterday in Brussels, so that "Gisteren" is the whole day.
    let yesterday = tribune_core::time::input_date(now - Duration::days(1));
    let from: DateTime<Utc> =
        tribune_core::time::from_input(&yesterday, "00:00").unwrap_or(now - Duration::days(1));
    let round = state
        .store
        .matches_between(from, now + Duration::days(7), 200)
        .await?;
    let live = state.store.live_matches().await?;
    Ok(RoundPage::new(&live, &round, now, &state.config.public_url).render()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_ids_come_from_the_front_of_the_path() {
        assert_eq!(match_id("7-krc-genk-royal-antwerp-fc"), Some(7));
        assert_eq!(match_id("x-7"), None);
        assert_eq!(match_id("0"), None);
    }
}
