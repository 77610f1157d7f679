//! Writing the community tables for `tribune copy` on SQLite: a row per statement (SQLite
//! has no arrays to send a batch as columns). Reading them is shared (`../sql/copy.rs`).

use sqlx::{AssertSqlSafe, SqliteConnection};
use tribune_core::copy::{Cell, CopyTable, Row};
use tribune_core::store::{StoreError, StoreResult};

use super::copy::{check, names, on_conflict};
use super::db;
use crate::at::At;

/// Writes the rows, overwriting those whose key exists, inside the caller's transaction.
pub(crate) async fn restore(
    conn: &mut SqliteConnection,
    table: &CopyTable,
    rows: &[Row],
) -> StoreResult<()> {
    check(table, rows)?;
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) {}",
        table.name,
        names(table.columns.iter().map(|c| c.name)),
        vec!["?"; table.columns.len()].join(", "),
        on_conflict(table),
    );
    for row in rows {
        let mut query = sqlx::query(AssertSqlSafe(sql.as_str()));
        for cell in row {
            query = match cell {
                Cell::Null => query.bind(None::<i64>),
                Cell::Int(v) => query.bind(*v),
                Cell::Text(v) => query.bind(v.as_str()),
                Cell::Bool(v) => query.bind(*v),
                Cell::Time(v) => query.bind(At(*v)),
                Cell::Bytes(v) => query.bind(v.as_slice()),
            };
        }
        query.execute(&mut *conn).await.map_err(|e| match db(e) {
            StoreError::Backend(inner) => {
                StoreError::Backend(format!("{}: {inner}", table.describe_row(row)).into())
            }
            other => other,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;

    use tribune_core::copy::{COMMUNITY, Kind};

    use crate::SqliteStore;

    /// The description names every column of each copied table, with whether it may be
    /// NULL, as the migrations made them: a column added later without a line in
    /// tribune-core would silently not be copied. (SQLite's declared types say less than the
    /// kinds: booleans and times are INTEGER.)
    #[tokio::test]
    async fn the_description_matches_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        for table in COMMUNITY {
            let rows: Vec<(String, String, i64, i64)> =
                sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
                    .bind(table.name)
                    .fetch_all(&store.read)
                    .await
                    .unwrap();
            let schema: BTreeMap<String, (String, bool)> = rows
                .into_iter()
                .map(|(name, declared, not_null, pk)| (name, (declared, not_null == 0 && pk == 0)))
                .collect();
            let described: BTreeMap<String, (String, bool)> = table
                .columns
                .iter()
                .map(|c| {
                    let declared = match c.kind {
                        Kind::Text | Kind::NullText => "TEXT",
                        Kind::Bytes => "BLOB",
                        _ => "INTEGER",
                    };
                    (
                        c.name.to_string(),
                        (declared.to_string(), c.kind.nullable()),
                    )
                })
                .collect();
            assert_eq!(schema, described, "{}", table.name);
        }
    }
}
