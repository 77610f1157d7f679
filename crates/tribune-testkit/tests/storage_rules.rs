//! What a store may keep is decided once (tribune-core's `storable`), so SQLite and
//! PostgreSQL refuse the same input with the same words: a site written on one moves to the
//! other with `tribune copy` without a surprise. Each rule, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use tribune_core::account::AccountId;
use tribune_core::desk::ArticleDraft;
use tribune_core::poll::NewPoll;
use tribune_core::store::ArticleRecord;
use tribune_core::topic::{NewTopic, TopicKind};
use tribune_core::{ArticleKind, NewArticle, StoreError};
use tribune_testkit::{Backend, TestApp, article, match_day, on_both_backends};

/// The one refusal a batch holds, as the newsroom would read it.
async fn refusal(app: &TestApp, a: &NewArticle) -> String {
    let outcomes = app
        .store
        .save_articles(std::slice::from_ref(a), app.now())
        .await
        .unwrap();
    match outcomes.into_iter().next().unwrap() {
        Err(StoreError::Invalid(why)) => why,
        other => panic!("the article was not refused as invalid: {other:?}"),
    }
}

fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(why)) => why,
        other => panic!("not refused as invalid: {other:?}"),
    }
}

async fn an_article_with_a_nul_in_its_title_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut a = article("Club wint\0 de topper", 10);
    assert_eq!(refusal(&app, &a).await, "text contains a NUL character");
    a.title = "Club wint de topper".into();
    a.body_markdown = "Een alinea\0 met een NUL.".into();
    assert_eq!(refusal(&app, &a).await, "text contains a NUL character");
    // Nothing of it was kept, and a lookup by such a key finds nothing.
    assert_eq!(app.store.article_count().await.unwrap(), 0);
    assert_eq!(app.store.article_by_key("test:\0").await.unwrap(), None);
}

async fn an_article_published_before_4714_bc_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut a = article("Een heel oud verslag", 10);
    a.published_at = Utc.with_ymd_and_hms(-4714, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(refusal(&app, &a).await, "published_at is before 4714 BC");
    // The earliest time a store keeps is fine.
    a.published_at = Utc
        .timestamp_millis_opt(tribune_core::storable::EARLIEST_MS)
        .unwrap();
    let outcomes = app.store.save_articles(&[a], app.now()).await.unwrap();
    assert!(outcomes[0].is_ok(), "{:?}", outcomes[0]);
}

async fn a_topic_with_a_nul_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut topic = NewTopic::named("Club Brugge", TopicKind::Club);
    topic.aliases = vec!["blauw\0zwart".into()];
    assert_eq!(
        invalid(app.store.save_topic(&topic).await),
        "text contains a NUL character"
    );
    topic.aliases.clear();
    topic.crest = Some("club\0brugge.svg".into());
    assert_eq!(
        invalid(app.store.save_topic(&topic).await),
        "text contains a NUL character"
    );
    assert!(app.store.topics().await.unwrap().is_empty());
    assert_eq!(app.store.find_topic("Club\0Brugge").await.unwrap(), None);
}

async fn a_copied_article_with_a_nul_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let at = match_day();
    let record = ArticleRecord {
        id: 7,
        external_key: None,
        slug: "club-wint".into(),
        title: "Club wint".into(),
        kind: ArticleKind::News,
        source: None,
        author_id: 1,
        published: true,
        published_at: at,
        created_at: at,
        updated_at: at,
        lead: "Een inleiding.".into(),
        teaser: "Een inleiding.".into(),
        body_markdown: "Een tekst\0 uit een andere database.".into(),
        body_html: "<p>Een tekst uit een andere database.</p>".into(),
        photo_id: None,
        comment_count: 0,
        topics: vec![],
        related: vec![],
    };
    assert_eq!(
        invalid(
            app.store
                .restore_articles(std::slice::from_ref(&record))
                .await
        ),
        "article 7: text contains a NUL character, which a store cannot keep"
    );
    let ancient = ArticleRecord {
        body_markdown: "Een tekst.".into(),
        created_at: Utc.with_ymd_and_hms(-5000, 1, 1, 0, 0, 0).unwrap(),
        ..record
    };
    assert_eq!(
        invalid(app.store.restore_articles(&[ancient]).await),
        "article 7: a time before 4714 BC, which a store cannot keep"
    );
    assert_eq!(app.store.article_count().await.unwrap(), 0);
}

async fn a_draft_with_a_nul_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let draft = ArticleDraft {
        title: "Club wint de topper".into(),
        kind: ArticleKind::News,
        source: None,
        byline: "Sofie Vermeulen".into(),
        lead: "Een inleiding.".into(),
        body_markdown: "Een tekst\0 met een NUL.".into(),
        photo: None,
        topics: vec![],
        related: vec![],
        publish_at: None,
    };
    let by: AccountId = 1;
    assert_eq!(
        invalid(
            app.store
                .write_article(None, &draft, by, "", app.now())
                .await
        ),
        "De tekst bevat een NUL-teken."
    );
    let ancient = ArticleDraft {
        body_markdown: "Een tekst.".into(),
        publish_at: Some(Utc.with_ymd_and_hms(-5000, 1, 1, 0, 0, 0).unwrap()),
        ..draft
    };
    assert_eq!(
        invalid(
            app.store
                .write_article(None, &ancient, by, "", app.now())
                .await
        ),
        "De publicatietijd ligt voor 4714 voor Christus."
    );
    assert_eq!(
        invalid(
            app.store
                .autosave(by, None, "{\"title\":\"\0\"}", app.now())
                .await
        ),
        "De tekst bevat een NUL-teken."
    );
}

async fn a_poll_that_closes_before_4714_bc_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let id = app.save(&article("Club wint de topper", 10)).await.id;
    let poll = NewPoll {
        article_id: id,
        question: "Wie wint de titel?".into(),
        options: vec!["Club".into(), "Anderlecht".into()],
        closes_at: Some(Utc.with_ymd_and_hms(-5000, 1, 1, 0, 0, 0).unwrap()),
    };
    assert_eq!(
        invalid(app.store.create_poll(&poll, app.now()).await),
        "De peiling sluit voor 4714 voor Christus."
    );
    let fine = NewPoll {
        closes_at: Some(app.now() + Duration::days(1)),
        ..poll
    };
    app.store.create_poll(&fine, app.now()).await.unwrap();
}

on_both_backends!(
    an_article_with_a_nul_in_its_title_is_refused,
    an_article_published_before_4714_bc_is_refused,
    a_topic_with_a_nul_is_refused,
    a_copied_article_with_a_nul_is_refused,
    a_draft_with_a_nul_is_refused,
    a_poll_that_closes_before_4714_bc_is_refused,
);
