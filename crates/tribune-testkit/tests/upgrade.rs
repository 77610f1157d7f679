//! A site made by the release before the store redesign opens in this build, migrates, and
//! serves what it served before: the demo newsroom as main at fc26547 (schema 13) left it,
//! kept as a SQLite file and as a PostgreSQL dump. How they were made:
//! tests/fixtures/upgrade/README.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use tribune_testkit::{Backend, TestApp, Visitor, on_both_backends};

/// The schema the dump's objects are in.
const DUMPED_SCHEMA: &str = "tribune_fc26547";

/// When the fixture's demo newsroom was loaded: its times are relative to this.
fn made_at() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_796_678_545_909).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// The earlier release's site, opened (and so migrated) by this build, its clock an hour
/// after the demo was loaded.
async fn earlier_site(backend: Backend) -> TestApp {
    let app = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("tribune.db");
            std::fs::write(&file, fixture("site-fc26547.db.gz")).unwrap();
            TestApp::start_from_sqlite_file(&file).await
        }
        Backend::Postgres(url) => {
            let dump = String::from_utf8(fixture("site-fc26547.pg.sql.gz")).unwrap();
            TestApp::start_from_pg_dump(&url, &dump, DUMPED_SCHEMA).await
        }
    };
    app.clock
        .advance(made_at() + Duration::hours(1) - app.now());
    app
}

/// Fails unless `page` holds every one of `texts`, in this order.
fn assert_in_order(page: &str, texts: &[&str], what: &str) {
    let mut from = 0;
    for text in texts {
        match page[from..].find(text) {
            Some(at) => from += at + text.len(),
            None => panic!("{what}: {text:?} missing or out of order"),
        }
    }
}

/// The home page's "Meest recent" as the earlier release showed it an hour after the demo
/// was loaded (two newer pieces are the desk's drafts and stay off it).
const NEWEST: &[&str] = &[
    "Antwerp stelt ambitieuze plannen voor een vernieuwde Bosuil officieel voor",
    "Cercle Brugge zakt na verloren derby naar de gevarenzone",
    "Live: KRC Genk - Royal Antwerp FC",
    "<span class=\"kind\">Gerucht</span> &#39;Standard polst Fabrice Delvaux als mogelijke opvolger van Lemaire&#39;",
    "Mateo Ordóñez valt uit in derby, Club Brugge vreest hamstringblessure",
    "<span class=\"kind\">Verslag</span> Blauw-zwart buigt achterstand om en wint Brugse derby na VAR-penalty",
    "Druk op Thierry Lemaire neemt toe na vierde nederlaag in vijf duels",
    "Frédéric Delvaux ziet Anderlecht eindelijk de juiste balans vinden",
];

const DERBY: &str =
    "/nieuws/5-blauw-zwart-buigt-achterstand-om-en-wint-brugse-derby-na-var-penalty";

async fn home_lists_the_articles_it_listed_before(backend: Backend) {
    let app = earlier_site(backend).await;
    let home = app.page("/").await;
    assert_in_order(&home, NEWEST, "Meest recent after the upgrade");
    assert!(
        home.contains(r#"aria-label="14 reacties">14</span>"#),
        "the Cercle Brugge article's comment count"
    );
    let feed = app.page("/feed.xml").await;
    assert_in_order(&feed, &NEWEST[..3], "the RSS feed after the upgrade");
    assert!(
        !home.contains("Paars-Wit twijfelt over nieuwe doelman"),
        "a draft stays a draft"
    );
}

async fn an_article_page_shows_its_title_byline_and_comments(backend: Backend) {
    let app = earlier_site(backend).await;
    let page = app.page(DERBY).await;
    assert!(
        page.contains(
            "<h1>Blauw-zwart buigt achterstand om en wint Brugse derby na VAR-penalty</h1>"
        )
    );
    assert!(
        page.contains(r#"door <a href="/auteur/jens-de-backer" rel="author">Jens De Backer</a>"#)
    );
    assert!(page.contains(r##"<a href="#reacties" class="count-link">30 reacties</a>"##));
    assert!(page.contains(r#"<section id="reacties""#));
    // Another slug still leads to the article.
    let r = app.get("/nieuws/5-oude-titel").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], DERBY);
}

async fn topic_author_and_match_pages_render_as_before(backend: Backend) {
    let app = earlier_site(backend).await;
    let topic = app.page("/onderwerp/cercle-brugge").await;
    assert!(topic.contains("Cercle Brugge zakt na verloren derby naar de gevarenzone"));
    let author = app.page("/auteur/karim-el-idrissi").await;
    assert!(author.contains("Standard polst Fabrice Delvaux als mogelijke opvolger van Lemaire"));
    let round = app.page("/wedstrijden").await;
    assert!(round.contains("KRC Genk"), "the round lists the live match");
    let live = app.page("/wedstrijden/3-krc-genk-royal-antwerp-fc").await;
    assert!(live.contains(r#"<span class="score" data-score>1-0</span>"#));
    assert!(
        live.contains(r#"data-article="69""#),
        "the comments of its live article"
    );
}

async fn staff_log_in_with_their_old_passwords_and_new_writes_follow_the_old_ids(backend: Backend) {
    let app = earlier_site(backend).await;
    let editor = Visitor::new(&app.base);
    editor
        .log_in(tribune::community::EDITOR, tribune::community::PASSWORD)
        .await;
    assert_eq!(editor.me().await["account"]["role"], "editor");

    let r = editor
        .post_json(
            "/api/v1/articles/5/comments",
            &json!({ "body": "Wat een avond in Jan Breydel." }),
        )
        .await;
    assert_eq!(r.status(), 201, "a comment is accepted after the upgrade");
    let comment: serde_json::Value = r.json().await.unwrap();
    assert!(
        comment["comment"]["id"].as_i64().unwrap() > 1171,
        "a new comment's id follows the old ones: {comment}"
    );
    assert!(
        app.page(DERBY)
            .await
            .contains(r##"<a href="#reacties" class="count-link">31 reacties</a>"##),
        "the count kept with the comment"
    );

    // The built-in moderation model is stored as `tribune serve` stores it on a site that
    // has none (the fixture was made without its 730 KB of weights).
    tribune_web::learning::store_builtin_if_needed(app.store.as_ref(), app.now())
        .await
        .unwrap();
}

on_both_backends!(
    home_lists_the_articles_it_listed_before,
    an_article_page_shows_its_title_byline_and_comments,
    topic_author_and_match_pages_render_as_before,
    staff_log_in_with_their_old_passwords_and_new_writes_follow_the_old_ids,
);
