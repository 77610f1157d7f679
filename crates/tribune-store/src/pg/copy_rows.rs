//! The community tables for `tribune copy`, generically over their description
//! ([`tribune_core::copy::COMMUNITY`]): one function reads any described table, one writes
//! it (a batch per statement, a column per array), and one moves their identities past the
//! copied ids. Integers are read as BIGINT, booleans are boolean, times timestamptz.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Row as _};
use tribune_core::copy::{COMMUNITY, Cell, CopyTable, Kind, Row};
use tribune_core::store::{StoreError, StoreResult};

use super::{EARLIEST_MS, db, has_nul, ms};

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
    conn: &mut PgConnection,
    table: &CopyTable,
    offset: u64,
    limit: u32,
) -> StoreResult<Vec<Row>> {
    known(table)?;
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.kind {
            // INTEGER columns (a vote's value) come back as BIGINT like the rest.
            Kind::Int | Kind::NullInt => format!("\"{}\"::bigint", c.name),
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
    rows.iter().map(|r| read_row(table, r)).collect()
}

fn read_row(table: &CopyTable, r: &PgRow) -> StoreResult<Row> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let cell = match column.kind {
                Kind::Int | Kind::NullInt => {
                    r.try_get::<Option<i64>, _>(i).map(|v| v.map(Cell::Int))
                }
                Kind::Text | Kind::NullText => {
                    r.try_get::<Option<String>, _>(i).map(|v| v.map(Cell::Text))
                }
                Kind::Bool => r.try_get::<Option<bool>, _>(i).map(|v| v.map(Cell::Bool)),
                Kind::Time | Kind::NullTime => r
                    .try_get::<Option<DateTime<Utc>>, _>(i)
                    .map(|v| v.map(Cell::Time)),
                Kind::Bytes => r
                    .try_get::<Option<Vec<u8>>, _>(i)
                    .map(|v| v.map(Cell::Bytes)),
            };
            Ok(cell.map_err(db)?.unwrap_or(Cell::Null))
        })
        .collect()
}

/// What PostgreSQL cannot store but SQLite would (a NUL in a text, a time before 4714 BC):
/// refused with the row's key rather than as a bare database error.
fn check_storable(table: &CopyTable, row: &[Cell]) -> StoreResult<()> {
    for cell in row {
        let why = match cell {
            Cell::Text(t) if has_nul(t) => "text contains a NUL character",
            Cell::Time(t) if t.timestamp_millis() < EARLIEST_MS => "a time before 4714 BC",
            _ => continue,
        };
        return Err(StoreError::Invalid(format!(
            "{}: {why}, which PostgreSQL cannot store",
            table.describe_row(row)
        )));
    }
    Ok(())
}

/// Writes the rows in one statement, overwriting those whose key exists, inside the
/// caller's transaction.
pub(crate) async fn restore(
    conn: &mut PgConnection,
    table: &CopyTable,
    rows: &[Row],
) -> StoreResult<()> {
    known(table)?;
    for row in rows {
        table.check(row).map_err(StoreError::Invalid)?;
        check_storable(table, row)?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    let arrays: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let n = i + 1;
            match c.kind {
                Kind::Int | Kind::NullInt => format!("${n}::bigint[]"),
                Kind::Text | Kind::NullText => format!("${n}::text[]"),
                Kind::Bool => format!("${n}::boolean[]"),
                Kind::Time | Kind::NullTime => format!("${n}::timestamptz[]"),
                Kind::Bytes => format!("${n}::bytea[]"),
            }
        })
        .collect();
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
        "INSERT INTO \"{}\" ({}) {} SELECT * FROM UNNEST({}) ON CONFLICT ({}) {on_conflict}",
        table.name,
        names(table.columns.iter().map(|c| c.name)),
        // Ids are kept as they are, not handed out by the identity.
        if table.has_id() {
            "OVERRIDING SYSTEM VALUE"
        } else {
            ""
        },
        arrays.join(", "),
        names(table.key.iter().copied()),
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (i, column) in table.columns.iter().enumerate() {
        let cells = rows.iter().filter_map(|r| r.get(i));
        query = match column.kind {
            Kind::Int | Kind::NullInt => query.bind(
                cells
                    .map(|c| match c {
                        Cell::Int(v) => Some(*v),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Kind::Text | Kind::NullText => query.bind(
                cells
                    .map(|c| match c {
                        Cell::Text(v) => Some(v.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Kind::Bool => query.bind(
                cells
                    .map(|c| match c {
                        Cell::Bool(v) => Some(*v),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Kind::Time | Kind::NullTime => query.bind(
                cells
                    .map(|c| match c {
                        Cell::Time(v) => Some(ms(*v)),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Kind::Bytes => query.bind(
                cells
                    .map(|c| match c {
                        Cell::Bytes(v) => Some(v.as_slice()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
        };
    }
    query.execute(&mut *conn).await.map_err(db)?;
    Ok(())
}

/// Moves the identity of every described table with an `id` past its highest id, and
/// refreshes the planner's statistics of them all, inside the caller's transaction.
pub(crate) async fn finish(conn: &mut PgConnection) -> StoreResult<()> {
    for table in COMMUNITY.iter().filter(|t| t.has_id()) {
        // The names come from the description in tribune-core: [a-z_], safe in quotes.
        sqlx::query(AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('\"{0}\"', 'id'), MAX(id))
             FROM \"{0}\" HAVING MAX(id) IS NOT NULL",
            table.name
        )))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    let all = names(COMMUNITY.iter().map(|t| t.name));
    sqlx::raw_sql(AssertSqlSafe(format!("ANALYZE {all}")))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::time::{SystemTime, UNIX_EPOCH};

    use tribune_core::copy::{COMMUNITY, Kind};

    use crate::PgStore;

    /// The description names every column of each copied table with its kind and whether
    /// it may be NULL, as the migrations made them: a column added later without a line in
    /// tribune-core would silently not be copied. Needs TRIBUNE_TEST_PG_URL; passes (saying
    /// it was skipped) without.
    #[tokio::test]
    async fn the_description_matches_the_schema() {
        let Some(url) = std::env::var("TRIBUNE_TEST_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            eprintln!("skipped: TRIBUNE_TEST_PG_URL is not set");
            return;
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let schema = format!("tribune_test_copy_{}_{nanos}", std::process::id());
        let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
        let mut wrong = Vec::new();
        for table in COMMUNITY {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text, is_nullable::text
                 FROM information_schema.columns
                 WHERE table_schema = $1 AND table_name = $2",
            )
            .bind(&schema)
            .bind(table.name)
            .fetch_all(&store.pool)
            .await
            .unwrap();
            let schema_kinds: BTreeMap<String, Option<Kind>> = rows
                .into_iter()
                .map(|(name, data_type, nullable)| {
                    let kind = match (data_type.as_str(), nullable == "YES") {
                        ("bigint" | "integer", false) => Some(Kind::Int),
                        ("bigint" | "integer", true) => Some(Kind::NullInt),
                        ("text", false) => Some(Kind::Text),
                        ("text", true) => Some(Kind::NullText),
                        ("boolean", false) => Some(Kind::Bool),
                        ("timestamp with time zone", false) => Some(Kind::Time),
                        ("timestamp with time zone", true) => Some(Kind::NullTime),
                        ("bytea", false) => Some(Kind::Bytes),
                        _ => None,
                    };
                    (name, kind)
                })
                .collect();
            let described: BTreeMap<String, Option<Kind>> = table
                .columns
                .iter()
                .map(|c| (c.name.to_string(), Some(c.kind)))
                .collect();
            if schema_kinds != described {
                wrong.push(format!(
                    "{}:\n  schema    {schema_kinds:?}\n  described {described:?}",
                    table.name
                ));
            }
        }
        store.drop_schema().await.unwrap();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
