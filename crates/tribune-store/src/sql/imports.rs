//! An imported site (a WordPress export) written in one transaction, and the old addresses
//! its articles answer to.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use tribune_core::article::{ArticleId, article_path};
use tribune_core::comment::CommentId;
use tribune_core::imported::{ImportOutcome, SiteImport, normalize_old_path};
use tribune_core::moderation::fingerprint;
use tribune_core::slugify;
use tribune_core::storable;
use tribune_core::store::{StoreError, StoreResult};
use tribune_core::topic::fold_name;

use super::{Backend, Conn, db, record_changes, settle};
use crate::at::At;

/// Where an old address leads now.
#[derive(sqlx::FromRow)]
struct Moved {
    id: ArticleId,
    slug: String,
}

pub(crate) async fn import_site(
    store: &Backend,
    site: &SiteImport,
    now: DateTime<Utc>,
) -> StoreResult<ImportOutcome> {
    storable::site_import(site).map_err(StoreError::Invalid)?;
    let mut tx = store.begin_write().await?;
    let done = write(&mut tx, site, now).await;
    settle(tx, done).await
}

async fn write(tx: &mut Conn, site: &SiteImport, now: DateTime<Utc>) -> StoreResult<ImportOutcome> {
    let mut out = ImportOutcome::default();
    let mut topics: HashMap<String, i64> = HashMap::new();
    for name in &site.topics {
        let name = name.trim();
        let key = fold_name(name);
        if name.is_empty() || topics.contains_key(&key) {
            continue;
        }
        let slug = slugify(name);
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM topics WHERE name_key = $1
             UNION ALL SELECT topic_id FROM topic_aliases WHERE alias_key = $1 AND NOT weak
             UNION ALL SELECT id FROM topics WHERE slug = $2 LIMIT 1",
        )
        .bind(&key)
        .bind(&slug)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let id: i64 = match found {
            Some(id) => id,
            None => {
                out.topics_created += 1;
                sqlx::query_scalar(
                    "INSERT INTO topics (name, name_key, slug, kind) VALUES ($1, $2, $3, 'theme')
                     RETURNING id",
                )
                .bind(name)
                .bind(&key)
                .bind(&slug)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
            }
        };
        topics.insert(key, id);
    }

    let mut accounts: HashMap<String, i64> = HashMap::new();
    for a in &site.accounts {
        let email = a.email.trim().to_lowercase();
        if accounts.contains_key(&email) {
            continue;
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let id: i64 = match found {
            Some(id) => id,
            None => {
                out.accounts_created += 1;
                // No password: nothing verifies against an empty hash, so only a reset link
                // ("wachtwoord vergeten") opens the account.
                sqlx::query_scalar(
                    "INSERT INTO accounts (email, display_name, password_hash, role, verified,
                        created_at)
                     VALUES ($1, $2, '', $3, false, $4) RETURNING id",
                )
                .bind(&email)
                .bind(a.display_name.trim())
                .bind(a.role.as_str())
                .bind(At(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
            }
        };
        accounts.insert(email, id);
    }

    let mut articles: HashMap<String, ArticleId> = HashMap::new();
    for imported in &site.articles {
        let Some(key) = imported.article.external_key.clone() else {
            return Err(StoreError::Invalid(format!(
                "imported article \"{}\" has no key",
                imported.article.title
            )));
        };
        let mut article = imported.article.clone();
        article.topics = imported
            .topic_names
            .iter()
            .filter_map(|n| topics.get(&fold_name(n)).copied())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        article.topics.sort_unstable();
        let saved = Backend::save_one(tx, &article, now)
            .await
            .map_err(|e| match e {
                StoreError::Invalid(m) => StoreError::Invalid(format!("article {key}: {m}")),
                other => other,
            })?;
        if saved.created {
            out.articles_created += 1;
        } else {
            out.articles_updated += 1;
        }
        sqlx::query("UPDATE articles SET status = $1 WHERE id = $2")
            .bind(if imported.published {
                "published"
            } else {
                "draft"
            })
            .bind(saved.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for path in &imported.old_paths {
            sqlx::query(
                "INSERT INTO old_paths (path, article_id) VALUES ($1, $2)
                 ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id",
            )
            .bind(normalize_old_path(path))
            .bind(saved.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            out.old_paths += 1;
        }
        articles.insert(key.clone(), saved.id);
        out.articles.push((key, saved.id));
    }

    // (comment id, root id) by key, for the replies that follow.
    let mut comments: HashMap<&str, (CommentId, Option<CommentId>)> = HashMap::new();
    let mut touched: Vec<ArticleId> = Vec::new();
    for c in &site.comments {
        let article_id = match articles.get(&c.article_key) {
            Some(id) => *id,
            None => {
                let found: Option<ArticleId> =
                    sqlx::query_scalar("SELECT id FROM articles WHERE external_key = $1")
                        .bind(&c.article_key)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db)?;
                match found {
                    Some(id) => id,
                    None => {
                        return Err(StoreError::Invalid(format!(
                            "comment {}: article {} is not there",
                            c.key, c.article_key
                        )));
                    }
                }
            }
        };
        let author_id = match accounts.get(&c.author_email.trim().to_lowercase()) {
            Some(id) => *id,
            None => {
                return Err(StoreError::Invalid(format!(
                    "comment {}: its author {} is not among the accounts",
                    c.key, c.author_email
                )));
            }
        };
        let (reply_to, root_id) = match &c.reply_to_key {
            None => (None, None),
            Some(parent) => match comments.get(parent.as_str()) {
                Some((id, root)) => (Some(*id), Some(root.unwrap_or(*id))),
                None => {
                    return Err(StoreError::Invalid(format!(
                        "comment {}: the comment it answers ({parent}) comes later or not at all",
                        c.key
                    )));
                }
            },
        };
        let existing: Option<CommentId> =
            sqlx::query_scalar("SELECT comment_id FROM imported_comments WHERE external_key = $1")
                .bind(&c.key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let id: CommentId = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE comments SET body_markdown = $1, body_html = $2, fingerprint = $3,
                        created_at = $4
                     WHERE id = $5",
                )
                .bind(&c.body_markdown)
                .bind(&c.body_html)
                .bind(fingerprint(&c.body_markdown))
                .bind(At(c.created_at))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                out.comments_updated += 1;
                id
            }
            None => {
                let id: CommentId = sqlx::query_scalar(
                    "INSERT INTO comments (article_id, author_id, root_id, reply_to,
                        body_markdown, body_html, fingerprint, verdict, public, listed, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'visible', true, $8, $9) RETURNING id",
                )
                .bind(article_id)
                .bind(author_id)
                .bind(root_id)
                .bind(reply_to)
                .bind(&c.body_markdown)
                .bind(&c.body_html)
                .bind(fingerprint(&c.body_markdown))
                .bind(root_id.is_none())
                .bind(At(c.created_at))
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query(
                    "INSERT INTO imported_comments (comment_id, external_key) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(&c.key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                // Approved at the origin: it counts towards the author's trust here too.
                sqlx::query(
                    "UPDATE accounts SET approved_comments = approved_comments + 1 WHERE id = $1",
                )
                .bind(author_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                out.comments_created += 1;
                id
            }
        };
        comments.insert(&c.key, (id, root_id));
        touched.push(article_id);
    }

    // Counters from the rows, once per article that got comments.
    touched.sort_unstable();
    touched.dedup();
    for article_id in touched {
        sqlx::query(
            "UPDATE comments SET reply_count =
                (SELECT COUNT(*) FROM comments r WHERE r.root_id = comments.id AND r.public)
             WHERE article_id = $1 AND root_id IS NULL",
        )
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE comments SET listed = (public OR reply_count > 0)
             WHERE article_id = $1 AND root_id IS NULL",
        )
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE articles SET comment_count =
                (SELECT COUNT(*) FROM comments WHERE article_id = $1 AND public)
             WHERE id = $1",
        )
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    // Last, so the change-log lock is held only for the commit.
    let ids: Vec<ArticleId> = out.articles.iter().map(|(_, id)| *id).collect();
    record_changes(tx, &ids, now).await?;
    Ok(out)
}

pub(crate) async fn old_path(
    store: &Backend,
    path: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    let row: Option<Moved> = sqlx::query_as(
        "SELECT a.id, a.slug FROM old_paths o JOIN articles a ON a.id = o.article_id
         WHERE o.path = $1 AND a.status = 'published' AND a.published_at <= $2",
    )
    .bind(normalize_old_path(path))
    .bind(At(now))
    .fetch_optional(store.reader())
    .await
    .map_err(db)?;
    Ok(row.map(|r| article_path(r.id, &r.slug)))
}
