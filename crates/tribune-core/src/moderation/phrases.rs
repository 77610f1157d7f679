//! Phrase rules: threats, wishes of harm, dehumanising comparisons, exclusion, sexual
//! harassment and doxxing, per language.

use super::Category;

/// A phrase rule that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    pub category: Category,
}

/// The phrase rules that fire on `text`.
pub fn scan(_text: &str) -> Vec<Hit> {
    Vec::new()
}
