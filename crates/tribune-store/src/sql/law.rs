//! What the Digital Services Act asks of comment moderation: statements of reasons (derived
//! from the comment and the moderation log), contests, notices and transparency figures.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tribune_core::account::AccountId;
use tribune_core::comment::{Comment, CommentId};
use tribune_core::law::{
    Contest, ContestItem, ContestOutcome, Decision, DecisionKind, NewNotice, Notice,
    NoticeCategory, NoticeItem, NoticeOutcome, TransparencyCounts, notice_reference,
};
use tribune_core::store::{LawStore, StoreError, StoreResult};

use super::comments::{CommentRow, comment_columns, comment_joins, comments};
use super::{Backend, Conn, db, id_list, in_ids, settle};
use crate::at::At;
use crate::is_unique_violation;

/// The decisions query: a comment with its article's title, its reason codes and the
/// moderator's latest reject/remove line (if any); `$filter` picks the comments.
macro_rules! decisions {
    ($($filter:tt)+) => {
        concat!(
            "SELECT ",
            comment_columns!(),
            ", a.title AS article_title, c.reasons, l.id AS log_id, l.action, l.at,
               l.reason AS note FROM comments c ",
            comment_joins!(),
            " JOIN articles a ON a.id = c.article_id
              LEFT JOIN moderation_log l ON l.id = (SELECT MAX(m.id) FROM moderation_log m
                  WHERE m.comment_id = c.id AND m.action IN ('reject', 'remove'))
             WHERE ",
            $($filter)+,
            " ORDER BY c.id DESC LIMIT $2"
        )
    };
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    article_title: String,
    reasons: String,
    log_id: Option<i64>,
    action: Option<String>,
    at: Option<At>,
    note: Option<String>,
}

impl DecisionRow {
    fn into_decision(self) -> StoreResult<Decision> {
        let comment = self.comment.into_comment()?;
        Ok(Decision {
            article_title: self.article_title,
            kind: if self.action.as_deref() == Some("remove") {
                DecisionKind::Removed
            } else {
                DecisionKind::Rejected
            },
            automated: self.log_id.is_none(),
            decided_at: self
                .at
                .map_or(comment.edited_at.unwrap_or(comment.created_at), Into::into),
            moderator_note: self.note.unwrap_or_default(),
            reasons: self
                .reasons
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            decision_ref: self.log_id.unwrap_or(0),
            contest: None,
            comment,
        })
    }
}

fn decisions(rows: Vec<DecisionRow>) -> StoreResult<Vec<Decision>> {
    rows.into_iter().map(DecisionRow::into_decision).collect()
}

/// The columns [`ContestRow`] reads.
macro_rules! contest_select {
    () => {
        "SELECT id, comment_id, author_id, decision_ref, explanation, created_at,
            outcome, note, moderator_name, resolved_at FROM comment_contests"
    };
}

#[derive(sqlx::FromRow)]
struct ContestRow {
    id: i64,
    comment_id: CommentId,
    author_id: Option<AccountId>,
    decision_ref: i64,
    explanation: String,
    created_at: At,
    outcome: Option<String>,
    note: String,
    moderator_name: Option<String>,
    resolved_at: Option<At>,
}

impl From<ContestRow> for Contest {
    fn from(r: ContestRow) -> Self {
        Self {
            id: r.id,
            comment_id: r.comment_id,
            author_id: r.author_id,
            decision_ref: r.decision_ref,
            explanation: r.explanation,
            created_at: r.created_at.0,
            outcome: r.outcome.as_deref().and_then(ContestOutcome::parse),
            note: r.note,
            moderator_name: r.moderator_name,
            resolved_at: r.resolved_at.map(Into::into),
        }
    }
}

/// The columns [`NoticeRow`] reads.
macro_rules! notice_select {
    () => {
        "SELECT id, comment_id, category, explanation, email, comment_text,
            created_at, outcome, note, handled_by_name, handled_at FROM content_notices"
    };
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    comment_id: Option<CommentId>,
    category: String,
    explanation: String,
    email: Option<String>,
    comment_text: String,
    created_at: At,
    outcome: Option<String>,
    note: String,
    handled_by_name: Option<String>,
    handled_at: Option<At>,
}

impl NoticeRow {
    fn into_notice(self) -> StoreResult<Notice> {
        Ok(Notice {
            id: self.id,
            reference: notice_reference(self.id, self.created_at.0),
            comment_id: self.comment_id,
            category: NoticeCategory::parse(&self.category).ok_or_else(|| {
                StoreError::Invalid(format!("unknown notice category {}", self.category))
            })?,
            explanation: self.explanation,
            email: self.email,
            comment_text: self.comment_text,
            created_at: self.created_at.0,
            outcome: self.outcome.as_deref().and_then(NoticeOutcome::parse),
            note: self.note,
            handled_by: self.handled_by_name,
            handled_at: self.handled_at.map(Into::into),
        })
    }
}

/// A count per kind, for the transparency report.
#[derive(sqlx::FromRow)]
struct Tally {
    kind: String,
    n: i64,
}

fn pairs(rows: Vec<Tally>) -> Vec<(String, i64)> {
    rows.into_iter().map(|t| (t.kind, t.n)).collect()
}

#[derive(sqlx::FromRow)]
struct HumanTally {
    action: String,
    reasons: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct TitledComment {
    #[sqlx(flatten)]
    comment: CommentRow,
    article_title: String,
}

#[derive(sqlx::FromRow)]
struct Noticed {
    body_markdown: String,
    author_id: Option<AccountId>,
}

#[derive(sqlx::FromRow)]
struct LawQueues {
    contests: i64,
    notices: i64,
}

/// Attaches to each decision the contest of that very decision.
async fn with_contests(
    conn: &mut Conn,
    mut decisions: Vec<Decision>,
) -> StoreResult<Vec<Decision>> {
    let ids: Vec<CommentId> = decisions.iter().map(|d| d.comment.id).collect();
    let rows: Vec<ContestRow> = sqlx::query_as(concat!(
        contest_select!(),
        " WHERE comment_id ",
        in_ids!("$1")
    ))
    .bind(id_list(&ids))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut by_key = HashMap::new();
    for r in rows {
        let c = Contest::from(r);
        by_key.insert((c.comment_id, c.decision_ref), c);
    }
    for d in &mut decisions {
        d.contest = by_key.remove(&(d.comment.id, d.decision_ref));
    }
    Ok(decisions)
}

async fn decision_in(
    conn: &mut Conn,
    comment_id: CommentId,
    author_id: AccountId,
) -> StoreResult<Option<Decision>> {
    let rows: Vec<DecisionRow> = sqlx::query_as(decisions!(
        "c.id = $1 AND c.author_id = $3 AND (c.verdict = 'rejected'
            OR EXISTS (SELECT 1 FROM comment_contests k WHERE k.comment_id = c.id))"
    ))
    .bind(comment_id)
    .bind(1_i64)
    .bind(author_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(with_contests(conn, decisions(rows)?).await?.pop())
}

/// The decisions on these comments, whoever wrote them.
async fn decisions_by_ids(
    conn: &mut Conn,
    ids: &[CommentId],
) -> StoreResult<HashMap<CommentId, Decision>> {
    let rows: Vec<DecisionRow> = sqlx::query_as(decisions!(concat!("c.id ", in_ids!("$1"))))
        .bind(id_list(ids))
        .bind(i64::try_from(ids.len()).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    Ok(with_contests(conn, decisions(rows)?)
        .await?
        .into_iter()
        .map(|d| (d.comment.id, d))
        .collect())
}

async fn comments_by_ids(
    conn: &mut Conn,
    ids: &[CommentId],
) -> StoreResult<HashMap<CommentId, (Comment, String)>> {
    let rows: Vec<TitledComment> = sqlx::query_as(concat!(
        "SELECT ",
        comment_columns!(),
        ", a.title AS article_title FROM comments c ",
        comment_joins!(),
        " JOIN articles a ON a.id = c.article_id
         WHERE c.id ",
        in_ids!("$1")
    ))
    .bind(id_list(ids))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.into_iter()
        .map(|r| {
            let c = r.comment.into_comment()?;
            Ok((c.id, (c, r.article_title)))
        })
        .collect()
}

async fn name_of(conn: &mut Conn, id: AccountId) -> StoreResult<String> {
    sqlx::query_scalar("SELECT display_name FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::Invalid(format!("account {id} does not exist")))
}

/// One audit log line; `who` is (account, name) or nobody (an anonymous notifier).
async fn log(
    tx: &mut Conn,
    at: DateTime<Utc>,
    who: (Option<AccountId>, &str),
    action: &str,
    comment_id: Option<CommentId>,
    account_id: Option<AccountId>,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO moderation_log (at, moderator_id, moderator_name, action, comment_id,
            account_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(At(at))
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

async fn contest_in(conn: &mut Conn, id: i64) -> StoreResult<Option<Contest>> {
    let row: Option<ContestRow> = sqlx::query_as(concat!(contest_select!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    Ok(row.map(Into::into))
}

async fn notice_in(conn: &mut Conn, id: i64) -> StoreResult<Option<Notice>> {
    let row: Option<NoticeRow> = sqlx::query_as(concat!(notice_select!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    row.map(NoticeRow::into_notice).transpose()
}

impl Backend {
    async fn contest_tx(
        tx: &mut Conn,
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
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO comment_contests (comment_id, author_id, decision_ref, explanation,
                created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(comment_id)
        .bind(author_id)
        .bind(d.decision_ref)
        .bind(explanation.trim())
        .bind(At(now))
        .fetch_one(&mut *tx)
        .await
        {
            Ok(id) => id,
            Err(e) => {
                let e = db(e);
                return Err(if is_unique_violation(&e) {
                    StoreError::Conflict(ALREADY.into())
                } else {
                    e
                });
            }
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
        tx: &mut Conn,
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
            "UPDATE comment_contests SET outcome = $1, note = $2, moderator_id = $3,
                moderator_name = $4, resolved_at = $5 WHERE id = $6 AND outcome IS NULL",
        )
        .bind(outcome.as_str())
        .bind(note.trim())
        .bind(moderator_id)
        .bind(&name)
        .bind(At(now))
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

    async fn notice_tx(tx: &mut Conn, n: &NewNotice, now: DateTime<Utc>) -> StoreResult<Notice> {
        let noticed: Noticed =
            sqlx::query_as("SELECT body_markdown, author_id FROM comments WHERE id = $1")
                .bind(n.comment_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?;
        let (text, author) = (noticed.body_markdown, noticed.author_id);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO content_notices (comment_id, category, explanation, email,
                reporter_id, comment_text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING id",
        )
        .bind(n.comment_id)
        .bind(n.category.as_str())
        .bind(n.explanation.trim())
        .bind(n.email.as_deref())
        .bind(n.reporter_id)
        .bind(&text)
        .bind(At(now))
        .fetch_one(&mut *tx)
        .await
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
        tx: &mut Conn,
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
            "UPDATE content_notices SET outcome = $1, note = $2, handled_by = $3,
                handled_by_name = $4, handled_at = $5 WHERE id = $6 AND outcome IS NULL",
        )
        .bind(outcome.as_str())
        .bind(note.trim())
        .bind(moderator_id)
        .bind(&name)
        .bind(At(now))
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
impl LawStore for Backend {
    async fn decisions_of(&self, author_id: AccountId, limit: u32) -> StoreResult<Vec<Decision>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        let rows: Vec<DecisionRow> = sqlx::query_as(decisions!(
            "c.author_id = $1 AND (c.verdict = 'rejected'
                OR EXISTS (SELECT 1 FROM comment_contests k WHERE k.comment_id = c.id))"
        ))
        .bind(author_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        with_contests(&mut conn, decisions(rows)?).await
    }

    async fn decision(
        &self,
        comment_id: CommentId,
        author_id: AccountId,
    ) -> StoreResult<Option<Decision>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        decision_in(&mut conn, comment_id, author_id).await
    }

    async fn contest(
        &self,
        comment_id: CommentId,
        author_id: AccountId,
        explanation: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contest> {
        let mut tx = self.begin_rows().await?;
        let done = Self::contest_tx(&mut tx, comment_id, author_id, explanation, now).await;
        settle(tx, done).await
    }

    async fn contest_by_id(&self, id: i64) -> StoreResult<Option<Contest>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        contest_in(&mut conn, id).await
    }

    async fn contests(&self, open: bool, limit: u32) -> StoreResult<Vec<ContestItem>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        let sql = if open {
            concat!(
                contest_select!(),
                " WHERE outcome IS NULL ORDER BY id LIMIT $1"
            )
        } else {
            concat!(
                contest_select!(),
                " WHERE outcome IS NOT NULL ORDER BY resolved_at DESC, id DESC LIMIT $1"
            )
        };
        let contests: Vec<Contest> = sqlx::query_as::<_, ContestRow>(sql)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .into_iter()
            .map(Into::into)
            .collect();
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
        let mut tx = self.begin_rows().await?;
        let done = Self::resolve_tx(&mut tx, id, moderator_id, outcome, note, now).await;
        settle(tx, done).await
    }

    async fn add_notice(&self, notice: &NewNotice, now: DateTime<Utc>) -> StoreResult<Notice> {
        let mut tx = self.begin_rows().await?;
        let done = Self::notice_tx(&mut tx, notice, now).await;
        settle(tx, done).await
    }

    async fn notice(&self, id: i64) -> StoreResult<Option<Notice>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        notice_in(&mut conn, id).await
    }

    async fn notices(&self, open: bool, limit: u32) -> StoreResult<Vec<NoticeItem>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        let sql = if open {
            concat!(
                notice_select!(),
                " WHERE outcome IS NULL ORDER BY id LIMIT $1"
            )
        } else {
            concat!(
                notice_select!(),
                " WHERE outcome IS NOT NULL ORDER BY handled_at DESC, id DESC LIMIT $1"
            )
        };
        let notices = sqlx::query_as::<_, NoticeRow>(sql)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .into_iter()
            .map(NoticeRow::into_notice)
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
        let mut tx = self.begin_rows().await?;
        let done = Self::handle_tx(&mut tx, id, moderator_id, outcome, note, now).await;
        settle(tx, done).await
    }

    async fn law_queue_sizes(&self) -> StoreResult<(i64, i64)> {
        let q: LawQueues = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM comment_contests WHERE outcome IS NULL) AS contests,
                    (SELECT COUNT(*) FROM content_notices WHERE outcome IS NULL) AS notices",
        )
        .fetch_one(self.reader())
        .await
        .map_err(db)?;
        Ok((q.contests, q.notices))
    }

    async fn transparency(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<TransparencyCounts> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        let (from, to) = (At(from), At(to));
        let human: Vec<HumanTally> = sqlx::query_as(
            "SELECT l.action, COALESCE(c.reasons, '') AS reasons, COUNT(*) AS n
             FROM moderation_log l
             LEFT JOIN comments c ON c.id = l.comment_id
             WHERE l.action IN ('reject', 'remove') AND l.at >= $1 AND l.at < $2
             GROUP BY l.action, COALESCE(c.reasons, '') ORDER BY 1, 2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        // Taken off by the rules: rejected without a moderator's reject or remove, now or
        // before a moderator restored it.
        let automated: Vec<Tally> = sqlx::query_as(
            "SELECT c.reasons AS kind, COUNT(*) AS n FROM comments c
             WHERE c.id IN (
                   SELECT id FROM comments WHERE verdict = 'rejected'
                       AND created_at >= $1 AND created_at < $2
                   UNION SELECT comment_id FROM moderation_log WHERE action = 'restore')
               AND c.created_at >= $1 AND c.created_at < $2
               AND NOT EXISTS (SELECT 1 FROM moderation_log m WHERE m.comment_id = c.id
                               AND m.action IN ('reject', 'remove'))
             GROUP BY c.reasons ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let notices: Vec<Tally> = sqlx::query_as(
            "SELECT category AS kind, COUNT(*) AS n FROM content_notices
             WHERE created_at >= $1 AND created_at < $2 GROUP BY category ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let handled: Vec<Tally> = sqlx::query_as(
            "SELECT outcome AS kind, COUNT(*) AS n FROM content_notices
             WHERE handled_at >= $1 AND handled_at < $2 GROUP BY outcome ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let contests: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM comment_contests WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        let resolved: Vec<Tally> = sqlx::query_as(
            "SELECT outcome AS kind, COUNT(*) AS n FROM comment_contests
             WHERE resolved_at >= $1 AND resolved_at < $2 GROUP BY outcome ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(TransparencyCounts {
            human: human
                .into_iter()
                .map(|t| (t.action, t.reasons, t.n))
                .collect(),
            automated: pairs(automated),
            notices: pairs(notices),
            notices_handled: pairs(handled),
            contests,
            contests_resolved: pairs(resolved),
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
        let rows: Vec<CommentRow> = sqlx::query_as(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY id DESC) AS n
                    FROM comments WHERE author_id ",
            in_ids!("$1"),
            ") r
              JOIN comments c ON c.id = r.id ",
            comment_joins!(),
            " WHERE r.n <= $2 ORDER BY c.author_id, c.id DESC"
        ))
        .bind(id_list(accounts))
        .bind(i64::from(per))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        comments(rows)
    }
}
