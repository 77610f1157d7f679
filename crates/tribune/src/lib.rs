//! The `tribune` command: serve the site, migrate, import, load the demo, copy a site.

pub mod community;
pub mod copy;
pub mod demo;
pub mod fixtures;
pub mod import;
pub mod matchday;
pub mod media;
pub mod moderation;
pub mod user;
pub mod wxr;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tribune_core::{Clock, Store};
use tribune_store::{PgStore, SqliteStore};
use tribune_web::{AppState, WebConfig};

/// Where Tribune keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub media_dir: PathBuf,
}

impl Paths {
    pub fn new(data_dir: &Path, media_dir: Option<&Path>) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            media_dir: media_dir.map_or_else(|| data_dir.join("media"), Path::to_path_buf),
        }
    }

    /// This node's search index: never shared, each node keeps its own.
    pub fn search_dir(&self) -> PathBuf {
        self.data_dir.join("search")
    }
}

/// Which database a node uses: the SQLite file in the data directory unless told otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// `postgres://...`, `sqlite:PATH`, or nothing for DATA_DIR/tribune.db.
    pub fn parse(url: Option<&str>, paths: &Paths) -> Result<Self, String> {
        match url {
            None => Ok(Self::Sqlite(paths.data_dir.join("tribune.db"))),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Self::Postgres(u.to_string()))
            }
            Some(u) => match u.strip_prefix("sqlite:") {
                Some(path) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
                _ => Err(format!(
                    "database {u:?} is neither postgres://... nor sqlite:PATH"
                )),
            },
        }
    }

    /// For messages: never shows a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite {}", path.display()),
            Self::Postgres(url) => match url.rsplit_once('@') {
                Some((_, host)) => format!("PostgreSQL {host}"),
                None => "PostgreSQL".to_string(),
            },
        }
    }
}

/// Opens the database and brings its schema up to date.
pub async fn open_store(database: &Database) -> Result<Arc<dyn Store>, String> {
    let opened: Result<Arc<dyn Store>, _> = match database {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            SqliteStore::open_file(path).await.map(|s| Arc::new(s) as _)
        }
        Database::Postgres(url) => PgStore::connect(url).await.map(|s| Arc::new(s) as _),
    };
    opened.map_err(|e| format!("cannot open {}: {}", database.describe(), chain(&e)))
}

/// An error with its causes, for the operator's terminal.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

pub fn app_state(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    paths: &Paths,
    page_cache: bool,
) -> AppState {
    AppState::new(store, clock, web_config(paths, page_cache))
}

/// The web settings for these paths; without an SMTP relay, mail lands in DATA_DIR/outbox.
pub fn web_config(paths: &Paths, page_cache: bool) -> WebConfig {
    WebConfig {
        page_cache,
        outbox_dir: Some(paths.data_dir.join("outbox")),
        search_dir: Some(paths.search_dir()),
        ..WebConfig::new(paths.media_dir.clone())
    }
}
