//! Topics: competitions, clubs, people, national teams and themes, each with its page.

use serde::{Deserialize, Serialize};

pub type TopicId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicKind {
    Competition,
    Club,
    Person,
    NationalTeam,
    /// A running subject that is none of the above, such as "Transfers".
    Theme,
}

impl TopicKind {
    pub const ALL: [TopicKind; 5] = [
        Self::Competition,
        Self::Club,
        Self::Person,
        Self::NationalTeam,
        Self::Theme,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Competition => "competition",
            Self::Club => "club",
            Self::Person => "person",
            Self::NationalTeam => "national_team",
            Self::Theme => "theme",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Competition => "Competitie",
            Self::Club => "Club",
            Self::Person => "Persoon",
            Self::NationalTeam => "Nationale ploeg",
            Self::Theme => "Thema",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    pub id: TopicId,
    pub slug: String,
    pub name: String,
    pub kind: TopicKind,
    pub aliases: Vec<String>,
}

/// A topic as an article links to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicRef {
    pub id: TopicId,
    pub slug: String,
    pub name: String,
    pub kind: TopicKind,
}

impl TopicRef {
    pub fn path(&self) -> String {
        topic_path(&self.slug)
    }
}

pub fn topic_path(slug: &str) -> String {
    format!("/onderwerp/{slug}")
}

#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub kind: TopicKind,
    pub aliases: Vec<String>,
}

/// How names and aliases are compared: case and diacritics folded, spaces squeezed.
pub fn fold_name(name: &str) -> String {
    deunicode::deunicode(name)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_case_diacritics_and_spaces() {
        assert_eq!(fold_name("  Standard  Luik "), "standard luik");
        assert_eq!(fold_name("Mateo Ordóñez"), "mateo ordonez");
        assert_eq!(fold_name("PAARS-WIT"), "paars-wit");
    }
}
