//! TestApp: the real router served on 127.0.0.1:0 over a fresh SQLite database in a temporary
//! directory, with a clock the test controls. Tests talk to it over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tribune::Paths;
use tribune_core::topic::{NewTopic, Topic, TopicKind};
use tribune_core::{ArticleKind, Clock, NewArticle, Photo, SaveOutcome, Store};
use tribune_store_sqlite::SqliteStore;
use tribune_web::AppState;

pub mod broken;

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

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    pub clock: TestClock,
    pub paths: Paths,
    /// Does not follow redirects, so tests see 301s.
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(|store| store, true).await
    }

    /// With the page cache off: every request renders.
    pub async fn start_uncached() -> Self {
        Self::start_with(|store| store, false).await
    }

    /// `wrap` may put a failure-injecting store in front of the real one.
    pub async fn start_with(
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
        page_cache: bool,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path(), None);
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&paths.data_dir).await.unwrap());
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
            _dir: dir,
            server,
        }
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
