//! /moderatie/wedstrijdavond: which articles are in match-evening mode right now, and why
//! (moderators, editors, admins). The rules themselves live in evening.rs.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use tribune_core::ArticleQuery;
use tribune_core::time::{clock_time, day_month};

use super::personal;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Layout;
use crate::views::moderation::{EveningPage, HotView};

/// Articles listed per club: the newest, where comments come in.
const PER_CLUB: u32 = 8;

pub fn router() -> Router<AppState> {
    Router::new().route("/moderatie/wedstrijdavond", get(page))
}

async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    viewer.require(|r| r.can_moderate())?;
    let now = state.clock.now();
    let hot = state.evening.hot(&*state.store, now).await?;
    let mut matches = Vec::new();
    for h in hot {
        let mut articles: Vec<(String, String)> = Vec::new();
        if let Some(id) = h.m.article_id
            && let Some(a) = state.store.article(id, now).await?
        {
            articles.push((a.path(), a.title.clone()));
        }
        for topic in [h.m.home.topic_id, h.m.away.topic_id].into_iter().flatten() {
            let query = ArticleQuery {
                topic: Some(topic),
                limit: PER_CLUB,
                ..ArticleQuery::default()
            };
            for a in state.store.articles(&query, now).await? {
                let line = (a.path(), a.title.clone());
                if !articles.contains(&line) {
                    articles.push(line);
                }
            }
        }
        matches.push(HotView {
            title: h.m.title(),
            url: h.m.path(),
            kickoff: format!(
                "{} {}",
                day_month(h.m.kickoff_at),
                clock_time(h.m.kickoff_at)
            ),
            why: h.cause.describe(),
            articles,
        });
    }
    let page = EveningPage {
        layout: Layout::new("Wedstrijdavond — Moderatie — Tribune", ""),
        matches,
        night: state.config.night_closing.map(|n| {
            format!(
                "De reacties sluiten elke nacht van {} tot {}.",
                n.from.format("%H:%M"),
                n.until.format("%H:%M")
            )
        }),
    };
    Ok(personal(page.render()?))
}
