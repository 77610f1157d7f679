//! The `tribune` command: serve the site, migrate, import, load the demo.

pub mod demo;
pub mod import;
pub mod media;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tribune_core::{Clock, Store};
use tribune_store_sqlite::SqliteStore;
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
}

pub async fn open_store(paths: &Paths) -> Result<Arc<dyn Store>, String> {
    let store = SqliteStore::open(&paths.data_dir).await.map_err(|e| {
        format!(
            "cannot open the database in {}: {}",
            paths.data_dir.display(),
            chain(&e)
        )
    })?;
    Ok(Arc::new(store))
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
    AppState::new(
        store,
        clock,
        WebConfig {
            media_dir: paths.media_dir.clone(),
            page_cache,
        },
    )
}
