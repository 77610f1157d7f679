//! What a store may keep, checked here once so that both databases accept and refuse exactly
//! the same input with the same error. PostgreSQL's text cannot hold NUL and its timestamptz
//! begins in 4714 BC; SQLite could keep both, but a site must be able to move from one to
//! the other (`tribune copy`), so neither keeps them. Each store calls these before it writes.

use chrono::{DateTime, Utc};

use crate::article::{Author, NewArticle};
use crate::copy::{Cell, CopyTable};
use crate::desk::ArticleDraft;
use crate::imported::SiteImport;
use crate::poll::NewPoll;
use crate::store::{ArticleRecord, PhotoRecord};
use crate::topic::{NewTopic, Topic};

/// The earliest instant a store keeps: PostgreSQL's first (4714-11-24 BC, 00:00 UTC).
pub const EARLIEST_MS: i64 = -210_866_803_200_000;

/// The error for text with a NUL character.
pub const NUL_REFUSED: &str = "text contains a NUL character";

/// Whether the text holds a NUL character. Nothing stored holds one, so a lookup by such a
/// key finds nothing.
pub fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

/// Whether a store can keep this instant.
pub fn time_storable(t: DateTime<Utc>) -> bool {
    t.timestamp_millis() >= EARLIEST_MS
}

/// Refuses any text with a NUL character.
pub fn texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
    if texts.into_iter().any(has_nul) {
        return Err(NUL_REFUSED.to_string());
    }
    Ok(())
}

/// An article as written by the newsroom or an import.
pub fn article(a: &NewArticle) -> Result<(), String> {
    let photo = a.photo.as_ref();
    texts(
        [
            a.external_key.as_deref(),
            Some(a.title.as_str()),
            a.source.as_deref(),
            Some(a.author_name.as_str()),
            Some(a.lead.as_str()),
            Some(a.body_markdown.as_str()),
            photo.map(|p| p.path.as_str()),
            photo.map(|p| p.credit.as_str()),
            photo.and_then(|p| p.caption.as_deref()),
        ]
        .into_iter()
        .flatten(),
    )?;
    if !time_storable(a.published_at) {
        return Err("published_at is before 4714 BC".to_string());
    }
    Ok(())
}

/// What an import brings besides its articles (checked one by one as they are saved).
pub fn site_import(site: &SiteImport) -> Result<(), String> {
    let texts = site
        .topics
        .iter()
        .chain(
            site.accounts
                .iter()
                .flat_map(|a| [&a.email, &a.display_name]),
        )
        .chain(
            site.articles
                .iter()
                .flat_map(|a| a.old_paths.iter().chain(&a.topic_names)),
        )
        .chain(
            site.comments
                .iter()
                .flat_map(|c| [&c.key, &c.article_key, &c.body_markdown, &c.body_html]),
        );
    self::texts(texts.map(String::as_str))
}

/// The back office's draft of an article.
pub fn draft(draft: &ArticleDraft) -> Result<(), String> {
    let texts = [
        Some(draft.title.as_str()),
        Some(draft.byline.as_str()),
        draft.source.as_deref(),
        Some(draft.lead.as_str()),
        Some(draft.body_markdown.as_str()),
    ];
    if texts.into_iter().flatten().any(has_nul) {
        return Err(DRAFT_NUL.to_string());
    }
    if draft.publish_at.is_some_and(|t| !time_storable(t)) {
        return Err("De publicatietijd ligt voor 4714 voor Christus.".to_string());
    }
    Ok(())
}

/// The back office's words for text with a NUL character.
pub const DRAFT_NUL: &str = "De tekst bevat een NUL-teken.";

/// A copied article row: refused with the article's id.
pub fn article_record(a: &ArticleRecord) -> Result<(), String> {
    let texts = [
        a.external_key.as_deref(),
        Some(a.slug.as_str()),
        Some(a.title.as_str()),
        a.source.as_deref(),
        Some(a.lead.as_str()),
        Some(a.teaser.as_str()),
        Some(a.body_markdown.as_str()),
        Some(a.body_html.as_str()),
    ];
    if texts.into_iter().flatten().any(has_nul) {
        return Err(format!(
            "article {}: text contains a NUL character, which a store cannot keep",
            a.id
        ));
    }
    if ![a.published_at, a.created_at, a.updated_at]
        .into_iter()
        .all(time_storable)
    {
        return Err(format!(
            "article {}: a time before 4714 BC, which a store cannot keep",
            a.id
        ));
    }
    Ok(())
}

/// Copied authors, topics and photos: refused with the id of the first that cannot be kept.
pub fn people_and_topics(
    authors: &[Author],
    topics: &[Topic],
    photos: &[PhotoRecord],
) -> Result<(), String> {
    let nul = |what: String| {
        Err(format!(
            "{what}: text contains a NUL character, which a store cannot keep"
        ))
    };
    for a in authors {
        if has_nul(&a.name) || has_nul(&a.slug) {
            return nul(format!("author {}", a.id));
        }
    }
    for t in topics {
        if has_nul(&t.name)
            || has_nul(&t.slug)
            || t.name_fr.as_deref().is_some_and(has_nul)
            || t.crest.as_deref().is_some_and(has_nul)
            || t.aliases.iter().chain(&t.weak_aliases).any(|a| has_nul(a))
        {
            return nul(format!("topic {}", t.id));
        }
    }
    for p in photos {
        let photo = &p.photo;
        if has_nul(&photo.path)
            || has_nul(&photo.credit)
            || photo.caption.as_deref().is_some_and(has_nul)
        {
            return nul(format!("photo {}", p.id));
        }
    }
    Ok(())
}

/// A copied row of a community table (`tribune copy`): refused with the row's key.
pub fn copied_row(table: &CopyTable, row: &[Cell]) -> Result<(), String> {
    for cell in row {
        let why = match cell {
            Cell::Text(t) if has_nul(t) => "text contains a NUL character",
            Cell::Time(t) if !time_storable(*t) => "a time before 4714 BC",
            _ => continue,
        };
        return Err(format!(
            "{}: {why}, which a store cannot keep",
            table.describe_row(row)
        ));
    }
    Ok(())
}

/// A topic with its names, aliases and crest.
pub fn topic(t: &NewTopic) -> Result<(), String> {
    texts(
        [
            Some(t.name.as_str()),
            t.name_fr.as_deref(),
            t.crest.as_deref(),
        ]
        .into_iter()
        .flatten()
        .chain(t.aliases.iter().chain(&t.weak_aliases).map(String::as_str)),
    )
}

/// A poll's question and answers.
pub fn poll(p: &NewPoll) -> Result<(), String> {
    if has_nul(&p.question) || p.options.iter().any(|o| has_nul(o)) {
        return Err("De peiling bevat tekens die we niet toelaten.".to_string());
    }
    if p.closes_at.is_some_and(|t| !time_storable(t)) {
        return Err("De peiling sluit voor 4714 voor Christus.".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_earliest_time_is_postgres_first() {
        let earliest = Utc.timestamp_millis_opt(EARLIEST_MS).unwrap();
        assert_eq!(earliest.to_rfc3339(), "-4713-11-24T00:00:00+00:00");
        assert!(time_storable(earliest));
        assert!(!time_storable(
            earliest - chrono::TimeDelta::milliseconds(1)
        ));
    }

    #[test]
    fn text_with_nul_is_refused() {
        assert_eq!(texts(["fine", "also fine"]), Ok(()));
        assert_eq!(texts(["fine", "no\0pe"]), Err(NUL_REFUSED.to_string()));
    }
}
