//! Tribune's search: a tantivy index per node (DATA_DIR/search) over the articles' title,
//! lead, body and topics, read with a Dutch analyzer (stop words out, Snowball stems), and one
//! writer ([`Indexer`]) that follows the event bus and the store's change log.
//!
//! The index holds every published article, scheduled ones included, with its publish time;
//! a search only finds those whose time has come, so a scheduled article becomes findable the
//! moment it is due without waiting for anyone to write.

mod index;
mod indexer;
pub mod text;

use std::path::PathBuf;

pub use index::{
    Found, Hit, MAX_OFFSET, SearchIndex, SearchQuery, SearchResults, SortOrder, analyze,
    dutch_analyzer, start_of_day,
};
pub use indexer::{COMMIT_GAP, Indexer};
use tribune_core::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the search index in {0} is in use by another process (a running node keeps its own index up to date; stop it first)"
    )]
    Busy(PathBuf),
    #[error("reading articles for the search index: {0}")]
    Store(#[from] StoreError),
    #[error("search index: {0}")]
    Internal(String),
}

impl SearchError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(word: &str) -> String {
        analyze(word).join(" ")
    }

    #[test]
    fn dutch_plurals_and_verb_forms_share_a_stem() {
        for (a, b) in [
            ("transfer", "transfers"),
            ("doelpunt", "doelpunten"),
            ("speler", "spelers"),
            ("wedstrijd", "wedstrijden"),
            ("strafschop", "strafschoppen"),
            // Snowball's Dutch stemmer (as tantivy 0.27 ships it) takes the "ge-" off past
            // participles: the infinitive, the past tense and the participle meet.
            ("scoren", "gescoord"),
            ("scoren", "scoorde"),
            ("trainen", "getraind"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} and {b}");
            assert!(!stem(a).is_empty());
        }
    }

    /// What the stemmer does not do, pinned so a change is noticed: the "-t" of the present
    /// tense stays ("scoort" is not "scoren"), and strong verbs that change their vowel
    /// ("winnen", "gewonnen") keep different stems. No rule of our own papers over either:
    /// stripping every final "t" would merge unrelated words ("wint"/"win" but also
    /// "punt"/"pun"), and vowel changes need a dictionary.
    #[test]
    fn what_the_stemmer_leaves_apart() {
        assert_ne!(stem("scoort"), stem("scoren"));
        assert_ne!(stem("gewonnen"), stem("winnen"));
    }

    #[test]
    fn stop_words_go_and_accents_fold() {
        assert_eq!(analyze("de van het een en"), Vec::<String>::new());
        assert_eq!(analyze("De keeper van Antwerp"), ["keeper", "antwerp"]);
        assert_eq!(stem("Fenerbahçe"), stem("fenerbahce"));
        assert_eq!(stem("ORDÓÑEZ"), "ordonez");
    }
}
