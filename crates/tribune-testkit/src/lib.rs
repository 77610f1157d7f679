//! TestApp: the real router served on 127.0.0.1:0 over a fresh database (a SQLite file in a
//! temporary directory, or a PostgreSQL schema of its own), with a clock the test controls.
//! Tests talk to it over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tribune::Paths;
use tribune_core::account::{Account, NewAccount, Role};
use tribune_core::topic::{NewTopic, Topic, TopicKind};
use tribune_core::{ArticleKind, Clock, NewArticle, Photo, SaveOutcome, Store};
use tribune_store::{PgStore, SqliteStore};
use tribune_web::{AppState, WebConfig};

pub mod chaos;
pub mod upgrade;

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL at TRIBUNE_TEST_PG_URL. Without it the test is skipped with a reason, except
    /// in CI (CI=true), where skipping would hide half the suite.
    pub fn postgres() -> Option<Self> {
        match std::env::var("TRIBUNE_TEST_PG_URL") {
            Ok(url) if !url.is_empty() => Some(Self::Postgres(url)),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!(
                    "CI=true but TRIBUNE_TEST_PG_URL is not set: the PostgreSQL half of the suite cannot run"
                )
            }
            _ => {
                eprintln!(
                    "skipped on PostgreSQL: set TRIBUNE_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run it"
                );
                None
            }
        }
    }
}

/// Runs each named `async fn NAME(backend: Backend)` as two tests: `sqlite::NAME` and
/// `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                if let Some(backend) = $crate::Backend::postgres() {
                    super::$name(backend).await
                }
            })*
        }
    };
}

/// A clock that moves only when the test says so.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(t)))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Sunday 22 November 2026, 15:00 in Brussels: a match day.
pub fn match_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap()
}

/// Where a TestApp's data lives, so a second node or a second "process" can reach it.
#[derive(Clone)]
enum Place {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    pub clock: TestClock,
    pub paths: Paths,
    /// Does not follow redirects, so tests see 301s.
    pub http: reqwest::Client,
    place: Place,
    /// The first node owns the database and removes it at the end; extra nodes do not.
    owner: bool,
    _dir: Option<Arc<tempfile::TempDir>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let (true, Place::Postgres { url, schema }) = (self.owner, &self.place) {
            let (url, schema) = (url.clone(), schema.clone());
            // A runtime of its own: the test's runtime is busy dropping us.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(PgStore::drop_schema_at(&url, &schema))
            })
            .join();
        }
    }
}

fn unique_schema() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

async fn open(place: &Place) -> Arc<dyn Store> {
    match place {
        Place::Sqlite(dir) => Arc::new(SqliteStore::open(dir).await.unwrap()),
        Place::Postgres { url, schema } => {
            Arc::new(PgStore::connect_in_schema(url, schema).await.unwrap())
        }
    }
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |store| store, true).await
    }

    /// With the demo newsroom loaded: its topics, articles, readers and match round.
    pub async fn start_demo(backend: Backend) -> Self {
        let app = Self::start(backend).await;
        tribune::demo::load(app.store.as_ref(), &app.media_dir(), app.now())
            .await
            .unwrap();
        app
    }

    /// With the page cache off: every request renders.
    pub async fn start_uncached(backend: Backend) -> Self {
        Self::start_with(backend, |store| store, false).await
    }

    /// `wrap` may put another store in front of the real one.
    pub async fn start_with(
        backend: Backend,
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
        page_cache: bool,
    ) -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let place = match backend {
            Backend::Sqlite => Place::Sqlite(dir.path().to_path_buf()),
            Backend::Postgres(url) => Place::Postgres {
                url,
                schema: unique_schema(),
            },
        };
        let store = open(&place).await;
        Self::serve(place, store, wrap, page_cache, |_| {}, dir, true).await
    }

    /// With web settings of the test's choosing (secure cookies, a trusted proxy, ...).
    /// Mail goes to the outbox in the data directory (see [`TestApp::wait_for_mail`]) and
    /// `public_url` is the app's own base address, unless `configure` says otherwise.
    pub async fn start_configured(
        backend: Backend,
        configure: impl FnOnce(&mut WebConfig),
    ) -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let place = match backend {
            Backend::Sqlite => Place::Sqlite(dir.path().to_path_buf()),
            Backend::Postgres(url) => Place::Postgres {
                url,
                schema: unique_schema(),
            },
        };
        let store = open(&place).await;
        Self::serve(place, store, |s| s, true, configure, dir, true).await
    }

    /// Another node on the same database and media directory, with its own page cache and
    /// its change follower running, as in production.
    pub async fn second_node(&self) -> Self {
        let store = open(&self.place).await;
        let dir = self._dir.clone().unwrap();
        // Each node keeps its own search index, as on separate machines.
        static NODE: AtomicU64 = AtomicU64::new(2);
        let search_dir = dir.path().join(format!(
            "search-node-{}",
            NODE.fetch_add(1, Ordering::Relaxed)
        ));
        let mut node = Self::serve(
            self.place.clone(),
            store,
            |s| s,
            true,
            |c| c.search_dir = Some(search_dir),
            dir,
            false,
        )
        .await;
        node.clock = self.clock.clone();
        node
    }

    /// An independent connection to the same database: what another process (the import
    /// command) would open.
    pub async fn another_process(&self) -> Arc<dyn Store> {
        open(&self.place).await
    }

    async fn serve(
        place: Place,
        store: Arc<dyn Store>,
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
        page_cache: bool,
        configure: impl FnOnce(&mut WebConfig),
        dir: Arc<tempfile::TempDir>,
        owner: bool,
    ) -> Self {
        let paths = Paths::new(dir.path(), None);
        let clock = TestClock::at(match_day());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = tribune::web_config(&paths, page_cache);
        config.public_url = base.clone();
        // Stories read a page right after changing it: every change shows at once.
        config.page_refresh = std::time::Duration::ZERO;
        configure(&mut config);
        let state = AppState::new(wrap(store.clone()), Arc::new(clock.clone()), config);
        let app = tribune_web::router(state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base,
            state,
            store,
            clock,
            paths,
            http,
            place,
            owner,
            _dir: Some(dir),
            tasks: vec![server],
        }
    }

    /// Starts the change follower in the background, as `tribune serve` does. Without it,
    /// tests call [`TestApp::sync`] to decide exactly when changes are noticed.
    pub fn follow_changes(&mut self) {
        self.tasks
            .push(tokio::spawn(tribune_web::follow::run(self.state.clone())));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// GET that must answer 200; returns the body.
    pub async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path} should answer 200");
        r.text().await.unwrap()
    }

    /// One look at the change log and the schedule, as the background follower does each second.
    pub async fn sync(&self) -> usize {
        self.state.follower.catch_up(&self.state).await.unwrap()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn topic(&self, name: &str, kind: TopicKind, aliases: &[&str]) -> Topic {
        self.store
            .save_topic(&NewTopic {
                aliases: aliases.iter().map(|a| a.to_string()).collect(),
                ..NewTopic::named(name, kind)
            })
            .await
            .unwrap()
    }

    pub async fn save(&self, article: &NewArticle) -> SaveOutcome {
        self.store.save_article(article, self.now()).await.unwrap()
    }

    pub fn media_dir(&self) -> PathBuf {
        self.paths.media_dir.clone()
    }

    /// A reader's browser that is not logged in.
    pub fn visitor(&self) -> Visitor {
        Visitor::new(&self.base)
    }

    /// The demo round's first match that has not started (tomorrow's): needs the demo.
    pub async fn upcoming_match(&self) -> tribune_core::football::Match {
        self.store
            .matches_between(self.now(), self.now() + chrono::Duration::days(2), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.status == tribune_core::football::MatchStatus::Scheduled)
            .expect("the demo round has a match tomorrow")
    }

    /// A confirmed account with [`PASSWORD`], made straight in the store, and a browser
    /// logged in to it over HTTP (the login form).
    pub async fn account(&self, role: Role, name: &str) -> (Account, Visitor) {
        static N: AtomicU64 = AtomicU64::new(0);
        let email = format!(
            "{}-{}@voorbeeld.be",
            tribune_core::slugify(name),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let display_name =
            tribune_core::account::check_display_name(name).unwrap_or_else(|_| name.to_string());
        let account = self
            .store
            .create_account(
                &NewAccount {
                    email: email.clone(),
                    display_name,
                    password_hash: password_hash().await,
                    role,
                    verified: true,
                },
                self.now(),
            )
            .await
            .unwrap();
        let visitor = self.visitor();
        visitor.log_in(&email, PASSWORD).await;
        (account, visitor)
    }

    /// Adds `n` visible comments to an article, straight through the store, as one reader
    /// would have written them over the past hour.
    pub async fn comment_on(&self, article: i64, n: usize) {
        let (author, _) = self.account(Role::Reader, "Trouwe Lezer").await;
        for i in 0..n {
            let body = format!("Reactie {i} op dit artikel");
            self.store
                .add_comment(
                    &tribune_core::comment::NewComment {
                        article_id: article,
                        author_id: author.id,
                        reply_to: None,
                        body_html: tribune_core::comment::render(&body),
                        fingerprint: tribune_core::moderation::fingerprint(&body),
                        body_markdown: body,
                        verdict: tribune_core::moderation::Verdict::Visible,
                        reasons: vec![],
                        risk: 0,
                        shadow: false,
                    },
                    self.now(),
                )
                .await
                .unwrap();
        }
    }

    /// Where mail goes when no SMTP relay is set: DATA_DIR/outbox.
    pub fn outbox(&self) -> PathBuf {
        self.paths.data_dir.join("outbox")
    }

    /// Every mail sent to `email` so far, oldest first, each as the whole message.
    pub fn mails_to(&self, email: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        let to = format!("To: {email}\n");
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|m| m.contains(&to))
            .collect()
    }

    /// Waits (up to 10 s) until `email` received `count` mails and returns the last one.
    /// Mail is sent in the background, after the answer.
    pub async fn wait_for_mail(&self, email: &str, count: usize) -> String {
        for _ in 0..200 {
            let mails = self.mails_to(email);
            if mails.len() >= count {
                return mails[count - 1].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "{email} did not get mail number {count}; it has {:?}",
            self.mails_to(email)
        );
    }
}

/// The password of every account made by [`TestApp::account`].
pub const PASSWORD: &str = "blauw-zwart tot in de eeuwigheid";

/// The hash of [`PASSWORD`], made once per test binary (argon2 is slow on purpose).
async fn password_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async {
        tribune_web::auth::hash_password(PASSWORD.to_string())
            .await
            .unwrap()
    })
    .await
    .clone()
}

/// The first link in a mail whose path starts with `path`, as path and query
/// (`/account/bevestigen?token=...`), ready for [`Visitor::get`].
pub fn link_in(mail: &str, path: &str) -> Option<String> {
    mail.split_whitespace()
        .filter_map(|word| word.split_once("://").map(|(_, rest)| rest))
        .filter_map(|rest| rest.find('/').map(|i| &rest[i..]))
        .find(|p| p.starts_with(path))
        .map(str::to_string)
}

/// A browser as the tests drive it: keeps its cookies itself (the session), says where it
/// comes from (`Origin: <the app>`) on every request that changes something, as browsers do,
/// and never follows redirects, so tests see the 303s.
pub struct Visitor {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<Vec<(String, String)>>,
}

impl Visitor {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(Vec::new()),
        }
    }

    /// Another browser that starts with a copy of this one's cookies (e.g. a stolen or an
    /// old session cookie).
    pub fn fork(&self) -> Self {
        let copy = Self::new(&self.base);
        *copy.cookies.lock().unwrap() = self.cookies.lock().unwrap().clone();
        copy
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The Cookie header this browser would send, if any.
    pub fn cookie_header(&self) -> Option<String> {
        let cookies = self.cookies.lock().unwrap();
        (!cookies.is_empty()).then(|| {
            cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Forgets every cookie.
    pub fn clear_cookies(&self) {
        self.cookies.lock().unwrap().clear();
    }

    /// A request with this browser's cookies and nothing else: for tests that set `Origin`
    /// or `Sec-Fetch-Site` themselves. Send it with [`Visitor::send`].
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, self.url(path));
        if let Some(c) = self.cookie_header() {
            r = r.header("cookie", c);
        }
        r
    }

    /// Like [`Visitor::request`], with `Origin` set to the app as a browser would.
    fn as_the_site(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path).header("origin", &self.base)
    }

    /// Sends and keeps the cookies the answer sets.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let response = request.send().await.unwrap();
        let mut cookies = self.cookies.lock().unwrap();
        for set in response.headers().get_all("set-cookie") {
            let Some((name, rest)) = set.to_str().unwrap().split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or("").trim().to_string();
            let expired = rest.to_ascii_lowercase().contains("max-age=0");
            cookies.retain(|(k, _)| k != name);
            if !value.is_empty() && !expired {
                cookies.push((name.to_string(), value));
            }
        }
        response
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// GET that must answer 200; returns the body.
    pub async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path} should answer 200");
        r.text().await.unwrap()
    }

    /// A form as a browser posts it (application/x-www-form-urlencoded).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            self.as_the_site(reqwest::Method::POST, path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.send(self.as_the_site(reqwest::Method::POST, path).json(body))
            .await
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.send(self.as_the_site(reqwest::Method::PUT, path).json(body))
            .await
    }

    pub async fn patch_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.send(self.as_the_site(reqwest::Method::PATCH, path).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.send(self.as_the_site(reqwest::Method::DELETE, path))
            .await
    }

    pub async fn delete_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.send(self.as_the_site(reqwest::Method::DELETE, path).json(body))
            .await
    }

    /// A multipart form (file uploads) as the site's own script posts it: `Origin` set, and
    /// JSON asked for (errors come as problem+json). See [`multipart`] for other headers.
    pub async fn post_multipart(&self, path: &str, parts: &[Part<'_>]) -> reqwest::Response {
        let (content_type, body) = multipart(parts);
        self.send(
            self.as_the_site(reqwest::Method::POST, path)
                .header("content-type", content_type)
                .header("accept", "application/json")
                .body(body),
        )
        .await
    }

    /// Logs in through the login form; must succeed (303).
    pub async fn log_in(&self, email: &str, password: &str) {
        let r = self
            .post_form("/inloggen", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status(), 303, "logging in as {email} should work");
    }

    /// What /api/v1/me says about this browser.
    pub async fn me(&self) -> serde_json::Value {
        let r = self.get("/api/v1/me").await;
        assert_eq!(r.status(), 200, "GET /api/v1/me");
        r.json().await.unwrap()
    }

    /// A form as the site's page sends it: with the session's CSRF token.
    pub async fn post_signed(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut fields = fields.to_vec();
        fields.push(("csrf", csrf.as_str()));
        self.post_form(path, &fields).await
    }

    /// The session's CSRF token for forms, from /api/v1/me; the browser must be logged in.
    pub async fn csrf(&self) -> String {
        let me = self.me().await;
        me["csrf"]
            .as_str()
            .expect("a logged-in browser has a csrf token")
            .to_string()
    }
}

/// One field of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        file_name: &'a str,
        content_type: &'a str,
        bytes: &'a [u8],
    },
}

/// The Content-Type and body of a multipart/form-data form, as a browser sends it.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----TribuneTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            Part::File {
                name,
                file_name,
                content_type,
                bytes,
            } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A plain news article published `minutes_ago`, to adjust in the test.
pub fn article(title: &str, minutes_ago: i64) -> NewArticle {
    NewArticle {
        external_key: Some(format!("test:{title}")),
        title: title.into(),
        kind: ArticleKind::News,
        source: None,
        author_name: "Sofie Vermeulen".into(),
        published_at: match_day() - Duration::minutes(minutes_ago),
        lead: format!(
            "{title}: de eerste alinea van dit stuk, lang genoeg om een teaser van te maken voor de lijst op de voorpagina."
        ),
        body_markdown: "Eerste alinea.\n\n## DE ANALYSE\n\nTweede alinea.".into(),
        photo: None,
        topics: vec![],
        related: vec![],
    }
}

pub fn photo(path: &str, credit: &str) -> Photo {
    Photo {
        path: path.into(),
        credit: credit.into(),
        caption: Some("Een foto".into()),
        width: 960,
        height: 540,
    }
}
