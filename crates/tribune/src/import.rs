//! `tribune import articles FILE.jsonl`: one article per line. A broken line is reported with
//! its number and leaves nothing behind; the other lines import. Importing the same file again
//! updates the same articles instead of adding copies.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tribune_core::store::StoreError;
use tribune_core::{ArticleKind, NewArticle, Photo, Store, slugify};

use crate::media;

/// Longest line read; longer ones are refused without reading them whole into memory twice.
pub const MAX_LINE: usize = 2 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    /// Stable identity of the article at its origin; defaults to title + publish time.
    key: Option<String>,
    title: String,
    kind: String,
    source: Option<String>,
    author: String,
    published_at: String,
    lead: String,
    body: String,
    photo: Option<LinePhoto>,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    related: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinePhoto {
    path: String,
    credit: String,
    caption: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    /// (line number, what is wrong with it)
    pub failed: Vec<(usize, String)>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (line, why) in &self.failed {
            writeln!(f, "line {line}: {why}")?;
        }
        write!(
            f,
            "{} new, {} updated, {} refused",
            self.created,
            self.updated,
            self.failed.len()
        )
    }
}

/// Imports `file` into `store`; photos are copied into `media_dir`.
pub async fn articles(
    store: &dyn Store,
    file: &Path,
    media_dir: &Path,
    now: DateTime<Utc>,
) -> Result<Report, String> {
    let handle =
        std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut reader = std::io::BufReader::new(handle);
    let mut report = Report::default();
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        if read == 0 {
            break;
        }
        number += 1;
        if buf.len() > MAX_LINE {
            report
                .failed
                .push((number, format!("line is longer than {MAX_LINE} bytes")));
            // Skip the rest of this overlong line.
            let mut rest = Vec::new();
            reader
                .read_until(b'\n', &mut rest)
                .map_err(|e| e.to_string())?;
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            report
                .failed
                .push((number, "line is not valid UTF-8".to_string()));
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match import_line(store, text, &base, media_dir, now).await {
            Ok(true) => report.created += 1,
            Ok(false) => report.updated += 1,
            Err(why) => report.failed.push((number, why)),
        }
    }
    Ok(report)
}

/// One line; `Ok(true)` when it created a new article.
async fn import_line(
    store: &dyn Store,
    text: &str,
    base: &Path,
    media_dir: &Path,
    now: DateTime<Utc>,
) -> Result<bool, String> {
    let line: Line =
        serde_json::from_str(text).map_err(|e| format!("not a valid article object: {e}"))?;
    let kind = ArticleKind::parse(&line.kind).ok_or_else(|| {
        format!(
            "kind \"{}\" is not one of news, rumour, interview, opinion, match_report",
            line.kind
        )
    })?;
    let published_at = DateTime::parse_from_rfc3339(&line.published_at)
        .map_err(|e| {
            format!(
                "published_at \"{}\" is not an RFC 3339 time: {e}",
                line.published_at
            )
        })?
        .with_timezone(&Utc);
    let mut topics = Vec::new();
    for name in &line.topics {
        match store.find_topic(name).await.map_err(|e| e.to_string())? {
            Some(t) => topics.push(t.id),
            None => {
                return Err(format!(
                    "unknown topic \"{name}\" (not a topic name or alias)"
                ));
            }
        }
    }
    let key = line.key.clone().unwrap_or_else(|| {
        format!(
            "jsonl:{}:{}",
            slugify(&line.title),
            published_at.timestamp_millis()
        )
    });
    let mut article = NewArticle {
        external_key: Some(key),
        title: line.title,
        kind,
        source: line.source,
        author_name: line.author,
        published_at,
        lead: line.lead,
        body_markdown: line.body,
        photo: None,
        topics,
        related: line.related,
    };
    // Check the article before touching the media directory.
    article.check()?;
    let mut new_file: Option<PathBuf> = None;
    if let Some(p) = line.photo {
        let path = base.join(&p.path);
        let bytes = std::fs::read(&path).map_err(|e| format!("photo {}: {e}", path.display()))?;
        let stored =
            media::store(media_dir, &bytes).map_err(|e| format!("photo {}: {e}", p.path))?;
        if stored.created {
            new_file = Some(media_dir.join(&stored.name));
        }
        article.photo = Some(Photo {
            path: stored.name,
            credit: p.credit,
            caption: p.caption,
            width: stored.width,
            height: stored.height,
        });
    }
    match store.save_article(&article, now).await {
        Ok(outcome) => Ok(outcome.created),
        Err(e) => {
            // Nothing of a refused line stays behind, its photo included.
            if let Some(f) = new_file {
                let _ = std::fs::remove_file(f);
            }
            Err(match e {
                StoreError::Invalid(m) => m,
                other => format!("could not store: {other}"),
            })
        }
    }
}
