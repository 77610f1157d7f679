//! `tribune copy`: moves a whole site from one database to another (SQLite to PostgreSQL, or
//! back), every table, with every id kept so article addresses stay the same. Photos stay
//! where they are: rows name files under the media directory, and the files are not moved.

use std::fmt;

use tribune_core::Store;
use tribune_core::store::{RelatedLinks, SiteCounts};

use crate::chain;

/// Articles per transaction on the target.
pub const BATCH: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Articles,
    /// Related links go in once every article is there (they may point forward).
    Related,
}

/// How far a copy is: `done` of `total` articles (or articles with related links).
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
/// every table ends with as many rows on both sides. Refuses a target that holds anything,
/// unless `force`: then rows with the same id are overwritten (and rows only the target has
/// stay, which the final count check reports). Nothing goes into the target's change log;
/// nodes serving the target should be restarted afterwards. Returns the target's counts.
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
    Ok(target)
}
