//! A whole site handed in at once by an importer (a WordPress export): the store writes it in
//! one transaction, so a file imports whole or not at all, and writing it again updates what
//! the first import made instead of adding copies.

use chrono::{DateTime, Utc};

use crate::account::Role;
use crate::article::{ArticleId, NewArticle};

#[derive(Debug, Clone, Default)]
pub struct SiteImport {
    /// Topic names. One found by name or alias (or whose address it would take) is used as it
    /// is; the others are made as themes.
    pub topics: Vec<String>,
    /// Made without a password when the address is new (the owner sets one through
    /// "wachtwoord vergeten"); an existing account is left as it is.
    pub accounts: Vec<ImportedAccount>,
    pub articles: Vec<ImportedArticle>,
    /// Parents before their replies.
    pub comments: Vec<ImportedComment>,
}

#[derive(Debug, Clone)]
pub struct ImportedAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct ImportedArticle {
    /// Needs an external key; its `topics` are ignored in favour of `topic_names`.
    pub article: NewArticle,
    pub topic_names: Vec<String>,
    /// `false` keeps it off the site (a draft); a published article with a future time is
    /// scheduled.
    pub published: bool,
    /// Addresses the article had at its origin ("/2025/11/22/club-wint/", "/?p=12"): they
    /// answer 301 to the article.
    pub old_paths: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ImportedComment {
    /// Stable identity at the origin; importing again updates the comment.
    pub key: String,
    pub article_key: String,
    /// The key of the comment this one answers; a reply to a reply joins the thread of its
    /// top-level comment, as every reply does.
    pub reply_to_key: Option<String>,
    /// One of the accounts of the import (or one that exists).
    pub author_email: String,
    pub body_markdown: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub topics_created: usize,
    pub accounts_created: usize,
    pub articles_created: usize,
    pub articles_updated: usize,
    pub comments_created: usize,
    pub comments_updated: usize,
    pub old_paths: usize,
    /// (external key, id) of every article written.
    pub articles: Vec<(String, ArticleId)>,
}

/// An old address as it is kept and looked up: without a trailing slash (but "/" itself),
/// query kept, fragment dropped.
pub fn normalize_old_path(path: &str) -> String {
    let path = path.split('#').next().unwrap_or_default();
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut p = p.trim_end_matches('/').to_string();
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    match q {
        Some(q) if !q.is_empty() => format!("{p}?{q}"),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_old_path;

    #[test]
    fn old_paths_lose_trailing_slashes_and_fragments() {
        assert_eq!(
            normalize_old_path("/2025/11/22/club-wint/"),
            "/2025/11/22/club-wint"
        );
        assert_eq!(normalize_old_path("/?p=12"), "/?p=12");
        assert_eq!(normalize_old_path("/"), "/");
        assert_eq!(normalize_old_path("/a/#reacties"), "/a");
    }
}
