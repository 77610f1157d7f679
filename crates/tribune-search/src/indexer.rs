//! The one writer of a node's index. It follows the event bus: each event (or a batch of
//! them) wakes it, it reads the store's change log from the change number of its last commit,
//! rewrites the articles named there and in the events, and commits with the new change
//! number in the commit's payload. So a lost or lagging event costs nothing (the log has it),
//! and a node that was down catches up at start from where its index stopped. Without events
//! it still reads the log every second, for writes nobody announced.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tantivy::{IndexWriter, TantivyDocument, Term};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tribune_core::article::{ArticleId, AuthorId};
use tribune_core::store::ArticleRecord;
use tribune_core::topic::TopicId;
use tribune_core::{Event, Store};

use crate::SearchError;
use crate::index::{Found, INDEX_VERSION, Payload, SearchIndex};
use crate::text::plain_text;

/// Commits are at least this far apart: a burst of writes (a comment flood on a match
/// evening also writes the change log) becomes one commit, and a change is still findable
/// well within two seconds.
pub const COMMIT_GAP: Duration = Duration::from_millis(250);
/// Without news from the bus, the change log is read this often all the same.
pub const LOOK_ANYWAY: Duration = Duration::from_secs(1);
/// Articles read from the store per round trip when rebuilding.
const REBUILD_BATCH: u32 = 500;
/// Change-log entries read per round trip.
const LOG_BATCH: u32 = 1000;
/// An index this many changes behind the store is rebuilt rather than caught up article by
/// article.
const REBUILD_PAST: i64 = 50_000;
/// Memory for the writer's indexing threads, all together.
const WRITER_HEAP: usize = 96 * 1024 * 1024;

/// The writer: holds the index's write lock for as long as it lives.
pub struct Indexer {
    index: Arc<SearchIndex>,
    store: Arc<dyn Store>,
    writer: Arc<Mutex<IndexWriter>>,
    /// Change number of the last commit.
    change: i64,
    /// What each article written by this process looked like (a hash), so that the many
    /// change-log entries that do not touch an article's words (its comments) cost no write.
    written: HashMap<ArticleId, u64>,
}

/// Names the documents need that the article rows only hold as ids.
struct Names {
    /// Topic id -> (slug, names and aliases, weak ones included).
    topics: HashMap<TopicId, (String, String)>,
    authors: HashMap<AuthorId, String>,
}

impl Names {
    async fn load(store: &dyn Store) -> Result<Self, SearchError> {
        let topics = store
            .topics()
            .await?
            .into_iter()
            .map(|t| {
                // Weak aliases too: a reader searching "Brugge" means the clubs as well.
                let words = std::iter::once(t.name.as_str())
                    .chain(t.name_fr.as_deref())
                    .chain(t.aliases.iter().map(String::as_str))
                    .chain(t.weak_aliases.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" · ");
                (t.id, (t.slug, words))
            })
            .collect();
        let authors = store
            .authors()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        Ok(Self { topics, authors })
    }
}

/// One article as the index will hold it, or its removal.
enum Write {
    Put(ArticleId, u64, Box<TantivyDocument>),
    Remove(ArticleId),
}

impl Indexer {
    /// Takes the index's write lock: an error when another process (a running node) holds it.
    pub fn new(index: Arc<SearchIndex>, store: Arc<dyn Store>) -> Result<Self, SearchError> {
        let writer = index.index.writer(WRITER_HEAP).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Busy(index.dir().to_path_buf()),
            e => e.into(),
        })?;
        let change = index.position()?;
        Ok(Self {
            index,
            store,
            writer: Arc::new(Mutex::new(writer)),
            change,
            written: HashMap::new(),
        })
    }

    /// Empties the index and fills it with every article from the store; returns how many
    /// it holds. Writes during the rebuild are caught up by the next [`Indexer::catch_up`].
    pub async fn rebuild(&mut self) -> Result<usize, SearchError> {
        // Everything written before this point is in what we read below.
        let change = self.store.last_change().await?;
        let names = Names::load(self.store.as_ref()).await?;
        let writer = self.writer.clone();
        blocking(move || {
            lock(&writer)?.delete_all_documents()?;
            Ok(())
        })
        .await?;
        self.written.clear();
        let mut after = 0;
        let mut count = 0;
        loop {
            let batch = self.store.export_articles(after, REBUILD_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let writes: Vec<Write> = batch.iter().map(|a| self.write_for(a, &names)).collect();
            count += writes
                .iter()
                .filter(|w| matches!(w, Write::Put(..)))
                .count();
            self.apply(writes, false).await?;
        }
        self.commit(change).await?;
        Ok(count)
    }

    /// Rewrites what changed since the last commit (the change log) and the articles named
    /// in `also` (events: a scheduled article's time came), then commits. Returns how many
    /// articles were looked at.
    pub async fn catch_up(&mut self, also: BTreeSet<ArticleId>) -> Result<usize, SearchError> {
        let mut ids = also;
        let mut change = self.change;
        loop {
            let entries = self.store.changes_since(change, LOG_BATCH).await?;
            let full = entries.len() == LOG_BATCH as usize;
            for (seq, id) in entries {
                change = change.max(seq);
                ids.insert(id);
            }
            if !full {
                break;
            }
        }
        if ids.is_empty() && change == self.change {
            self.index.set_caught_up(change);
            return Ok(0);
        }
        let names = Names::load(self.store.as_ref()).await?;
        let mut writes = Vec::new();
        for &id in &ids {
            // The article with the lowest id above id - 1: this one, if it still exists.
            let found = self.store.export_articles(id - 1, 1).await?;
            match found.first().filter(|a| a.id == id) {
                Some(a) => writes.push(self.write_for(a, &names)),
                None => writes.push(Write::Remove(id)),
            }
        }
        // Nothing findable changed (a comment, a vote): no need to write, only to remember
        // how far the log was read, which the next real commit records.
        let unchanged = writes.iter().all(|w| match w {
            Write::Put(id, hash, _) => self.written.get(id) == Some(hash),
            Write::Remove(_) => false,
        });
        if unchanged {
            self.change = change;
            self.index.set_caught_up(change);
            return Ok(ids.len());
        }
        self.apply(writes, true).await?;
        self.commit(change).await?;
        Ok(ids.len())
    }

    fn write_for(&self, a: &ArticleRecord, names: &Names) -> Write {
        if !a.published {
            return Write::Remove(a.id);
        }
        let f = &self.index.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, u64::try_from(a.id).unwrap_or_default());
        doc.add_text(f.title, &a.title);
        doc.add_text(f.lead, &a.lead);
        doc.add_text(f.body, plain_text(&a.body_html));
        for topic in &a.topics {
            if let Some((slug, words)) = names.topics.get(topic) {
                doc.add_text(f.topic, slug);
                doc.add_text(f.topics, words);
            }
        }
        doc.add_text(f.kind, a.kind.as_str());
        doc.add_i64(f.published_at, a.published_at.timestamp_millis());
        doc.add_text(f.slug, &a.slug);
        if let Some(source) = &a.source {
            doc.add_text(f.source, source);
        }
        let author = names.authors.get(&a.author_id).cloned().unwrap_or_default();
        doc.add_text(f.author, &author);
        doc.add_text(f.teaser, &a.teaser);
        let mut h = DefaultHasher::new();
        (
            &a.title,
            &a.lead,
            &a.body_html,
            &a.slug,
            &a.teaser,
            a.kind.as_str(),
            &a.source,
            a.published_at,
            &author,
        )
            .hash(&mut h);
        for topic in &a.topics {
            names.topics.get(topic).hash(&mut h);
        }
        Write::Put(a.id, h.finish(), Box::new(doc))
    }

    async fn apply(&mut self, writes: Vec<Write>, replace: bool) -> Result<(), SearchError> {
        for w in &writes {
            match w {
                Write::Put(id, hash, _) => {
                    self.written.insert(*id, *hash);
                }
                Write::Remove(id) => {
                    self.written.remove(id);
                }
            }
        }
        let writer = self.writer.clone();
        let id_field = self.index.fields.id;
        blocking(move || {
            let writer = lock(&writer)?;
            for w in writes {
                let id = match &w {
                    Write::Put(id, ..) | Write::Remove(id) => *id,
                };
                if replace {
                    writer.delete_term(Term::from_field_u64(
                        id_field,
                        u64::try_from(id).unwrap_or_default(),
                    ));
                }
                if let Write::Put(_, _, doc) = w {
                    writer.add_document(*doc)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn commit(&mut self, change: i64) -> Result<(), SearchError> {
        let writer = self.writer.clone();
        let index = self.index.clone();
        let payload = Payload {
            version: INDEX_VERSION,
            change,
        }
        .encode();
        blocking(move || {
            let mut writer = lock(&writer)?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
            index.reader.reload()?;
            Ok(())
        })
        .await?;
        self.change = change;
        self.index.set_caught_up(change);
        Ok(())
    }

    /// Forgets what was written since the last commit (after a failed rebuild or catch-up,
    /// so a retry does not add the same articles twice).
    async fn roll_back(&mut self) {
        self.written.clear();
        let writer = self.writer.clone();
        let done = blocking(move || {
            lock(&writer)?.rollback()?;
            Ok(())
        })
        .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "search index: rolling back failed");
        }
    }

    /// Brings a freshly opened index up to date: rebuilt when it was found empty or the store
    /// is far ahead (or behind: another database), caught up otherwise.
    pub async fn prepare(&mut self, found: &Found) -> Result<(), SearchError> {
        let last = self.store.last_change().await?;
        let rebuild = match found {
            Found::Empty(_) => true,
            Found::UpTo(change) => last < *change || last - change > REBUILD_PAST,
        };
        if rebuild {
            let started = Instant::now();
            let count = self.rebuild().await?;
            tracing::info!(
                articles = count,
                took_ms = started.elapsed().as_millis() as u64,
                "search index rebuilt"
            );
        }
        self.catch_up(BTreeSet::new()).await?;
        self.index.set_ready();
        Ok(())
    }

    /// Follows the bus for as long as the node runs. Starts by [`Indexer::prepare`]; a store
    /// that does not answer is asked again every second, and nothing is lost meanwhile.
    /// Between events the log is read every [`LOOK_ANYWAY`], so no write waits for the next
    /// event to become findable.
    pub async fn run(mut self, found: Found, mut events: broadcast::Receiver<Event>) {
        let mut failing = false;
        let report = |result: Result<(), SearchError>, failing: &mut bool| match result {
            Ok(()) => {
                if *failing {
                    tracing::info!("search index follows the store again");
                }
                *failing = false;
            }
            Err(e) => {
                if !*failing {
                    tracing::warn!(error = %e, "search index cannot follow the store; retrying every second");
                }
                *failing = true;
            }
        };
        loop {
            let result = self.prepare(&found).await;
            let ok = result.is_ok();
            report(result, &mut failing);
            if ok {
                break;
            }
            self.roll_back().await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let mut pending: BTreeSet<ArticleId> = BTreeSet::new();
        let mut last_commit = Instant::now() - COMMIT_GAP;
        loop {
            // Wait for news, but look at the log at least every second anyway: a write that
            // nobody announced (one made before this node's follower took its first look)
            // is then findable as promptly as any other.
            let first = tokio::time::timeout(LOOK_ANYWAY, events.recv()).await.ok();
            match first {
                Some(Ok(Event::ArticleChanged { id })) => {
                    pending.insert(id);
                }
                // A lagging receiver or a resync: the change log tells what happened.
                Some(Ok(Event::Everything | Event::MatchChanged { .. }))
                | Some(Err(RecvError::Lagged(_)))
                | None => {}
                Some(Err(RecvError::Closed)) => return,
            }
            let wait = COMMIT_GAP.saturating_sub(last_commit.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            loop {
                match events.try_recv() {
                    Ok(Event::ArticleChanged { id }) => {
                        pending.insert(id);
                    }
                    Ok(Event::Everything | Event::MatchChanged { .. })
                    | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
            let result = self.catch_up(pending.clone()).await.map(|_| ());
            if result.is_ok() {
                pending.clear();
                last_commit = Instant::now();
            } else {
                self.roll_back().await;
            }
            report(result, &mut failing);
        }
    }
}

fn lock(
    writer: &Mutex<IndexWriter>,
) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
    writer
        .lock()
        .map_err(|_| SearchError::Internal("the index writer was poisoned by a panic".into()))
}

/// Index work is CPU and disk: off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<T, SearchError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SearchError::Internal(format!("index task: {e}")))?
}
