#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use sqlx::Row;
use tribune_core::account::{NewAccount, Role};
use tribune_core::comment::{CommentSort, NewComment};
use tribune_core::moderation::Verdict;
use tribune_core::store::{AccountStore, CommentStore, Store};
use tribune_core::{ArticleKind, NewArticle};
use tribune_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perf() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let now = Utc::now();
    let a = store
        .save_article(
            &NewArticle {
                external_key: None,
                title: "Topper".into(),
                kind: ArticleKind::News,
                source: None,
                author_name: "Sofie".into(),
                published_at: now - Duration::hours(1),
                lead: "Een lead die lang genoeg is voor een teaser op de voorpagina van de site.".into(),
                body_markdown: "x".into(),
                photo: None,
                topics: vec![],
                related: vec![],
            },
            now,
        )
        .await
        .unwrap()
        .id;
    let mut authors = vec![];
    for i in 0..50 {
        authors.push(
            store
                .create_account(
                    &NewAccount {
                        email: format!("l{i}@x.be"),
                        display_name: format!("Lezer {i}"),
                        password_hash: "x".into(),
                        role: Role::Reader,
                        verified: true,
                    },
                    now,
                )
                .await
                .unwrap()
                .id,
        );
    }
    let total = 5000usize;
    let started = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|w| {
            let store = store.clone();
            let authors = authors.clone();
            tokio::spawn(async move {
                let mut lat = vec![];
                let mut roots = vec![];
                for i in (w..total).step_by(64) {
                    let t0 = Instant::now();
                    let reply_to = if i % 3 == 0 { roots.last().copied() } else { None };
                    let c = store
                        .add_comment(
                            &NewComment {
                                article_id: a,
                                author_id: authors[i % 50],
                                reply_to,
                                body_markdown: format!("Reactie {i}"),
                                body_html: format!("<p>Reactie {i}</p>"),
                                fingerprint: i as i64,
                                verdict: Verdict::Visible,
                                reasons: vec![],
                                risk: 0,
                                shadow: false,
                            },
                            now + Duration::milliseconds(i as i64),
                        )
                        .await
                        .unwrap();
                    if c.root_id.is_none() {
                        roots.push(c.id);
                    }
                    lat.push(t0.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = vec![];
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let el = started.elapsed();
    lat.sort();
    eprintln!(
        "{total} comments in {el:?}: {:.0}/s, p50 {:?}, p99 {:?}",
        total as f64 / el.as_secs_f64(),
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100]
    );
    assert!(store.counter_mismatches().await.unwrap().is_empty());
    for sort in CommentSort::ALL {
        let t0 = Instant::now();
        let mut after = None;
        let mut n = 0;
        loop {
            let p = store.comments_page(a, sort, after, 50, 3).await.unwrap();
            n += p.threads.len();
            match p.next {
                Some(c) => after = tribune_core::comment::CommentCursor::decode(&c),
                None => break,
            }
        }
        eprintln!("{sort:?}: {n} roots paged in {:?}", t0.elapsed());
    }
    let t0 = Instant::now();
    store.counter_mismatches().await.unwrap();
    eprintln!("mismatches in {:?}", t0.elapsed());
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("tribune.db").display())).await.unwrap();
    for q in [
        "EXPLAIN QUERY PLAN SELECT c.id FROM comments c INDEXED BY comments_newest LEFT JOIN accounts au ON au.id = c.author_id LEFT JOIN comments p ON p.id = c.reply_to LEFT JOIN accounts pa ON pa.id = p.author_id WHERE c.article_id = 1 AND c.root_id IS NULL AND c.listed = 1 AND (c.created_at, c.id) < (99999999999999, 5) ORDER BY c.created_at DESC, c.id DESC LIMIT 51",
        "EXPLAIN QUERY PLAN SELECT c.id FROM comments c LEFT JOIN accounts au ON au.id = c.author_id LEFT JOIN comments p ON p.id = c.reply_to LEFT JOIN accounts pa ON pa.id = p.author_id WHERE c.article_id = 1 AND c.root_id IS NULL AND c.listed = 1 AND (c.score, c.id) < (5, 5) ORDER BY c.score DESC, c.id DESC LIMIT 51",
        "EXPLAIN QUERY PLAN SELECT c.id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY root_id ORDER BY created_at, id) AS n FROM comments WHERE root_id IN (SELECT value FROM json_each('[1,2,3]')) AND root_id IS NOT NULL AND public = 1) first JOIN comments c ON c.id = first.id WHERE first.n <= 3 ORDER BY c.root_id, c.created_at, c.id",
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(&pool).await.unwrap();
        for r in rows {
            eprintln!("  {}", r.try_get::<String, _>(3).unwrap());
        }
        eprintln!("--");
    }
}
