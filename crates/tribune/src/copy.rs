//! `tribune copy`: moves a whole site from one database to another (SQLite to PostgreSQL, or
//! back), with every id kept so article addresses stay the same: the newsroom's tables, then
//! the community's (accounts, comments with their revisions, votes and reports, the
//! moderation log, polls with their options and votes), row by row as
//! [`tribune_core::copy::COMMUNITY`] describes them. Sessions and one-time links (activation,
//! password reset) are not copied: readers log in again. Photos stay where they are: rows name
//! files under the media directory, and the files are not moved.

use std::fmt;

use tribune_core::Store;
use tribune_core::copy::COMMUNITY;
use tribune_core::store::{RelatedLinks, SiteCounts};

use crate::chain;

/// Articles per transaction on the target.
pub const BATCH: u32 = 500;

/// Rows of a community table per transaction on the target.
pub const ROWS: u32 = 1_000;

/// What `tribune copy` leaves out, for its closing message.
pub const NOT_COPIED: &str = "sessions and one-time links (activation, password reset) were \
     not copied: readers log in again on the new database";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Articles,
    /// Related links go in once every article is there (they may point forward).
    Related,
    /// A community table (accounts, comments, ...), by name, after the articles.
    Rows(&'static str),
}

/// How far a copy is: `done` of `total` articles (or articles with related links, or rows
/// of a community table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Articles => "articles",
            Stage::Related => "related links",
            Stage::Rows(table) => table,
        };
        write!(f, "{stage} {}/{}", self.done, self.total)
    }
}

/// "68 articles, 9 authors, ...": what a site holds, for messages.
pub fn describe(counts: &SiteCounts) -> String {
    counts
        .tables()
        .iter()
        .map(|(table, n)| format!("{n} {table}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Copies the site in `from` into `to`, ids and stored HTML as they are, and checks that
/// every table ends with as many rows on both sides and that the target's counters (comment
/// counts, votes, poll totals) agree with its rows. Refuses a target that holds anything,
/// unless `force`: then rows with the same id are overwritten (and rows only the target has
/// stay, which the final count check reports). Sessions and one-time links are not copied.
/// Nothing goes into the target's change log; nodes serving the target should be restarted
/// afterwards. Returns the target's counts.
pub async fn site(
    from: &dyn Store,
    to: &dyn Store,
    force: bool,
    mut progress: impl FnMut(Progress),
) -> Result<SiteCounts, String> {
    let source = from
        .site_counts()
        .await
        .map_err(|e| format!("cannot count the source's rows: {}", chain(&e)))?;
    let before = to
        .site_counts()
        .await
        .map_err(|e| format!("cannot count the target's rows: {}", chain(&e)))?;
    if !before.is_empty() && !force {
        return Err(format!(
            "the target is not empty: it holds {}. Copy into an empty database, or use \
             --force to overwrite its rows that have the same ids",
            describe(&before)
        ));
    }

    let read = |what: &str, e: tribune_core::StoreError| {
        format!("cannot read {what} from the source: {}", chain(&e))
    };
    let authors = from.authors().await.map_err(|e| read("authors", e))?;
    let topics = from.topics().await.map_err(|e| read("topics", e))?;
    let photos = from.photos().await.map_err(|e| read("photos", e))?;
    to.restore_people_and_topics(&authors, &topics, &photos)
        .await
        .map_err(|e| {
            format!(
                "cannot write authors, topics and photos to the target: {}",
                chain(&e)
            )
        })?;

    let total = u64::try_from(source.articles).unwrap_or(0);
    let mut done = 0u64;
    let mut after = 0;
    let mut links: Vec<RelatedLinks> = Vec::new();
    progress(Progress {
        stage: Stage::Articles,
        done,
        total,
    });
    loop {
        let batch = from
            .export_articles(after, BATCH)
            .await
            .map_err(|e| read(&format!("articles after id {after}"), e))?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            break;
        };
        let (first, last) = (first.id, last.id);
        to.restore_articles(&batch).await.map_err(|e| {
            format!(
                "cannot write articles {first} to {last} to the target: {}",
                chain(&e)
            )
        })?;
        links.extend(
            batch
                .iter()
                .filter(|a| !a.related.is_empty())
                .map(RelatedLinks::of),
        );
        after = last;
        done += batch.len() as u64;
        progress(Progress {
            stage: Stage::Articles,
            done,
            total: total.max(done),
        });
    }

    let total_links = links.len() as u64;
    let mut linked = 0u64;
    for chunk in links.chunks(BATCH as usize) {
        to.restore_related(chunk)
            .await
            .map_err(|e| format!("cannot write related links to the target: {}", chain(&e)))?;
        linked += chunk.len() as u64;
        progress(Progress {
            stage: Stage::Related,
            done: linked,
            total: total_links,
        });
    }

    // The community, table by table in an order where rows only point backwards, a page
    // (one transaction on the target) at a time in key order.
    for table in COMMUNITY {
        let total = source
            .rows_of(table.name)
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0);
        let mut done = 0u64;
        loop {
            let rows = from
                .export_rows(table, done, ROWS)
                .await
                .map_err(|e| read(&format!("{} from row {done}", table.name), e))?;
            if rows.is_empty() {
                break;
            }
            to.restore_rows(table, &rows).await.map_err(|e| {
                format!(
                    "cannot write {} rows {} to {} to the target: {}",
                    table.name,
                    done + 1,
                    done + rows.len() as u64,
                    chain(&e)
                )
            })?;
            done += rows.len() as u64;
            progress(Progress {
                stage: Stage::Rows(table.name),
                done,
                total: total.max(done),
            });
            if rows.len() < ROWS as usize {
                break;
            }
        }
    }

    to.finish_restore()
        .await
        .map_err(|e| format!("cannot finish the copy on the target: {}", chain(&e)))?;

    let source = from
        .site_counts()
        .await
        .map_err(|e| format!("cannot count the source's rows: {}", chain(&e)))?;
    let target = to
        .site_counts()
        .await
        .map_err(|e| format!("cannot count the target's rows: {}", chain(&e)))?;
    let differ: Vec<String> = source
        .tables()
        .iter()
        .zip(target.tables())
        .filter(|((_, s), (_, t))| s != t)
        .map(|((table, s), (_, t))| format!("{table}: {s} in the source, {t} in the target"))
        .collect();
    if !differ.is_empty() {
        return Err(format!(
            "the copy does not match the source: {}. Was the source written to during the \
             copy, or did the target hold other rows (--force)?",
            differ.join("; ")
        ));
    }

    // Counters kept beside the rows (an article's comment count, a comment's votes and
    // replies, a poll's totals) must agree with the rows copied.
    let wrong = to
        .counter_mismatches()
        .await
        .map_err(|e| format!("cannot check the target's counters: {}", chain(&e)))?;
    if !wrong.is_empty() {
        let inherited = from
            .counter_mismatches()
            .await
            .map(|w| !w.is_empty())
            .unwrap_or(false);
        let shown: Vec<String> = wrong
            .iter()
            .take(10)
            .map(|m| format!("{}: {} stored, {} counted", m.what, m.stored, m.counted))
            .collect();
        return Err(format!(
            "the copy's counters disagree with its rows in {} place(s): {}{}. {}",
            wrong.len(),
            shown.join("; "),
            if wrong.len() > shown.len() {
                "; ..."
            } else {
                ""
            },
            if inherited {
                "The source's counters disagree with its rows too: the copy carried that over"
            } else {
                "The source's counters agree with its rows: was it written to during the copy?"
            }
        ));
    }
    Ok(target)
}
