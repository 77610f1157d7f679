//! The community tables for `tribune copy`, generically over their description
//! ([`tribune_core::copy::COMMUNITY`]): one function reads any described table, one writes
//! it. Booleans are stored as 0/1 and times as unix milliseconds.

use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row as _, SqliteConnection};
use tribune_core::copy::{Cell, CopyTable, Kind, Row};
use tribune_core::store::{StoreError, StoreResult};

use super::{db, from_ms, ms};

/// Refuses a description that is not one of the known tables: only names written in
/// tribune-core ever reach the SQL below.
fn known(table: &CopyTable) -> StoreResult<()> {
    if table.is_known() {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{} is not a table a copy knows",
            table.name
        )))
    }
}

fn names(names: impl Iterator<Item = &'static str>) -> String {
    names
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to `limit` rows after the first `offset`, in key order.
pub(crate) async fn export(
    conn: &mut SqliteConnection,
    table: &CopyTable,
    offset: u64,
    limit: u32,
) -> StoreResult<Vec<Row>> {
    known(table)?;
    let sql = format!(
        "SELECT {} FROM \"{}\" ORDER BY {} LIMIT ? OFFSET ?",
        names(table.columns.iter().map(|c| c.name)),
        table.name,
        names(table.key.iter().copied()),
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter().map(|r| read_row(table, r)).collect()
}

fn read_row(table: &CopyTable, r: &SqliteRow) -> StoreResult<Row> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let value: Option<i64> = match column.kind {
                Kind::Text | Kind::NullText => {
                    let text: Option<String> = r.try_get(i).map_err(db)?;
                    return Ok(text.map_or(Cell::Null, Cell::Text));
                }
                Kind::Bytes => {
                    let bytes: Option<Vec<u8>> = r.try_get(i).map_err(db)?;
                    return Ok(bytes.map_or(Cell::Null, Cell::Bytes));
                }
                Kind::Int | Kind::NullInt | Kind::Bool | Kind::Time | Kind::NullTime => {
                    r.try_get(i).map_err(db)?
                }
            };
            Ok(match (column.kind, value) {
                (_, None) => Cell::Null,
                (Kind::Bool, Some(v)) => Cell::Bool(v != 0),
                (Kind::Time | Kind::NullTime, Some(v)) => Cell::Time(from_ms(v)),
                (_, Some(v)) => Cell::Int(v),
            })
        })
        .collect()
}

/// Writes the rows, overwriting those whose key exists, inside the caller's transaction.
pub(crate) async fn restore(
    conn: &mut SqliteConnection,
    table: &CopyTable,
    rows: &[Row],
) -> StoreResult<()> {
    known(table)?;
    for row in rows {
        table.check(row).map_err(StoreError::Invalid)?;
    }
    let columns = table.columns.iter().map(|c| c.name);
    let updates: Vec<String> = table
        .columns
        .iter()
        .filter(|c| !table.key.contains(&c.name))
        .map(|c| format!("\"{0}\" = excluded.\"{0}\"", c.name))
        .collect();
    let on_conflict = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) ON CONFLICT ({}) {on_conflict}",
        table.name,
        names(columns),
        vec!["?"; table.columns.len()].join(", "),
        names(table.key.iter().copied()),
    );
    for row in rows {
        let mut query = sqlx::query(AssertSqlSafe(sql.as_str()));
        for cell in row {
            query = match cell {
                Cell::Null => query.bind(None::<i64>),
                Cell::Int(v) => query.bind(*v),
                Cell::Text(v) => query.bind(v.as_str()),
                Cell::Bool(v) => query.bind(i64::from(*v)),
                Cell::Time(v) => query.bind(ms(*v)),
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
