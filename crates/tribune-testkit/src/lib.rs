//! TestApp: the real router served on 127.0.0.1:0 over a fresh database (a SQLite file in a
//! temporary directory, or a PostgreSQL schema of its own), with a clock the test controls.
//! Tests talk to it over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tribune::Paths;
use tribune_core::topic::{NewTopic, Topic, TopicKind};
use tribune_core::{ArticleKind, Clock, NewArticle, Photo, SaveOutcome, Store};
use tribune_store_pg::PgStore;
use tribune_store_sqlite::SqliteStore;
use tribune_web::AppState;

pub mod broken;

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

    /// With the page cache off: every request renders.
    pub async fn start_uncached(backend: Backend) -> Self {
        Self::start_with(backend, |store| store, false).await
    }

    /// `wrap` may put a failure-injecting store in front of the real one.
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
        Self::serve(place, store, wrap, page_cache, dir, true).await
    }

    /// Another node on the same database and media directory, with its own page cache and
    /// its change follower running, as in production.
    pub async fn second_node(&self) -> Self {
        let store = open(&self.place).await;
        let dir = self._dir.clone().unwrap();
        let mut node = Self::serve(self.place.clone(), store, |s| s, true, dir, false).await;
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
        dir: Arc<tempfile::TempDir>,
        owner: bool,
    ) -> Self {
        let paths = Paths::new(dir.path(), None);
        let clock = TestClock::at(match_day());
        let state = tribune::app_state(
            wrap(store.clone()),
            Arc::new(clock.clone()),
            &paths,
            page_cache,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = tribune_web::router(state.clone());
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
                name: name.into(),
                kind,
                aliases: aliases.iter().map(|a| a.to_string()).collect(),
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
        comment_count: 0,
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
