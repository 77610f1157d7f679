//! The index on disk: what a document holds, the Dutch analyzer, opening (and starting over
//! when the files are unreadable), and answering a search.

use std::ops::Bound;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Brussels;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};
use tantivy::{
    DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};
use tribune_core::ArticleKind;
use tribune_core::article::ArticleId;

use crate::SearchError;
use crate::text::{excerpt, mark};

/// The analyzer's name in the index's tokenizer list.
const DUTCH: &str = "nl";
/// Bumped whenever the schema or the analyzer changes: an index written with another
/// version is rebuilt at start. 2: topics carry their French name and weak aliases.
pub const INDEX_VERSION: u32 = 2;
/// Longest snippet under a result, in characters.
const SNIPPET_CHARS: usize = 220;
/// Titles are short; the whole title is one "snippet".
const TITLE_CHARS: usize = 400;
/// No reader pages past this many results (page × size).
pub const MAX_OFFSET: usize = 10_000;

/// Lower case, accents folded (so "ordonez" finds "Ordóñez"), Dutch stop words out, Snowball
/// Dutch stems. Stop words are taken out before folding and stemming: the list holds the
/// words as written.
pub fn dutch_analyzer() -> TextAnalyzer {
    let stop_words = StopWordFilter::new(Language::Dutch)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()));
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stop_words)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::Dutch))
        .build()
}

/// The words of `text` as the index keeps them.
pub fn analyze(text: &str) -> Vec<String> {
    let mut analyzer = dutch_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while let Some(token) = stream.next() {
        if !words.contains(&token.text) {
            words.push(token.text.clone());
        }
    }
    words
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub lead: Field,
    pub body: Field,
    /// Names and aliases of the article's topics, searched like the text.
    pub topics: Field,
    /// Topic slugs, for the filter.
    pub topic: Field,
    pub kind: Field,
    /// Unix milliseconds.
    pub published_at: Field,
    pub slug: Field,
    pub source: Field,
    pub author: Field,
    pub teaser: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(DUTCH)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", words(true)),
        lead: b.add_text_field("lead", words(true)),
        body: b.add_text_field("body", words(true)),
        topics: b.add_text_field("topics", words(false)),
        topic: b.add_text_field("topic", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        published_at: b.add_i64_field("published_at", FAST | STORED),
        slug: b.add_text_field("slug", STORED),
        source: b.add_text_field("source", STORED),
        author: b.add_text_field("author", STORED),
        teaser: b.add_text_field("teaser", STORED),
    };
    (b.build(), fields)
}

/// What a commit records besides the documents.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Payload {
    pub version: u32,
    /// The store's change log was read up to here: every article write up to this change
    /// number is in the index.
    pub change: i64,
}

impl Payload {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How the index was found when opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// It holds every article write up to this change number: catch up from there.
    UpTo(i64),
    /// Missing, unreadable or of another version (the reason says which): made anew, empty;
    /// it must be rebuilt from the store.
    Empty(String),
}

/// The index of one node (DATA_DIR/search). Many readers at once; the one writer is an
/// [`crate::Indexer`].
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    dir: PathBuf,
    /// False until the first rebuild or catch-up after start is committed.
    ready: std::sync::atomic::AtomicBool,
    /// The change number the writer has read the log up to (what it found there is in the
    /// index, or changed nothing findable).
    caught_up: std::sync::atomic::AtomicI64,
}

impl SearchIndex {
    /// Opens the index in `dir`. When it is missing, unreadable or of another version, the
    /// directory is cleared and an empty index made in its place.
    pub fn open(dir: &Path) -> Result<(Self, Found), SearchError> {
        match Self::open_existing(dir) {
            Ok((index, change)) => Ok((index, Found::UpTo(change))),
            Err(why) => {
                if dir.exists() {
                    tracing::warn!(dir = %dir.display(), reason = %why, "search index unusable: starting a new one");
                    std::fs::remove_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
                }
                std::fs::create_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
                let (schema, fields) = schema();
                let index = Index::create_in_dir(dir, schema)?;
                let made = Self::with(index, fields, dir)?;
                Ok((made, Found::Empty(why)))
            }
        }
    }

    fn open_existing(dir: &Path) -> Result<(Self, i64), String> {
        if !dir.join("meta.json").exists() {
            return Err("no index yet".to_string());
        }
        let index = Index::open_in_dir(dir).map_err(|e| e.to_string())?;
        let metas = index.load_metas().map_err(|e| e.to_string())?;
        let payload: Payload = metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .ok_or("no change number recorded")?;
        if payload.version != INDEX_VERSION {
            return Err(format!(
                "written by index version {}, this is {INDEX_VERSION}",
                payload.version
            ));
        }
        let (expected, fields) = schema();
        if serde_json::to_string(&index.schema()).ok() != serde_json::to_string(&expected).ok() {
            return Err("its fields differ from this version's".to_string());
        }
        let opened = Self::with(index, fields, dir).map_err(|e| e.to_string())?;
        // Reading every segment's stored documents and columns once catches files that were
        // cut short or overwritten (opening the reader already checked the rest).
        opened.check_segments().map_err(|e| e.to_string())?;
        Ok((opened, payload.change))
    }

    fn with(index: Index, fields: Fields, dir: &Path) -> Result<Self, SearchError> {
        index.tokenizers().register(DUTCH, dutch_analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
            ready: std::sync::atomic::AtomicBool::new(false),
            caught_up: std::sync::atomic::AtomicI64::new(0),
        })
    }

    fn check_segments(&self) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            segment.fast_fields().i64("published_at")?;
            if segment.max_doc() > 0 {
                let last = DocAddress::new(ord as u32, segment.max_doc() - 1);
                let _: TantivyDocument = searcher.doc(last)?;
            }
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the index has caught up with the store since this node started.
    pub fn is_ready(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn set_ready(&self) {
        self.ready.store(true, std::sync::atomic::Ordering::Release);
    }

    /// How far the writer has read the store's change log: every article write up to this
    /// change number is findable (or changed nothing findable).
    pub fn caught_up_to(&self) -> i64 {
        self.caught_up.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn set_caught_up(&self, change: i64) {
        self.caught_up
            .store(change, std::sync::atomic::Ordering::Release);
    }

    /// Articles in the index (visible or scheduled), as of the last commit.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The change number of the last commit.
    pub fn position(&self) -> Result<i64, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<Payload>(p).ok())
            .map_or(0, |p| p.change))
    }

    /// Answers a search as of `now`: only articles whose publish time has come are found.
    pub fn search(
        &self,
        q: &SearchQuery,
        now: DateTime<Utc>,
    ) -> Result<SearchResults, SearchError> {
        let f = &self.fields;
        let words = analyze(&q.text);
        let limit = q.limit.clamp(1, 100);
        let offset = q.offset.min(MAX_OFFSET);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &words {
            // A word may stand in the title, the lead, the body or a topic's name; the
            // title counts most.
            let places: Vec<(Occur, Box<dyn Query>)> = [
                (f.title, 3.0),
                (f.topics, 2.0),
                (f.lead, 1.5),
                (f.body, 1.0),
            ]
            .into_iter()
            .map(|(field, boost)| {
                let term = TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                );
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost)) as Box<dyn Query>,
                )
            })
            .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(places))));
        }
        if words.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let filter = |q: Box<dyn Query>| {
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>,
            )
        };
        // Never past now (a scheduled article is not found before its time), and within the
        // chosen days.
        let at = |ms: i64| Term::from_field_i64(f.published_at, ms);
        let now_ms = now.timestamp_millis();
        let upper = match q
            .to
            .and_then(|d| d.succ_opt())
            .map(|d| start_of_day(d).timestamp_millis())
        {
            Some(end) if end <= now_ms => Bound::Excluded(at(end)),
            _ => Bound::Included(at(now_ms)),
        };
        let lower = q.from.map_or(Bound::Unbounded, |d| {
            Bound::Included(at(start_of_day(d).timestamp_millis()))
        });
        clauses.push(filter(Box::new(RangeQuery::new(lower, upper))));
        if let Some(topic) = &q.topic {
            clauses.push(filter(Box::new(TermQuery::new(
                Term::from_field_text(f.topic, topic),
                IndexRecordOption::Basic,
            ))));
        }
        if let Some(kind) = q.kind {
            clauses.push(filter(Box::new(TermQuery::new(
                Term::from_field_text(f.kind, kind.as_str()),
                IndexRecordOption::Basic,
            ))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let pages = TopDocs::with_limit(limit).and_offset(offset);
        let newest_first = q.order == SortOrder::Newest || words.is_empty();
        let (addresses, total): (Vec<DocAddress>, usize) = if newest_first {
            let (top, total) = searcher.search(
                &query,
                &(
                    pages.order_by_fast_field::<i64>("published_at", Order::Desc),
                    Count,
                ),
            )?;
            (top.into_iter().map(|(_, a)| a).collect(), total)
        } else {
            let (top, total) = searcher.search(&query, &(pages.order_by_score(), Count))?;
            (top.into_iter().map(|(_, a)| a).collect(), total)
        };
        let snippets = Snippets::new(&searcher, &query, f)?;
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, &snippets));
        }
        Ok(SearchResults { total, hits, words })
    }

    fn hit(&self, doc: &TantivyDocument, snippets: &Snippets) -> Hit {
        let f = &self.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let title = text(f.title);
        let kind = ArticleKind::parse(&text(f.kind)).unwrap_or(ArticleKind::News);
        // The whole title, with the words found marked wherever they stand.
        let title_html = {
            let s = snippets.title.snippet(&title);
            let start = s.fragment_range().start;
            let hits: Vec<_> = s
                .highlighted()
                .iter()
                .map(|r| r.start + start..r.end + start)
                .collect();
            mark(&title, &hits)
        };
        let teaser = text(f.teaser);
        // Around the words found in the body, else in the lead, else the teaser.
        let snippet_html = [(&snippets.body, f.body), (&snippets.lead, f.lead)]
            .into_iter()
            .find_map(|(g, field)| {
                let whole = text(field);
                let s = g.snippet(&whole);
                let start = s.fragment_range().start;
                let hits: Vec<_> = s
                    .highlighted()
                    .iter()
                    .map(|r| r.start + start..r.end + start)
                    .collect();
                (!s.is_empty()).then(|| excerpt(&whole, &hits, SNIPPET_CHARS))
            })
            .unwrap_or_else(|| excerpt(&teaser, &[], SNIPPET_CHARS));
        let published_ms = doc
            .get_first(f.published_at)
            .and_then(|v| v.as_i64())
            .unwrap_or_default();
        Hit {
            id: doc
                .get_first(f.id)
                .and_then(|v| v.as_u64())
                .and_then(|id| ArticleId::try_from(id).ok())
                .unwrap_or_default(),
            slug: text(f.slug),
            title,
            title_html,
            kind,
            source: Some(text(f.source)).filter(|s| !s.is_empty()),
            author: text(f.author),
            published_at: Utc
                .timestamp_millis_opt(published_ms)
                .single()
                .unwrap_or_default(),
            teaser,
            snippet_html,
        }
    }
}

/// Midnight in Brussels at the start of `day`, in UTC.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Brussels
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(
            || Utc.from_utc_datetime(&midnight),
            |t| t.with_timezone(&Utc),
        )
}

/// Snippet makers for one query, one per field that shows hits.
struct Snippets {
    title: SnippetGenerator,
    lead: SnippetGenerator,
    body: SnippetGenerator,
}

impl Snippets {
    fn new(searcher: &Searcher, query: &dyn Query, f: &Fields) -> Result<Self, SearchError> {
        let make = |field: Field, chars: usize| -> Result<SnippetGenerator, SearchError> {
            let mut g = SnippetGenerator::create(searcher, query, field)?;
            g.set_max_num_chars(chars);
            Ok(g)
        };
        Ok(Self {
            title: make(f.title, TITLE_CHARS)?,
            lead: make(f.lead, SNIPPET_CHARS)?,
            body: make(f.body, SNIPPET_CHARS)?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best match first.
    #[default]
    Relevance,
    Newest,
}

/// What a reader asks.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The words as typed; stop words and word endings are handled by the analyzer.
    pub text: String,
    /// A topic slug.
    pub topic: Option<String>,
    pub kind: Option<ArticleKind>,
    /// Published on or after this Brussels day.
    pub from: Option<NaiveDate>,
    /// Published on or before this Brussels day.
    pub to: Option<NaiveDate>,
    pub order: SortOrder,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    /// The title, escaped, with the words found in `<mark>`.
    pub title_html: String,
    pub kind: ArticleKind,
    pub source: Option<String>,
    pub author: String,
    pub published_at: DateTime<Utc>,
    pub teaser: String,
    /// A piece of the body (or the lead) around the words found, escaped, with them in
    /// `<mark>`; the teaser when the words stand only in the title or a topic.
    pub snippet_html: String,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Matching articles in all.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// The words searched for, as the analyzer left them (none: every word was a stop word,
    /// or only filters were given).
    pub words: Vec<String>,
}
