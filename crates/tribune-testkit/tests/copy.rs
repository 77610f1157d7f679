//! `tribune copy`: a whole site moves to another database with its ids, and the copy serves
//! byte for byte the same pages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use tribune::community::{MODERATOR, PASSWORD};
use tribune::copy::{self, Progress, Stage};
use tribune_core::account::Role;
use tribune_core::comment::{AccountAction, CommentAction, CommentEdit, NewComment, Queue, render};
use tribune_core::copy::{COMMUNITY, Cell, Row};
use tribune_core::moderation::{Verdict, fingerprint};
use tribune_core::store::{ArticleQuery, ArticleRecord, SiteCounts};
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, article};

/// The demo newsroom (with its readers, comments, votes, poll and reports), with one
/// article taken off the site, one scheduled for later, and what the demo lacks for every
/// community table to hold rows: an edited comment, moderators' work, a suspended reader and
/// a deleted one (whose poll vote stays without a name), a WordPress import (old
/// addresses, imported comments) and a journalist's API tokens (one in use, one revoked).
async fn demo_site() -> TestApp {
    let app = TestApp::start(Backend::Sqlite).await;
    tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
        .await
        .unwrap();
    let export =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wxr/voetbalblog.xml");
    let options = tribune::wxr::Options {
        fetch_media: false,
        media_dir: app.media_dir(),
    };
    tribune::wxr::import(app.store.as_ref(), &export, &options, app.now(), |_| {})
        .await
        .unwrap();
    let visible = app
        .store
        .articles(
            &ArticleQuery {
                limit: 5,
                ..Default::default()
            },
            app.now(),
        )
        .await
        .unwrap();
    app.store
        .set_published(visible[2].id, false, app.now())
        .await
        .unwrap();
    let club = app.store.find_topic("Club Brugge").await.unwrap().unwrap();
    let mut later = article("Opstelling van Club om vijf uur bekend", -90);
    later.topics = vec![club.id];
    app.save(&later).await;

    let newest = visible[0].id;
    let (writer, _) = app.account(Role::Reader, "Schrijvende Sam").await;
    let body = "Eerste versie van mijn reactie";
    let said = app
        .store
        .add_comment(
            &NewComment {
                article_id: newest,
                author_id: writer.id,
                reply_to: None,
                body_markdown: body.into(),
                body_html: render(body),
                fingerprint: fingerprint(body),
                verdict: Verdict::Visible,
                reasons: vec![],
                risk: 0,
                shadow: false,
            },
            app.now(),
        )
        .await
        .unwrap();
    let body = "Tweede versie, na wat nadenken";
    app.store
        .edit_comment(
            said.id,
            writer.id,
            &CommentEdit {
                body_markdown: body.into(),
                body_html: render(body),
                fingerprint: fingerprint(body),
                verdict: Verdict::Visible,
                reasons: vec![],
                risk: 0,
            },
            app.now(),
        )
        .await
        .unwrap();

    let (moderator, _) = app
        .store
        .account_by_email(MODERATOR)
        .await
        .unwrap()
        .unwrap();
    let pending = app.store.queue(Queue::Pending, 10).await.unwrap();
    let first = pending
        .first()
        .expect("the demo queue has pending comments");
    app.store
        .moderate_comment(
            first.comment.id,
            moderator.id,
            CommentAction::Approve,
            "Mag blijven staan",
            app.now(),
        )
        .await
        .unwrap();
    app.store
        .moderate_account(
            writer.id,
            moderator.id,
            AccountAction::Suspend {
                until: app.now() + Duration::days(3),
            },
            "Even afkoelen",
            app.now(),
        )
        .await
        .unwrap();

    let poll = app.store.poll_of_article(newest).await.unwrap().unwrap();
    let (leaver, _) = app.account(Role::Reader, "Vertrekkende Vera").await;
    app.store
        .vote_poll(poll.id, poll.options[0].id, leaver.id, app.now())
        .await
        .unwrap();
    app.store
        .delete_account(leaver.id, app.now())
        .await
        .unwrap();

    let (scripter, _) = app.account(Role::Journalist, "Scriptende Stijn").await;
    let hash = tribune_web::auth::sha256_hex(API_TOKEN);
    app.store
        .create_api_token(scripter.id, "Liveblog-script", &hash, app.now())
        .await
        .unwrap();
    let old = app
        .store
        .create_api_token(scripter.id, "Oude laptop", &"0".repeat(64), app.now())
        .await
        .unwrap();
    app.store
        .revoke_api_token(scripter.id, old.id, app.now())
        .await
        .unwrap();
    app
}

/// The journalist's token in [`demo_site`]: scripts keep using it after the move.
const API_TOKEN: &str = "trb_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Every community table of both stores, row for row.
async fn community_rows(app: &TestApp) -> Vec<(&'static str, Vec<Row>)> {
    let mut tables = Vec::new();
    for table in COMMUNITY {
        let rows = app.store.export_rows(table, 0, 1_000_000).await.unwrap();
        tables.push((table.name, rows));
    }
    tables
}

/// The demo's community came along whole: every table holds rows, a demo account logs in
/// on the copy with the demo password, and every counter agrees with its rows.
async fn assert_community_copied(to: &TestApp, counts: &SiteCounts) {
    for table in COMMUNITY {
        let n = counts.rows_of(table.name).unwrap();
        assert!(n > 0, "{} is empty in {counts:?}", table.name);
    }
    assert!(counts.comments > 500, "{counts:?}");
    assert_eq!(to.store.counter_mismatches().await.unwrap(), vec![]);
    let visitor = to.visitor();
    visitor.log_in(MODERATOR, PASSWORD).await;
    let me = visitor.me().await;
    assert_eq!(me["account"]["role"], "moderator", "{me}");
    assert_eq!(me["account"]["can_moderate"], true, "{me}");
    let r = to
        .http
        .get(to.url("/api/v1/me"))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the API token works on the copy");
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["account"]["display_name"], "Scriptende Stijn", "{me}");
}

async fn all_articles(app: &TestApp) -> Vec<ArticleRecord> {
    app.store.export_articles(0, 100_000).await.unwrap()
}

/// Every kind of page, from both apps, must be the same bytes (or the same refusal).
async fn assert_same_pages(a: &TestApp, b: &TestApp) {
    let mut paths: Vec<String> = [
        "/",
        "/?pagina=2",
        "/?pagina=3",
        "/onderwerpen",
        "/onderwerp/club-brugge",
        "/onderwerp/rsc-anderlecht",
        "/api/v1/articles",
        "/api/v1/topics",
    ]
    .map(String::from)
    .to_vec();
    for author in a.store.authors().await.unwrap() {
        paths.push(format!("/auteur/{}", author.slug));
    }
    // Every article, visible or not: hidden ones must be hidden on both.
    for record in all_articles(a).await {
        paths.push(format!("/nieuws/{}-{}", record.id, record.slug));
        paths.push(format!("/api/v1/articles/{}", record.id));
    }
    for path in &paths {
        let (ra, rb) = (a.get(path).await, b.get(path).await);
        let status = ra.status();
        assert_eq!(status, rb.status(), "GET {path}");
        // Each app names its own address in absolute links (canonical, OpenGraph, feeds).
        let ba = ra.text().await.unwrap().replace(&a.base, "SITE");
        let bb = rb.text().await.unwrap().replace(&b.base, "SITE");
        assert!(ba == bb, "GET {path} differs:\n{ba}\n----\n{bb}");
    }
    assert!(
        a.page("/").await.contains("/nieuws/"),
        "the home page lists articles"
    );
}

/// The stores hold the same rows, ids and stored HTML included.
async fn assert_same_rows(a: &TestApp, b: &TestApp) {
    assert_eq!(all_articles(a).await, all_articles(b).await);
    assert_eq!(
        a.store.authors().await.unwrap(),
        b.store.authors().await.unwrap()
    );
    assert_eq!(
        a.store.topics().await.unwrap(),
        b.store.topics().await.unwrap()
    );
    assert_eq!(
        a.store.photos().await.unwrap(),
        b.store.photos().await.unwrap()
    );
    assert_eq!(
        a.store.site_counts().await.unwrap(),
        b.store.site_counts().await.unwrap()
    );
    let (ra, rb) = (community_rows(a).await, community_rows(b).await);
    for ((table, ra), (_, rb)) in ra.iter().zip(&rb) {
        assert_eq!(ra.len(), rb.len(), "{table}");
        for (x, y) in ra.iter().zip(rb) {
            assert_eq!(x, y, "{table}");
        }
    }
}

#[tokio::test]
async fn the_demo_copied_to_postgres_serves_the_same_pages() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let from = demo_site().await;
    let to = TestApp::start(backend).await;
    let mut seen: Vec<Progress> = Vec::new();
    let counts = copy::site(from.store.as_ref(), to.store.as_ref(), false, |p| {
        seen.push(p)
    })
    .await
    .unwrap();

    let source = from.store.site_counts().await.unwrap();
    assert_eq!(counts, source);
    assert_eq!(counts, to.store.site_counts().await.unwrap());
    assert!(
        counts.articles > 60 && counts.related > 0 && counts.photos > 0,
        "{counts:?}"
    );
    let last_articles = seen
        .iter()
        .rev()
        .find(|p| p.stage == Stage::Articles)
        .unwrap();
    let total = u64::try_from(counts.articles).unwrap();
    assert_eq!((last_articles.done, last_articles.total), (total, total));
    assert!(seen.iter().any(|p| p.stage == Stage::Related));
    assert_eq!(
        last_articles.to_string(),
        format!("articles {total}/{total}")
    );

    assert_same_pages(&from, &to).await;
    assert_same_rows(&from, &to).await;
    assert_community_copied(&to, &counts).await;
    let comments = seen
        .iter()
        .rev()
        .find(|p| p.stage == Stage::Rows("comments"))
        .unwrap();
    let total = u64::try_from(counts.comments).unwrap();
    assert_eq!(comments.to_string(), format!("comments {total}/{total}"));

    // One article in detail: id, slug and comment count survive, and it is the same
    // article to readers on both.
    let records = all_articles(&from).await;
    let commented = records
        .iter()
        .find(|a| a.published && a.comment_count > 0 && a.published_at <= from.now())
        .unwrap();
    let there = to
        .store
        .article(commented.id, to.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(there.id, commented.id);
    assert_eq!(there.slug, commented.slug);
    assert_eq!(there.comment_count, commented.comment_count);
    let here = from
        .store
        .article(commented.id, from.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&here).unwrap(),
        serde_json::to_value(&there).unwrap()
    );
    // The article taken off the site stays off; the scheduled one keeps its time.
    assert!(records.iter().any(|a| !a.published));
    let scheduled = records
        .iter()
        .find(|a| a.title == "Opstelling van Club om vijf uur bekend")
        .unwrap();
    assert!(
        to.store
            .article(scheduled.id, to.now())
            .await
            .unwrap()
            .is_none()
    );

    // A second copy into the now non-empty target is refused, and changes nothing.
    let refused = copy::site(from.store.as_ref(), to.store.as_ref(), false, |_| {})
        .await
        .unwrap_err();
    assert!(
        refused.contains("not empty") && refused.contains("--force"),
        "{refused}"
    );
    assert!(
        refused.contains(&format!("{} articles", counts.articles)),
        "{refused}"
    );
    assert_eq!(to.store.site_counts().await.unwrap(), counts);

    // Forced, it overwrites row for row: nothing is duplicated.
    let again = copy::site(from.store.as_ref(), to.store.as_ref(), true, |_| {})
        .await
        .unwrap();
    assert_eq!(again, counts);
    assert_same_rows(&from, &to).await;

    // When the scheduled article's time comes, it appears on both.
    for app in [&from, &to] {
        app.clock.advance(Duration::hours(2));
        app.sync().await;
    }
    assert!(
        to.page("/")
            .await
            .contains("Opstelling van Club om vijf uur bekend"),
        "the scheduled article shows up on the copy"
    );
    assert_same_pages(&from, &to).await;

    // And back: PostgreSQL to a fresh SQLite site serves the same pages too.
    let back = TestApp::start(Backend::Sqlite).await;
    back.clock.advance(Duration::hours(2));
    let back_counts = copy::site(to.store.as_ref(), back.store.as_ref(), false, |_| {})
        .await
        .unwrap();
    assert_same_rows(&to, &back).await;
    assert_same_pages(&to, &back).await;
    assert_community_copied(&back, &back_counts).await;

    // New rows on the copy get ids past the copied ones.
    let max_article = records.iter().map(|a| a.id).max().unwrap();
    let max_topic = from
        .store
        .topics()
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .max()
        .unwrap();
    let max_author = from
        .store
        .authors()
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .max()
        .unwrap();
    let mut fresh = article("Eerste stuk na de verhuizing", 1);
    fresh.author_name = "Nieuwe Redacteur".into();
    fresh.photo = Some(tribune_testkit::photo("nieuw.jpg", "Belga"));
    let saved = to.save(&fresh).await;
    assert!(saved.created && saved.id > max_article, "{saved:?}");
    let topic = to
        .topic("Sint-Truidense VV", TopicKind::Club, &["STVV"])
        .await;
    assert!(topic.id > max_topic);
    let author = to
        .store
        .author_by_slug("nieuwe-redacteur")
        .await
        .unwrap()
        .unwrap();
    assert!(author.id > max_author);
    let max_account = community_rows(&from).await[0]
        .1
        .iter()
        .filter_map(|r| match r.first() {
            Some(Cell::Int(id)) => Some(*id),
            _ => None,
        })
        .max()
        .unwrap();
    let (newcomer, _) = to.account(Role::Reader, "Nieuwe Lezer").await;
    assert!(newcomer.id > max_account, "{newcomer:?}");
    let commented_before = to.store.site_counts().await.unwrap().comments;
    to.comment_on(saved.id, 1).await;
    assert_eq!(
        to.store.site_counts().await.unwrap().comments,
        commented_before + 1
    );

    // A forced copy over a target with rows of its own says which tables differ.
    let mismatch = copy::site(from.store.as_ref(), to.store.as_ref(), true, |_| {})
        .await
        .unwrap_err();
    assert!(
        mismatch.contains(&format!(
            "articles: {} in the source, {} in the target",
            counts.articles,
            counts.articles + 1
        )),
        "{mismatch}"
    );
    assert!(mismatch.contains("topics: "), "{mismatch}");
}

/// The same between two SQLite files: runs without PostgreSQL.
#[tokio::test]
async fn a_copy_between_sqlite_files_is_faithful_and_refuses_a_full_target() {
    let from = demo_site().await;
    let to = TestApp::start(Backend::Sqlite).await;
    let counts = copy::site(from.store.as_ref(), to.store.as_ref(), false, |_| {})
        .await
        .unwrap();
    assert_eq!(counts, from.store.site_counts().await.unwrap());
    assert_same_rows(&from, &to).await;
    assert_same_pages(&from, &to).await;
    assert_community_copied(&to, &counts).await;
    let refused = copy::site(from.store.as_ref(), to.store.as_ref(), false, |_| {})
        .await
        .unwrap_err();
    assert!(refused.contains("not empty"), "{refused}");
    let again = copy::site(from.store.as_ref(), to.store.as_ref(), true, |_| {})
        .await
        .unwrap();
    assert_eq!(again, counts);
    assert_same_rows(&from, &to).await;

    // A site whose counters disagree with its rows copies faithfully, and the copy says so
    // instead of passing the damage on quietly.
    let comments = COMMUNITY.iter().find(|t| t.name == "comments").unwrap();
    let up = comments
        .columns
        .iter()
        .position(|c| c.name == "up")
        .unwrap();
    let mut row = to
        .store
        .export_rows(comments, 0, 1)
        .await
        .unwrap()
        .remove(0);
    let Cell::Int(n) = row[up] else {
        panic!("up is an integer: {row:?}")
    };
    row[up] = Cell::Int(n + 1);
    to.store.restore_rows(comments, &[row]).await.unwrap();
    assert_eq!(
        to.store.counter_mismatches().await.unwrap().len(),
        2,
        "up and score"
    );
    let third = TestApp::start(Backend::Sqlite).await;
    let damaged = copy::site(to.store.as_ref(), third.store.as_ref(), false, |_| {})
        .await
        .unwrap_err();
    assert!(
        damaged.contains("counters disagree with its rows in 2 place(s)")
            && damaged.contains(" up: ")
            && damaged.contains("source's counters disagree with its rows too"),
        "{damaged}"
    );
}

/// An empty site copies to an empty site.
#[tokio::test]
async fn an_empty_site_copies_to_nothing() {
    let from = TestApp::start(Backend::Sqlite).await;
    let to = TestApp::start(Backend::Sqlite).await;
    let mut seen = Vec::new();
    let counts = copy::site(from.store.as_ref(), to.store.as_ref(), false, |p| {
        seen.push(p)
    })
    .await
    .unwrap();
    assert!(counts.is_empty());
    assert_eq!(
        seen,
        vec![Progress {
            stage: Stage::Articles,
            done: 0,
            total: 0
        }]
    );
}
