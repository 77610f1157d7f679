//! The community tables as `tribune copy` moves them: row by row, generically. Each table is
//! described once here (its columns with their kinds, and its key); each store reads and
//! writes any described table with one function each way ([`crate::Store::export_rows`],
//! [`crate::Store::restore_rows`]), binding every cell by its column's kind.
//!
//! Sessions and one-time links (activation, password reset) are not described, so they are
//! not copied: readers log in again on the new database, and links mailed before the move
//! stop working. Personal API tokens are copied: the scripts that use them keep working.

use chrono::{DateTime, Utc};

use Kind::{Bool, Bytes, Int, NullInt, NullText, NullTime, Text, Time};

/// How a column is stored. PostgreSQL keeps integers as BIGINT (INTEGER is widened when
/// read), booleans as boolean and times as timestamptz; SQLite keeps booleans as 0/1 and
/// times as unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    NullInt,
    Text,
    NullText,
    Bool,
    Time,
    NullTime,
    /// SQLite BLOB, PostgreSQL bytea: the moderation model.
    Bytes,
}

impl Kind {
    pub fn nullable(self) -> bool {
        matches!(self, Kind::NullInt | Kind::NullText | Kind::NullTime)
    }

    /// Whether `cell` may be stored in a column of this kind.
    pub fn fits(self, cell: &Cell) -> bool {
        match (self, cell) {
            (_, Cell::Null) => self.nullable(),
            (Kind::Int | Kind::NullInt, Cell::Int(_))
            | (Kind::Text | Kind::NullText, Cell::Text(_))
            | (Kind::Bool, Cell::Bool(_))
            | (Kind::Time | Kind::NullTime, Cell::Time(_))
            | (Kind::Bytes, Cell::Bytes(_)) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name in both schemas: `[a-z_]`, safe in SQL between double quotes.
    pub name: &'static str,
    pub kind: Kind,
}

/// One table to copy: its columns in the order a [`Row`] holds them, and the columns of its
/// primary key, in the order rows are exported (and the key a restored row overwrites).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyTable {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub key: &'static [&'static str],
}

impl CopyTable {
    /// Whether the table's key is an `id` the database hands out (a PostgreSQL identity,
    /// which a copy must move past the copied ids).
    pub fn has_id(&self) -> bool {
        self.key == ["id"]
    }

    /// Whether this is one of [`COMMUNITY`]: stores refuse any other description, so only
    /// the names written here ever reach SQL.
    pub fn is_known(&self) -> bool {
        COMMUNITY.contains(self)
    }

    /// The row's key, for messages: "comment_votes (account_id 3, comment_id 12)".
    pub fn describe_row(&self, row: &[Cell]) -> String {
        let key: Vec<String> = self
            .key
            .iter()
            .filter_map(|k| {
                let i = self.columns.iter().position(|c| c.name == *k)?;
                let cell = row.get(i)?;
                Some(match cell {
                    Cell::Int(v) => format!("{k} {v}"),
                    other => format!("{k} {other:?}"),
                })
            })
            .collect();
        format!("{} ({})", self.name, key.join(", "))
    }

    /// Refuses a row that does not match the description: a wrong number of cells, or a
    /// cell of the wrong kind (or NULL where none may be).
    pub fn check(&self, row: &[Cell]) -> Result<(), String> {
        if row.len() != self.columns.len() {
            return Err(format!(
                "{}: a row of {} cells, where the table has {} columns",
                self.name,
                row.len(),
                self.columns.len()
            ));
        }
        for (column, cell) in self.columns.iter().zip(row) {
            if !column.kind.fits(cell) {
                return Err(format!(
                    "{}: column {} ({:?}) cannot hold {cell:?}",
                    self.describe_row(row),
                    column.name,
                    column.kind
                ));
            }
        }
        Ok(())
    }
}

/// One cell of a copied row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
    Bytes(Vec<u8>),
}

/// A row of a [`CopyTable`], its cells in the order of the table's columns.
pub type Row = Vec<Cell>;

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// The community tables in the order a copy fills them (each only points at tables before
/// it; comments point at comments with lower ids, so id order is an insert order). The
/// columns are those of migrations/0002_comments.sql in both stores; a store test checks
/// that every column there is here.
pub const COMMUNITY: &[CopyTable] = &[
    CopyTable {
        name: "accounts",
        columns: &[
            col("id", Int),
            col("email", Text),
            col("display_name", Text),
            col("password_hash", Text),
            col("role", Text),
            col("verified", Bool),
            col("created_at", Time),
            col("suspended_until", NullTime),
            col("banned", Bool),
            col("shadow_banned", Bool),
            col("approved_comments", Int),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "comments",
        columns: &[
            col("id", Int),
            col("article_id", Int),
            col("author_id", NullInt),
            col("root_id", NullInt),
            col("reply_to", NullInt),
            col("body_markdown", Text),
            col("body_html", Text),
            col("fingerprint", Int),
            col("verdict", Text),
            col("reasons", Text),
            col("risk", Int),
            col("shadow", Bool),
            col("deleted", Bool),
            col("public", Bool),
            col("listed", Bool),
            col("created_at", Time),
            col("edited_at", NullTime),
            col("up", Int),
            col("down", Int),
            col("score", Int),
            col("reply_count", Int),
            col("open_reports", Int),
            col("report_risk", Int),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "comment_revisions",
        columns: &[
            col("id", Int),
            col("comment_id", Int),
            col("body_markdown", Text),
            col("replaced_at", Time),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "comment_votes",
        columns: &[
            col("comment_id", Int),
            col("account_id", Int),
            col("value", Int),
        ],
        key: &["account_id", "comment_id"],
    },
    CopyTable {
        name: "comment_reports",
        columns: &[
            col("id", Int),
            col("comment_id", Int),
            col("reporter_id", NullInt),
            col("reason", Text),
            col("note", Text),
            col("comment_text", Text),
            col("created_at", Time),
            col("resolved_at", NullTime),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "moderation_log",
        columns: &[
            col("id", Int),
            col("at", Time),
            col("moderator_id", NullInt),
            col("moderator_name", Text),
            col("action", Text),
            col("comment_id", NullInt),
            col("account_id", NullInt),
            col("reason", Text),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "polls",
        columns: &[
            col("id", Int),
            col("article_id", Int),
            col("question", Text),
            col("closes_at", NullTime),
            col("created_at", Time),
            col("total_votes", Int),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "poll_options",
        columns: &[
            col("id", Int),
            col("poll_id", Int),
            col("position", Int),
            col("label", Text),
            col("votes", Int),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "poll_votes",
        columns: &[
            col("id", Int),
            col("poll_id", Int),
            col("option_id", Int),
            col("account_id", NullInt),
            col("voted_at", Time),
        ],
        key: &["id"],
    },
    // Old addresses of imported articles (migrations/0004_imports.sql).
    CopyTable {
        name: "old_paths",
        columns: &[col("id", Int), col("path", Text), col("article_id", Int)],
        key: &["id"],
    },
    CopyTable {
        name: "imported_comments",
        columns: &[col("comment_id", Int), col("external_key", Text)],
        key: &["comment_id"],
    },
    // The back office (migrations/0005_newsroom.sql); autosaves stay behind like sessions.
    CopyTable {
        name: "article_desk",
        columns: &[
            col("article_id", Int),
            col("owner_id", NullInt),
            col("submitted_at", NullTime),
        ],
        key: &["article_id"],
    },
    CopyTable {
        name: "article_revisions",
        columns: &[
            col("article_id", Int),
            col("number", Int),
            col("saved_at", Time),
            col("saved_by", NullInt),
            col("note", Text),
            col("content", Text),
        ],
        key: &["article_id", "number"],
    },
    // Personal API tokens (migrations/0006_api_tokens.sql): credentials that scripts keep
    // using after the site moves, unlike sessions. Only their hashes are stored.
    CopyTable {
        name: "api_tokens",
        columns: &[
            col("id", Int),
            col("account_id", Int),
            col("name", Text),
            col("token_hash", Text),
            col("created_at", Time),
            col("last_used_at", NullTime),
            col("revoked_at", NullTime),
        ],
        key: &["id"],
    },
    // Competitions, teams and matches (migrations/0008_matches.sql). Teams point at topics,
    // which a copy moves first; a VAR decision points at an event with a lower id.
    CopyTable {
        name: "competitions",
        columns: &[col("id", Int), col("slug", Text), col("name", Text)],
        key: &["id"],
    },
    CopyTable {
        name: "teams",
        columns: &[
            col("id", Int),
            col("slug", Text),
            col("name", Text),
            col("name_fr", NullText),
            col("short_name", Text),
            col("topic_id", NullInt),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "team_aliases",
        columns: &[
            col("id", Int),
            col("alias_key", Text),
            col("team_id", Int),
            col("alias", Text),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "matches",
        columns: &[
            col("id", Int),
            col("competition_id", Int),
            col("external_key", Text),
            col("round", Text),
            col("home_id", Int),
            col("away_id", Int),
            col("kickoff_at", Time),
            col("time_known", Bool),
            col("status", Text),
            col("minute", NullInt),
            col("added_minute", NullInt),
            col("home_score", NullInt),
            col("away_score", NullInt),
            col("ht_home", NullInt),
            col("ht_away", NullInt),
            col("pen_home", NullInt),
            col("pen_away", NullInt),
            col("updated_at", Time),
            col("article_id", NullInt),
            col("high_risk", Bool),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "match_events",
        columns: &[
            col("id", Int),
            col("match_id", Int),
            col("kind", Text),
            col("side", Text),
            col("minute", Int),
            col("added_minute", NullInt),
            col("player", Text),
            col("other_player", Text),
            col("reverses", NullInt),
            col("cancelled", Bool),
            col("imported", Bool),
            col("created_at", Time),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "live_entries",
        columns: &[
            col("id", Int),
            col("match_id", Int),
            col("event_id", NullInt),
            col("minute", NullInt),
            col("added_minute", NullInt),
            col("body_markdown", Text),
            col("body_html", Text),
            col("key_event", Bool),
            col("pinned", Bool),
            col("author_id", NullInt),
            col("created_at", Time),
            col("edited_at", NullTime),
            col("deleted", Bool),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "moderation_models",
        columns: &[
            col("id", Int),
            col("created_at", Time),
            col("lessons_through", Int),
            col("examples", Int),
            col("note", Text),
            col("model", Bytes),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "moderation_lessons",
        columns: &[
            col("id", Int),
            col("comment_id", Int),
            col("body", Text),
            col("abusive", Bool),
            col("created_at", Time),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "comment_contests",
        columns: &[
            col("id", Int),
            col("comment_id", Int),
            col("author_id", NullInt),
            col("decision_ref", Int),
            col("explanation", Text),
            col("created_at", Time),
            col("outcome", NullText),
            col("note", Text),
            col("moderator_id", NullInt),
            col("moderator_name", NullText),
            col("resolved_at", NullTime),
        ],
        key: &["id"],
    },
    CopyTable {
        name: "content_notices",
        columns: &[
            col("id", Int),
            col("comment_id", NullInt),
            col("category", Text),
            col("explanation", Text),
            col("email", NullText),
            col("reporter_id", NullInt),
            col("comment_text", Text),
            col("created_at", Time),
            col("outcome", NullText),
            col("note", Text),
            col("handled_by", NullInt),
            col("handled_by_name", NullText),
            col("handled_at", NullTime),
        ],
        key: &["id"],
    },
];

/// Tables of the community schema that a copy leaves out on purpose.
pub const NOT_COPIED: &[&str] = &["sessions", "account_tokens", "article_autosaves"];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;

    fn plain(name: &str) -> bool {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }

    #[test]
    fn the_description_is_well_formed() {
        let mut tables = HashSet::new();
        for t in COMMUNITY {
            assert!(plain(t.name), "{}", t.name);
            assert!(tables.insert(t.name), "{} twice", t.name);
            assert!(!NOT_COPIED.contains(&t.name));
            let mut columns = HashSet::new();
            for c in t.columns {
                assert!(plain(c.name), "{}.{}", t.name, c.name);
                assert!(columns.insert(c.name), "{}.{} twice", t.name, c.name);
            }
            assert!(!t.key.is_empty(), "{}", t.name);
            for k in t.key {
                let c = t.columns.iter().find(|c| c.name == *k).unwrap();
                assert_eq!(c.kind, Kind::Int, "{}.{k}: keys are integers", t.name);
            }
            assert!(t.is_known());
        }
        const ID: &[Column] = &[col("id", Kind::Int)];
        let made_up = CopyTable {
            name: "articles",
            columns: ID,
            key: &["id"],
        };
        assert!(!made_up.is_known());
    }

    #[test]
    fn rows_are_checked_against_their_table() {
        let polls = COMMUNITY.iter().find(|t| t.name == "polls").unwrap();
        let at = Utc.timestamp_millis_opt(1_700_000_000_000).unwrap();
        let mut row = vec![
            Cell::Int(1),
            Cell::Int(7),
            Cell::Text("Wie wordt kampioen?".into()),
            Cell::Null,
            Cell::Time(at),
            Cell::Int(0),
        ];
        assert_eq!(polls.check(&row), Ok(()));
        row[4] = Cell::Null;
        let refused = polls.check(&row).unwrap_err();
        assert!(refused.contains("polls (id 1)") && refused.contains("created_at"));
        row[4] = Cell::Text("gisteren".into());
        assert!(polls.check(&row).is_err());
        row.pop();
        assert!(polls.check(&row).unwrap_err().contains("5 cells"));
        assert!(Kind::Bool.fits(&Cell::Bool(true)));
        assert!(!Kind::Bool.fits(&Cell::Int(1)));
    }
}
