//! What the Digital Services Act asks of comment moderation: statements of reasons (derived
//! from the comment and the moderation log), contests, notices and transparency figures.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use tribune_core::account::AccountId;
use tribune_core::comment::{Comment, CommentId};
use tribune_core::law::{
    Contest, ContestItem, ContestOutcome, Decision, DecisionKind, NewNotice, Notice,
    NoticeCategory, NoticeItem, NoticeOutcome, TransparencyCounts, notice_reference,
};
use tribune_core::store::{LawStore, StoreError, StoreResult};

use super::accounts::is_unique_violation;
use super::comments::{comment_columns, comment_from_row, comment_joins};
use super::{SqliteStore, db, finish, from_ms, ms};

/// Where the columns after [`comment_columns`] start.
const AFTER: usize = 19;

/// The decisions query: a comment with its article's title, its reason codes and the
/// moderator's latest reject/remove line (if any); `$filter` picks the comments.
macro_rules! decisions {
    ($filter:literal) => {
        concat!(
            "SELECT ",
            comment_columns!(),
            ", a.title, c.reasons, l.id, l.action, l.at, l.reason FROM comments c ",
            comment_joins!(),
            " JOIN articles a ON a.id = c.article_id
              LEFT JOIN moderation_log l ON l.id = (SELECT MAX(m.id) FROM moderation_log m
                  WHERE m.comment_id = c.id AND m.action IN ('reject', 'remove'))
             WHERE ",
            $filter,
            " ORDER BY c.id DESC LIMIT ?2"
        )
    };
}

fn decision_from_row(r: &SqliteRow) -> StoreResult<Decision> {
    let comment = comment_from_row(r)?;
    let reasons: String = r.try_get(AFTER + 1).map_err(db)?;
    let log_id: Option<i64> = r.try_get(AFTER + 2).map_err(db)?;
    let action: Option<String> = r.try_get(AFTER + 3).map_err(db)?;
    let at: Option<i64> = r.try_get(AFTER + 4).map_err(db)?;
    let note: Option<String> = r.try_get(AFTER + 5).map_err(db)?;
    Ok(Decision {
        article_title: r.try_get(AFTER).map_err(db)?,
        kind: if action.as_deref() == Some("remove") {
            DecisionKind::Removed
        } else {
            DecisionKind::Rejected
        },
        automated: log_id.is_none(),
        decided_at: at
            .map(from_ms)
            .unwrap_or(comment.edited_at.unwrap_or(comment.created_at)),
        moderator_note: note.unwrap_or_default(),
        reasons: reasons.split_whitespace().map(str::to_string).collect(),
        decision_ref: log_id.unwrap_or(0),
        contest: None,
        comment,
    })
}

fn contest_from_row(r: &SqliteRow) -> StoreResult<Contest> {
    let outcome: Option<String> = r.try_get(6).map_err(db)?;
    Ok(Contest {
        id: r.try_get(0).map_err(db)?,
        comment_id: r.try_get(1).map_err(db)?,
        author_id: r.try_get(2).map_err(db)?,
        decision_ref: r.try_get(3).map_err(db)?,
        explanation: r.try_get(4).map_err(db)?,
        created_at: from_ms(r.try_get(5).map_err(db)?),
        outcome: outcome.as_deref().and_then(ContestOutcome::parse),
        note: r.try_get(7).map_err(db)?,
        moderator_name: r.try_get(8).map_err(db)?,
        resolved_at: r.try_get::<Option<i64>, _>(9).map_err(db)?.map(from_ms),
    })
}

fn notice_from_row(r: &SqliteRow) -> StoreResult<Notice> {
    let id: i64 = r.try_get(0).map_err(db)?;
    let category: String = r.try_get(2).map_err(db)?;
    let outcome: Option<String> = r.try_get(7).map_err(db)?;
    let created_at = from_ms(r.try_get(6).map_err(db)?);
    Ok(Notice {
        id,
        reference: notice_reference(id, created_at),
        comment_id: r.try_get(1).map_err(db)?,
        category: NoticeCategory::parse(&category)
            .ok_or_else(|| StoreError::Invalid(format!("unknown notice category {category}")))?,
        explanation: r.try_get(3).map_err(db)?,
        email: r.try_get(4).map_err(db)?,
        comment_text: r.try_get(5).map_err(db)?,
        created_at,
        outcome: outcome.as_deref().and_then(NoticeOutcome::parse),
        note: r.try_get(8).map_err(db)?,
        handled_by: r.try_get(9).map_err(db)?,
        handled_at: r.try_get::<Option<i64>, _>(10).map_err(db)?.map(from_ms),
    })
}

fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

/// Attaches to each decision the contest of that very decision.
async fn with_contests(
    conn: &mut SqliteConnection,
    mut decisions: Vec<Decision>,
) -> StoreResult<Vec<Decision>> {
    let rows = sqlx::query(concat!(
        "SELECT id, comment_id, author_id, decision_ref, explanation, created_at,
            outcome, note, moderator_name, resolved_at",
        " FROM comment_contests WHERE comment_id IN (SELECT value FROM json_each(?))"
    ))
    .bind(id_list(decisions.iter().map(|d| d.comment.id)))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut by_key = HashMap::new();
    for r in &rows {
        let c = contest_from_row(r)?;
        by_key.insert((c.comment_id, c.decision_ref), c);
    }
    for d in &mut decisions {
        d.contest = by_key.remove(&(d.comment.id, d.decision_ref));
    }
    Ok(decisions)
}

async fn decision_in(
    conn: &mut SqliteConnection,
    comment_id: CommentId,
    author_id: AccountId,
) -> StoreResult<Option<Decision>> {
    let rows = sqlx::query(decisions!(
        "c.id = ?1 AND c.author_id = ?3 AND (c.verdict = 'rejected'
            OR EXISTS (SELECT 1 FROM comment_contests k WHERE k.comment_id = c.id))"
    ))
    .bind(comment_id)
    .bind(1_i64)
    .bind(author_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let decisions = rows
        .iter()
        .map(decision_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(with_contests(conn, decisions).await?.pop())
}

/// The decisions on these comments, whoever wrote them.
async fn decisions_by_ids(
    conn: &mut SqliteConnection,
    ids: &[CommentId],
) -> StoreResult<HashMap<CommentId, Decision>> {
    let rows = sqlx::query(decisions!("c.id IN (SELECT value FROM json_each(?1))"))
        .bind(id_list(ids.iter().copied()))
        .bind(i64::try_from(ids.len()).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let decisions = rows
        .iter()
        .map(decision_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(with_contests(conn, decisions)
        .await?
        .into_iter()
        .map(|d| (d.comment.id, d))
        .collect())
}

async fn comments_by_ids(
    conn: &mut SqliteConnection,
    ids: &[CommentId],
) -> StoreResult<HashMap<CommentId, (Comment, String)>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        comment_columns!(),
        ", a.title FROM comments c ",
        comment_joins!(),
        " JOIN articles a ON a.id = c.article_id
         WHERE c.id IN (SELECT value FROM json_each(?))"
    ))
    .bind(id_list(ids.iter().copied()))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let c = comment_from_row(r)?;
            Ok((c.id, (c, r.try_get(AFTER).map_err(db)?)))
        })
        .collect()
}

async fn name_of(conn: &mut SqliteConnection, id: AccountId) -> StoreResult<String> {
    sqlx::query("SELECT display_name FROM accounts WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::Invalid(format!("account {id} does not exist")))?
        .try_get(0)
        .map_err(db)
}

/// One audit log line; `who` is (account, name) or nobody (an anonymous notifier).
async fn log(
    tx: &mut SqliteConnection,
    at: DateTime<Utc>,
    who: (Option<AccountId>, &str),
    action: &str,
    comment_id: Option<CommentId>,
    account_id: Option<AccountId>,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO moderation_log (at, moderator_id, moderator_name, action, comment_id,
            account_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ms(at))
    .bind(who.0)
    .bind(who.1)
    .bind(action)
    .bind(comment_id)
    .bind(account_id)
    .bind(reason.trim())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn contest_in(conn: &mut SqliteConnection, id: i64) -> StoreResult<Option<Contest>> {
    sqlx::query(concat!(
        "SELECT id, comment_id, author_id, decision_ref, explanation, created_at,
            outcome, note, moderator_name, resolved_at",
        " FROM comment_contests WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(contest_from_row)
    .transpose()
}

async fn notice_in(conn: &mut SqliteConnection, id: i64) -> StoreResult<Option<Notice>> {
    sqlx::query(concat!(
        "SELECT id, comment_id, category, explanation, email, comment_text,
            created_at, outcome, note, handled_by_name, handled_at",
        " FROM content_notices WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(notice_from_row)
    .transpose()
}

fn pairs(rows: &[SqliteRow]) -> StoreResult<Vec<(String, i64)>> {
    rows.iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect()
}

impl SqliteStore {
    async fn contest_tx(
        tx: &mut SqliteConnection,
        comment_id: CommentId,
        author_id: AccountId,
        explanation: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contest> {
        let d = decision_in(tx, comment_id, author_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if d.contest.is_some() {
            return Err(StoreError::Conflict(ALREADY.into()));
        }
        if !d.contestable() {
            return Err(StoreError::Invalid(
                "Tegen deze beslissing kan je geen bezwaar (meer) maken.".into(),
            ));
        }
        let id: i64 = match sqlx::query(
            "INSERT INTO comment_contests (comment_id, author_id, decision_ref, explanation,
                created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(comment_id)
        .bind(author_id)
        .bind(d.decision_ref)
        .bind(explanation.trim())
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        {
            Ok(r) => r.try_get(0).map_err(db)?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(ALREADY.into()));
            }
            Err(e) => return Err(db(e)),
        };
        let name = name_of(tx, author_id).await?;
        log(
            tx,
            now,
            (Some(author_id), &name),
            "contest",
            Some(comment_id),
            Some(author_id),
            &format!("bezwaar {id} tegen de beslissing"),
        )
        .await?;
        contest_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn resolve_tx(
        tx: &mut SqliteConnection,
        id: i64,
        moderator_id: AccountId,
        outcome: ContestOutcome,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contest> {
        let old = contest_in(tx, id).await?.ok_or(StoreError::NotFound)?;
        if old.outcome.is_some() {
            return Err(StoreError::Conflict(
                "Over dit bezwaar is al beslist.".into(),
            ));
        }
        let name = name_of(tx, moderator_id).await?;
        sqlx::query(
            "UPDATE comment_contests SET outcome = ?, note = ?, moderator_id = ?,
                moderator_name = ?, resolved_at = ? WHERE id = ? AND outcome IS NULL",
        )
        .bind(outcome.as_str())
        .bind(note.trim())
        .bind(moderator_id)
        .bind(&name)
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let action = match outcome {
            ContestOutcome::Upheld => "contest-upheld",
            ContestOutcome::Overturned => "contest-overturned",
        };
        log(
            tx,
            now,
            (Some(moderator_id), &name),
            action,
            Some(old.comment_id),
            old.author_id,
            note,
        )
        .await?;
        contest_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn notice_tx(
        tx: &mut SqliteConnection,
        n: &NewNotice,
        now: DateTime<Utc>,
    ) -> StoreResult<Notice> {
        let row = sqlx::query("SELECT body_markdown, author_id FROM comments WHERE id = ?")
            .bind(n.comment_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let text: String = row.try_get(0).map_err(db)?;
        let author: Option<AccountId> = row.try_get(1).map_err(db)?;
        let id: i64 = sqlx::query(
            "INSERT INTO content_notices (comment_id, category, explanation, email,
                reporter_id, comment_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             RETURNING id",
        )
        .bind(n.comment_id)
        .bind(n.category.as_str())
        .bind(n.explanation.trim())
        .bind(n.email.as_deref())
        .bind(n.reporter_id)
        .bind(&text)
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        let name = match n.reporter_id {
            Some(r) => name_of(tx, r).await?,
            None => "anonieme melder".to_string(),
        };
        log(
            tx,
            now,
            (n.reporter_id, &name),
            "notice",
            Some(n.comment_id),
            author,
            &format!(
                "melding {}: {}",
                notice_reference(id, now),
                n.category.label()
            ),
        )
        .await?;
        notice_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn handle_tx(
        tx: &mut SqliteConnection,
        id: i64,
        moderator_id: AccountId,
        outcome: NoticeOutcome,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Notice> {
        let old = notice_in(tx, id).await?.ok_or(StoreError::NotFound)?;
        if old.outcome.is_some() {
            return Err(StoreError::Conflict("Deze melding is al behandeld.".into()));
        }
        let name = name_of(tx, moderator_id).await?;
        sqlx::query(
            "UPDATE content_notices SET outcome = ?, note = ?, handled_by = ?,
                handled_by_name = ?, handled_at = ? WHERE id = ? AND outcome IS NULL",
        )
        .bind(outcome.as_str())
        .bind(note.trim())
        .bind(moderator_id)
        .bind(&name)
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let action = match outcome {
            NoticeOutcome::ActionTaken => "notice-action-taken",
            NoticeOutcome::NoAction => "notice-no-action",
        };
        let line = format!("melding {}: {}", old.reference, note.trim());
        log(
            tx,
            now,
            (Some(moderator_id), &name),
            action,
            old.comment_id,
            None,
            &line,
        )
        .await?;
        notice_in(tx, id).await?.ok_or(StoreError::NotFound)
    }
}

const ALREADY: &str =
    "Je maakte al bezwaar tegen deze beslissing. Dat kan maar één keer per beslissing.";

#[async_trait]
impl LawStore for SqliteStore {
    async fn decisions_of(&self, author_id: AccountId, limit: u32) -> StoreResult<Vec<Decision>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let rows = sqlx::query(decisions!(
            "c.author_id = ?1 AND (c.verdict = 'rejected'
                OR EXISTS (SELECT 1 FROM comment_contests k WHERE k.comment_id = c.id))"
        ))
        .bind(author_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let decisions = rows
            .iter()
            .map(decision_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        with_contests(&mut conn, decisions).await
    }

    async fn decision(
        &self,
        comment_id: CommentId,
        author_id: AccountId,
    ) -> StoreResult<Option<Decision>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        decision_in(&mut conn, comment_id, author_id).await
    }

    async fn contest(
        &self,
        comment_id: CommentId,
        author_id: AccountId,
        explanation: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contest> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let done = Self::contest_tx(&mut tx, comment_id, author_id, explanation, now).await;
        finish(tx, done).await
    }

    async fn contest_by_id(&self, id: i64) -> StoreResult<Option<Contest>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        contest_in(&mut conn, id).await
    }

    async fn contests(&self, open: bool, limit: u32) -> StoreResult<Vec<ContestItem>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let sql = if open {
            concat!(
                "SELECT id, comment_id, author_id, decision_ref, explanation, created_at,
                    outcome, note, moderator_name, resolved_at",
                " FROM comment_contests WHERE outcome IS NULL ORDER BY id LIMIT ?"
            )
        } else {
            concat!(
                "SELECT id, comment_id, author_id, decision_ref, explanation, created_at,
                    outcome, note, moderator_name, resolved_at",
                " FROM comment_contests WHERE outcome IS NOT NULL ORDER BY resolved_at DESC, id DESC LIMIT ?"
            )
        };
        let contests = sqlx::query(sql)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .iter()
            .map(contest_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let ids: Vec<CommentId> = contests.iter().map(|c| c.comment_id).collect();
        let decisions = decisions_by_ids(&mut conn, &ids).await?;
        Ok(contests
            .into_iter()
            .filter_map(|contest| {
                let mut decision = decisions.get(&contest.comment_id)?.clone();
                if decision.decision_ref != contest.decision_ref {
                    // A newer decision on the comment: show this contest with its own.
                    decision.contest = Some(contest.clone());
                }
                Some(ContestItem { contest, decision })
            })
            .collect())
    }

    async fn resolve_contest(
        &self,
        id: i64,
        moderator_id: AccountId,
        outcome: ContestOutcome,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contest> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let done = Self::resolve_tx(&mut tx, id, moderator_id, outcome, note, now).await;
        finish(tx, done).await
    }

    async fn add_notice(&self, notice: &NewNotice, now: DateTime<Utc>) -> StoreResult<Notice> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let done = Self::notice_tx(&mut tx, notice, now).await;
        finish(tx, done).await
    }

    async fn notice(&self, id: i64) -> StoreResult<Option<Notice>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        notice_in(&mut conn, id).await
    }

    async fn notices(&self, open: bool, limit: u32) -> StoreResult<Vec<NoticeItem>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let sql = if open {
            concat!(
                "SELECT id, comment_id, category, explanation, email, comment_text,
                    created_at, outcome, note, handled_by_name, handled_at",
                " FROM content_notices WHERE outcome IS NULL ORDER BY id LIMIT ?"
            )
        } else {
            concat!(
                "SELECT id, comment_id, category, explanation, email, comment_text,
                    created_at, outcome, note, handled_by_name, handled_at",
                " FROM content_notices WHERE outcome IS NOT NULL ORDER BY handled_at DESC, id DESC LIMIT ?"
            )
        };
        let notices = sqlx::query(sql)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .iter()
            .map(notice_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let ids: Vec<CommentId> = notices.iter().filter_map(|n| n.comment_id).collect();
        let comments = comments_by_ids(&mut conn, &ids).await?;
        Ok(notices
            .into_iter()
            .map(|notice| {
                let found = notice.comment_id.and_then(|id| comments.get(&id).cloned());
                let (comment, article_title) = found.unzip();
                NoticeItem {
                    notice,
                    comment,
                    article_title: article_title.unwrap_or_default(),
                }
            })
            .collect())
    }

    async fn handle_notice(
        &self,
        id: i64,
        moderator_id: AccountId,
        outcome: NoticeOutcome,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Notice> {
        let mut tx = self.write.begin().await.map_err(db)?;
        let done = Self::handle_tx(&mut tx, id, moderator_id, outcome, note, now).await;
        finish(tx, done).await
    }

    async fn law_queue_sizes(&self) -> StoreResult<(i64, i64)> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM comment_contests WHERE outcome IS NULL),
                    (SELECT COUNT(*) FROM content_notices WHERE outcome IS NULL)",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?))
    }

    async fn transparency(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<TransparencyCounts> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let (from, to) = (ms(from), ms(to));
        let human = sqlx::query(
            "SELECT l.action, COALESCE(c.reasons, ''), COUNT(*) FROM moderation_log l
             LEFT JOIN comments c ON c.id = l.comment_id
             WHERE l.action IN ('reject', 'remove') AND l.at >= ?1 AND l.at < ?2
             GROUP BY l.action, COALESCE(c.reasons, '') ORDER BY 1, 2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0).map_err(db)?,
                r.try_get(1).map_err(db)?,
                r.try_get(2).map_err(db)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        // Taken off by the rules: rejected without a moderator's reject or remove, now or
        // before a moderator restored it.
        let automated = sqlx::query(
            "SELECT c.reasons, COUNT(*) FROM comments c
             WHERE c.id IN (
                   SELECT id FROM comments WHERE verdict = 'rejected'
                       AND created_at >= ?1 AND created_at < ?2
                   UNION SELECT comment_id FROM moderation_log WHERE action = 'restore')
               AND c.created_at >= ?1 AND c.created_at < ?2
               AND NOT EXISTS (SELECT 1 FROM moderation_log m WHERE m.comment_id = c.id
                               AND m.action IN ('reject', 'remove'))
             GROUP BY c.reasons ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let notices = sqlx::query(
            "SELECT category, COUNT(*) FROM content_notices
             WHERE created_at >= ?1 AND created_at < ?2 GROUP BY category ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let handled = sqlx::query(
            "SELECT outcome, COUNT(*) FROM content_notices
             WHERE handled_at >= ?1 AND handled_at < ?2 GROUP BY outcome ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let contests: i64 = sqlx::query(
            "SELECT COUNT(*) FROM comment_contests WHERE created_at >= ?1 AND created_at < ?2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        let resolved = sqlx::query(
            "SELECT outcome, COUNT(*) FROM comment_contests
             WHERE resolved_at >= ?1 AND resolved_at < ?2 GROUP BY outcome ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(TransparencyCounts {
            human,
            automated: pairs(&automated)?,
            notices: pairs(&notices)?,
            notices_handled: pairs(&handled)?,
            contests,
            contests_resolved: pairs(&resolved)?,
        })
    }

    async fn recent_comments_of(
        &self,
        accounts: &[AccountId],
        per: u32,
    ) -> StoreResult<Vec<Comment>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY id DESC) AS n
                    FROM comments WHERE author_id IN (SELECT value FROM json_each(?1))) r
              JOIN comments c ON c.id = r.id ",
            comment_joins!(),
            " WHERE r.n <= ?2 ORDER BY c.author_id, c.id DESC"
        ))
        .bind(id_list(accounts.iter().copied()))
        .bind(i64::from(per))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(comment_from_row).collect()
    }
}
