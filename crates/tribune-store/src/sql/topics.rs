//! Topics with their names, aliases (strong and weak) and crest; the back office's checked
//! create and update. Writers take the write lock (SQLite's one writer, PostgreSQL's
//! advisory lock), so a clash check holds until commit.

use chrono::{DateTime, Utc};
use tribune_core::storable;
use tribune_core::store::{StoreError, StoreResult};
use tribune_core::topic::{NewTopic, Topic, TopicId, fold_name, name_clash};
use tribune_core::{ArticleId, slugify};

use super::{Backend, Conn, db, record_changes, settle};
use crate::rows::topic_kind_of;

#[derive(sqlx::FromRow)]
struct TopicRow {
    id: TopicId,
    slug: String,
    name: String,
    kind: String,
    name_fr: Option<String>,
    crest: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AliasRow {
    topic_id: TopicId,
    alias: String,
    weak: bool,
}

/// A name another topic holds: its own (`owner`) and the one taken (`name`).
#[derive(sqlx::FromRow)]
struct TakenName {
    id: TopicId,
    owner: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct Upserted {
    id: TopicId,
    slug: String,
    name_fr: Option<String>,
    crest: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TopicCount {
    topic_id: TopicId,
    articles: i64,
}

impl Backend {
    /// Replaces a topic's aliases, strong ones first (a name given as both stays strong);
    /// returns the ones kept (trimmed, each once), as (strong, weak).
    pub(crate) async fn set_aliases(
        tx: &mut Conn,
        id: TopicId,
        aliases: &[String],
        weak_aliases: &[String],
    ) -> StoreResult<(Vec<String>, Vec<String>)> {
        sqlx::query("DELETE FROM topic_aliases WHERE topic_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut kept = (Vec::new(), Vec::new());
        for (list, weak) in [(aliases, false), (weak_aliases, true)] {
            for alias in list.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
                let done = sqlx::query(
                    "INSERT INTO topic_aliases (topic_id, alias, alias_key, weak)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(alias)
                .bind(fold_name(alias))
                .bind(weak)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() > 0 {
                    if weak { &mut kept.1 } else { &mut kept.0 }.push(alias.to_string());
                }
            }
        }
        Ok(kept)
    }

    /// Every topic with its aliases, on any connection.
    pub(crate) async fn topics_on(conn: &mut Conn) -> StoreResult<Vec<Topic>> {
        let rows: Vec<TopicRow> = sqlx::query_as(
            "SELECT id, slug, name, kind, name_fr, crest FROM topics ORDER BY kind, name",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let aliases: Vec<AliasRow> =
            sqlx::query_as("SELECT topic_id, alias, weak FROM topic_aliases ORDER BY alias")
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?;
        let mut topics = rows
            .into_iter()
            .map(|r| {
                Ok(Topic {
                    id: r.id,
                    slug: r.slug,
                    name: r.name,
                    kind: topic_kind_of(&r.kind)?,
                    name_fr: r.name_fr,
                    crest: r.crest,
                    aliases: Vec::new(),
                    weak_aliases: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let at: std::collections::HashMap<TopicId, usize> =
            topics.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        for a in aliases {
            if let Some(&i) = at.get(&a.topic_id) {
                let t = &mut topics[i];
                if a.weak {
                    &mut t.weak_aliases
                } else {
                    &mut t.aliases
                }
                .push(a.alias);
            }
        }
        Ok(topics)
    }

    pub(crate) async fn topics_impl(&self) -> StoreResult<Vec<Topic>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        Self::topics_on(&mut conn).await
    }

    pub(crate) async fn topic_impl(&self, id: TopicId) -> StoreResult<Option<Topic>> {
        Ok(self.topics_impl().await?.into_iter().find(|t| t.id == id))
    }

    pub(crate) async fn save_topic_impl(&self, t: &NewTopic) -> StoreResult<Topic> {
        let name = t.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("topic name is empty".into()));
        }
        storable::topic(t).map_err(StoreError::Invalid)?;
        let slug = slugify(name);
        let mut tx = self.begin_write().await?;
        let done = async {
            let clash: Option<String> =
                sqlx::query_scalar("SELECT name FROM topics WHERE slug = $1 AND name_key <> $2")
                    .bind(&slug)
                    .bind(fold_name(name))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            if let Some(other) = clash {
                return Err(StoreError::Invalid(format!(
                    "topic {name} would share its address with {other}"
                )));
            }
            let row: Upserted = sqlx::query_as(
                "INSERT INTO topics (name, name_key, slug, kind, name_fr, crest)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                    name_fr = COALESCE(excluded.name_fr, topics.name_fr),
                    crest = COALESCE(excluded.crest, topics.crest)
                 RETURNING id, slug, name_fr, crest",
            )
            .bind(name)
            .bind(fold_name(name))
            .bind(&slug)
            .bind(t.kind.as_str())
            .bind(
                t.name_fr
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty()),
            )
            .bind(t.crest.as_deref())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let (aliases, weak_aliases) =
                Self::set_aliases(&mut tx, row.id, &t.aliases, &t.weak_aliases).await?;
            Ok(Topic {
                id: row.id,
                slug: row.slug,
                name: name.to_string(),
                name_fr: row.name_fr,
                kind: t.kind,
                aliases,
                weak_aliases,
                crest: row.crest,
            })
        }
        .await;
        settle(tx, done).await
    }

    /// Conflict when a strong name of `t` is another topic's (see [`name_clash`]).
    async fn check_clash(tx: &mut Conn, t: &NewTopic, own: Option<TopicId>) -> StoreResult<()> {
        let taken: Vec<TakenName> = sqlx::query_as(
            "SELECT id, name AS owner, name FROM topics
             UNION ALL SELECT id, name, name_fr FROM topics WHERE name_fr IS NOT NULL
             UNION ALL SELECT t.id, t.name, a.alias FROM topic_aliases a
                JOIN topics t ON t.id = a.topic_id WHERE NOT a.weak",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        match name_clash(
            t,
            own,
            taken
                .iter()
                .map(|n| (n.id, n.owner.as_str(), n.name.as_str())),
        ) {
            Some(clash) => Err(StoreError::Conflict(clash)),
            None => Ok(()),
        }
    }

    pub(crate) async fn create_topic_impl(&self, t: &NewTopic) -> StoreResult<Topic> {
        let t = t.checked().map_err(StoreError::Invalid)?;
        storable::topic(&t).map_err(StoreError::Invalid)?;
        let slug = slugify(&t.name);
        let mut tx = self.begin_write().await?;
        let done = async {
            Self::check_clash(&mut tx, &t, None).await?;
            let taken: Option<String> =
                sqlx::query_scalar("SELECT name FROM topics WHERE slug = $1")
                    .bind(&slug)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            if let Some(other) = taken {
                return Err(StoreError::Conflict(format!(
                    "\"{}\" zou hetzelfde adres krijgen als {other}; kies een andere naam.",
                    t.name
                )));
            }
            let id: TopicId = sqlx::query_scalar(
                "INSERT INTO topics (name, name_key, slug, kind, name_fr, crest)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&t.name)
            .bind(fold_name(&t.name))
            .bind(&slug)
            .bind(t.kind.as_str())
            .bind(t.name_fr.as_deref())
            .bind(t.crest.as_deref())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let (aliases, weak_aliases) =
                Self::set_aliases(&mut tx, id, &t.aliases, &t.weak_aliases).await?;
            Ok(Topic {
                id,
                slug: slug.clone(),
                name: t.name.clone(),
                name_fr: t.name_fr.clone(),
                kind: t.kind,
                aliases,
                weak_aliases,
                crest: t.crest.clone(),
            })
        }
        .await;
        settle(tx, done).await
    }

    pub(crate) async fn update_topic_impl(
        &self,
        id: TopicId,
        t: &NewTopic,
        now: DateTime<Utc>,
    ) -> StoreResult<Topic> {
        let t = t.checked().map_err(StoreError::Invalid)?;
        storable::topic(&t).map_err(StoreError::Invalid)?;
        let mut tx = self.begin_write().await?;
        let done = async {
            let slug: String = sqlx::query_scalar("SELECT slug FROM topics WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?;
            Self::check_clash(&mut tx, &t, Some(id)).await?;
            sqlx::query(
                "UPDATE topics SET name = $1, name_key = $2, name_fr = $3, kind = $4, crest = $5
                 WHERE id = $6",
            )
            .bind(&t.name)
            .bind(fold_name(&t.name))
            .bind(t.name_fr.as_deref())
            .bind(t.kind.as_str())
            .bind(t.crest.as_deref())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            let (aliases, weak_aliases) =
                Self::set_aliases(&mut tx, id, &t.aliases, &t.weak_aliases).await?;
            let articles: Vec<ArticleId> = sqlx::query_scalar(
                "SELECT article_id FROM article_topics WHERE topic_id = $1 ORDER BY article_id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            // The last step: on PostgreSQL the change-log lock is held from here until commit.
            record_changes(&mut tx, &articles, now).await?;
            Ok(Topic {
                id,
                slug,
                name: t.name.clone(),
                name_fr: t.name_fr.clone(),
                kind: t.kind,
                aliases,
                weak_aliases,
                crest: t.crest.clone(),
            })
        }
        .await;
        settle(tx, done).await
    }

    pub(crate) async fn topic_article_counts_impl(&self) -> StoreResult<Vec<(TopicId, i64)>> {
        let counts: Vec<TopicCount> = sqlx::query_as(
            "SELECT topic_id, COUNT(*) AS articles FROM article_topics GROUP BY topic_id",
        )
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(counts
            .into_iter()
            .map(|c| (c.topic_id, c.articles))
            .collect())
    }
}
