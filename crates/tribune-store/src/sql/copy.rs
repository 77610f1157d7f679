//! The community tables for `tribune copy`, generically over their description
//! ([`tribune_core::copy::COMMUNITY`]): reading any described table, and what writing one
//! needs on both databases. How the rows go in is the dialect's (`copy_rows.rs`: PostgreSQL
//! writes a batch per statement, a column per array; SQLite, without arrays, a row each).

use sqlx::{AssertSqlSafe, Row as _};
use tribune_core::copy::{Cell, CopyTable, Kind, Row};
use tribune_core::storable;
use tribune_core::store::{StoreError, StoreResult};

use super::{Conn, db};
use crate::at::At;

/// Refuses a description that is not one of the known tables: only names written in
/// tribune-core ever reach the SQL built here.
pub(crate) fn known(table: &CopyTable) -> StoreResult<()> {
    if table.is_known() {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{} is not a table a copy knows",
            table.name
        )))
    }
}

/// Column or table names, quoted, separated by commas.
pub(crate) fn names(names: impl Iterator<Item = &'static str>) -> String {
    names
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an insert does with a row whose key is there already: overwrites it.
pub(crate) fn on_conflict(table: &CopyTable) -> String {
    let updates: Vec<String> = table
        .columns
        .iter()
        .filter(|c| !table.key.contains(&c.name))
        .map(|c| format!("\"{0}\" = excluded.\"{0}\"", c.name))
        .collect();
    let action = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    format!(
        "ON CONFLICT ({}) {action}",
        names(table.key.iter().copied())
    )
}

/// Checks rows about to be written: each fits its description, and holds nothing a store
/// cannot keep (refused with the row's key rather than as a bare database error).
pub(crate) fn check(table: &CopyTable, rows: &[Row]) -> StoreResult<()> {
    known(table)?;
    for row in rows {
        table.check(row).map_err(StoreError::Invalid)?;
        storable::copied_row(table, row).map_err(StoreError::Invalid)?;
    }
    Ok(())
}

/// Up to `limit` rows after the first `offset`, in key order.
pub(crate) async fn export(
    conn: &mut Conn,
    table: &CopyTable,
    offset: u64,
    limit: u32,
) -> StoreResult<Vec<Row>> {
    known(table)?;
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.kind {
            // A smaller integer column (a vote's value) comes back as BIGINT like the rest.
            Kind::Int | Kind::NullInt => format!("CAST(\"{0}\" AS BIGINT) AS \"{0}\"", c.name),
            _ => format!("\"{}\"", c.name),
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM \"{}\" ORDER BY {} LIMIT $1 OFFSET $2",
        columns.join(", "),
        table.name,
        names(table.key.iter().copied()),
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            table
                .columns
                .iter()
                .map(|column| {
                    // By name: the description names every column.
                    let name = column.name;
                    let cell = match column.kind {
                        Kind::Int | Kind::NullInt => {
                            r.try_get::<Option<i64>, _>(name).map(|v| v.map(Cell::Int))
                        }
                        Kind::Text | Kind::NullText => r
                            .try_get::<Option<String>, _>(name)
                            .map(|v| v.map(Cell::Text)),
                        Kind::Bool => r
                            .try_get::<Option<bool>, _>(name)
                            .map(|v| v.map(Cell::Bool)),
                        Kind::Time | Kind::NullTime => r
                            .try_get::<Option<At>, _>(name)
                            .map(|v| v.map(|t| Cell::Time(t.0))),
                        Kind::Bytes => r
                            .try_get::<Option<Vec<u8>>, _>(name)
                            .map(|v| v.map(Cell::Bytes)),
                    };
                    Ok(cell.map_err(db)?.unwrap_or(Cell::Null))
                })
                .collect()
        })
        .collect()
}
