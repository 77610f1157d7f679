//! `tribune import wxr FILE`: a WordPress export (WXR 1.0 to 1.2). The whole file is read,
//! checked and converted first; then everything is written in one transaction, so a broken
//! file imports nothing. Importing the same file again updates what the first run made (keys
//! are the old site's address with the post or comment id).
//!
//! What becomes what: posts are articles (publish stays published, future is scheduled,
//! draft/pending/private are kept off the site); categories and tags are topics (existing
//! ones found by name or alias); authors are accounts without a password (role journalist;
//! "wachtwoord vergeten" lets them in) and the byline is their display name; approved
//! comments are comments with their threads (a reply to a reply keeps whom it answers, in a
//! thread under its top-level comment, as Tribune's threads are laid out); commenters are
//! reader accounts without a password (without an address: one under `.invalid`). The old
//! permalink and `/?p=ID` answer 301 to the article. Pages are skipped (Tribune has
//! articles only); attachments are only the lead photo (`_thumbnail_id`), and only fetched
//! with `--fetch-media`. Bodies are converted to Markdown (see `html.rs`).

pub mod fetch;
pub mod html;
pub mod parse;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use tribune_core::account::Role;
use tribune_core::article::{BODY_MAX, LEAD_MAX, TITLE_MAX};
use tribune_core::comment::{MAX_COMMENT_CHARS, render as render_comment};
use tribune_core::imported::{
    ImportOutcome, ImportedAccount, ImportedArticle, ImportedComment, SiteImport,
};
use tribune_core::{ArticleKind, NewArticle, Photo, Store, slugify};

use crate::media;
use parse::{Export, Item};

#[derive(Debug, Clone)]
pub struct Options {
    /// Fetch lead photos from the old site (public addresses only).
    pub fetch_media: bool,
    pub media_dir: PathBuf,
}

/// How far the import is, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// What an import did and left out, and why.
#[derive(Debug, Default)]
pub struct Report {
    pub outcome: ImportOutcome,
    pub drafts: usize,
    pub scheduled: usize,
    /// (what, why) for each item not imported.
    pub skipped: Vec<(String, String)>,
    /// Comments left out, counted by reason.
    pub comments_skipped: BTreeMap<String, usize>,
    pub photos: usize,
    pub photos_not_fetched: usize,
    pub photo_failures: Vec<(String, String)>,
    pub authors_without_address: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.outcome;
        writeln!(
            f,
            "articles: {} new, {} updated ({} kept as drafts, {} scheduled)",
            o.articles_created, o.articles_updated, self.drafts, self.scheduled
        )?;
        writeln!(
            f,
            "comments: {} new, {} updated",
            o.comments_created, o.comments_updated
        )?;
        writeln!(
            f,
            "topics: {} new; accounts: {} new (no password: \"wachtwoord vergeten\" sets one); old addresses: {}",
            o.topics_created, o.accounts_created, o.old_paths
        )?;
        writeln!(f, "lead photos: {} stored", self.photos)?;
        if self.photos_not_fetched > 0 {
            writeln!(
                f,
                "lead photos not fetched: {} (run again with --fetch-media to fetch them)",
                self.photos_not_fetched
            )?;
        }
        for (what, why) in &self.photo_failures {
            writeln!(f, "photo not stored: {what}: {why}")?;
        }
        for name in &self.authors_without_address {
            writeln!(
                f,
                "author {name} has no e-mail address: a byline only, no account"
            )?;
        }
        for (what, why) in &self.skipped {
            writeln!(f, "skipped {what}: {why}")?;
        }
        for (why, n) in &self.comments_skipped {
            writeln!(f, "comments skipped: {n} {why}")?;
        }
        write!(
            f,
            "{} items skipped, {} comments skipped",
            self.skipped.len(),
            self.comments_skipped.values().sum::<usize>()
        )
    }
}

/// Reads, checks and writes one export.
pub async fn import(
    store: &dyn Store,
    file: &Path,
    options: &Options,
    now: DateTime<Utc>,
    mut progress: impl FnMut(Progress),
) -> Result<Report, String> {
    let size = std::fs::metadata(file)
        .map_err(|e| format!("cannot open {}: {e}", file.display()))?
        .len();
    if size > parse::MAX_FILE {
        return Err(format!(
            "{} is larger than {} MiB; split the export",
            file.display(),
            parse::MAX_FILE / 1024 / 1024
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let text = parse::decode(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    let export = parse::export(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let fetcher = if options.fetch_media {
        Some(fetch::Fetcher::new()?)
    } else {
        None
    };
    let (site, mut report) = convert(&export, now, fetcher.as_ref(), options, &mut progress).await;
    report.outcome = store
        .import_site(&site, now)
        .await
        .map_err(|e| format!("nothing was imported: {}", crate::chain(&e)))?;
    Ok(report)
}

/// The byline of an item: its author's display name, else the login.
fn byline(export: &Export, login: &str) -> String {
    export
        .authors
        .iter()
        .find(|a| a.login == login)
        .map(|a| html::plain_text(&a.display_name))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| html::plain_text(login))
}

/// "2025-11-22 15:30:00" in UTC, or else the site's local time (taken as Brussels).
fn when(gmt: &str, local: &str) -> Option<DateTime<Utc>> {
    let parse = |s: &str| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok();
    if let Some(t) = parse(gmt).filter(|t| t.and_utc().timestamp() > 0) {
        return Some(t.and_utc());
    }
    parse(local)
        .and_then(|t| {
            chrono_tz::Europe::Brussels
                .from_local_datetime(&t)
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| t.timestamp() > 0)
}

/// Cuts at a word boundary so the result has at most `max` characters with " ...".
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 5 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push_str(" ...");
    out
}

fn path_of(link: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    (!path.trim_end_matches('/').is_empty()).then_some(path)
}

fn host_of(site_url: &str) -> String {
    url::Url::parse(site_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "wordpress".to_string())
}

/// WordPress's own "no category".
fn is_uncategorized(name: &str) -> bool {
    matches!(
        slugify(name).as_str(),
        "uncategorized" | "geen-categorie" | "non-classe" | "ohne-kategorie"
    )
}

async fn convert(
    export: &Export,
    now: DateTime<Utc>,
    fetcher: Option<&fetch::Fetcher>,
    options: &Options,
    progress: &mut impl FnMut(Progress),
) -> (SiteImport, Report) {
    let mut site = SiteImport::default();
    let mut report = Report::default();
    let host = host_of(&export.site_url);
    let key_of = |id: i64| format!("wxr:{}:{id}", export.site_url);

    for a in &export.authors {
        let name = byline(export, &a.login);
        if a.email.contains('@') {
            site.accounts.push(ImportedAccount {
                email: a.email.trim().to_lowercase(),
                display_name: name,
                role: Role::Journalist,
            });
        } else {
            report.authors_without_address.push(name);
        }
    }

    let attachments: HashMap<i64, &Item> = export
        .items
        .iter()
        .filter(|i| i.post_type == "attachment")
        .map(|i| (i.post_id, i))
        .collect();
    let mut topics = HashSet::new();
    let total = export.items.len();
    for (n, item) in export.items.iter().enumerate() {
        progress(Progress { done: n, total });
        let what = format!(
            "{} {} \"{}\"",
            item.post_type,
            item.post_id,
            html::plain_text(&item.title)
        );
        match item.post_type.as_str() {
            "post" => {}
            "attachment" => continue,
            "page" => {
                report
                    .skipped
                    .push((what, "a page: Tribune has articles only".into()));
                continue;
            }
            other => {
                report
                    .skipped
                    .push((what, format!("post type {other} has no place in Tribune")));
                continue;
            }
        }
        let published = match item.status.as_str() {
            "publish" | "future" => true,
            "draft" | "pending" | "private" => false,
            "auto-draft" => {
                report
                    .skipped
                    .push((what, "an automatic draft WordPress made".into()));
                continue;
            }
            "trash" => {
                report.skipped.push((what, "in the trash".into()));
                continue;
            }
            other => {
                report
                    .skipped
                    .push((what, format!("unknown status {other:?}")));
                continue;
            }
        };
        let title = html::plain_text(&item.title);
        if title.is_empty() {
            report.skipped.push((what, "no title".into()));
            continue;
        }
        if title.chars().count() > TITLE_MAX {
            report
                .skipped
                .push((what, format!("title longer than {TITLE_MAX} characters")));
            continue;
        }
        let published_at = match when(&item.post_date_gmt, &item.post_date).or_else(|| {
            DateTime::parse_from_rfc2822(item.pub_date.trim())
                .ok()
                .map(|t| t.with_timezone(&Utc))
        }) {
            Some(t) => t,
            None if !published => now,
            None => {
                report.skipped.push((what, "no publication date".into()));
                continue;
            }
        };
        let mut blocks = html::to_blocks(&item.content);
        let mut lead = html::plain_text(&item.excerpt);
        if lead.is_empty()
            && let Some(first) = blocks.first().filter(|b| b.paragraph)
        {
            lead = first.plain.clone();
            if lead.chars().count() <= LEAD_MAX {
                blocks.remove(0);
            }
        }
        if lead.is_empty() {
            // A post that opens with a quote, intertitle or list still has text: its first
            // text becomes the lead, and the block stays in the body where it belongs.
            if let Some(first) = blocks.iter().find(|b| !b.plain.is_empty()) {
                lead = first.plain.clone();
            }
        }
        if lead.is_empty() {
            report.skipped.push((what, "no text".into()));
            continue;
        }
        let lead = cut(&lead, LEAD_MAX);
        let body = html::join(&blocks);
        if body.len() > BODY_MAX {
            report
                .skipped
                .push((what, format!("body longer than {BODY_MAX} bytes")));
            continue;
        }
        let topic_names: Vec<String> = item
            .terms
            .iter()
            .filter(|(domain, _)| domain == "category" || domain == "post_tag")
            .map(|(_, name)| html::plain_text(name))
            .filter(|n| !n.is_empty() && !is_uncategorized(n))
            .collect();
        let mut photo = None;
        let thumbnail = item
            .meta
            .iter()
            .find(|(k, _)| k == "_thumbnail_id")
            .and_then(|(_, v)| v.trim().parse::<i64>().ok())
            .and_then(|id| attachments.get(&id));
        if let Some(att) = thumbnail {
            match fetcher {
                None => report.photos_not_fetched += 1,
                Some(fetcher) => match lead_photo(fetcher, att, export, options).await {
                    Ok(p) => {
                        report.photos += 1;
                        photo = Some(p);
                    }
                    Err(why) => report.photo_failures.push((what.clone(), why)),
                },
            }
        }
        let article = NewArticle {
            external_key: Some(key_of(item.post_id)),
            title,
            kind: ArticleKind::News,
            source: None,
            author_name: byline(export, &item.creator),
            published_at,
            lead,
            body_markdown: body,
            photo,
            topics: vec![],
            related: vec![],
        };
        if let Err(why) = article.check() {
            report.skipped.push((what, why));
            continue;
        }
        if !published {
            report.drafts += 1;
        } else if published_at > now {
            report.scheduled += 1;
        }
        let mut old_paths: Vec<String> = [&item.link, &item.guid]
            .into_iter()
            .filter_map(|l| path_of(l))
            .collect();
        old_paths.push(format!("/?p={}", item.post_id));
        old_paths.sort();
        old_paths.dedup();
        for t in &topic_names {
            if topics.insert(tribune_core::topic::fold_name(t)) {
                site.topics.push(t.clone());
            }
        }
        comments(
            export,
            item,
            &host,
            &key_of,
            published_at,
            &mut site,
            &mut report,
        );
        site.articles.push(ImportedArticle {
            article,
            topic_names,
            published,
            old_paths,
        });
    }
    progress(Progress { done: total, total });
    (site, report)
}

async fn lead_photo(
    fetcher: &fetch::Fetcher,
    att: &Item,
    export: &Export,
    options: &Options,
) -> Result<Photo, String> {
    let bytes = fetcher.fetch(&att.attachment_url).await?;
    let stored = media::store(&options.media_dir, &bytes)?;
    let caption = html::plain_text(&att.excerpt);
    let credit = match html::plain_text(&export.site_title) {
        t if t.is_empty() => "archief".to_string(),
        t => t,
    };
    Ok(Photo {
        path: stored.name,
        credit,
        caption: (!caption.is_empty()).then_some(caption),
        width: stored.width,
        height: stored.height,
    })
}

/// The approved comments of a post, parents before replies; a reply whose parent is left
/// out answers the nearest ancestor that is kept (or becomes top-level).
fn comments(
    export: &Export,
    item: &Item,
    host: &str,
    key_of: &impl Fn(i64) -> String,
    article_time: DateTime<Utc>,
    site: &mut SiteImport,
    report: &mut Report,
) {
    let _ = export;
    let by_id: HashMap<i64, &parse::WpComment> = item.comments.iter().map(|c| (c.id, c)).collect();
    let mut kept: HashMap<i64, (String, Option<i64>)> = HashMap::new();
    for c in &item.comments {
        let why = match (c.approved.as_str(), c.kind.as_str()) {
            (_, "pingback" | "trackback") => Some("pingbacks and trackbacks"),
            ("1", _) => None,
            ("0", _) => Some("waiting for approval"),
            ("spam", _) => Some("spam"),
            ("trash", _) => Some("in the trash"),
            _ => Some("with an unknown approval state"),
        };
        if let Some(why) = why {
            *report.comments_skipped.entry(why.to_string()).or_default() += 1;
            continue;
        }
        let blocks = html::to_blocks(&c.content);
        let markdown = html::join(&blocks);
        if markdown.trim().is_empty() {
            *report.comments_skipped.entry("empty".into()).or_default() += 1;
            continue;
        }
        let markdown = if markdown.chars().count() > MAX_COMMENT_CHARS {
            cut(&markdown, MAX_COMMENT_CHARS)
        } else {
            markdown
        };
        let name = match html::plain_text(&c.author) {
            n if n.is_empty() => "Anonieme lezer".to_string(),
            n => n,
        };
        let email = if c.author_email.contains('@') {
            c.author_email.trim().to_lowercase()
        } else {
            format!("wxr-{}@{}.invalid", slugify(&name), slugify(host))
        };
        if !site.accounts.iter().any(|a| a.email == email) {
            site.accounts.push(ImportedAccount {
                email: email.clone(),
                display_name: name,
                role: Role::Reader,
            });
        }
        kept.insert(c.id, (email, None));
        let created_at = when(&c.date_gmt, &c.date).unwrap_or(article_time);
        site.comments.push(ImportedComment {
            key: format!("{}:comment:{}", key_of(item.post_id), c.id),
            article_key: key_of(item.post_id),
            reply_to_key: None,
            author_email: kept.get(&c.id).map(|k| k.0.clone()).unwrap_or_default(),
            body_html: render_comment(&markdown),
            body_markdown: markdown,
            created_at,
        });
    }
    // Whom each kept comment answers: the nearest kept ancestor (cycles end the walk).
    let start = site.comments.len() - kept.len();
    let depth_of = |id: i64| -> (Option<i64>, usize) {
        let mut parent = by_id.get(&id).map(|c| c.parent).unwrap_or(0);
        let mut seen = HashSet::from([id]);
        let mut answers = None;
        while parent > 0 && seen.insert(parent) {
            if answers.is_none() && kept.contains_key(&parent) {
                answers = Some(parent);
            }
            parent = by_id.get(&parent).map(|c| c.parent).unwrap_or(0);
        }
        (answers, seen.len())
    };
    let mut mine: Vec<(usize, i64, ImportedComment)> = site
        .comments
        .drain(start..)
        .map(|mut c| {
            let id: i64 = c
                .key
                .rsplit(':')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let (answers, depth) = depth_of(id);
            c.reply_to_key = answers.map(|p| format!("{}:comment:{p}", key_of(item.post_id)));
            (depth, id, c)
        })
        .collect();
    // Shallower first: every parent comes before its replies.
    mine.sort_by_key(|(depth, id, _)| (*depth, *id));
    site.comments.extend(mine.into_iter().map(|(_, _, c)| c));
}
