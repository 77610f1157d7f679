//! Articles as readers see them, and as an editor or importer hands them in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::topic::TopicRef;

pub type ArticleId = i64;
pub type AuthorId = i64;

/// What kind of piece an article is; it decides the marker beside the headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleKind {
    News,
    Rumour,
    Interview,
    Opinion,
    MatchReport,
}

impl ArticleKind {
    pub const ALL: [ArticleKind; 5] = [
        Self::News,
        Self::Rumour,
        Self::Interview,
        Self::Opinion,
        Self::MatchReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::News => "news",
            Self::Rumour => "rumour",
            Self::Interview => "interview",
            Self::Opinion => "opinion",
            Self::MatchReport => "match_report",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Dutch marker shown with the headline; plain news carries none.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Self::News => None,
            Self::Rumour => Some("Gerucht"),
            Self::Interview => Some("Interview"),
            Self::Opinion => Some("Opinie"),
            Self::MatchReport => Some("Verslag"),
        }
    }
}

/// The headline as readers see it: a rumour is quoted in single quotes.
pub fn display_title(kind: ArticleKind, title: &str) -> String {
    match kind {
        ArticleKind::Rumour => format!("'{title}'"),
        _ => title.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    pub id: AuthorId,
    pub name: String,
    pub slug: String,
}

/// A byline as it is stored and shown: every run of white space and control characters
/// becomes one space, ends trimmed. Two bylines equal after this are one author; bylines
/// that differ (even only in case or accents) are different authors, and when they slugify
/// alike the later one gets its own address (`jan-de-smet-2`).
pub fn normalize_byline(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars() {
        if c.is_whitespace() || c.is_control() {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// File name under the media directory.
    pub path: String,
    pub credit: String,
    pub caption: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// A whole published article, with what its page links to.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub kind: ArticleKind,
    /// The medium a rumour comes from.
    pub source: Option<String>,
    pub author: Author,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lead: String,
    pub body_markdown: String,
    /// Rendered and cleaned when the article was saved.
    pub body_html: String,
    pub photo: Option<Photo>,
    pub comment_count: i64,
    pub topics: Vec<TopicRef>,
    pub related: Vec<ArticleSummary>,
}

impl Article {
    pub fn path(&self) -> String {
        article_path(self.id, &self.slug)
    }
    pub fn display_title(&self) -> String {
        display_title(self.kind, &self.title)
    }
}

/// What a list shows of an article: "Meest recent", the ticker, topic pages, related links.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub kind: ArticleKind,
    pub source: Option<String>,
    pub author_name: String,
    pub published_at: DateTime<Utc>,
    pub teaser: String,
    pub comment_count: i64,
}

impl ArticleSummary {
    pub fn path(&self) -> String {
        article_path(self.id, &self.slug)
    }
    pub fn display_title(&self) -> String {
        display_title(self.kind, &self.title)
    }
}

pub fn article_path(id: ArticleId, slug: &str) -> String {
    format!("/nieuws/{id}-{slug}")
}

/// An article as handed in by an editor, an import or the demo. Validated by [`NewArticle::check`].
#[derive(Debug, Clone)]
pub struct NewArticle {
    /// Stable identity from outside (an import line's key); saving again with the same key
    /// updates the article instead of adding a second one.
    pub external_key: Option<String>,
    pub title: String,
    pub kind: ArticleKind,
    pub source: Option<String>,
    pub author_name: String,
    pub published_at: DateTime<Utc>,
    pub lead: String,
    pub body_markdown: String,
    pub photo: Option<Photo>,
    /// Topic ids, already resolved from names or aliases.
    pub topics: Vec<crate::topic::TopicId>,
    pub related: Vec<ArticleId>,
}

pub const TITLE_MAX: usize = 200;
pub const LEAD_MAX: usize = 1_000;
pub const BODY_MAX: usize = 100_000;

impl NewArticle {
    /// The newsroom's rules for a publishable article; the message says what to fix.
    pub fn check(&self) -> Result<(), String> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err("title is empty".into());
        }
        if title.chars().count() > TITLE_MAX {
            return Err(format!("title is longer than {TITLE_MAX} characters"));
        }
        if normalize_byline(&self.author_name).is_empty() {
            return Err("author is empty".into());
        }
        if self.lead.trim().is_empty() {
            return Err("lead is empty".into());
        }
        if self.lead.chars().count() > LEAD_MAX {
            return Err(format!("lead is longer than {LEAD_MAX} characters"));
        }
        if self.body_markdown.len() > BODY_MAX {
            return Err(format!("body is longer than {BODY_MAX} bytes"));
        }
        match (self.kind, self.source.as_deref().map(str::trim)) {
            (ArticleKind::Rumour, None | Some("")) => {
                return Err("a rumour needs its source medium (source)".into());
            }
            (k, Some(s)) if k != ArticleKind::Rumour && !s.is_empty() => {
                return Err("only a rumour carries a source medium".into());
            }
            _ => {}
        }
        if let Some(photo) = &self.photo
            && photo.credit.trim().is_empty()
        {
            return Err("a photo needs a credit".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_fold_white_space_and_control_characters_only() {
        assert_eq!(
            normalize_byline(" <svg\u{c}onload=alert(1)>\t"),
            "<svg onload=alert(1)>"
        );
        assert_eq!(normalize_byline("Jan \n\u{1} De  Smet"), "Jan De Smet");
        assert_ne!(
            normalize_byline("Jan De Smet"),
            normalize_byline("Jan de Smet")
        );
        assert_eq!(normalize_byline(" \u{7} "), "");
    }

    fn article() -> NewArticle {
        NewArticle {
            external_key: None,
            title: "Club wint".into(),
            kind: ArticleKind::News,
            source: None,
            author_name: "Sofie Vermeulen".into(),
            published_at: Utc::now(),
            lead: "Lead".into(),
            body_markdown: String::new(),
            photo: None,
            topics: vec![],
            related: vec![],
        }
    }

    #[test]
    fn rumour_needs_a_source_and_news_has_none() {
        let mut a = article();
        a.kind = ArticleKind::Rumour;
        assert!(a.check().unwrap_err().contains("source"));
        a.source = Some("Sporza".into());
        assert!(a.check().is_ok());
        a.kind = ArticleKind::News;
        assert!(a.check().is_err());
    }

    #[test]
    fn rumour_headline_is_quoted() {
        assert_eq!(
            display_title(ArticleKind::Rumour, "Kerk naar Antwerp"),
            "'Kerk naar Antwerp'"
        );
        assert_eq!(
            display_title(ArticleKind::News, "Kerk naar Antwerp"),
            "Kerk naar Antwerp"
        );
    }
}
