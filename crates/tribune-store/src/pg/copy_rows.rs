//! Writing the community tables for `tribune copy` on PostgreSQL: a batch per statement, a
//! column per array (`UNNEST`), which SQLite does not have; and moving their identities past
//! the copied ids. Reading them is shared (`../sql/copy.rs`).

use sqlx::{AssertSqlSafe, PgConnection};
use tribune_core::copy::{COMMUNITY, Cell, CopyTable, Kind, Row};
use tribune_core::store::StoreResult;

use super::copy::{check, names, on_conflict};
use super::db;
use crate::at::At;

/// Writes the rows in one statement, overwriting those whose key exists, inside the
/// caller's transaction.
pub(crate) async fn restore(
    conn: &mut PgConnection,
    table: &CopyTable,
    rows: &[Row],
) -> StoreResult<()> {
    check(table, rows)?;
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
    let sql = format!(
        "INSERT INTO \"{}\" ({}) {} SELECT * FROM UNNEST({}) {}",
        table.name,
        names(table.columns.iter().map(|c| c.name)),
        // Ids are kept as they are, not handed out by the identity.
        if table.has_id() {
            "OVERRIDING SYSTEM VALUE"
        } else {
            ""
        },
        arrays.join(", "),
        on_conflict(table),
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
                        Cell::Time(v) => Some(At(*v)),
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
