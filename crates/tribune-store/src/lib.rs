//! Tribune's [`Store`](tribune_core::Store) on embedded SQLite ([`SqliteStore`]: one file in
//! the data directory, WAL mode) or on PostgreSQL ([`PgStore`]: several nodes sharing one
//! database). Both answer the same: the same integration suite runs against each.

// Each file in sql/ is compiled once inside each dialect module (see ARCHITECTURE.md, "The
// store"): loading it twice is the point.
#![allow(clippy::duplicate_mod)]

mod at;
mod pg;
mod rows;
mod sqlite;

pub use pg::{CHANNEL, PgStore};
pub use sqlite::SqliteStore;

/// The newest schema this build knows (both dialects' migrations end at the same step).
pub const SCHEMA_VERSION: i64 = 14;

use tribune_core::store::StoreError;

/// Whether the database refused a second row with the same unique key: something taken.
pub(crate) fn is_unique_violation(e: &StoreError) -> bool {
    database_error(e).is_some_and(|d| d.is_unique_violation())
}

/// Whether the database refused a row that points at one that is not there (any more).
pub(crate) fn is_foreign_key_violation(e: &StoreError) -> bool {
    database_error(e).is_some_and(|d| d.is_foreign_key_violation())
}

/// Whether the transaction lost a deadlock or serialization race (PostgreSQL's 40P01,
/// 40001) and may be tried again. SQLite's one writer never does.
pub(crate) fn is_retryable(e: &StoreError) -> bool {
    database_error(e)
        .and_then(|d| d.code())
        .is_some_and(|c| c == "40P01" || c == "40001")
}

fn database_error(e: &StoreError) -> Option<&dyn sqlx::error::DatabaseError> {
    let StoreError::Backend(inner) = e else {
        return None;
    };
    match inner.downcast_ref::<sqlx::Error>()? {
        sqlx::Error::Database(d) => Some(&**d),
        _ => None,
    }
}
