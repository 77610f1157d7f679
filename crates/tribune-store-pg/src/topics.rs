//! Topics with their names, aliases (strong and weak) and crest; the back office's checked
//! create and update. Writers take the write lock, as everywhere on this backend, so a clash
//! check holds until commit.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};
use tribune_core::store::{StoreError, StoreResult};
use tribune_core::topic::{NewTopic, Topic, TopicId, fold_name, name_clash};
use tribune_core::{ArticleId, slugify};

use crate::{LOCK_WRITE, PgStore, db, has_nul, lock, record_changes, settle, topic_kind_of};

fn nul_refused() -> StoreError {
    StoreError::Invalid("text contains a NUL character".to_string())
}

impl PgStore {
    /// Replaces a topic's aliases, strong ones first (a name given as both stays strong);
    /// returns the ones kept (trimmed, each once), as (strong, weak).
    pub(crate) async fn set_aliases(
        tx: &mut PgConnection,
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

    pub(crate) async fn topics_impl(&self) -> StoreResult<Vec<Topic>> {
        let rows = sqlx::query(
            "SELECT id, slug, name, kind, name_fr, crest FROM topics ORDER BY kind, name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let aliases = sqlx::query("SELECT topic_id, alias, weak FROM topic_aliases ORDER BY alias")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut topics = rows
            .iter()
            .map(|r| {
                Ok(Topic {
                    id: r.try_get(0).map_err(db)?,
                    slug: r.try_get(1).map_err(db)?,
                    name: r.try_get(2).map_err(db)?,
                    kind: topic_kind_of(r.try_get(3).map_err(db)?)?,
                    name_fr: r.try_get(4).map_err(db)?,
                    crest: r.try_get(5).map_err(db)?,
                    aliases: Vec::new(),
                    weak_aliases: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let at: std::collections::HashMap<TopicId, usize> =
            topics.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        for a in &aliases {
            let topic_id: TopicId = a.try_get(0).map_err(db)?;
            let weak: bool = a.try_get(2).map_err(db)?;
            if let Some(&i) = at.get(&topic_id) {
                let t = &mut topics[i];
                if weak {
                    &mut t.weak_aliases
                } else {
                    &mut t.aliases
                }
                .push(a.try_get(1).map_err(db)?);
            }
        }
        Ok(topics)
    }

    pub(crate) async fn topic_impl(&self, id: TopicId) -> StoreResult<Option<Topic>> {
        Ok(self.topics_impl().await?.into_iter().find(|t| t.id == id))
    }

    pub(crate) async fn save_topic_impl(&self, t: &NewTopic) -> StoreResult<Topic> {
        let name = t.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("topic name is empty".into()));
        }
        if has_nul(name)
            || t.name_fr.as_deref().is_some_and(has_nul)
            || t.crest.as_deref().is_some_and(has_nul)
            || t.aliases.iter().chain(&t.weak_aliases).any(|a| has_nul(a))
        {
            return Err(nul_refused());
        }
        let slug = slugify(name);
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            // Writers take turns, as on SQLite: the clash check below then holds until commit.
            lock(&mut tx, LOCK_WRITE).await?;
            let clash = sqlx::query("SELECT name FROM topics WHERE slug = $1 AND name_key <> $2")
                .bind(&slug)
                .bind(fold_name(name))
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if let Some(other) = clash {
                let other: String = other.try_get(0).map_err(db)?;
                return Err(StoreError::Invalid(format!(
                    "topic {name} would share its address with {other}"
                )));
            }
            let row = sqlx::query(
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
            let id: TopicId = row.try_get(0).map_err(db)?;
            let (aliases, weak_aliases) =
                Self::set_aliases(&mut tx, id, &t.aliases, &t.weak_aliases).await?;
            Ok(Topic {
                id,
                slug: row.try_get(1).map_err(db)?,
                name: name.to_string(),
                name_fr: row.try_get(2).map_err(db)?,
                kind: t.kind,
                aliases,
                weak_aliases,
                crest: row.try_get(3).map_err(db)?,
            })
        }
        .await;
        settle(tx, done).await
    }

    /// Conflict when a strong name of `t` is another topic's (see [`name_clash`]).
    async fn check_clash(
        tx: &mut PgConnection,
        t: &NewTopic,
        own: Option<TopicId>,
    ) -> StoreResult<()> {
        let rows = sqlx::query(
            "SELECT id, name, name FROM topics
             UNION ALL SELECT id, name, name_fr FROM topics WHERE name_fr IS NOT NULL
             UNION ALL SELECT t.id, t.name, a.alias FROM topic_aliases a
                JOIN topics t ON t.id = a.topic_id WHERE NOT a.weak",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let taken = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<TopicId, _>(0).map_err(db)?,
                    r.try_get::<String, _>(1).map_err(db)?,
                    r.try_get::<String, _>(2).map_err(db)?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        match name_clash(
            t,
            own,
            taken.iter().map(|(id, o, n)| (*id, o.as_str(), n.as_str())),
        ) {
            Some(clash) => Err(StoreError::Conflict(clash)),
            None => Ok(()),
        }
    }

    pub(crate) async fn create_topic_impl(&self, t: &NewTopic) -> StoreResult<Topic> {
        let t = t.checked().map_err(StoreError::Invalid)?;
        if t.crest.as_deref().is_some_and(has_nul) {
            return Err(nul_refused());
        }
        let slug = slugify(&t.name);
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            lock(&mut tx, LOCK_WRITE).await?;
            Self::check_clash(&mut tx, &t, None).await?;
            let taken = sqlx::query("SELECT name FROM topics WHERE slug = $1")
                .bind(&slug)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if let Some(other) = taken {
                let other: String = other.try_get(0).map_err(db)?;
                return Err(StoreError::Conflict(format!(
                    "\"{}\" zou hetzelfde adres krijgen als {other}; kies een andere naam.",
                    t.name
                )));
            }
            let id: TopicId = sqlx::query(
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
            .map_err(db)?
            .try_get(0)
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
        if t.crest.as_deref().is_some_and(has_nul) {
            return Err(nul_refused());
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            lock(&mut tx, LOCK_WRITE).await?;
            let slug: String = sqlx::query("SELECT slug FROM topics WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?
                .try_get(0)
                .map_err(db)?;
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
            let articles: Vec<ArticleId> = sqlx::query(
                "SELECT article_id FROM article_topics WHERE topic_id = $1 ORDER BY article_id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(db)?;
            // The last step: the change-log lock is held from here until commit.
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
        sqlx::query("SELECT topic_id, COUNT(*) FROM article_topics GROUP BY topic_id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
            .collect()
    }
}
