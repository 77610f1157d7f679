//! What feed readers and search engines see: RSS and Atom feeds read back with a real feed
//! parser, sitemaps read as XML, robots.txt, and the <head> of an article page (canonical,
//! OpenGraph, Twitter card, NewsArticle JSON-LD), hostile headlines included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset};
use feed_rs::model::{Feed, FeedType};
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, article, match_day, on_both_backends, photo};

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// GET that must answer 200 with `content_type`; returns the body.
async fn fetch(app: &TestApp, path: &str, content_type: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "GET {path}");
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        content_type,
        "content type of {path}"
    );
    r.text().await.unwrap()
}

async fn rss(app: &TestApp, path: &str) -> (String, Feed) {
    let body = fetch(app, path, "application/rss+xml; charset=utf-8").await;
    let feed = feed_rs::parser::parse(body.as_bytes())
        .unwrap_or_else(|e| panic!("{path} is not a feed: {e}\n{body}"));
    assert_eq!(feed.feed_type, FeedType::RSS2, "{path}");
    (body, feed)
}

async fn atom(app: &TestApp, path: &str) -> (String, Feed) {
    let body = fetch(app, path, "application/atom+xml; charset=utf-8").await;
    let feed = feed_rs::parser::parse(body.as_bytes())
        .unwrap_or_else(|e| panic!("{path} is not a feed: {e}\n{body}"));
    assert_eq!(feed.feed_type, FeedType::Atom, "{path}");
    (body, feed)
}

/// The text of every element named `name` in the document, in order.
fn texts_of(body: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

/// Photo bytes on disk, as an upload would have left them.
fn photo_file(app: &TestApp, name: &str, len: usize) {
    std::fs::create_dir_all(app.media_dir()).unwrap();
    std::fs::write(app.media_dir().join(name), vec![0xAB; len]).unwrap();
}

/// Both feeds hold what readers may see now, and every field a feed reader relies on.
fn check_entries(app: &TestApp, feed: &Feed, ids: &[i64]) {
    let mut seen = HashSet::new();
    for entry in &feed.entries {
        assert!(
            seen.insert(entry.id.clone()),
            "ids are unique: {}",
            entry.id
        );
        assert!(
            entry.id.starts_with(&format!("{}/nieuws/", app.base)),
            "a stable, absolute id: {}",
            entry.id
        );
        for link in &entry.links {
            assert!(
                link.href.starts_with(&app.base),
                "absolute link {}",
                link.href
            );
        }
        assert!(entry.published.is_some(), "{} has a date", entry.id);
        assert!(!entry.authors.is_empty(), "{} has an author", entry.id);
    }
    let expected: HashSet<String> = ids
        .iter()
        .map(|id| format!("{}/nieuws/{id}", app.base))
        .collect();
    assert_eq!(seen, expected);
}

async fn feeds_hold_published_articles_with_dates_ids_authors_topics_and_photos(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app
        .topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    photo_file(&app, "ordonez.jpg", 4321);
    let mut lead = article("Ordoñez beslist de topper", 30);
    lead.topics = vec![club.id];
    lead.photo = Some(photo("ordonez.jpg", "photonews"));
    let lead = app.save(&lead).await;
    let mut other = article("Genk wint in Limburg", 90);
    other.author_name = "Jonas Peeters".into();
    let other = app.save(&other).await;
    // Scheduled for 17:00 Brussels: not in any feed before then.
    let mut scheduled = article("Opstelling voor de bekermatch", -120);
    scheduled.topics = vec![club.id];
    let scheduled = app.save(&scheduled).await;

    let (raw, feed) = rss(&app, "/feed.xml").await;
    check_entries(&app, &feed, &[lead.id, other.id]);
    assert_eq!(
        titles(&feed),
        ["Ordoñez beslist de topper", "Genk wint in Limburg"]
    );
    // RFC 822 dates in Brussels time, straight from the article record.
    let dates = texts_of(&raw, "pubDate");
    assert_eq!(dates[0], "Sun, 22 Nov 2026 14:30:00 +0100");
    for d in &dates {
        DateTime::parse_from_rfc2822(d).unwrap_or_else(|e| panic!("{d}: {e}"));
    }
    assert_eq!(
        feed.entries[0].published,
        Some(match_day() - Duration::minutes(30))
    );
    assert!(raw.contains(r#"<guid isPermaLink="true">"#));
    let first = &feed.entries[0];
    assert_eq!(first.authors[0].name, "Sofie Vermeulen");
    assert_eq!(feed.entries[1].authors[0].name, "Jonas Peeters");
    assert_eq!(first.categories[0].term, "Club Brugge");
    assert_eq!(
        first.categories[0].scheme.as_deref(),
        Some(format!("{}/onderwerp/club-brugge", app.base).as_str())
    );
    let photo = &first.media[0].content[0];
    assert_eq!(
        photo.url.as_ref().unwrap().as_str(),
        format!("{}/media/ordonez.jpg", app.base)
    );
    assert_eq!(
        photo.size,
        Some(4321),
        "enclosure length is the file's size"
    );
    assert_eq!(
        photo.content_type.as_ref().unwrap().to_string(),
        "image/jpeg"
    );
    assert!(feed.entries[1].media.is_empty(), "no photo, no enclosure");
    // Teasers by default: no body in the feed.
    assert!(first.content.is_none());
    assert!(
        first.summary.as_ref().unwrap().content.ends_with(" ..."),
        "the teaser stands for the article"
    );
    assert!(!raw.contains("DE ANALYSE"));
    assert!(raw.contains(&format!(
        r#"<atom:link href="{}/feed.xml" rel="self" type="application/rss+xml"/>"#,
        app.base
    )));

    let (raw, feed) = atom(&app, "/atom.xml").await;
    check_entries(&app, &feed, &[lead.id, other.id]);
    let published = texts_of(&raw, "published");
    assert_eq!(published[0], "2026-11-22T14:30:00+01:00");
    for d in published.iter().chain(&texts_of(&raw, "updated")) {
        DateTime::parse_from_rfc3339(d).unwrap_or_else(|e| panic!("{d}: {e}"));
    }
    let first = &feed.entries[0];
    assert!(first.updated.unwrap() >= first.published.unwrap());
    assert_eq!(first.authors[0].name, "Sofie Vermeulen");
    assert_eq!(
        first.authors[0].uri.as_deref(),
        Some(format!("{}/auteur/sofie-vermeulen", app.base).as_str())
    );
    assert_eq!(first.categories[0].term, "club-brugge");
    assert_eq!(first.categories[0].label.as_deref(), Some("Club Brugge"));
    let enclosure = first
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("enclosure"))
        .expect("the lead photo as an enclosure link");
    assert_eq!(enclosure.length, Some(4321));
    assert_eq!(enclosure.media_type.as_deref(), Some("image/jpeg"));
    assert!(first.content.is_none());
    // The feed changed when its newest article did.
    assert_eq!(feed.updated, first.updated);

    // 17:00 in Brussels: the scheduled article appears, in the feeds as on the site.
    app.clock.advance(Duration::hours(3));
    app.sync().await;
    let (_, feed) = rss(&app, "/feed.xml").await;
    check_entries(&app, &feed, &[scheduled.id, lead.id, other.id]);
    let (_, feed) = atom(&app, "/onderwerp/club-brugge/atom.xml").await;
    check_entries(&app, &feed, &[scheduled.id, lead.id]);
}

async fn full_text_feeds_carry_the_whole_article_with_absolute_links(backend: Backend) {
    let app = TestApp::start_configured(backend, |c| c.feed_full_text = true).await;
    let earlier = app.save(&article("Vorige week", 600)).await;
    let mut a = article("Analyse van de topper", 30);
    a.body_markdown = format!(
        "Eerste alinea met [het vorige stuk](/nieuws/{}-vorige-week).\n\n## DE ANALYSE\n\nTweede alinea.",
        earlier.id
    );
    app.save(&a).await;
    let absolute_link = format!(r#"href="{}/nieuws/{}-vorige-week""#, app.base, earlier.id);

    let (_, feed) = rss(&app, "/feed.xml").await;
    let body = feed.entries[0]
        .content
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap();
    assert!(
        body.contains("DE ANALYSE"),
        "the body is in the feed: {body}"
    );
    assert!(body.contains(&absolute_link), "links are absolute: {body}");
    assert!(
        feed.entries[0]
            .summary
            .as_ref()
            .unwrap()
            .content
            .starts_with("Analyse van de topper: de eerste alinea"),
        "the description is the whole lead"
    );
    let (_, feed) = atom(&app, "/atom.xml").await;
    let body = feed.entries[0]
        .content
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap();
    assert!(body.contains("DE ANALYSE") && body.contains(&absolute_link));
}

async fn topic_and_author_feeds_hold_their_own_articles_and_pages_announce_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let mut brugge = article("Club wint", 10);
    brugge.topics = vec![club.id];
    let brugge = app.save(&brugge).await;
    let mut genk = article("Genk verliest", 20);
    genk.author_name = "Jonas Peeters".into();
    let genk = app.save(&genk).await;

    let (_, feed) = rss(&app, "/onderwerp/club-brugge/feed.xml").await;
    check_entries(&app, &feed, &[brugge.id]);
    assert_eq!(feed.title.unwrap().content, "Club Brugge — Tribune");
    let (_, feed) = atom(&app, "/auteur/jonas-peeters/atom.xml").await;
    check_entries(&app, &feed, &[genk.id]);
    let (_, feed) = rss(&app, "/auteur/sofie-vermeulen/feed.xml").await;
    check_entries(&app, &feed, &[brugge.id]);

    for unknown in [
        "/onderwerp/onbekend/feed.xml",
        "/onderwerp/onbekend/atom.xml",
        "/auteur/niemand/feed.xml",
        "/auteur/niemand/atom.xml",
    ] {
        assert_eq!(app.get(unknown).await.status(), 404, "{unknown}");
    }

    let home = app.page("/").await;
    assert!(home.contains(&format!(
        r#"<link rel="alternate" type="application/rss+xml" title="Tribune — voetbalnieuws (RSS)" href="{}/feed.xml">"#,
        app.base
    )));
    assert!(home.contains(&format!(
        r#"<link rel="alternate" type="application/atom+xml" title="Tribune — voetbalnieuws (Atom)" href="{}/atom.xml">"#,
        app.base
    )));
    let topic = app.page("/onderwerp/club-brugge").await;
    assert!(topic.contains(&format!(
        r#"type="application/rss+xml" title="Club Brugge — Tribune (RSS)" href="{}/onderwerp/club-brugge/feed.xml">"#,
        app.base
    )));
    let author = app.page("/auteur/jonas-peeters").await;
    assert!(author.contains(&format!(
        r#"href="{}/auteur/jonas-peeters/atom.xml">"#,
        app.base
    )));
}

async fn feeds_and_sitemaps_are_cached_and_refreshed_by_an_article_change(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.save(&article("Eerste bericht", 60)).await;
    // The follower's first look fixes its place in the change log, as `serve` does at start.
    app.sync().await;
    for path in ["/feed.xml", "/sitemap.xml", "/sitemaps/artikels-1.xml"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].clone();
        let keys = first.headers()["surrogate-key"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(keys.split(' ').any(|k| k == "lists"), "{path}: {keys}");
        assert!(
            first.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("public"),
            "{path} is the same for everyone"
        );
        let again = app
            .http
            .get(app.url(path))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} answers from the cache");
    }
    let misses = app
        .state
        .cache
        .misses
        .load(std::sync::atomic::Ordering::Relaxed);
    app.page("/feed.xml").await;
    assert_eq!(
        app.state
            .cache
            .misses
            .load(std::sync::atomic::Ordering::Relaxed),
        misses,
        "a second read is a cache hit"
    );

    // Another process (the import command) adds an article; the follower hears of it.
    let other = app.another_process().await;
    other
        .save_article(&article("Tweede bericht", 5), app.now())
        .await
        .unwrap();
    app.sync().await;
    let (_, feed) = rss(&app, "/feed.xml").await;
    assert_eq!(titles(&feed), ["Tweede bericht", "Eerste bericht"]);
    let sitemap = fetch(
        &app,
        "/sitemaps/artikels-1.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    assert_eq!(texts_of(&sitemap, "loc").len(), 2);
}

fn element<'a>(
    doc: &'a roxmltree::Document<'a>,
    ns: &str,
    name: &str,
) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name)
        .collect()
}

fn child_text(node: roxmltree::Node, ns: &str, name: &str) -> Option<String> {
    node.children()
        .find(|n| n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name)
        .and_then(|n| n.text().map(str::to_string))
}

/// A W3C datetime to the second with a time zone offset, as sitemaps want.
fn w3c(s: &str) -> DateTime<FixedOffset> {
    assert_eq!(s.len(), 25, "YYYY-MM-DDThh:mm:ss+hh:mm, not {s}");
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn sitemaps_list_every_public_page_split_into_small_files(backend: Backend) {
    let app = TestApp::start_configured(backend, |c| c.sitemap_size = 2).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let genk = app.topic("KRC Genk", TopicKind::Club, &[]).await;
    let empty = app.topic("Croky Cup", TopicKind::Competition, &[]).await;
    let mut visible = Vec::new();
    for i in 0..5 {
        let mut a = article(&format!("Bericht {i}"), 60 * (i + 1));
        a.topics = vec![if i % 2 == 0 { club.id } else { genk.id }];
        if i == 4 {
            a.author_name = "Jonas Peeters".into();
        }
        // Written when it went out, so each has its own last change.
        let saved = app.store.save_article(&a, a.published_at).await.unwrap();
        visible.push(saved.id);
    }
    // Neither a scheduled nor a withdrawn article is for search engines.
    let mut later = article("Nog niet", -60);
    later.topics = vec![empty.id];
    later.author_name = "Lotte Claes".into();
    app.save(&later).await;
    let gone = app.save(&article("Ingetrokken", 30)).await;
    app.store
        .set_published(gone.id, false, app.now())
        .await
        .unwrap();

    let index = fetch(&app, "/sitemap.xml", "application/xml; charset=utf-8").await;
    let doc = roxmltree::Document::parse(&index).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
    assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP_NS));
    let files: Vec<String> = element(&doc, SITEMAP_NS, "sitemap")
        .into_iter()
        .map(|s| child_text(s, SITEMAP_NS, "loc").unwrap())
        .collect();
    let expected: Vec<String> = [
        "nieuws",
        "artikels-1",
        "artikels-2",
        "artikels-3",
        "onderwerpen-1",
        "auteurs-1",
    ]
    .iter()
    .map(|f| format!("{}/sitemaps/{f}.xml", app.base))
    .collect();
    assert_eq!(files, expected);
    for s in element(&doc, SITEMAP_NS, "sitemap") {
        w3c(&child_text(s, SITEMAP_NS, "lastmod").expect("every sitemap has a lastmod"));
    }

    let mut articles = Vec::new();
    for n in 1..=3 {
        let path = format!("/sitemaps/artikels-{n}.xml");
        let body = fetch(&app, &path, "application/xml; charset=utf-8").await;
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "urlset");
        assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP_NS));
        let urls = element(&doc, SITEMAP_NS, "url");
        assert!(urls.len() <= 2, "{path} holds at most the configured size");
        for url in urls {
            let loc = child_text(url, SITEMAP_NS, "loc").unwrap();
            let lastmod = w3c(&child_text(url, SITEMAP_NS, "lastmod").unwrap());
            assert!(
                lastmod <= app.now(),
                "{loc}: lastmod {lastmod} is not in the future"
            );
            articles.push(loc);
        }
    }
    let expected: Vec<String> = visible
        .iter()
        .zip(0..)
        .map(|(id, i)| format!("{}/nieuws/{id}-bericht-{i}", app.base))
        .collect();
    assert_eq!(articles, expected, "every visible article once, by id");
    // The lastmod is the article's own time: Bericht 0 went out 60 minutes before 15:00.
    assert!(index.contains("<lastmod>2026-11-22T14:"));
    assert_eq!(app.get("/sitemaps/artikels-4.xml").await.status(), 404);
    assert_eq!(app.get("/sitemaps/artikels-01.xml").await.status(), 404);
    assert_eq!(app.get("/sitemaps/fotos-1.xml").await.status(), 404);

    let topics = fetch(
        &app,
        "/sitemaps/onderwerpen-1.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    assert_eq!(
        texts_of(&topics, "loc"),
        [
            format!("{}/onderwerp/club-brugge", app.base),
            format!("{}/onderwerp/krc-genk", app.base)
        ],
        "topics with visible articles only"
    );
    let authors = fetch(
        &app,
        "/sitemaps/auteurs-1.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    assert_eq!(
        texts_of(&authors, "loc"),
        [
            format!("{}/auteur/jonas-peeters", app.base),
            format!("{}/auteur/sofie-vermeulen", app.base)
        ]
    );
    assert_eq!(
        texts_of(&authors, "lastmod"),
        ["2026-11-22T10:00:00+01:00", "2026-11-22T14:00:00+01:00"],
        "an author's page changed with their newest article"
    );
}

async fn the_news_sitemap_holds_the_last_48_hours(backend: Backend) {
    let app = TestApp::start(backend).await;
    let hostile = app
        .save(&article("Club & Anderlecht <3 \"derby\" </news:title>", 60))
        .await;
    app.save(&article("Gisteren nog", 47 * 60)).await;
    app.save(&article("Eergisteren en ouder", 49 * 60)).await;
    app.save(&article("Straks", -30)).await;

    let body = fetch(
        &app,
        "/sitemaps/nieuws.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP_NS));
    let urls = element(&doc, SITEMAP_NS, "url");
    assert_eq!(urls.len(), 2, "only the last 48 hours, nothing scheduled");
    let titles: Vec<String> = element(&doc, NEWS_NS, "title")
        .iter()
        .map(|t| t.text().unwrap().to_string())
        .collect();
    assert_eq!(
        titles,
        [
            "Club & Anderlecht <3 \"derby\" </news:title>",
            "Gisteren nog"
        ]
    );
    let first = urls[0];
    let loc = child_text(first, SITEMAP_NS, "loc").unwrap();
    assert!(loc.starts_with(&format!("{}/nieuws/{}-", app.base, hostile.id)));
    let publication = element(&doc, NEWS_NS, "publication")[0];
    assert_eq!(child_text(publication, NEWS_NS, "name").unwrap(), "Tribune");
    assert_eq!(child_text(publication, NEWS_NS, "language").unwrap(), "nl");
    let dates: Vec<String> = element(&doc, NEWS_NS, "publication_date")
        .iter()
        .map(|t| t.text().unwrap().to_string())
        .collect();
    assert_eq!(dates[0], "2026-11-22T14:00:00+01:00");
    w3c(&dates[1]);

    // Time passes: what was 47 hours old drops out.
    app.clock.advance(Duration::hours(2));
    app.sync().await;
    let body = fetch(
        &app,
        "/sitemaps/nieuws.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    let titles: Vec<&str> = element(&doc, NEWS_NS, "title")
        .iter()
        .map(|t| t.text().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Straks", "Club & Anderlecht <3 \"derby\" </news:title>"]
    );
}

async fn the_news_sitemap_stops_at_a_thousand_articles(backend: Backend) {
    let app = TestApp::start(backend).await;
    // A busy transfer deadline: 1,005 articles within the last day.
    let batch: Vec<_> = (0..1_005)
        .map(|i| article(&format!("Transfer {i:04}"), i))
        .collect();
    for outcome in app.store.save_articles(&batch, app.now()).await.unwrap() {
        outcome.unwrap();
    }
    let body = fetch(
        &app,
        "/sitemaps/nieuws.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    let titles: Vec<&str> = element(&doc, NEWS_NS, "title")
        .iter()
        .map(|t| t.text().unwrap())
        .collect();
    assert_eq!(titles.len(), 1_000, "Google News reads at most 1,000");
    assert_eq!(titles[0], "Transfer 0000", "the newest first");
    assert_eq!(titles[999], "Transfer 0999");
}

async fn robots_txt_points_at_the_sitemap_and_keeps_private_parts_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let robots = fetch(&app, "/robots.txt", "text/plain; charset=utf-8").await;
    let lines: Vec<&str> = robots.lines().collect();
    assert!(lines.contains(&"User-agent: *"));
    // Search results are pages of other pages: kept out of indexes too.
    for private in ["/account", "/moderatie", "/api/", "/inloggen", "/zoeken"] {
        assert!(
            lines.contains(&format!("Disallow: {private}").as_str()),
            "{private} is kept out:\n{robots}"
        );
    }
    assert!(lines.contains(&format!("Sitemap: {}/sitemap.xml", app.base).as_str()));
    assert!(
        !lines.contains(&"Disallow: /"),
        "the site itself stays open"
    );
}

/// The content of `<meta property|name="key" content="...">`, as written in the page.
fn meta<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    ["property", "name"].iter().find_map(|attr| {
        let start = format!(r#"<meta {attr}="{key}" content=""#);
        let from = html.find(&start)? + start.len();
        Some(&html[from..from + html[from..].find('"')?])
    })
}

async fn article_pages_carry_open_graph_and_news_article_data_safe_from_hostile_titles(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let title = r#"Club wint </script><script>alert("xss")</script> & <b>meer</b>"#;
    let mut a = article(title, 30);
    a.topics = vec![club.id];
    a.photo = Some(photo("topper.jpg", "photonews"));
    let saved = app.save(&a).await;
    let path = format!("/nieuws/{}", saved.id);
    let canonical = app.get(&path).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let html = app.page(&canonical).await;
    let url = format!("{}{canonical}", app.base);

    assert!(
        !html.contains("<script>alert"),
        "the title broke out somewhere"
    );
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the site script and the JSON-LD, nothing more"
    );
    assert!(html.contains(&format!(r#"<link rel="canonical" href="{url}">"#)));

    let start = r#"<script type="application/ld+json">"#;
    let from = html.find(start).expect("JSON-LD on the page") + start.len();
    let json = &html[from..from + html[from..].find("</script>").unwrap()];
    assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
    let ld: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], title);
    assert_eq!(ld["author"][0]["name"], "Sofie Vermeulen");
    assert_eq!(
        ld["author"][0]["url"],
        format!("{}/auteur/sofie-vermeulen", app.base)
    );
    assert_eq!(ld["datePublished"], "2026-11-22T14:30:00+01:00");
    let modified = DateTime::parse_from_rfc3339(ld["dateModified"].as_str().unwrap()).unwrap();
    assert!(modified >= DateTime::parse_from_rfc3339("2026-11-22T14:30:00+01:00").unwrap());
    assert_eq!(ld["image"][0], format!("{}/media/topper.jpg", app.base));
    assert_eq!(ld["mainEntityOfPage"]["@id"], url);
    assert_eq!(ld["publisher"]["name"], "Tribune");
    let logo = ld["publisher"]["logo"]["url"].as_str().unwrap();
    assert!(logo.starts_with(&format!("{}/assets/", app.base)), "{logo}");

    let og_title = meta(&html, "og:title").expect("og:title");
    assert!(
        og_title.contains("alert") && !og_title.contains('<'),
        "og:title is escaped: {og_title}"
    );
    assert_eq!(meta(&html, "og:type"), Some("article"));
    assert_eq!(meta(&html, "og:url"), Some(url.as_str()));
    assert_eq!(
        meta(&html, "og:image"),
        Some(format!("{}/media/topper.jpg", app.base).as_str())
    );
    assert_eq!(meta(&html, "og:site_name"), Some("Tribune"));
    assert_eq!(meta(&html, "twitter:card"), Some("summary_large_image"));
    assert!(meta(&html, "twitter:title").is_some_and(|t| !t.contains('<')));
    assert_eq!(
        meta(&html, "article:published_time"),
        Some("2026-11-22T14:30:00+01:00")
    );
    assert_eq!(meta(&html, "article:tag"), Some("Club Brugge"));

    // List pages get a preview too, with absolute addresses.
    let home = app.page("/").await;
    assert_eq!(meta(&home, "og:type"), Some("website"));
    assert_eq!(
        meta(&home, "og:url"),
        Some(format!("{}/", app.base).as_str())
    );
    assert_eq!(meta(&home, "twitter:card"), Some("summary"));
    let topic = app.page("/onderwerp/club-brugge").await;
    assert_eq!(
        meta(&topic, "og:url"),
        Some(format!("{}/onderwerp/club-brugge", app.base).as_str())
    );
    assert!(topic.contains(&format!(
        r#"<link rel="canonical" href="{}/onderwerp/club-brugge">"#,
        app.base
    )));
}

/// A headline with markup and a control character in it stays one headline in both formats.
async fn hostile_headlines_stay_text_in_feeds(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.save(&article(
        "Club &\u{1} Anderlecht </title><item>nep</item>",
        5,
    ))
    .await;
    let (_, feed) = rss(&app, "/feed.xml").await;
    // RSS readers take the title as HTML: it arrives escaped for HTML.
    assert_eq!(
        titles(&feed),
        ["Club &amp; Anderlecht &lt;/title&gt;&lt;item&gt;nep&lt;/item&gt;"]
    );
    let (_, feed) = atom(&app, "/atom.xml").await;
    assert_eq!(
        titles(&feed),
        ["Club & Anderlecht </title><item>nep</item>"]
    );
}

/// Plain text as a feed reader's HTML: escaped once for HTML, so the text shows as typed.
fn as_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What a reader gets after the feed parser's decoding is HTML without a single element:
/// the markup someone typed shows as text.
fn holds_no_element(what: &str, html: &str, typed: &str) {
    assert!(!html.contains('<'), "{what} has no markup: {html}");
    assert_eq!(html, as_html(typed), "{what} shows the typed text");
}

const MARKUP_TITLE: &str = "<b>Club</b> & <svg onload=alert(1)> wint";
const MARKUP_LEAD: &str = "<svg onload=alert(1)> <img src=x onerror=alert(2)> &amp; meer";

/// A title and lead full of markup reach RSS readers as text, in every RSS feed (site, topic,
/// author; teasers and full text), while Atom says `type="text"` and carries them as they are.
async fn markup_in_titles_and_leads_reaches_rss_readers_as_text(backend: Backend) {
    let app = TestApp::start(backend.clone()).await;
    let club = app.topic("Club Brugge", TopicKind::Club, &[]).await;
    let mut a = article(MARKUP_TITLE, 10);
    a.lead = MARKUP_LEAD.into();
    a.topics = vec![club.id];
    a.author_name = "<i>Jan</i> Peeters".into();
    app.save(&a).await;
    for path in [
        "/feed.xml",
        "/onderwerp/club-brugge/feed.xml",
        "/auteur/i-jan-i-peeters/feed.xml",
    ] {
        let body = fetch(&app, path, "application/rss+xml; charset=utf-8").await;
        let feed = feed_rs::parser::Builder::new()
            .sanitize_content(false)
            .build()
            .parse(body.as_bytes())
            .unwrap();
        assert_eq!(feed.entries.len(), 1, "{path}");
        let entry = &feed.entries[0];
        holds_no_element(path, &entry.title.as_ref().unwrap().content, MARKUP_TITLE);
        holds_no_element(path, &entry.summary.as_ref().unwrap().content, MARKUP_LEAD);
        assert!(
            body.contains("&amp;lt;svg onload=alert(1)&amp;gt;"),
            "{body}"
        );
        if path.starts_with("/auteur") {
            holds_no_element(
                path,
                &feed.title.as_ref().unwrap().content,
                "<i>Jan</i> Peeters — Tribune",
            );
        }
    }
    let (_, feed) = atom(&app, "/atom.xml").await;
    assert_eq!(titles(&feed), [MARKUP_TITLE]);
    assert_eq!(
        feed.entries[0].summary.as_ref().unwrap().content,
        MARKUP_LEAD
    );

    let full = TestApp::start_configured(backend, |c| c.feed_full_text = true).await;
    a.topics.clear();
    full.save(&a).await;
    let body = fetch(&full, "/feed.xml", "application/rss+xml; charset=utf-8").await;
    let feed = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .build()
        .parse(body.as_bytes())
        .unwrap();
    let entry = &feed.entries[0];
    holds_no_element(
        "full text",
        &entry.summary.as_ref().unwrap().content,
        MARKUP_LEAD,
    );
    let content = entry.content.as_ref().unwrap().body.as_ref().unwrap();
    assert!(
        content.contains(&as_html(MARKUP_LEAD)) && !content.contains("<svg"),
        "the lead in the full text is text too: {content}"
    );
}

on_both_backends!(
    markup_in_titles_and_leads_reaches_rss_readers_as_text,
    feeds_hold_published_articles_with_dates_ids_authors_topics_and_photos,
    full_text_feeds_carry_the_whole_article_with_absolute_links,
    topic_and_author_feeds_hold_their_own_articles_and_pages_announce_them,
    feeds_and_sitemaps_are_cached_and_refreshed_by_an_article_change,
    sitemaps_list_every_public_page_split_into_small_files,
    the_news_sitemap_holds_the_last_48_hours,
    the_news_sitemap_stops_at_a_thousand_articles,
    robots_txt_points_at_the_sitemap_and_keeps_private_parts_out,
    article_pages_carry_open_graph_and_news_article_data_safe_from_hostile_titles,
    hostile_headlines_stay_text_in_feeds,
);
