//! `tribune import articles FILE.jsonl`: good lines land, broken ones are named and leave
//! nothing behind, and the same file twice creates no duplicates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use tribune_core::store::ArticleQuery;
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, on_both_backends};

fn line(title: &str, extra: &str) -> String {
    format!(
        r#"{{"title":"{title}","kind":"news","author":"Karim El Idrissi","published_at":"2026-11-22T10:00:00+01:00","lead":"Een lead voor {title}.","body":"Tekst.\n\n## TUSSENTITEL\n\nMeer tekst."{extra}}}"#
    )
}

async fn broken_lines_are_reported_by_number_and_the_rest_imports_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    let dir = tempfile::tempdir().unwrap();
    let png = tribune::demo::photo_png(64, 36, [0, 84, 166], [18, 18, 18]);
    std::fs::write(dir.path().join("foto.png"), &png).unwrap();
    std::fs::write(
        dir.path().join("nep.png"),
        b"<html><script>alert(1)</script></html>",
    )
    .unwrap();
    let lines = [
        line("Goede lijn met foto", r#","topics":["blauw-zwart"],"photo":{"path":"foto.png","credit":"photonews","caption":"Een foto"}"#),
        "{ dit is geen json".to_string(),
        line("Onbekend onderwerp", r#","topics":["Bestaat Niet FC"]"#),
        line("Gerucht zonder bron", "").replace(r#""kind":"news""#, r#""kind":"rumour""#),
        line("Foute datum", "").replace("2026-11-22T10:00:00+01:00", "gisteren"),
        String::new(),
        line("Onbekend gerelateerd", r#","related":[424242]"#),
        line("Nepfoto", r#","photo":{"path":"nep.png","credit":"x"}"#),
        line("Onbekend veld", r#","tittle":"typo""#),
        r#"{"title":"Gerucht met bron","kind":"rumour","source":"Sporza","author":"Lotte Claes","published_at":"2026-11-22T09:00:00Z","lead":"Lead.","body":"Body."}"#.to_string(),
    ];
    let file = dir.path().join("artikels.jsonl");
    let mut f = std::fs::File::create(&file).unwrap();
    for l in &lines {
        writeln!(f, "{l}").unwrap();
    }
    // A line that is not UTF-8.
    f.write_all(b"{\"title\":\"\xff\xfe\"}\n").unwrap();
    drop(f);

    let report = tribune::import::articles(app.store.as_ref(), &file, &app.media_dir(), app.now())
        .await
        .unwrap();
    assert_eq!(report.created, 2, "{report}");
    let failed: Vec<usize> = report.failed.iter().map(|(n, _)| *n).collect();
    assert_eq!(failed, [2, 3, 4, 5, 7, 8, 9, 11], "{report}");
    let why = |n: usize| {
        report
            .failed
            .iter()
            .find(|(l, _)| *l == n)
            .unwrap()
            .1
            .clone()
    };
    assert!(why(3).contains("Bestaat Niet FC"), "{}", why(3));
    assert!(why(4).contains("source"), "{}", why(4));
    assert!(why(5).contains("published_at"), "{}", why(5));
    assert!(why(7).contains("424242"), "{}", why(7));
    assert!(why(8).contains("not a JPEG, PNG or WebP"), "{}", why(8));
    assert!(why(9).contains("tittle"), "{}", why(9));
    assert!(why(11).contains("UTF-8"), "{}", why(11));

    // Nothing of a refused line is stored: two articles, one photo file.
    assert_eq!(app.store.article_count().await.unwrap(), 2);
    let files: Vec<_> = std::fs::read_dir(app.media_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");

    let list = app
        .store
        .articles(
            &ArticleQuery {
                limit: 10,
                ..Default::default()
            },
            app.now(),
        )
        .await
        .unwrap();
    let good = list
        .iter()
        .find(|a| a.title == "Goede lijn met foto")
        .unwrap();
    assert_eq!(
        good.comment_count, 0,
        "counts come from comment rows, never from a file"
    );
    let full = app
        .store
        .article(good.id, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(full.topics[0].name, "Club Brugge");
    let photo = full.photo.unwrap();
    assert_eq!(
        (photo.width, photo.height, photo.credit.as_str()),
        (64, 36, "photonews")
    );

    // Again: no duplicates, the same lines update.
    let again = tribune::import::articles(app.store.as_ref(), &file, &app.media_dir(), app.now())
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (0, 2), "{again}");
    assert_eq!(app.store.article_count().await.unwrap(), 2);
}

async fn a_missing_file_is_a_clear_error(backend: Backend) {
    let app = TestApp::start(backend).await;
    let err = tribune::import::articles(
        app.store.as_ref(),
        std::path::Path::new("/nergens/x.jsonl"),
        &app.media_dir(),
        app.now(),
    )
    .await
    .unwrap_err();
    assert!(err.contains("cannot open /nergens/x.jsonl"), "{err}");
}

on_both_backends!(
    broken_lines_are_reported_by_number_and_the_rest_imports_once,
    a_missing_file_is_a_clear_error,
);
