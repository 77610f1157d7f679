//! An imported site (a WordPress export) written in one transaction, and the old addresses
//! its articles answer to.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use tribune_core::article::{ArticleId, article_path};
use tribune_core::comment::CommentId;
use tribune_core::imported::{ImportOutcome, SiteImport, normalize_old_path};
use tribune_core::moderation::fingerprint;
use tribune_core::slugify;
use tribune_core::store::{StoreError, StoreResult};
use tribune_core::topic::fold_name;

use super::{IMMEDIATE, SqliteStore, db, finish, ms};

pub(crate) async fn import_site(
    store: &SqliteStore,
    site: &SiteImport,
    now: DateTime<Utc>,
) -> StoreResult<ImportOutcome> {
    let mut tx = store.write.begin_with(IMMEDIATE).await.map_err(db)?;
    let done = write(&mut tx, site, now).await;
    finish(tx, done).await
}

async fn write(
    tx: &mut SqliteConnection,
    site: &SiteImport,
    now: DateTime<Utc>,
) -> StoreResult<ImportOutcome> {
    let mut out = ImportOutcome::default();

    let mut topics: HashMap<String, i64> = HashMap::new();
    for name in &site.topics {
        let name = name.trim();
        let key = fold_name(name);
        if name.is_empty() || topics.contains_key(&key) {
            continue;
        }
        let slug = slugify(name);
        let found = sqlx::query(
            "SELECT id FROM topics WHERE name_key = ?1
             UNION ALL SELECT topic_id FROM topic_aliases WHERE alias_key = ?1 AND weak = 0
             UNION ALL SELECT id FROM topics WHERE slug = ?2 LIMIT 1",
        )
        .bind(&key)
        .bind(&slug)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let id: i64 = match found {
            Some(r) => r.try_get(0).map_err(db)?,
            None => {
                out.topics_created += 1;
                sqlx::query(
                    "INSERT INTO topics (name, name_key, slug, kind) VALUES (?, ?, ?, 'theme')
                     RETURNING id",
                )
                .bind(name)
                .bind(&key)
                .bind(&slug)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
                .try_get(0)
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
        let found = sqlx::query("SELECT id FROM accounts WHERE email = ?")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let id: i64 = match found {
            Some(r) => r.try_get(0).map_err(db)?,
            None => {
                out.accounts_created += 1;
                // No password: nothing verifies against an empty hash, so only a reset link
                // ("wachtwoord vergeten") opens the account.
                sqlx::query(
                    "INSERT INTO accounts (email, display_name, password_hash, role, verified,
                        created_at)
                     VALUES (?, ?, '', ?, 0, ?) RETURNING id",
                )
                .bind(&email)
                .bind(a.display_name.trim())
                .bind(a.role.as_str())
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
                .try_get(0)
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
        let saved = SqliteStore::save_one(tx, &article, now)
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
        sqlx::query("UPDATE articles SET status = ? WHERE id = ?")
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
                "INSERT INTO old_paths (path, article_id) VALUES (?, ?)
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
                let found = sqlx::query("SELECT id FROM articles WHERE external_key = ?")
                    .bind(&c.article_key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                match found {
                    Some(r) => r.try_get(0).map_err(db)?,
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
        let existing =
            sqlx::query("SELECT comment_id FROM imported_comments WHERE external_key = ?")
                .bind(&c.key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let id: CommentId = match existing {
            Some(r) => {
                let id: CommentId = r.try_get(0).map_err(db)?;
                sqlx::query(
                    "UPDATE comments SET body_markdown = ?, body_html = ?, fingerprint = ?,
                        created_at = ?
                     WHERE id = ?",
                )
                .bind(&c.body_markdown)
                .bind(&c.body_html)
                .bind(fingerprint(&c.body_markdown))
                .bind(ms(c.created_at))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                out.comments_updated += 1;
                id
            }
            None => {
                let id: CommentId = sqlx::query(
                    "INSERT INTO comments (article_id, author_id, root_id, reply_to,
                        body_markdown, body_html, fingerprint, verdict, public, listed, created_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, 'visible', 1, ?, ?) RETURNING id",
                )
                .bind(article_id)
                .bind(author_id)
                .bind(root_id)
                .bind(reply_to)
                .bind(&c.body_markdown)
                .bind(&c.body_html)
                .bind(fingerprint(&c.body_markdown))
                .bind(root_id.is_none())
                .bind(ms(c.created_at))
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
                .try_get(0)
                .map_err(db)?;
                sqlx::query(
                    "INSERT INTO imported_comments (comment_id, external_key) VALUES (?, ?)",
                )
                .bind(id)
                .bind(&c.key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                // Approved at the origin: it counts towards the author's trust here too.
                sqlx::query(
                    "UPDATE accounts SET approved_comments = approved_comments + 1 WHERE id = ?",
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
                (SELECT COUNT(*) FROM comments r WHERE r.root_id = comments.id AND r.public = 1)
             WHERE article_id = ? AND root_id IS NULL",
        )
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE comments SET listed = (public = 1 OR reply_count > 0)
             WHERE article_id = ? AND root_id IS NULL",
        )
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE articles SET comment_count =
                (SELECT COUNT(*) FROM comments WHERE article_id = ?1 AND public = 1)
             WHERE id = ?1",
        )
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    // save_one recorded each article in the change log; readers see all of it at commit.
    Ok(out)
}

pub(crate) async fn old_path(
    store: &SqliteStore,
    path: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    let row = sqlx::query(
        "SELECT a.id, a.slug FROM old_paths o JOIN articles a ON a.id = o.article_id
         WHERE o.path = ? AND a.status = 'published' AND a.published_at <= ?",
    )
    .bind(normalize_old_path(path))
    .bind(ms(now))
    .fetch_optional(&store.read)
    .await
    .map_err(db)?;
    match row {
        Some(r) => {
            let id: ArticleId = r.try_get(0).map_err(db)?;
            let slug: String = r.try_get(1).map_err(db)?;
            Ok(Some(article_path(id, &slug)))
        }
        None => Ok(None),
    }
}
