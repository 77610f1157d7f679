//! `tribune import wxr FILE`: a WordPress export becomes articles (with their status and
//! dates), topics, accounts, comment threads and old addresses answering 301; importing again
//! updates; hostile, broken and cut-off files are refused and leave nothing behind; photos are
//! only fetched from public addresses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use tribune::wxr::{self, Options, Report};
use tribune_core::account::Role;
use tribune_core::comment::CommentSort;
use tribune_core::topic::TopicKind;
use tribune_testkit::{Backend, TestApp, link_in, on_both_backends};

const SITE: &str = "https://voetbalblog.example.be";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/wxr")
        .join(name)
}

async fn import(app: &TestApp, file: &Path, fetch_media: bool) -> Result<Report, String> {
    let options = Options {
        fetch_media,
        media_dir: app.media_dir(),
    };
    wxr::import(app.store.as_ref(), file, &options, app.now(), |_| {}).await
}

async fn id_of(app: &TestApp, post: i64) -> i64 {
    app.store
        .article_by_key(&format!("wxr:{SITE}:{post}"))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("post {post} was not imported"))
}

async fn a_wordpress_export_imports_completely(backend: Backend) {
    let app = TestApp::start(backend).await;
    let brugge = app
        .topic("Club Brugge", TopicKind::Club, &["blauw-zwart"])
        .await;
    let report = import(&app, &fixture("voetbalblog.xml"), false)
        .await
        .unwrap();
    let o = &report.outcome;
    assert_eq!((o.articles_created, o.articles_updated), (5, 0), "{report}");
    assert_eq!((report.drafts, report.scheduled), (2, 1), "{report}");
    assert_eq!(o.comments_created, 4, "{report}");
    let skipped: Vec<&str> = report.skipped.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(skipped.len(), 3, "{report}");
    assert!(
        report
            .skipped
            .iter()
            .any(|(w, why)| w.starts_with("page 201") && why.contains("articles only")),
        "{report}"
    );
    assert!(
        report
            .skipped
            .iter()
            .any(|(w, _)| w.starts_with("nav_menu_item 401")),
        "{report}"
    );
    assert!(
        report
            .skipped
            .iter()
            .any(|(w, _)| w.starts_with("post 106")),
        "{report}"
    );
    for (why, n) in [
        ("spam", 1),
        ("waiting for approval", 1),
        ("in the trash", 1),
        ("pingbacks and trackbacks", 1),
    ] {
        assert_eq!(
            report.comments_skipped.get(why),
            Some(&n),
            "{why}: {report}"
        );
    }
    assert_eq!(report.photos_not_fetched, 1, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("--fetch-media") && text.contains("Gastschrijver Noël"),
        "{text}"
    );

    // The derby: published at its GMT time, byline, topics, body converted and cleaned.
    let derby = id_of(&app, 101).await;
    let a = app.store.article(derby, app.now()).await.unwrap().unwrap();
    assert_eq!(a.title, "Genk wint de Limburgse derby – Ouattara beslist");
    assert_eq!(
        a.published_at,
        Utc.with_ymd_and_hms(2026, 11, 21, 19, 45, 0).unwrap()
    );
    assert_eq!(a.author.name, "Jef Peeters");
    assert!(
        a.lead
            .starts_with("In een kolkende Cegeka Arena won KRC Genk"),
        "{}",
        a.lead
    );
    assert!(
        a.body_markdown.contains("## Vroege schrik"),
        "{}",
        a.body_markdown
    );
    assert!(a.body_markdown.contains("*rustig*"), "{}", a.body_markdown);
    assert!(a.body_html.contains("<blockquote>"), "{}", a.body_html);
    assert!(
        !a.body_html.contains("script") && !a.body_html.contains("onclick"),
        "{}",
        a.body_html
    );
    let mut topics: Vec<&str> = a.topics.iter().map(|t| t.name.as_str()).collect();
    topics.sort_unstable();
    assert_eq!(topics, ["Jupiler Pro League", "KRC Genk", "Sint-Truiden"]);
    assert_eq!(a.comment_count, 4);

    // Threads three levels deep: 13 answers 12, which answers 11; both sit under 11.
    let page = app
        .store
        .comments_page(derby, CommentSort::Oldest, None, 50, 10)
        .await
        .unwrap();
    assert_eq!(page.threads.len(), 2);
    let first = &page.threads[0];
    assert_eq!(first.root.author_name, "Marc uit As");
    assert_eq!(first.root.reply_count, 2);
    let replies: Vec<(&str, Option<i64>)> = first
        .replies
        .iter()
        .map(|c| (c.author_name.as_str(), c.reply_to))
        .collect();
    assert_eq!(
        replies,
        [
            ("Sofie", Some(first.root.id)),
            ("Marc uit As", Some(first.replies[0].id))
        ]
    );
    assert_eq!(first.replies[1].reply_to_name.as_deref(), Some("Sofie"));
    assert!(first.replies[0].body_html.contains("<em>maar matig</em>"));
    let zoe = &page.threads[1].root;
    assert_eq!(zoe.author_name, "Zoë Verbeke");
    assert!(
        zoe.body_markdown.contains("eeuwigheid \\& verder"),
        "{}",
        zoe.body_markdown
    );
    assert!(app.store.counter_mismatches().await.unwrap().is_empty());

    // Accounts without a password; the same commenter is one account.
    let (jef, hash) = app
        .store
        .account_by_email("jef@voetbalblog.example.be")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (jef.role, jef.display_name.as_str(), hash.as_str()),
        (Role::Journalist, "Jef Peeters", "")
    );
    assert!(
        app.store
            .account_by_email("an.claes@voetbalblog.example.be")
            .await
            .unwrap()
            .is_some()
    );
    let (marc, _) = app
        .store
        .account_by_email("marc@lezer.example.be")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(marc.role, Role::Reader);
    assert_eq!(o.accounts_created, 5, "jef, an, marc, sofie, zoë: {report}");

    // An existing topic is found by its alias; "Uncategorized" is no topic.
    let ordonez = app
        .store
        .article(id_of(&app, 102).await, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ordonez.title,
        "Ordóñez verlengt: \"Ik voel me thuis in Brugge\""
    );
    assert_eq!(ordonez.lead, "Mateo Ordóñez tekent bij tot 2030.");
    assert!(
        ordonez
            .body_markdown
            .contains("aan zich.\\\nHet nieuwe contract"),
        "{}",
        ordonez.body_markdown
    );
    assert_eq!(
        ordonez.topics.iter().map(|t| t.id).collect::<Vec<_>>(),
        [brugge.id]
    );
    assert_eq!(o.topics_created, 3, "{report}");

    // Drafts and private posts stay off the site; the scheduled one appears at its time.
    for post in [103, 105, 104] {
        let id = id_of(&app, post).await;
        assert!(
            app.store.article(id, app.now()).await.unwrap().is_none(),
            "post {post}"
        );
    }
    let later = Utc.with_ymd_and_hms(2026, 11, 25, 18, 0, 0).unwrap();
    let preview = app
        .store
        .article(id_of(&app, 104).await, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(preview.author.name, "Gastschrijver Noël");
    assert!(
        preview
            .body_markdown
            .contains("- Genk mist twee verdedigers\n\n- Antwerp"),
        "{}",
        preview.body_markdown
    );

    // Old addresses answer 301 over HTTP, through the real router.
    for old in [
        "/2026/11/21/genk-wint-de-limburgse-derby/",
        "/2026/11/21/genk-wint-de-limburgse-derby",
        "/?p=101",
    ] {
        let r = app.get(old).await;
        assert_eq!(r.status(), 301, "{old}");
        assert_eq!(r.headers()["location"], a.path().as_str(), "{old}");
    }
    let r = app.get("/?p=103").await;
    assert_eq!(
        r.status(),
        200,
        "a draft's old address leads nowhere: the home page"
    );
    assert_eq!(app.get("/2026/11/19/interne-notitie/").await.status(), 404);
    assert_eq!(app.get("/bestaat/niet").await.status(), 404);
    let page = app.page(&a.path()).await;
    assert!(page.contains("Vroege schrik") && page.contains("Jef Peeters"));

    // A file declared ISO-8859-1 (WXR 1.1, http namespaces).
    let report = import(&app, &fixture("archief-latin1.xml"), false)
        .await
        .unwrap();
    assert_eq!(report.outcome.articles_created, 1, "{report}");
    let id = app
        .store
        .article_by_key("wxr:http://archief.example.be:7")
        .await
        .unwrap()
        .unwrap();
    let standard = app.store.article(id, app.now()).await.unwrap().unwrap();
    assert_eq!(
        standard.title,
        "Standard haalt Belgische spits terug uit Nîmes"
    );
    assert!(
        standard.lead.contains("De fans à la tribune"),
        "{}",
        standard.lead
    );
    assert_eq!(
        app.get("/standard-haalt-spits-terug/").await.headers()["location"],
        standard.path().as_str()
    );
}

async fn importing_again_updates_instead_of_duplicating(backend: Backend) {
    let app = TestApp::start(backend).await;
    import(&app, &fixture("voetbalblog.xml"), false)
        .await
        .unwrap();
    let before = app.store.site_counts().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("opnieuw.xml");
    let text = std::fs::read_to_string(fixture("voetbalblog.xml")).unwrap();
    std::fs::write(
        &changed,
        text.replace("Ouattara beslist", "Ouattara beslist in de slotfase"),
    )
    .unwrap();
    let report = import(&app, &changed, false).await.unwrap();
    let o = &report.outcome;
    assert_eq!((o.articles_created, o.articles_updated), (0, 5), "{report}");
    assert_eq!((o.comments_created, o.comments_updated), (0, 4), "{report}");
    assert_eq!((o.accounts_created, o.topics_created), (0, 0), "{report}");
    assert_eq!(app.store.site_counts().await.unwrap(), before);
    let derby = app
        .store
        .article(id_of(&app, 101).await, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        derby.title,
        "Genk wint de Limburgse derby – Ouattara beslist in de slotfase"
    );
    assert_eq!(derby.comment_count, 4);
    assert!(app.store.counter_mismatches().await.unwrap().is_empty());
    // The old address now leads to the new slug.
    let r = app.get("/?p=101").await;
    assert_eq!(r.headers()["location"], derby.path().as_str());
}

async fn hostile_and_broken_files_are_refused_and_import_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let plain_doctype = dir.path().join("doctype.xml");
    let text = std::fs::read_to_string(fixture("voetbalblog.xml")).unwrap();
    std::fs::write(
        &plain_doctype,
        text.replacen("<rss", "<!DOCTYPE rss>\n<rss", 1),
    )
    .unwrap();
    let undefined = dir.path().join("entiteit.xml");
    std::fs::write(&undefined, text.replacen("&#8211;", "&ndash;", 1)).unwrap();
    let not_xml = dir.path().join("kapot.xml");
    std::fs::write(
        &not_xml,
        text.replacen("</wp:post_id>", "</wp:post_idd>", 1),
    )
    .unwrap();
    let rss = dir.path().join("feed.xml");
    std::fs::write(
        &rss,
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed</title></channel></rss>",
    )
    .unwrap();
    let bad_latin = dir.path().join("latin1-zonder-verklaring.xml");
    let mut bytes = std::fs::read(fixture("archief-latin1.xml")).unwrap();
    let decl_end = bytes.iter().position(|b| *b == b'\n').unwrap();
    bytes.drain(..decl_end);
    std::fs::write(&bad_latin, bytes).unwrap();
    for (file, expected) in [
        (fixture("xxe.xml"), "external entities"),
        (fixture("billion-laughs.xml"), "billion laughs"),
        (plain_doctype, "DOCTYPE"),
        (fixture("truncated.xml"), "cut off"),
        (undefined, "&ndash; is not defined"),
        (not_xml, "not well-formed XML near line"),
        (rss, "wxr_version"),
        (bad_latin, "not valid UTF-8"),
    ] {
        let err = import(&app, &file, false).await.unwrap_err();
        assert!(err.contains(expected), "{}: {err}", file.display());
        assert!(err.contains(&*file.display().to_string()), "{err}");
    }
    assert!(app.store.site_counts().await.unwrap().is_empty());
}

async fn fetching_media_refuses_loopback_and_private_addresses(backend: Backend) {
    let app = TestApp::start(backend).await;
    // The fixture's photo lives on 127.0.0.1: refused, the rest imports.
    let report = import(&app, &fixture("voetbalblog.xml"), true)
        .await
        .unwrap();
    assert_eq!(report.outcome.articles_created, 5, "{report}");
    assert_eq!(report.photos, 0);
    assert_eq!(report.photo_failures.len(), 1, "{report}");
    assert!(
        report.photo_failures[0]
            .1
            .contains("127.0.0.1 is not a public address"),
        "{report}"
    );
    let derby = app
        .store
        .article(id_of(&app, 101).await, app.now())
        .await
        .unwrap()
        .unwrap();
    assert!(derby.photo.is_none());

    // A server that answers is there (the site itself), and still nothing is asked of it.
    let port = app
        .base
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let fetcher = tribune::wxr::fetch::Fetcher::new().unwrap();
    for (address, expected) in [
        (
            format!("http://127.0.0.1:{port}/"),
            "127.0.0.1 is not a public address",
        ),
        (
            format!("http://localhost:{port}/"),
            "which is not a public address",
        ),
        (
            format!("http://[::1]:{port}/"),
            "::1 is not a public address",
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/"),
            "is not a public address",
        ),
        (
            "http://10.0.0.8/foto.jpg".to_string(),
            "10.0.0.8 is not a public address",
        ),
        (
            "http://192.168.1.1/foto.jpg".to_string(),
            "192.168.1.1 is not a public address",
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "is not a public address",
        ),
        (
            "http://[fd00::1]/foto.jpg".to_string(),
            "is not a public address",
        ),
        ("http://0.0.0.0/".to_string(), "is not a public address"),
        ("file:///etc/passwd".to_string(), "only http and https"),
        (
            "ftp://voetbalblog.example.be/foto.jpg".to_string(),
            "only http and https",
        ),
    ] {
        let err = fetcher.fetch(&address).await.unwrap_err();
        assert!(err.contains(expected), "{address}: {err}");
    }
}

/// An imported author has no password: logging in fails until "wachtwoord vergeten" set one.
async fn an_imported_author_gets_in_through_wachtwoord_vergeten(backend: Backend) {
    let app = TestApp::start(backend).await;
    import(&app, &fixture("voetbalblog.xml"), false)
        .await
        .unwrap();
    let email = "jef@voetbalblog.example.be";
    let v = app.visitor();
    let refused = v
        .post_form("/inloggen", &[("email", email), ("password", "")])
        .await;
    assert_ne!(refused.status(), 303, "no password opens the account");
    let asked = v
        .post_form("/wachtwoord-vergeten", &[("email", email)])
        .await;
    assert_eq!(asked.status(), 200);
    let mail = app.wait_for_mail(email, 1).await;
    let link = link_in(&mail, "/wachtwoord-herstellen?token=").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();
    let password = "Genk wint de derby in de slotfase";
    let set = v
        .post_form(
            "/wachtwoord-herstellen",
            &[("token", token.as_str()), ("password", password)],
        )
        .await;
    assert_eq!(set.status(), 303);
    let fresh = app.visitor();
    fresh.log_in(email, password).await;
    assert_eq!(fresh.me().await["account"]["role"], "journalist");
}

/// A WordPress export with one author ("jef", shown as Jef Peeters) and these posts.
fn export_with(dir: &Path, posts: &[String]) -> PathBuf {
    let path = dir.join("export.xml");
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="https://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="https://wordpress.org/export/1.2/">
<channel>
	<title>Voetbalblog Limburg</title>
	<link>{SITE}</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>{SITE}</wp:base_site_url>
	<wp:base_blog_url>{SITE}</wp:base_blog_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[jef]]></wp:author_login><wp:author_email><![CDATA[jef@voetbalblog.example.be]]></wp:author_email><wp:author_display_name><![CDATA[Jef Peeters]]></wp:author_display_name></wp:author>
{}
</channel>
</rss>
"#,
        posts.join("\n")
    );
    std::fs::write(&path, doc).unwrap();
    path
}

/// A published post; `title` is XML text, `content` and `excerpt` go in CDATA as HTML.
fn post(id: i64, title: &str, content: &str, excerpt: &str) -> String {
    format!(
        r#"	<item>
		<title>{title}</title>
		<link>{SITE}/?p={id}</link>
		<dc:creator><![CDATA[jef]]></dc:creator>
		<guid isPermaLink="false">{SITE}/?p={id}</guid>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
		<wp:post_id>{id}</wp:post_id>
		<wp:post_date_gmt><![CDATA[2026-11-21 19:45:00]]></wp:post_date_gmt>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>"#
    )
}

/// Imports one post without an excerpt whose body opens with something other than a
/// paragraph: it is imported (never skipped as "no text"), its lead is its first text and
/// the opening block stays in the body.
async fn opening_imports_with_its_first_text_as_lead(
    backend: Backend,
    content: &str,
    lead: &str,
    body_has: &str,
) {
    let app = TestApp::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = export_with(
        dir.path(),
        &[post(575, "Een bijzondere opening", content, "")],
    );
    let report = import(&app, &file, false).await.unwrap();
    assert!(report.skipped.is_empty(), "nothing skipped: {report}");
    assert_eq!(report.outcome.articles_created, 1, "{report}");
    let id = id_of(&app, 575).await;
    let a = app.store.article(id, app.now()).await.unwrap().unwrap();
    assert_eq!(a.lead, lead);
    assert!(a.body_markdown.contains(body_has), "{}", a.body_markdown);
}

async fn a_post_opening_with_a_quote_imports(backend: Backend) {
    opening_imports_with_its_first_text_as_lead(
        backend,
        "<blockquote><p>Wie niet waagt, niet wint.</p></blockquote>\n<p>Dat zei de trainer.</p>",
        "Wie niet waagt, niet wint.",
        "> Wie niet waagt, niet wint.",
    )
    .await;
}

async fn a_post_opening_with_an_h2_imports(backend: Backend) {
    opening_imports_with_its_first_text_as_lead(
        backend,
        "<h2>De aanloop</h2>\n<p>Genk begon sterk.</p>",
        "De aanloop",
        "## De aanloop",
    )
    .await;
}

async fn a_post_opening_with_an_h3_imports(backend: Backend) {
    opening_imports_with_its_first_text_as_lead(
        backend,
        "<h3>Kort</h3><ul><li>Genk wint</li></ul>",
        "Kort",
        "### Kort",
    )
    .await;
}

async fn a_post_opening_with_a_list_imports(backend: Backend) {
    opening_imports_with_its_first_text_as_lead(
        backend,
        "<ul><li>Eerste punt</li><li>Tweede punt</li></ul>",
        "Eerste punt",
        "- Tweede punt",
    )
    .await;
}

async fn a_post_opening_with_an_image_imports(backend: Backend) {
    opening_imports_with_its_first_text_as_lead(
        backend,
        "<figure class=\"wp-block-image\"><img src=\"https://voetbalblog.example.be/foto.jpg\" alt=\"\"></figure>\n<p>Blije gezichten na de match.</p>\n<p>Tweede alinea.</p>",
        "Blije gezichten na de match.",
        "Tweede alinea.",
    )
    .await;
}

/// An excerpt or title with markup typed as text (WordPress keeps `&lt;svg&gt;` in its
/// HTML) arrives in RSS feeds as text, escaped for HTML.
async fn imported_markup_reaches_rss_readers_as_text(backend: Backend) {
    let app = TestApp::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = export_with(
        dir.path(),
        &[post(
            7,
            "Titel met &amp;lt;svg onload=alert(1)&amp;gt;",
            "<p>De tekst.</p>",
            "Uittreksel &lt;svg onload=alert(1)&gt; &amp;amp; meer",
        )],
    );
    let report = import(&app, &file, false).await.unwrap();
    assert_eq!(report.outcome.articles_created, 1, "{report}");
    let a = app
        .store
        .article(id_of(&app, 7).await, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.lead, "Uittreksel <svg onload=alert(1)> &amp; meer");
    assert_eq!(a.title, "Titel met <svg onload=alert(1)>");
    for path in ["/feed.xml", "/auteur/jef-peeters/feed.xml"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let body = r.text().await.unwrap();
        let feed = feed_rs::parser::Builder::new()
            .sanitize_content(false)
            .build()
            .parse(body.as_bytes())
            .unwrap();
        let entry = &feed.entries[0];
        let title = &entry.title.as_ref().unwrap().content;
        let summary = &entry.summary.as_ref().unwrap().content;
        assert!(!title.contains('<') && !summary.contains('<'), "{body}");
        assert_eq!(title, "Titel met &lt;svg onload=alert(1)&gt;");
        assert_eq!(
            summary,
            "Uittreksel &lt;svg onload=alert(1)&gt; &amp;amp; meer"
        );
    }
}

on_both_backends!(
    a_post_opening_with_a_quote_imports,
    a_post_opening_with_an_h2_imports,
    a_post_opening_with_an_h3_imports,
    a_post_opening_with_a_list_imports,
    a_post_opening_with_an_image_imports,
    imported_markup_reaches_rss_readers_as_text,
    an_imported_author_gets_in_through_wachtwoord_vergeten,
    a_wordpress_export_imports_completely,
    importing_again_updates_instead_of_duplicating,
    hostile_and_broken_files_are_refused_and_import_nothing,
    fetching_media_refuses_loopback_and_private_addresses,
);
