//! Bringing a database's schema up to date: the steps this database lacks, in order, inside
//! the dialect's migration transaction (which made `schema_migrations` and, on PostgreSQL,
//! took the migration lock). The steps themselves are per dialect (`MIGRATIONS`): their
//! column types differ.

use chrono::Utc;
use tribune_core::store::{StoreError, StoreResult};

use super::{Conn, db};
use crate::SCHEMA_VERSION;
use crate::at::At;

/// Applies the steps after the database's version. Refuses a database whose schema is newer
/// than this build: running old code on it could damage data.
pub(crate) async fn apply(tx: &mut Conn, steps: &[(i64, &'static str)]) -> StoreResult<i64> {
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Invalid(format!(
            "the database has schema version {current}, newer than this Tribune knows \
             ({SCHEMA_VERSION}); upgrade Tribune before using it"
        )));
    }
    for (version, sql) in steps.iter().filter(|(v, _)| *v > current) {
        sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(db)?;
        if *version == 13 {
            super::articles::rekey_authors(tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(At(Utc::now()))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    Ok(SCHEMA_VERSION)
}
