//! Comments, votes on them, reports and the moderators' work.
//!
//! One rule holds everything together: a comment's `public` flag (visible, not deleted, not
//! shadow) only changes in [`settle`], which moves the article's comment count, the thread's
//! reply count and the top-level comment's `listed` flag with it, in the caller's transaction.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row, SqliteConnection};
use tracing::instrument;
use tribune_core::account::{AccountId, Role};
use tribune_core::article::ArticleId;
use tribune_core::comment::{
    AccountAction, Comment, CommentAction, CommentCursor, CommentEdit, CommentId, CommentSort,
    CommentsPage, EDIT_WINDOW, LogEntry, Lookback, NewComment, PostingContext, Queue, QueueItem,
    Report, ReportReason, SAME_TEXT_CAP, Thread,
};
use tribune_core::moderation::{RecentComment, Verdict};
use tribune_core::store::{CommentStore, CounterMismatch, StoreError, StoreResult};

use super::accounts::{is_unique_violation, reason_of};
use super::{IMMEDIATE, SqliteStore, db, finish, from_ms, ms};

/// The columns [`comment_from_row`] reads, in its order; needs [`comment_joins`].
macro_rules! comment_columns {
    () => {
        "c.id, c.article_id, c.author_id, COALESCE(au.display_name, 'verwijderd account'),
         au.role, c.root_id, c.reply_to,
         CASE WHEN c.reply_to IS NOT NULL AND c.reply_to <> c.root_id
              THEN COALESCE(pa.display_name, 'verwijderd account') END,
         c.body_markdown, c.body_html, c.created_at, c.edited_at, c.deleted, c.verdict,
         c.shadow, c.up, c.down, c.reply_count, c.public"
    };
}
pub(crate) use comment_columns;

/// The author, and the author of the comment answered, of `comments c`.
macro_rules! comment_joins {
    () => {
        "LEFT JOIN accounts au ON au.id = c.author_id
         LEFT JOIN comments p ON p.id = c.reply_to
         LEFT JOIN accounts pa ON pa.id = p.author_id"
    };
}
pub(crate) use comment_joins;

/// The columns [`report_from_row`] reads, from `comment_reports r` with its reporter `ra`.
macro_rules! report_columns {
    () => {
        "r.id, r.comment_id, r.reporter_id, COALESCE(ra.display_name, 'verwijderd account'),
         r.reason, r.note, r.comment_text, r.created_at, r.resolved_at IS NOT NULL"
    };
}
pub(crate) use report_columns;

/// The columns after [`comment_columns`] start here.
const AFTER_COMMENT: usize = 19;

pub(crate) fn comment_from_row(r: &SqliteRow) -> StoreResult<Comment> {
    let verdict: String = r.try_get(13).map_err(db)?;
    let role: Option<String> = r.try_get(4).map_err(db)?;
    Ok(Comment {
        id: r.try_get(0).map_err(db)?,
        article_id: r.try_get(1).map_err(db)?,
        author_id: r.try_get(2).map_err(db)?,
        author_name: r.try_get(3).map_err(db)?,
        author_role: staff_role(role),
        root_id: r.try_get(5).map_err(db)?,
        reply_to: r.try_get(6).map_err(db)?,
        reply_to_name: r.try_get(7).map_err(db)?,
        body_markdown: r.try_get(8).map_err(db)?,
        body_html: r.try_get(9).map_err(db)?,
        created_at: from_ms(r.try_get(10).map_err(db)?),
        edited_at: r.try_get::<Option<i64>, _>(11).map_err(db)?.map(from_ms),
        deleted: r.try_get(12).map_err(db)?,
        verdict: Verdict::parse(&verdict)
            .ok_or_else(|| StoreError::Invalid(format!("unknown verdict {verdict}")))?,
        shadow: r.try_get(14).map_err(db)?,
        up: r.try_get(15).map_err(db)?,
        down: r.try_get(16).map_err(db)?,
        reply_count: r.try_get(17).map_err(db)?,
        public: r.try_get(18).map_err(db)?,
    })
}

/// The role shown beside a comment: staff only.
fn staff_role(role: Option<String>) -> Option<String> {
    role.filter(|r| Role::parse(r).is_some_and(Role::is_staff))
}

pub(crate) fn report_from_row(r: &SqliteRow) -> StoreResult<Report> {
    Ok(Report {
        id: r.try_get(0).map_err(db)?,
        comment_id: r.try_get(1).map_err(db)?,
        reporter_id: r.try_get(2).map_err(db)?,
        reporter_name: r.try_get(3).map_err(db)?,
        reason: reason_of(r.try_get(4).map_err(db)?)?,
        note: r.try_get(5).map_err(db)?,
        comment_text: r.try_get(6).map_err(db)?,
        created_at: from_ms(r.try_get(7).map_err(db)?),
        resolved: r.try_get(8).map_err(db)?,
    })
}

/// What the public sees of a top-level comment that is not public itself but still heads
/// public replies: its place, without its text.
fn placeholder(mut c: Comment) -> Comment {
    if !c.public {
        c.body_markdown.clear();
        c.body_html.clear();
    }
    c
}

/// Ids as a JSON array, for `IN (SELECT value FROM json_each(?))`.
fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

async fn comment_in(conn: &mut SqliteConnection, id: CommentId) -> StoreResult<Option<Comment>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments c ",
        comment_joins!(),
        " WHERE c.id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    row.as_ref().map(comment_from_row).transpose()
}

/// Brings the comment's `public` flag in line with its verdict, deletion and shadow, and the
/// counters that depend on it: the article's comment count, the thread's reply count and the
/// top-level comment's `listed`. Returns the article when what the public sees changed.
pub(crate) async fn settle(
    tx: &mut SqliteConnection,
    id: CommentId,
) -> StoreResult<Option<ArticleId>> {
    let r = sqlx::query(
        "SELECT public, verdict = 'visible' AND deleted = 0 AND shadow = 0, article_id, root_id
         FROM comments WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    let was: bool = r.try_get(0).map_err(db)?;
    let is: bool = r.try_get(1).map_err(db)?;
    let article: ArticleId = r.try_get(2).map_err(db)?;
    let root: Option<CommentId> = r.try_get(3).map_err(db)?;
    if was == is {
        return Ok(None);
    }
    sqlx::query("UPDATE comments SET public = ? WHERE id = ?")
        .bind(is)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    move_counts(tx, article, root, id, if is { 1 } else { -1 }).await?;
    Ok(Some(article))
}

/// After comment `id` became public (`delta` 1) or stopped being public (-1): the article's
/// count, and the thread's reply count and `listed` (or the comment's own `listed` when it is
/// top-level).
async fn move_counts(
    tx: &mut SqliteConnection,
    article: ArticleId,
    root: Option<CommentId>,
    id: CommentId,
    delta: i64,
) -> StoreResult<()> {
    count_on_article(tx, article, delta).await?;
    match root {
        Some(root) => count_replies(tx, root, delta).await,
        None => {
            sqlx::query(
                "UPDATE comments SET listed = (public = 1 OR reply_count > 0) WHERE id = ?",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            Ok(())
        }
    }
}

/// Moves an article's count of public comments.
async fn count_on_article(
    tx: &mut SqliteConnection,
    article: ArticleId,
    delta: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE articles SET comment_count = comment_count + ? WHERE id = ?")
        .bind(delta)
        .bind(article)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// Moves a thread's count of public replies, and whether its root is listed.
async fn count_replies(tx: &mut SqliteConnection, root: CommentId, delta: i64) -> StoreResult<()> {
    // The right-hand sides see the row as it was before this statement.
    sqlx::query(
        "UPDATE comments SET reply_count = reply_count + ?1,
            listed = (public = 1 OR reply_count + ?1 > 0)
         WHERE id = ?2",
    )
    .bind(delta)
    .bind(root)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Marks a comment deleted and forgets its text (revisions included); the caller settles.
pub(crate) async fn blank(tx: &mut SqliteConnection, id: CommentId) -> StoreResult<()> {
    sqlx::query("UPDATE comments SET deleted = 1, body_markdown = '', body_html = '' WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM comment_revisions WHERE comment_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// What a batch of new comments needs to know about its articles and authors, read once
/// for the whole batch instead of once per comment.
#[derive(Debug, Default)]
pub(crate) struct BatchFacts {
    /// Published articles of the batch, with their publication time (Unix ms).
    articles: HashMap<ArticleId, i64>,
    /// Authors of the batch: display name and role.
    authors: HashMap<AccountId, (String, String)>,
}

impl BatchFacts {
    pub(crate) async fn read(
        tx: &mut SqliteConnection,
        news: impl Iterator<Item = &NewComment> + Clone,
    ) -> StoreResult<Self> {
        let mut facts = BatchFacts::default();
        for r in sqlx::query(
            "SELECT id, published_at FROM articles
             WHERE id IN (SELECT value FROM json_each(?)) AND status = 'published'",
        )
        .bind(id_list(news.clone().map(|n| n.article_id)))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        {
            facts
                .articles
                .insert(r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?);
        }
        for r in sqlx::query(
            "SELECT id, display_name, role FROM accounts
             WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(id_list(news.map(|n| n.author_id)))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        {
            facts.authors.insert(
                r.try_get(0).map_err(db)?,
                (r.try_get(1).map_err(db)?, r.try_get(2).map_err(db)?),
            );
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
    let Some((author_name, role)) = facts.authors.get(&new.author_id) else {
        return Err(StoreError::Invalid(format!(
            "account {} does not exist",
            new.author_id
        )));
    };
    if facts
        .articles
        .get(&new.article_id)
        .is_none_or(|published| *published > ms(now))
    {
        return Err(StoreError::NotFound);
    }
    let (root_id, reply_to_name) = match new.reply_to {
        None => (None, None),
        Some(parent) => {
            let found = sqlx::query(
                "SELECT p.article_id, p.root_id, COALESCE(pa.display_name, 'verwijderd account')
                 FROM comments p LEFT JOIN accounts pa ON pa.id = p.author_id
                 WHERE p.id = ?",
            )
            .bind(parent)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let Some(r) = found.filter(|r| {
                r.try_get::<ArticleId, _>(0)
                    .is_ok_and(|on| on == new.article_id)
            }) else {
                return Err(StoreError::Invalid(
                    "Je reageert op een reactie die niet bij dit artikel hoort.".into(),
                ));
            };
            // Threads are two levels deep: a reply to a reply joins its top-level comment
            // and names whom it answers.
            match r.try_get::<Option<CommentId>, _>(1).map_err(db)? {
                Some(root) => (Some(root), Some(r.try_get::<String, _>(2).map_err(db)?)),
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
            .bind(ms(c.now));
    }
    let mut ids = Vec::with_capacity(checked.len());
    for r in insert.fetch_all(&mut *tx).await.map_err(db)? {
        ids.push(r.try_get::<CommentId, _>(0).map_err(db)?);
    }
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
                author_role: staff_role(Some(c.role.to_string())),
                root_id: c.root_id,
                reply_to: new.reply_to,
                reply_to_name: c.reply_to_name.clone(),
                body_markdown: new.body_markdown.clone(),
                body_html: new.body_html.clone(),
                created_at: from_ms(ms(c.now)),
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

/// Moves an author's count of comments that went visible, never below zero.
async fn trust(tx: &mut SqliteConnection, author: AccountId, delta: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE accounts SET approved_comments = MAX(approved_comments + ?, 0) WHERE id = ?",
    )
    .bind(delta)
    .bind(author)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// The display name of an account that acts as moderator, for the log.
async fn moderator_name(tx: &mut SqliteConnection, id: AccountId) -> StoreResult<String> {
    sqlx::query("SELECT display_name FROM accounts WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::Invalid(format!("moderator {id} does not exist")))?
        .try_get(0)
        .map_err(db)
}

struct LogLine<'a> {
    at: DateTime<Utc>,
    moderator_id: AccountId,
    action: &'static str,
    comment_id: Option<CommentId>,
    account_id: Option<AccountId>,
    reason: &'a str,
}

async fn log(tx: &mut SqliteConnection, line: LogLine<'_>) -> StoreResult<()> {
    let name = moderator_name(tx, line.moderator_id).await?;
    sqlx::query(
        "INSERT INTO moderation_log (at, moderator_id, moderator_name, action, comment_id,
            account_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ms(line.at))
    .bind(line.moderator_id)
    .bind(name)
    .bind(line.action)
    .bind(line.comment_id)
    .bind(line.account_id)
    .bind(line.reason.trim())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// The query for one page of top-level comments in `sort`'s order (binds: article, cursor
/// key, cursor id, rows), and the cursor to start from. Each order reads one range of a
/// partial index, named because without statistics SQLite may pick the plain
/// (article_id, created_at) index and wade through every reply of the article.
fn roots_sql(sort: CommentSort) -> (&'static str, (i64, i64)) {
    macro_rules! roots {
        ($index:literal, $order:literal) => {
            concat!(
                "SELECT ",
                comment_columns!(),
                " FROM comments c INDEXED BY ",
                $index,
                " ",
                comment_joins!(),
                " WHERE c.article_id = ? AND c.root_id IS NULL AND c.listed = 1 AND ",
                $order,
                " LIMIT ?"
            )
        };
    }
    match sort {
        CommentSort::Newest => (
            roots!(
                "comments_newest",
                "(c.created_at, c.id) < (?, ?) ORDER BY c.created_at DESC, c.id DESC"
            ),
            (i64::MAX, i64::MAX),
        ),
        CommentSort::Oldest => (
            roots!(
                "comments_newest",
                "(c.created_at, c.id) > (?, ?) ORDER BY c.created_at, c.id"
            ),
            (i64::MIN, i64::MIN),
        ),
        CommentSort::Best => (
            roots!(
                "comments_best",
                "(c.score, c.id) < (?, ?) ORDER BY c.score DESC, c.id DESC"
            ),
            (i64::MAX, i64::MAX),
        ),
    }
}

/// Top-level comments of one page, in the sort's order, after the cursor (`limit` + 1 rows,
/// so the caller knows whether there is more).
async fn roots_page(
    conn: &mut SqliteConnection,
    article_id: ArticleId,
    sort: CommentSort,
    after: Option<CommentCursor>,
    limit: u32,
) -> StoreResult<Vec<Comment>> {
    let (sql, start) = roots_sql(sort);
    let (key, id) = after.map_or(start, |c| (c.key, c.id));
    sqlx::query(sql)
        .bind(article_id)
        .bind(key)
        .bind(id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(comment_from_row)
        .collect()
}

/// The first N public replies of each root in a JSON list, oldest first (binds: roots, N).
/// The inner part reads only the covering partial index of public replies.
const FIRST_REPLIES: &str = concat!(
    "SELECT ",
    comment_columns!(),
    " FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY root_id ORDER BY created_at, id) AS n
            FROM comments
            WHERE root_id IN (SELECT value FROM json_each(?)) AND root_id IS NOT NULL
              AND public = 1) first
      JOIN comments c ON c.id = first.id ",
    comment_joins!(),
    " WHERE first.n <= ? ORDER BY c.root_id, c.created_at, c.id"
);

/// The first `per_root` public replies of each root, oldest first, in one query.
async fn first_replies(
    conn: &mut SqliteConnection,
    roots: &[CommentId],
    per_root: u32,
) -> StoreResult<HashMap<CommentId, Vec<Comment>>> {
    let mut by_root: HashMap<CommentId, Vec<Comment>> = HashMap::new();
    if roots.is_empty() || per_root == 0 {
        return Ok(by_root);
    }
    let rows = sqlx::query(FIRST_REPLIES)
        .bind(id_list(roots.iter().copied()))
        .bind(i64::from(per_root))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    for r in &rows {
        let reply = comment_from_row(r)?;
        if let Some(root) = reply.root_id {
            by_root.entry(root).or_default().push(reply);
        }
    }
    Ok(by_root)
}

/// The open reports on these comments, oldest first.
async fn open_reports(
    conn: &mut SqliteConnection,
    ids: &[CommentId],
) -> StoreResult<HashMap<CommentId, Vec<Report>>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        report_columns!(),
        " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
          WHERE r.comment_id IN (SELECT value FROM json_each(?)) AND r.resolved_at IS NULL
          ORDER BY r.id"
    ))
    .bind(id_list(ids.iter().copied()))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut by_comment: HashMap<CommentId, Vec<Report>> = HashMap::new();
    for r in &rows {
        let report = report_from_row(r)?;
        by_comment
            .entry(report.comment_id)
            .or_default()
            .push(report);
    }
    Ok(by_comment)
}

impl SqliteStore {
    async fn comments_page_in(
        conn: &mut SqliteConnection,
        article_id: ArticleId,
        sort: CommentSort,
        after: Option<CommentCursor>,
        limit: u32,
        replies: u32,
    ) -> StoreResult<CommentsPage> {
        let limit = limit.max(1);
        let mut roots = roots_page(conn, article_id, sort, after, limit).await?;
        let more = roots.len() > limit as usize;
        roots.truncate(limit as usize);
        let next = match roots.last() {
            Some(last) if more => Some(CommentCursor::after(last, sort).encode()),
            _ => None,
        };
        let ids: Vec<CommentId> = roots.iter().map(|c| c.id).collect();
        let mut replies = first_replies(conn, &ids, replies).await?;
        let threads = roots
            .into_iter()
            .map(|root| Thread {
                replies: replies.remove(&root.id).unwrap_or_default(),
                root: placeholder(root),
            })
            .collect();
        Ok(CommentsPage { threads, next })
    }

    async fn thread_in(
        conn: &mut SqliteConnection,
        root_id: CommentId,
    ) -> StoreResult<Option<Thread>> {
        let Some(root) = comment_in(conn, root_id).await? else {
            return Ok(None);
        };
        if root.root_id.is_some() || !(root.public || root.reply_count > 0) {
            return Ok(None);
        }
        let replies = sqlx::query(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c ",
            comment_joins!(),
            " WHERE c.root_id = ? AND c.public = 1 ORDER BY c.created_at, c.id"
        ))
        .bind(root_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(comment_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(Thread {
            root: placeholder(root),
            replies,
        }))
    }

    async fn edit_comment_in(
        tx: &mut SqliteConnection,
        id: CommentId,
        author_id: AccountId,
        edit: &CommentEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let old = comment_in(tx, id)
            .await?
            .filter(|c| c.author_id == Some(author_id))
            .ok_or(StoreError::NotFound)?;
        if old.deleted {
            return Err(StoreError::Invalid(
                "Een verwijderde reactie kan je niet meer aanpassen.".into(),
            ));
        }
        if now - old.created_at > EDIT_WINDOW {
            return Err(StoreError::Invalid(format!(
                "Je kan een reactie alleen de eerste {} minuten na het plaatsen aanpassen.",
                EDIT_WINDOW.num_minutes()
            )));
        }
        // A new text must not undo a moderator's decision.
        let removed = sqlx::query(
            "SELECT 1 FROM moderation_log WHERE comment_id = ? AND action IN ('reject', 'remove')",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if old.verdict == Verdict::Rejected && removed.is_some() {
            return Err(StoreError::Invalid(
                "Een moderator heeft deze reactie verwijderd; aanpassen kan niet meer.".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO comment_revisions (comment_id, body_markdown, replaced_at) VALUES (?, ?, ?)",
        )
        .bind(id)
        .bind(&old.body_markdown)
        .bind(ms(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE comments SET body_markdown = ?, body_html = ?, fingerprint = ?, verdict = ?,
                reasons = ?, risk = ?, edited_at = ?
             WHERE id = ?",
        )
        .bind(&edit.body_markdown)
        .bind(&edit.body_html)
        .bind(edit.fingerprint)
        .bind(edit.verdict.as_str())
        .bind(edit.reasons.join(" "))
        .bind(i64::from(edit.risk))
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let changed = settle(tx, id).await?.is_some();
        if changed || old.public {
            Self::record_change(tx, old.article_id, now).await?;
        }
        comment_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_comment_in(
        tx: &mut SqliteConnection,
        id: CommentId,
        author_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let old = comment_in(tx, id)
            .await?
            .filter(|c| c.author_id == Some(author_id))
            .ok_or(StoreError::NotFound)?;
        if old.deleted {
            return Ok(old);
        }
        blank(tx, id).await?;
        if let Some(article) = settle(tx, id).await? {
            Self::record_change(tx, article, now).await?;
        }
        comment_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn vote_comment_in(
        tx: &mut SqliteConnection,
        id: CommentId,
        account_id: AccountId,
        value: i32,
    ) -> StoreResult<(i64, i64)> {
        let r = sqlx::query("SELECT author_id, public, article_id FROM comments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        if r.try_get::<Option<AccountId>, _>(0).map_err(db)? == Some(account_id) {
            return Err(StoreError::Invalid(
                "Je kan niet stemmen op je eigen reactie.".into(),
            ));
        }
        if !r.try_get::<bool, _>(1).map_err(db)? {
            return Err(StoreError::Invalid(
                "Op deze reactie kan je niet stemmen.".into(),
            ));
        }
        let article: ArticleId = r.try_get(2).map_err(db)?;
        let old: i32 =
            sqlx::query("SELECT value FROM comment_votes WHERE account_id = ? AND comment_id = ?")
                .bind(account_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(db)?
                .unwrap_or(0);
        if value == 0 {
            sqlx::query("DELETE FROM comment_votes WHERE account_id = ? AND comment_id = ?")
                .bind(account_id)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        } else {
            sqlx::query(
                "INSERT INTO comment_votes (comment_id, account_id, value) VALUES (?, ?, ?)
                 ON CONFLICT (account_id, comment_id) DO UPDATE SET value = excluded.value",
            )
            .bind(id)
            .bind(account_id)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let up = i64::from(value == 1) - i64::from(old == 1);
        let down = i64::from(value == -1) - i64::from(old == -1);
        let r = sqlx::query(
            "UPDATE comments SET up = up + ?1, down = down + ?2, score = score + ?1 - ?2
             WHERE id = ?3 RETURNING up, down",
        )
        .bind(up)
        .bind(down)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if up != 0 || down != 0 {
            Self::record_change(tx, article, Utc::now()).await?;
        }
        Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?))
    }

    async fn report_comment_in(
        tx: &mut SqliteConnection,
        id: CommentId,
        reporter_id: AccountId,
        reason: ReportReason,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let text: String = sqlx::query("SELECT body_markdown FROM comments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?
            .try_get(0)
            .map_err(db)?;
        let report: i64 = match sqlx::query(
            "INSERT INTO comment_reports (comment_id, reporter_id, reason, note, comment_text,
                created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(id)
        .bind(reporter_id)
        .bind(reason.as_str())
        .bind(note.trim())
        .bind(&text)
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        {
            Ok(r) => r.try_get(0).map_err(db)?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "Je hebt deze reactie al gemeld; een moderator bekijkt ze.".into(),
                ));
            }
            Err(e) => return Err(db(e)),
        };
        sqlx::query(
            "UPDATE comments SET open_reports = open_reports + 1, report_risk = report_risk + ?
             WHERE id = ?",
        )
        .bind(i64::from(reason.risk()))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let r = sqlx::query(concat!(
            "SELECT ",
            report_columns!(),
            " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
              WHERE r.id = ?"
        ))
        .bind(report)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        report_from_row(&r)
    }

    async fn queue_in(
        conn: &mut SqliteConnection,
        queue: Queue,
        limit: u32,
    ) -> StoreResult<Vec<QueueItem>> {
        macro_rules! queue {
            ($filter:literal, $order:literal) => {
                concat!(
                    "SELECT ",
                    comment_columns!(),
                    ", a.title, c.reasons, c.risk + c.report_risk FROM comments c ",
                    comment_joins!(),
                    " JOIN articles a ON a.id = c.article_id WHERE ",
                    $filter,
                    " ORDER BY ",
                    $order,
                    " LIMIT ?"
                )
            };
        }
        let sql = match queue {
            Queue::Pending => queue!(
                "c.verdict = 'pending' AND c.deleted = 0",
                "c.risk DESC, c.id"
            ),
            Queue::Reported => queue!("c.open_reports > 0", "c.report_risk + c.risk DESC, c.id"),
            Queue::Flagged => queue!("c.risk > 0", "c.risk DESC, c.id"),
        };
        let rows = sqlx::query(sql)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let mut items = rows
            .iter()
            .map(|r| {
                let reasons: String = r.try_get(AFTER_COMMENT + 1).map_err(db)?;
                Ok(QueueItem {
                    comment: comment_from_row(r)?,
                    article_title: r.try_get(AFTER_COMMENT).map_err(db)?,
                    reasons: reasons.split_whitespace().map(str::to_string).collect(),
                    risk: u32::try_from(r.try_get::<i64, _>(AFTER_COMMENT + 2).map_err(db)?)
                        .unwrap_or(u32::MAX),
                    reports: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let ids: Vec<CommentId> = items.iter().map(|i| i.comment.id).collect();
        let mut reports = open_reports(conn, &ids).await?;
        for item in &mut items {
            item.reports = reports.remove(&item.comment.id).unwrap_or_default();
        }
        Ok(items)
    }

    async fn moderate_comment_in(
        tx: &mut SqliteConnection,
        id: CommentId,
        moderator_id: AccountId,
        action: CommentAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let old = comment_in(tx, id).await?.ok_or(StoreError::NotFound)?;
        let verdict = action.apply(old.verdict).map_err(StoreError::Invalid)?;
        sqlx::query(
            "UPDATE comments SET verdict = ?, open_reports = 0, report_risk = 0 WHERE id = ?",
        )
        .bind(verdict.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE comment_reports SET resolved_at = ? WHERE comment_id = ? AND resolved_at IS NULL",
        )
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(article) = settle(tx, id).await? {
            Self::record_change(tx, article, now).await?;
        }
        if let Some(author) = old.author_id {
            match action {
                CommentAction::Approve | CommentAction::Restore => trust(tx, author, 1).await?,
                CommentAction::Remove => trust(tx, author, -1).await?,
                CommentAction::Reject | CommentAction::Dismiss => {}
            }
        }
        log(
            tx,
            LogLine {
                at: now,
                moderator_id,
                action: action.as_str(),
                comment_id: Some(id),
                account_id: old.author_id,
                reason,
            },
        )
        .await?;
        super::model::teach(tx, id, action, now).await?;
        comment_in(tx, id).await?.ok_or(StoreError::NotFound)
    }

    async fn moderate_account_in(
        tx: &mut SqliteConnection,
        account_id: AccountId,
        moderator_id: AccountId,
        action: AccountAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<tribune_core::account::Account> {
        let query = match action {
            AccountAction::Suspend { until } => {
                sqlx::query("UPDATE accounts SET suspended_until = ? WHERE id = ?").bind(ms(until))
            }
            AccountAction::Ban => sqlx::query("UPDATE accounts SET banned = 1 WHERE id = ?"),
            AccountAction::ShadowBan => {
                sqlx::query("UPDATE accounts SET shadow_banned = 1 WHERE id = ?")
            }
            AccountAction::Reinstate => sqlx::query(
                "UPDATE accounts SET suspended_until = NULL, banned = 0, shadow_banned = 0
                 WHERE id = ?",
            ),
        };
        let done = query.bind(account_id).execute(&mut *tx).await.map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if action == AccountAction::Ban {
            sqlx::query("DELETE FROM sessions WHERE account_id = ?")
                .bind(account_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        log(
            tx,
            LogLine {
                at: now,
                moderator_id,
                action: action.as_str(),
                comment_id: None,
                account_id: Some(account_id),
                reason,
            },
        )
        .await?;
        Self::account_in(tx, account_id)
            .await?
            .ok_or(StoreError::NotFound)
    }
}

/// Every stored counter beside a count of its rows, where they differ. `public` is counted
/// from its definition, so a wrong flag shows up too.
const MISMATCHES: &str = "
    WITH pub AS (
        SELECT id, article_id, root_id FROM comments
        WHERE verdict = 'visible' AND deleted = 0 AND shadow = 0
    ),
    per_article AS (SELECT article_id, COUNT(*) AS n FROM pub GROUP BY article_id),
    per_root AS (SELECT root_id, COUNT(*) AS n FROM pub WHERE root_id IS NOT NULL GROUP BY root_id),
    votes AS (
        SELECT comment_id, SUM(value = 1) AS up, SUM(value = -1) AS down
        FROM comment_votes GROUP BY comment_id
    ),
    per_option AS (SELECT option_id, COUNT(*) AS n FROM poll_votes GROUP BY option_id),
    per_poll AS (SELECT poll_id, COUNT(*) AS n FROM poll_votes GROUP BY poll_id)
    SELECT 'article ' || a.id || ' comment_count', a.comment_count, COALESCE(n.n, 0)
        FROM articles a LEFT JOIN per_article n ON n.article_id = a.id
        WHERE a.comment_count <> COALESCE(n.n, 0)
    UNION ALL
    SELECT 'comment ' || c.id || ' public', c.public,
           (c.verdict = 'visible' AND c.deleted = 0 AND c.shadow = 0)
        FROM comments c
        WHERE c.public <> (c.verdict = 'visible' AND c.deleted = 0 AND c.shadow = 0)
    UNION ALL
    SELECT 'comment ' || c.id || ' reply_count', c.reply_count, COALESCE(n.n, 0)
        FROM comments c LEFT JOIN per_root n ON n.root_id = c.id
        WHERE c.reply_count <> COALESCE(n.n, 0)
    UNION ALL
    SELECT 'comment ' || c.id || ' listed', c.listed,
           (c.root_id IS NULL AND (c.public = 1 OR c.reply_count > 0))
        FROM comments c
        WHERE c.listed <> (c.root_id IS NULL AND (c.public = 1 OR c.reply_count > 0))
    UNION ALL
    SELECT 'comment ' || c.id || ' up', c.up, COALESCE(v.up, 0)
        FROM comments c LEFT JOIN votes v ON v.comment_id = c.id
        WHERE c.up <> COALESCE(v.up, 0)
    UNION ALL
    SELECT 'comment ' || c.id || ' down', c.down, COALESCE(v.down, 0)
        FROM comments c LEFT JOIN votes v ON v.comment_id = c.id
        WHERE c.down <> COALESCE(v.down, 0)
    UNION ALL
    SELECT 'comment ' || c.id || ' score', c.score, c.up - c.down
        FROM comments c WHERE c.score <> c.up - c.down
    UNION ALL
    SELECT 'poll option ' || o.id || ' votes', o.votes, COALESCE(n.n, 0)
        FROM poll_options o LEFT JOIN per_option n ON n.option_id = o.id
        WHERE o.votes <> COALESCE(n.n, 0)
    UNION ALL
    SELECT 'poll ' || p.id || ' total_votes', p.total_votes, COALESCE(n.n, 0)
        FROM polls p LEFT JOIN per_poll n ON n.poll_id = p.id
        WHERE p.total_votes <> COALESCE(n.n, 0)";

#[async_trait]
impl CommentStore for SqliteStore {
    async fn posting_context(&self, look: &Lookback) -> StoreResult<PostingContext> {
        // One round trip: the article's rate (counted no further than the cap) joined to
        // the author's earlier comments the rules look at; UNION lists each of those once.
        let rows = sqlx::query(
            "SELECT r.rate, u.created_at, u.fingerprint, u.article_id, r.others
             FROM (SELECT (SELECT COUNT(*) FROM (
                     SELECT 1 FROM comments
                     WHERE ?9 > 0 AND article_id = ?2 AND created_at > ?8 AND created_at <= ?3
                     LIMIT ?9)) AS rate,
                   (SELECT COUNT(DISTINCT author_id) FROM (
                     SELECT author_id FROM comments
                     WHERE fingerprint = ?6 AND created_at >= ?7 AND author_id IS NOT ?1
                     LIMIT ?12)) AS others) r
             LEFT JOIN (
                 SELECT * FROM (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = ?1 AND created_at > ?10 AND id IS NOT ?4
                     ORDER BY created_at DESC LIMIT ?5)
                 UNION
                 SELECT * FROM (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = ?1 AND fingerprint = ?6 AND created_at >= ?7
                       AND id IS NOT ?4
                     LIMIT 1)
                 UNION
                 SELECT * FROM (SELECT id, created_at, fingerprint, article_id FROM comments
                     WHERE author_id = ?1 AND article_id = ?2 AND created_at >= ?11
                       AND id IS NOT ?4
                     ORDER BY created_at DESC LIMIT 1)
             ) u ON 1 = 1",
        )
        .bind(look.author_id)
        .bind(look.article_id)
        .bind(ms(look.now))
        .bind(look.editing)
        .bind(i64::from(look.newest))
        .bind(look.fingerprint)
        .bind(ms(look.duplicate_since))
        .bind(ms(look.now - Duration::seconds(60)))
        .bind(i64::from(look.rate_cap))
        .bind(ms(look.now - Duration::hours(1)))
        .bind(ms(look.here_since))
        .bind(i64::from(SAME_TEXT_CAP))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut context = PostingContext::default();
        for r in &rows {
            context.article_rate = u32::try_from(r.try_get::<i64, _>(0).map_err(db)?).unwrap_or(0);
            context.same_text_elsewhere =
                u32::try_from(r.try_get::<i64, _>(4).map_err(db)?).unwrap_or(0);
            if let Some(at) = r.try_get::<Option<i64>, _>(1).map_err(db)? {
                context.recent.push(RecentComment {
                    at: from_ms(at),
                    fingerprint: r.try_get(2).map_err(db)?,
                    article_id: r.try_get(3).map_err(db)?,
                });
            }
        }
        Ok(context)
    }

    /// Goes through the group-commit writer: many comments share one durable commit.
    #[instrument(skip_all)]
    async fn add_comment(&self, new: &NewComment, now: DateTime<Utc>) -> StoreResult<Comment> {
        self.comments.add(new.clone(), now).await
    }

    async fn comment(&self, id: CommentId) -> StoreResult<Option<Comment>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        comment_in(&mut conn, id).await
    }

    #[instrument(skip_all)]
    async fn comments_page(
        &self,
        article_id: ArticleId,
        sort: CommentSort,
        after: Option<CommentCursor>,
        limit: u32,
        replies: u32,
    ) -> StoreResult<CommentsPage> {
        // One read transaction: the replies belong to the same moment as their roots.
        let mut tx = self.read.begin().await.map_err(db)?;
        let done = Self::comments_page_in(&mut tx, article_id, sort, after, limit, replies).await;
        finish(tx, done).await
    }

    async fn thread(&self, root_id: CommentId) -> StoreResult<Option<Thread>> {
        let mut tx = self.read.begin().await.map_err(db)?;
        let done = Self::thread_in(&mut tx, root_id).await;
        finish(tx, done).await
    }

    async fn own_unlisted_comments(
        &self,
        article_id: ArticleId,
        author_id: AccountId,
    ) -> StoreResult<Vec<Comment>> {
        sqlx::query(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c ",
            comment_joins!(),
            " WHERE c.author_id = ? AND c.article_id = ? AND c.public = 0 AND c.deleted = 0
                AND (c.verdict = 'pending' OR (c.verdict = 'visible' AND c.shadow = 1))
              ORDER BY c.created_at, c.id"
        ))
        .bind(author_id)
        .bind(article_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(comment_from_row)
        .collect()
    }

    #[instrument(skip_all)]
    async fn edit_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        edit: &CommentEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::edit_comment_in(&mut tx, id, author_id, edit, now).await;
        finish(tx, done).await
    }

    async fn comment_revisions(&self, id: CommentId) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        sqlx::query(
            "SELECT body_markdown, replaced_at FROM comment_revisions
             WHERE comment_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0).map_err(db)?,
                from_ms(r.try_get(1).map_err(db)?),
            ))
        })
        .collect()
    }

    #[instrument(skip_all)]
    async fn delete_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::delete_comment_in(&mut tx, id, author_id, now).await;
        finish(tx, done).await
    }

    #[instrument(skip_all)]
    async fn vote_comment(
        &self,
        id: CommentId,
        account_id: AccountId,
        value: i32,
    ) -> StoreResult<(i64, i64)> {
        if !(-1..=1).contains(&value) {
            return Err(StoreError::Invalid("Een stem is +1, -1 of 0.".into()));
        }
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::vote_comment_in(&mut tx, id, account_id, value).await;
        finish(tx, done).await
    }

    async fn comment_votes_of(
        &self,
        account_id: AccountId,
        ids: &[CommentId],
    ) -> StoreResult<Vec<(CommentId, i32)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT comment_id, value FROM comment_votes
             WHERE account_id = ? AND comment_id IN (SELECT value FROM json_each(?))
             ORDER BY comment_id",
        )
        .bind(account_id)
        .bind(id_list(ids.iter().copied()))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect()
    }

    #[instrument(skip_all)]
    async fn report_comment(
        &self,
        id: CommentId,
        reporter_id: AccountId,
        reason: ReportReason,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::report_comment_in(&mut tx, id, reporter_id, reason, note, now).await;
        finish(tx, done).await
    }

    #[instrument(skip_all)]
    async fn queue(&self, queue: Queue, limit: u32) -> StoreResult<Vec<QueueItem>> {
        let mut tx = self.read.begin().await.map_err(db)?;
        let done = Self::queue_in(&mut tx, queue, limit).await;
        finish(tx, done).await
    }

    async fn queue_sizes(&self) -> StoreResult<Vec<(Queue, i64)>> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM comments WHERE verdict = 'pending' AND deleted = 0),
                    (SELECT COUNT(*) FROM comments WHERE open_reports > 0),
                    (SELECT COUNT(*) FROM comments WHERE risk > 0)",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(vec![
            (Queue::Pending, r.try_get(0).map_err(db)?),
            (Queue::Reported, r.try_get(1).map_err(db)?),
            (Queue::Flagged, r.try_get(2).map_err(db)?),
        ])
    }

    #[instrument(skip_all)]
    async fn moderate_comment(
        &self,
        id: CommentId,
        moderator_id: AccountId,
        action: CommentAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::moderate_comment_in(&mut tx, id, moderator_id, action, reason, now).await;
        finish(tx, done).await
    }

    #[instrument(skip_all)]
    async fn moderate_account(
        &self,
        account_id: AccountId,
        moderator_id: AccountId,
        action: AccountAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<tribune_core::account::Account> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done =
            Self::moderate_account_in(&mut tx, account_id, moderator_id, action, reason, now).await;
        finish(tx, done).await
    }

    async fn moderation_log(&self, limit: u32) -> StoreResult<Vec<LogEntry>> {
        sqlx::query(
            "SELECT id, at, moderator_id, moderator_name, action, comment_id, account_id, reason
             FROM moderation_log ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(LogEntry {
                id: r.try_get(0).map_err(db)?,
                at: from_ms(r.try_get(1).map_err(db)?),
                moderator_id: r.try_get(2).map_err(db)?,
                moderator_name: r.try_get(3).map_err(db)?,
                action: r.try_get(4).map_err(db)?,
                comment_id: r.try_get(5).map_err(db)?,
                account_id: r.try_get(6).map_err(db)?,
                reason: r.try_get(7).map_err(db)?,
            })
        })
        .collect()
    }

    async fn counter_mismatches(&self) -> StoreResult<Vec<CounterMismatch>> {
        sqlx::query(MISMATCHES)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(CounterMismatch {
                    what: r.try_get(0).map_err(db)?,
                    stored: r.try_get(1).map_err(db)?,
                    counted: r.try_get(2).map_err(db)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// What SQLite plans to do with `sql`, one step a line.
    async fn plan(store: &SqliteStore, sql: &str, binds: &[i64]) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(explain));
        for b in binds {
            query = query.bind(*b);
        }
        let rows = query.fetch_all(&store.read).await.unwrap();
        rows.iter()
            .map(|r| r.try_get::<String, _>(3).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn comment_pages_read_their_partial_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        for (sort, index) in [
            (CommentSort::Newest, "comments_newest"),
            (CommentSort::Oldest, "comments_newest"),
            (CommentSort::Best, "comments_best"),
        ] {
            let plan = plan(&store, roots_sql(sort).0, &[1, 0, 0, 51]).await;
            assert!(
                plan.contains(&format!("SEARCH c USING INDEX {index} (article_id=? AND")),
                "{sort:?} should seek in {index}:\n{plan}"
            );
            assert!(
                !plan.contains("TEMP B-TREE"),
                "{sort:?} should not sort:\n{plan}"
            );
        }
        let sql = FIRST_REPLIES.replacen("json_each(?)", "json_each('[1,2]')", 1);
        let plan = plan(&store, &sql, &[3]).await;
        assert!(
            plan.contains("USING COVERING INDEX comments_replies (root_id=?)"),
            "replies should come from the covering index of public replies:\n{plan}"
        );
    }
}
