//! Topics with their names, aliases (strong and weak) and crest; the back office's checked
//! create and update.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use tribune_core::store::{StoreError, StoreResult};
use tribune_core::topic::{NewTopic, Topic, TopicId, fold_name, name_clash};
use tribune_core::{ArticleId, slugify};

use crate::{IMMEDIATE, SqliteStore, db, finish, topic_kind_of};

impl SqliteStore {
    /// Replaces a topic's aliases, strong ones first (a name given as both stays strong);
    /// returns the ones kept (trimmed, each once), as (strong, weak).
    pub(crate) async fn set_aliases(
        tx: &mut SqliteConnection,
        id: TopicId,
        aliases: &[String],
        weak_aliases: &[String],
    ) -> StoreResult<(Vec<String>, Vec<String>)> {
        sqlx::query("DELETE FROM topic_aliases WHERE topic_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut kept = (Vec::new(), Vec::new());
        for (list, weak) in [(aliases, false), (weak_aliases, true)] {
            for alias in list.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
                let done = sqlx::query(
                    "INSERT OR IGNORE INTO topic_aliases (topic_id, alias, alias_key, weak)
                     VALUES (?, ?, ?, ?)",
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
    pub(crate) async fn topics_on(conn: &mut SqliteConnection) -> StoreResult<Vec<Topic>> {
        let rows = sqlx::query(
            "SELECT id, slug, name, kind, name_fr, crest FROM topics ORDER BY kind, name",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let aliases = sqlx::query("SELECT topic_id, alias, weak FROM topic_aliases ORDER BY alias")
            .fetch_all(&mut *conn)
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

    pub(crate) async fn topics_impl(&self) -> StoreResult<Vec<Topic>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
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
        let slug = slugify(name);
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let clash = sqlx::query("SELECT name FROM topics WHERE slug = ? AND name_key <> ?")
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
             VALUES (?, ?, ?, ?, ?, ?)
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
        tx.commit().await.map_err(db)?;
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

    /// Conflict when a strong name of `t` is another topic's (see [`name_clash`]).
    async fn check_clash(
        tx: &mut SqliteConnection,
        t: &NewTopic,
        own: Option<TopicId>,
    ) -> StoreResult<()> {
        let rows = sqlx::query(
            "SELECT id, name, name FROM topics
             UNION ALL SELECT id, name, name_fr FROM topics WHERE name_fr IS NOT NULL
             UNION ALL SELECT t.id, t.name, a.alias FROM topic_aliases a
                JOIN topics t ON t.id = a.topic_id WHERE a.weak = 0",
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
        let slug = slugify(&t.name);
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            Self::check_clash(&mut tx, &t, None).await?;
            let taken = sqlx::query("SELECT name FROM topics WHERE slug = ?")
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
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
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
        finish(tx, done).await
    }

    pub(crate) async fn update_topic_impl(
        &self,
        id: TopicId,
        t: &NewTopic,
        now: DateTime<Utc>,
    ) -> StoreResult<Topic> {
        let t = t.checked().map_err(StoreError::Invalid)?;
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            let slug: String = sqlx::query("SELECT slug FROM topics WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?
                .try_get(0)
                .map_err(db)?;
            Self::check_clash(&mut tx, &t, Some(id)).await?;
            sqlx::query(
                "UPDATE topics SET name = ?, name_key = ?, name_fr = ?, kind = ?, crest = ?
                 WHERE id = ?",
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
            let articles = sqlx::query("SELECT article_id FROM article_topics WHERE topic_id = ?")
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .iter()
                .map(|r| r.try_get::<ArticleId, _>(0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Self::record_changes(&mut tx, articles, now).await?;
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
        finish(tx, done).await
    }

    pub(crate) async fn topic_article_counts_impl(&self) -> StoreResult<Vec<(TopicId, i64)>> {
        sqlx::query("SELECT topic_id, COUNT(*) FROM article_topics GROUP BY topic_id")
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
            .collect()
    }
}
