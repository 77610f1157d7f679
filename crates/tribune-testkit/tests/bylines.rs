//! The byline rule: a byline is normalised (every run of white space and control characters
//! becomes one space, ends trimmed); bylines equal after that are one author, bylines that
//! differ are different authors, and when they slugify alike the later one gets its own
//! address (`jan-de-smet-2`), each page showing its own name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tribune_testkit::{Backend, TestApp, article, on_both_backends};

async fn saved_by(app: &TestApp, title: &str, byline: &str) -> tribune_core::Article {
    let mut a = article(title, 10);
    a.author_name = byline.into();
    let id = app.save(&a).await.id;
    app.store.article(id, app.now()).await.unwrap().unwrap()
}

async fn bylines_that_differ_never_merge_and_each_keeps_its_address(backend: Backend) {
    let app = TestApp::start(backend).await;
    let upper = saved_by(&app, "Genk wint", "Jan De Smet").await;
    let lower = saved_by(&app, "Club verliest", "Jan de Smet").await;
    let spaced = saved_by(&app, "Antwerp speelt gelijk", " Jan \u{c} De\tSmet\n").await;
    assert_ne!(
        upper.author.id, lower.author.id,
        "case makes another person"
    );
    assert_eq!(
        upper.author.id, spaced.author.id,
        "white space and control characters do not"
    );
    assert_eq!(
        (upper.author.slug.as_str(), upper.author.name.as_str()),
        ("jan-de-smet", "Jan De Smet")
    );
    assert_eq!(
        (lower.author.slug.as_str(), lower.author.name.as_str()),
        ("jan-de-smet-2", "Jan de Smet")
    );
    assert_eq!(spaced.author.name, "Jan De Smet");

    let page = app.page("/auteur/jan-de-smet").await;
    assert!(page.contains("Jan De Smet") && !page.contains("Jan de Smet"));
    assert!(page.contains("Genk wint") && page.contains("Antwerp speelt gelijk"));
    assert!(!page.contains("Club verliest"));
    let page = app.page("/auteur/jan-de-smet-2").await;
    assert!(page.contains("Jan de Smet") && page.contains("Club verliest"));
    assert!(!page.contains("Genk wint"));
}

/// The attack run: a byline with a form feed, then one with a space. After normalisation
/// they are the same byline, so one author, shown with the normalised name (no form feed);
/// a byline that only slugifies alike gets an address of its own.
async fn a_byline_with_a_control_character_is_normalised(backend: Backend) {
    let app = TestApp::start(backend).await;
    let first = saved_by(&app, "Eerste stuk", "<svg\u{c}onload=alert(1)>").await;
    let second = saved_by(&app, "Tweede stuk", "<svg onload=alert(1)>").await;
    let other = saved_by(&app, "Derde stuk", "svg onload alert 1").await;
    assert_eq!(first.author.id, second.author.id);
    assert_eq!(first.author.name, "<svg onload=alert(1)>");
    assert_eq!(first.author.slug, "svg-onload-alert-1");
    assert_ne!(other.author.id, first.author.id);
    assert_eq!(other.author.slug, "svg-onload-alert-1-2");

    let page = app.page("/auteur/svg-onload-alert-1").await;
    assert!(page.contains("&#60;svg onload=alert(1)&#62;"), "{page}");
    assert!(!page.contains('\u{c}') && !page.contains("&#12;"));
    let page = app.page("/auteur/svg-onload-alert-1-2").await;
    assert!(page.contains("svg onload alert 1") && page.contains("Derde stuk"));
    assert!(!page.contains("Eerste stuk"));

    // A byline of nothing but control characters is refused, not stored as an author.
    let mut blank = article("Zonder auteur", 5);
    blank.author_name = "\u{1}\u{c}".into();
    assert!(blank.check().is_err());
}

on_both_backends!(
    bylines_that_differ_never_merge_and_each_keeps_its_address,
    a_byline_with_a_control_character_is_normalised,
);
