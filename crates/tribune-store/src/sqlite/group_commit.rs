//! Group commit for new comments (DESIGN §7). With `synchronous = FULL` every commit waits for
//! the disk, so one commit per comment caps a busy match evening at a few hundred comments a
//! second. Instead one writer task takes every comment waiting (up to [`BATCH`]), stores each
//! in one transaction, settles the counters once, commits once, and only then answers each
//! caller. A comment that breaks a rule gets its own error; when the database fails, every
//! comment of the batch gets that error.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, SqliteConnection, SqlitePool};
use tribune_core::account::{AccountId, Role};
use tribune_core::article::ArticleId;
use tribune_core::comment::{Comment, CommentId, NewComment};
use tribune_core::moderation::Verdict;
use tribune_core::store::{StoreError, StoreResult};

use super::comment_writer::Job;
use super::comments::{REPLY_ELSEWHERE, check_comment_texts};
use super::{IMMEDIATE, db, id_list, record_changes};
use crate::at::At;

/// Stores a batch; when it fails as a whole (a database error may have ended the
/// transaction, so nothing of it is stored), each of its comments gets that error.
pub(crate) async fn store_batch(pool: &SqlitePool, batch: &[Job]) -> Vec<StoreResult<Comment>> {
    match write(pool, batch).await {
        Ok(outcomes) => outcomes,
        Err(e) => batch.iter().map(|_| Err(copy(&e))).collect(),
    }
}

/// One transaction for the whole batch, in a handful of statements whatever its size: its
/// articles and authors are read once, every comment is checked (a reply also reads what it
/// answers), all that passed are stored with one insert, and the counters and the change log
/// are settled once. A refused comment (unknown article, a reply to another article) is
/// refused before the insert, so it leaves nothing behind and needs no savepoint. `Err` when the batch as a whole failed (nothing of it is stored): a database
/// error may have ended the transaction, so no later comment may be written after it.
async fn write(pool: &SqlitePool, batch: &[Job]) -> StoreResult<Vec<StoreResult<Comment>>> {
    let started = std::time::Instant::now();
    let mut tx = pool.begin_with(IMMEDIATE).await.map_err(db)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let facts = BatchFacts::read(&mut tx, batch.iter().map(|job| &job.new)).await?;
    // Checked first, then one insert for all that passed; a refusal keeps its place.
    let mut checked = Vec::with_capacity(batch.len());
    for job in batch {
        match check_comment(&mut tx, &facts, &job.new, job.now).await {
            Ok(c) => {
                checked.push(c);
                outcomes.push(None);
            }
            Err(e @ (StoreError::Backend(_) | StoreError::Unavailable(_))) => return Err(e),
            Err(refused) => outcomes.push(Some(Err(refused))),
        }
    }
    let mut stored = insert_comments(&mut tx, &checked).await?.into_iter();
    let mut public = NewPublicComments::default();
    let mut latest = None;
    let outcomes: Vec<StoreResult<Comment>> = outcomes
        .into_iter()
        .zip(batch)
        .map(|(outcome, job)| match outcome {
            Some(refused) => refused,
            None => match stored.next() {
                Some((comment, is_public)) => {
                    if is_public {
                        public.add(&comment);
                        latest = latest.max(Some(job.now));
                    }
                    Ok(comment)
                }
                None => Err(StoreError::Backend(
                    "a checked comment was not stored".into(),
                )),
            },
        })
        .collect();
    settle_new_comments(&mut tx, &public).await?;
    if let Some(at) = latest {
        let articles: Vec<ArticleId> = public.articles().collect();
        record_changes(&mut tx, &articles, at).await?;
    }
    let worked = started.elapsed();
    tx.commit().await.map_err(db)?;
    tracing::debug!(
        comments = batch.len(),
        ?worked,
        committed = ?started.elapsed() - worked,
        "comment batch stored"
    );
    Ok(outcomes)
}

/// What a batch of new comments needs to know about its articles and authors, read once
/// for the whole batch instead of once per comment.
#[derive(Debug, Default)]
pub(crate) struct BatchFacts {
    /// Published articles of the batch, with their publication time.
    articles: HashMap<ArticleId, At>,
    /// Authors of the batch: display name and role.
    authors: HashMap<AccountId, (String, String)>,
}

#[derive(sqlx::FromRow)]
struct Published {
    id: ArticleId,
    published_at: At,
}

#[derive(sqlx::FromRow)]
struct Author {
    id: AccountId,
    display_name: String,
    role: String,
}

/// What a reply answers.
#[derive(sqlx::FromRow)]
struct Parent {
    article_id: ArticleId,
    root_id: Option<CommentId>,
    author_name: String,
}

impl BatchFacts {
    pub(crate) async fn read(
        tx: &mut SqliteConnection,
        news: impl Iterator<Item = &NewComment> + Clone,
    ) -> StoreResult<Self> {
        let mut facts = BatchFacts::default();
        let articles: Vec<ArticleId> = news.clone().map(|n| n.article_id).collect();
        for a in sqlx::query_as::<_, Published>(
            "SELECT id, published_at FROM articles
             WHERE id IN (SELECT value FROM json_each(?)) AND status = 'published'",
        )
        .bind(id_list(&articles))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        {
            facts.articles.insert(a.id, a.published_at);
        }
        let authors: Vec<AccountId> = news.map(|n| n.author_id).collect();
        for a in sqlx::query_as::<_, Author>(
            "SELECT id, display_name, role FROM accounts
             WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(id_list(&authors))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        {
            facts.authors.insert(a.id, (a.display_name, a.role));
        }
        Ok(facts)
    }
}

/// A judged comment that passed the batch's checks, ready for [`insert_comments`].
pub(crate) struct Checked<'a> {
    new: &'a NewComment,
    now: DateTime<Utc>,
    author_name: &'a str,
    role: &'a str,
    root_id: Option<CommentId>,
    reply_to_name: Option<String>,
}

/// Checks one judged comment of a batch (see [`CommentStore::add_comment`]) against what
/// [`BatchFacts`] knows of its article and author; a reply also looks up what it answers.
/// A refusal (NotFound, Invalid) leaves nothing behind.
pub(crate) async fn check_comment<'a>(
    tx: &mut SqliteConnection,
    facts: &'a BatchFacts,
    new: &'a NewComment,
    now: DateTime<Utc>,
) -> StoreResult<Checked<'a>> {
    check_comment_texts(new)?;
    // No such author (any more).
    let Some((author_name, role)) = facts.authors.get(&new.author_id) else {
        return Err(StoreError::NotFound);
    };
    if facts
        .articles
        .get(&new.article_id)
        .is_none_or(|published| published.millis() > At(now).millis())
    {
        return Err(StoreError::NotFound);
    }
    let (root_id, reply_to_name) = match new.reply_to {
        None => (None, None),
        Some(parent) => {
            let found: Option<Parent> = sqlx::query_as(
                "SELECT p.article_id, p.root_id,
                        COALESCE(pa.display_name, 'verwijderd account') AS author_name
                 FROM comments p LEFT JOIN accounts pa ON pa.id = p.author_id
                 WHERE p.id = ?",
            )
            .bind(parent)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let Some(p) = found.filter(|p| p.article_id == new.article_id) else {
                return Err(StoreError::Invalid(REPLY_ELSEWHERE.into()));
            };
            // Threads are two levels deep: a reply to a reply joins its top-level comment
            // and names whom it answers.
            match p.root_id {
                Some(root) => (Some(root), Some(p.author_name)),
                None => (Some(parent), None),
            }
        }
    };
    Ok(Checked {
        new,
        now,
        author_name,
        role,
        root_id,
        reply_to_name,
    })
}

/// Stores checked comments inside the caller's transaction with one multi-row insert,
/// without touching any counter: the caller settles those with [`settle_new_comments`]
/// before it commits. One statement for the whole batch keeps the writer's round trips to
/// its connection thread few, whatever the batch size. Returns each comment and whether the
/// public sees it, in the order given.
pub(crate) async fn insert_comments(
    tx: &mut SqliteConnection,
    checked: &[Checked<'_>],
) -> StoreResult<Vec<(Comment, bool)>> {
    if checked.is_empty() {
        return Ok(Vec::new());
    }
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let sql = format!(
        "INSERT INTO comments (article_id, author_id, root_id, reply_to, body_markdown, body_html,
            fingerprint, verdict, reasons, risk, shadow, public, listed, created_at)
         VALUES {} RETURNING id",
        vec![row; checked.len()].join(", ")
    );
    // Only placeholders are repeated; every value is bound.
    let mut insert = sqlx::query(AssertSqlSafe(sql));
    let mut shown = Vec::with_capacity(checked.len());
    for c in checked {
        let new = c.new;
        let public = new.verdict == Verdict::Visible && !new.shadow;
        // A public top-level comment is listed at once; a thread's root is listed by its
        // replies.
        let listed = public && c.root_id.is_none();
        shown.push(public);
        insert = insert
            .bind(new.article_id)
            .bind(new.author_id)
            .bind(c.root_id)
            .bind(new.reply_to)
            .bind(&new.body_markdown)
            .bind(&new.body_html)
            .bind(new.fingerprint)
            .bind(new.verdict.as_str())
            .bind(new.reasons.join(" "))
            .bind(i64::from(new.risk))
            .bind(new.shadow)
            .bind(public)
            .bind(listed)
            .bind(At(c.now));
    }
    let mut ids: Vec<CommentId> = insert
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| sqlx::Row::try_get(r, "id"))
        .collect::<Result<_, _>>()
        .map_err(db)?;
    if ids.len() != checked.len() {
        return Err(StoreError::Backend(
            format!(
                "{} comments inserted, {} ids returned",
                checked.len(),
                ids.len()
            )
            .into(),
        ));
    }
    // The rows get rising ids in the order of VALUES; RETURNING may list them in any order.
    ids.sort_unstable();
    Ok(checked
        .iter()
        .zip(ids)
        .zip(shown)
        .map(|((c, id), public)| {
            let new = c.new;
            let comment = Comment {
                id,
                article_id: new.article_id,
                author_id: Some(new.author_id),
                author_name: c.author_name.to_string(),
                author_role: Role::parse(c.role)
                    .filter(|r| r.is_staff())
                    .map(|r| r.as_str().to_string()),
                root_id: c.root_id,
                reply_to: new.reply_to,
                reply_to_name: c.reply_to_name.clone(),
                body_markdown: new.body_markdown.clone(),
                body_html: new.body_html.clone(),
                created_at: At(c.now).stored().0,
                edited_at: None,
                deleted: false,
                verdict: new.verdict,
                shadow: new.shadow,
                up: 0,
                down: 0,
                reply_count: 0,
                public,
            };
            (comment, public)
        })
        .collect())
}

/// What a batch of new public comments adds to the counters: per article, per thread root
/// and per author. Settling them once per batch instead of once per comment keeps a busy
/// article's row from being rewritten a hundred times in one commit.
#[derive(Debug, Default)]
pub(crate) struct NewPublicComments {
    articles: BTreeMap<ArticleId, i64>,
    roots: BTreeMap<CommentId, i64>,
    authors: BTreeMap<AccountId, i64>,
}

impl NewPublicComments {
    pub(crate) fn add(&mut self, c: &Comment) {
        *self.articles.entry(c.article_id).or_default() += 1;
        if let Some(root) = c.root_id {
            *self.roots.entry(root).or_default() += 1;
        }
        if let Some(author) = c.author_id {
            *self.authors.entry(author).or_default() += 1;
        }
    }

    /// The articles whose pages changed.
    pub(crate) fn articles(&self) -> impl Iterator<Item = ArticleId> + '_ {
        self.articles.keys().copied()
    }
}

/// `[[key, n], ...]`, for `json_each(?)` in the batch's counter updates.
fn pairs(counts: &BTreeMap<i64, i64>) -> String {
    let pairs: Vec<String> = counts.iter().map(|(k, n)| format!("[{k},{n}]")).collect();
    format!("[{}]", pairs.join(","))
}

/// The rows `d(id, n)` of a [`pairs`] parameter.
macro_rules! by_key {
    () => {
        "(SELECT value ->> 0 AS id, value ->> 1 AS n FROM json_each(?)) AS d"
    };
}

/// Adds a batch's new public comments to the article counts, the threads' reply counts (and
/// their `listed` flag) and the authors' trust, in the caller's transaction: one statement
/// for each kind of counter, whatever the batch holds.
pub(crate) async fn settle_new_comments(
    tx: &mut SqliteConnection,
    new: &NewPublicComments,
) -> StoreResult<()> {
    add_by_key(
        tx,
        concat!(
            "UPDATE articles SET comment_count = comment_count + d.n FROM ",
            by_key!(),
            " WHERE articles.id = d.id"
        ),
        &new.articles,
    )
    .await?;
    // The right-hand sides see the row as it was before this statement.
    add_by_key(
        tx,
        concat!(
            "UPDATE comments SET reply_count = reply_count + d.n,
                listed = (public = 1 OR reply_count + d.n > 0) FROM ",
            by_key!(),
            " WHERE comments.id = d.id"
        ),
        &new.roots,
    )
    .await?;
    add_by_key(
        tx,
        concat!(
            "UPDATE accounts SET approved_comments = MAX(approved_comments + d.n, 0) FROM ",
            by_key!(),
            " WHERE accounts.id = d.id"
        ),
        &new.authors,
    )
    .await
}

/// Runs one counter update over `counts` (nothing when it is empty).
async fn add_by_key(
    tx: &mut SqliteConnection,
    sql: &'static str,
    counts: &BTreeMap<i64, i64>,
) -> StoreResult<()> {
    if counts.is_empty() {
        return Ok(());
    }
    sqlx::query(sql)
        .bind(pairs(counts))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// The batch's error for one of its callers (errors cannot be cloned; their text can).
fn copy(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound => StoreError::NotFound,
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Invalid(m) => StoreError::Invalid(m.clone()),
        StoreError::Unavailable(source) => StoreError::Unavailable(source.to_string().into()),
        StoreError::Backend(source) => StoreError::Backend(source.to_string().into()),
    }
}
