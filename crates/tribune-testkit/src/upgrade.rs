//! Sites made by an earlier release, opened by this one: a SQLite database file, or a
//! PostgreSQL schema loaded from a plain-SQL dump. Opening migrates them, as `tribune serve`
//! does after an upgrade.

use std::path::Path;
use std::sync::Arc;

use sqlx::Connection;
use tribune_core::Store;
use tribune_store::{PgStore, SqliteStore};

use crate::{Place, TestApp, unique_schema};

impl TestApp {
    /// Over a copy of the SQLite database `file` (the file itself is left as it is).
    pub async fn start_from_sqlite_file(file: &Path) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        std::fs::copy(file, dir.path().join("tribune.db"))
            .unwrap_or_else(|e| panic!("copying {}: {e}", file.display()));
        let place = Place::Sqlite(dir.path().to_path_buf());
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(dir.path())
                .await
                .expect("the earlier release's SQLite database opens and migrates"),
        );
        Self::serve(place, store, |s| s, true, |_| {}, dir, true).await
    }

    /// Over a fresh schema loaded from `dump`, the plain SQL `pg_dump --no-owner --inserts`
    /// wrote of the schema `dumped_schema`.
    pub async fn start_from_pg_dump(url: &str, dump: &str, dumped_schema: &str) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let schema = unique_schema();
        load_dump(url, &dump.replace(dumped_schema, &schema)).await;
        let store: Arc<dyn Store> = Arc::new(
            PgStore::connect_in_schema(url, &schema)
                .await
                .expect("the earlier release's PostgreSQL schema opens and migrates"),
        );
        let place = Place::Postgres {
            url: url.to_string(),
            schema,
        };
        Self::serve(place, store, |s| s, true, |_| {}, dir, true).await
    }
}

/// Runs a plain-SQL dump over a connection of its own. psql's own commands (lines starting
/// with a backslash, such as the `\restrict` newer pg_dumps write) are psql's business, not
/// the server's: they are left out.
async fn load_dump(url: &str, dump: &str) {
    let sql: String = dump
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .flat_map(|line| [line, "\n"])
        .collect();
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("a connection to load the dump");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("the dump loads");
    conn.close().await.expect("the dump's connection closes");
}
