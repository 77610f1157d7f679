//! The storage boundary. Every backend implements [`Store`]; no SQL lives outside them.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};

use crate::account::{
    Account, AccountId, ApiToken, ApiTokenId, NewAccount, Role, Session, TokenPurpose,
};
use crate::article::{
    Article, ArticleId, ArticleKind, ArticleSummary, Author, AuthorId, NewArticle, Photo,
};
use crate::comment::{
    AccountAction, Comment, CommentAction, CommentCursor, CommentEdit, CommentId, CommentSort,
    CommentsPage, LogEntry, Lookback, NewComment, PostingContext, Queue, QueueItem, Report,
    ReportReason, Thread,
};
use crate::copy::{CopyTable, Row};
use crate::desk::{
    ArticleDraft, Autosave, DeskAction, DeskArticle, DeskQuery, DeskRow, Revision, RevisionInfo,
};
use crate::football::{
    FixturesReport, ImportedMatch, LiveEntry, LiveEntryId, Match, MatchEvent, MatchEventId,
    MatchId, MatchStatus, Minute, NewLiveEntry, NewMatchEvent, Team,
};
use crate::imported::{ImportOutcome, SiteImport};
use crate::poll::{NewPoll, OptionId, Poll, PollId};
use crate::topic::{NewTopic, Topic, TopicId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Taken already (an email address, a second vote); the message says what.
    #[error("{0}")]
    Conflict(String),
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// The database cannot be reached right now (down, restarting, overloaded); the same
    /// request may well work in a few seconds.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why [`Store::wait_for_changes`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// Another writer said it changed something.
    Notified,
    /// The wait ran out; look anyway (writers that cannot notify are found by looking).
    TimedOut,
    /// Notifications may have been lost (the connection that hears them was re-made):
    /// assume anything changed.
    Resync,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A position in a newest-first list: the article at (published_at, id). Readers see it as an
/// opaque string "MILLIS.ID".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: DateTime<Utc>,
    pub id: ArticleId,
}

impl Cursor {
    pub fn of(a: &ArticleSummary) -> Self {
        Self {
            published_at: a.published_at,
            id: a.id,
        }
    }
    pub fn encode(&self) -> String {
        format!("{}.{}", self.published_at.timestamp_millis(), self.id)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let (ms, id) = s.split_once('.')?;
        let ms: i64 = ms.parse().ok()?;
        let id: ArticleId = id.parse().ok()?;
        let published_at = Utc.timestamp_millis_opt(ms).single()?;
        (id > 0).then_some(Self { published_at, id })
    }
}

/// Which visible articles a list wants, newest first.
#[derive(Debug, Clone, Default)]
pub struct ArticleQuery {
    pub topic: Option<TopicId>,
    pub author: Option<crate::article::AuthorId>,
    /// Only articles after this position (keyset paging, for the API).
    pub after: Option<Cursor>,
    /// Rows to skip (page numbers on the HTML lists).
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOutcome {
    pub id: ArticleId,
    pub created: bool,
}

/// A stored photo with its id, for copying a site (`tribune copy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRecord {
    pub id: i64,
    pub photo: Photo,
}

/// An article row exactly as stored, visible or not, for copying a whole site between
/// databases with every id kept (article URLs contain the id). Nothing is re-rendered: the
/// teaser and body HTML travel as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRecord {
    pub id: ArticleId,
    pub external_key: Option<String>,
    pub slug: String,
    pub title: String,
    pub kind: ArticleKind,
    pub source: Option<String>,
    pub author_id: AuthorId,
    /// `false` for an article taken off the site (status "draft").
    pub published: bool,
    pub published_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lead: String,
    pub teaser: String,
    pub body_markdown: String,
    pub body_html: String,
    pub photo_id: Option<i64>,
    pub comment_count: i64,
    /// Topic ids, lowest first.
    pub topics: Vec<TopicId>,
    /// Related article ids in the order the page shows them.
    pub related: Vec<ArticleId>,
}

/// What a sitemap says of a visible article: where it lives and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleStamp {
    pub id: ArticleId,
    pub slug: String,
    /// The later of its publication and its last edit (a scheduled article saved before its
    /// time changed when it appeared).
    pub lastmod: DateTime<Utc>,
}

/// A topic or author page for a sitemap: its slug and the last change of the articles it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListStamp {
    pub slug: String,
    pub lastmod: DateTime<Utc>,
}

/// The related links of one article, in the order its page shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedLinks {
    pub article_id: ArticleId,
    pub related: Vec<ArticleId>,
}

impl RelatedLinks {
    pub fn of(a: &ArticleRecord) -> Self {
        Self {
            article_id: a.id,
            related: a.related.clone(),
        }
    }
}

/// How many rows each table of a site holds: what `tribune copy` compares at the end.
/// Sessions and one-time links are not counted: a copy does not carry them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteCounts {
    pub authors: i64,
    pub topics: i64,
    pub aliases: i64,
    pub photos: i64,
    pub articles: i64,
    pub article_topics: i64,
    pub related: i64,
    pub accounts: i64,
    pub comments: i64,
    pub comment_revisions: i64,
    pub comment_votes: i64,
    pub comment_reports: i64,
    pub moderation_log: i64,
    pub polls: i64,
    pub poll_options: i64,
    pub poll_votes: i64,
    pub old_paths: i64,
    pub imported_comments: i64,
    pub article_desk: i64,
    pub article_revisions: i64,
    pub api_tokens: i64,
    pub competitions: i64,
    pub teams: i64,
    pub team_aliases: i64,
    pub matches: i64,
    pub match_events: i64,
    pub live_entries: i64,
    pub moderation_models: i64,
    pub moderation_lessons: i64,
    pub comment_contests: i64,
    pub content_notices: i64,
}

impl SiteCounts {
    /// (table name, rows), in the order a copy fills them. The community tables carry the
    /// names of their [`crate::copy::COMMUNITY`] descriptions.
    pub fn tables(&self) -> [(&'static str, i64); 31] {
        [
            ("authors", self.authors),
            ("topics", self.topics),
            ("topic_aliases", self.aliases),
            ("photos", self.photos),
            ("articles", self.articles),
            ("article_topics", self.article_topics),
            ("related_articles", self.related),
            ("accounts", self.accounts),
            ("comments", self.comments),
            ("comment_revisions", self.comment_revisions),
            ("comment_votes", self.comment_votes),
            ("comment_reports", self.comment_reports),
            ("moderation_log", self.moderation_log),
            ("polls", self.polls),
            ("poll_options", self.poll_options),
            ("poll_votes", self.poll_votes),
            ("old_paths", self.old_paths),
            ("imported_comments", self.imported_comments),
            ("article_desk", self.article_desk),
            ("article_revisions", self.article_revisions),
            ("api_tokens", self.api_tokens),
            ("competitions", self.competitions),
            ("teams", self.teams),
            ("team_aliases", self.team_aliases),
            ("matches", self.matches),
            ("match_events", self.match_events),
            ("live_entries", self.live_entries),
            ("moderation_models", self.moderation_models),
            ("moderation_lessons", self.moderation_lessons),
            ("comment_contests", self.comment_contests),
            ("content_notices", self.content_notices),
        ]
    }

    /// The rows of the table named `table`, if it is counted.
    pub fn rows_of(&self, table: &str) -> Option<i64> {
        self.tables()
            .iter()
            .find(|(name, _)| *name == table)
            .map(|(_, n)| *n)
    }

    /// Whether the site holds anything at all.
    pub fn is_empty(&self) -> bool {
        self.tables().iter().all(|(_, n)| *n == 0)
    }
}

/// Everything Tribune keeps. "Visible" means published and its time (`now`) has come.
#[async_trait]
pub trait Store:
    AccountStore
    + CommentStore
    + PollStore
    + DeskStore
    + MatchStore
    + ModelStore
    + LawStore
    + Send
    + Sync
    + 'static
{
    /// Cheap round trip, for /readyz.
    async fn ping(&self) -> StoreResult<()>;

    /// Waits at most `max_wait` for news of writes by others (other processes, other nodes).
    async fn wait_for_changes(&self, max_wait: std::time::Duration) -> Woke;

    /// Adds articles, or updates those with the same external key, in one transaction. Each
    /// article stands alone: one that breaks a rule is left out whole (its error is in its
    /// place in the answer) and the others are stored. Authors are created when new; topics
    /// and related ids must exist. Each write is recorded in the change log.
    async fn save_articles(
        &self,
        batch: &[NewArticle],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StoreResult<SaveOutcome>>>;
    async fn save_article(
        &self,
        article: &NewArticle,
        now: DateTime<Utc>,
    ) -> StoreResult<SaveOutcome> {
        let mut outcomes = self
            .save_articles(std::slice::from_ref(article), now)
            .await?;
        outcomes.pop().unwrap_or(Err(StoreError::NotFound))
    }
    /// Takes an article off the site (`false`) or puts it back (`true`); recorded in the
    /// change log like every article write. NotFound for an unknown id.
    async fn set_published(
        &self,
        id: ArticleId,
        published: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Writes an imported site (topics, accounts, articles with their old addresses, comments)
    /// in one transaction: any error leaves nothing behind. Articles and comments with keys
    /// seen before are updated. Comment counts are settled for every article touched, and each
    /// article is recorded in the change log.
    async fn import_site(
        &self,
        site: &SiteImport,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportOutcome>;
    /// The path of the visible article an old address (see
    /// [`crate::imported::normalize_old_path`]) belongs to.
    async fn old_path(&self, path: &str, now: DateTime<Utc>) -> StoreResult<Option<String>>;
    /// The article stored under an external key, visible or not.
    async fn article_by_key(&self, external_key: &str) -> StoreResult<Option<ArticleId>>;
    /// A visible article with its topics and visible related articles.
    async fn article(&self, id: ArticleId, now: DateTime<Utc>) -> StoreResult<Option<Article>>;
    async fn articles(
        &self,
        query: &ArticleQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleSummary>>;
    /// All articles, visible or not.
    async fn article_count(&self) -> StoreResult<i64>;

    // Sitemaps: cheap listings of everything a search engine may index.

    /// The visible articles in id order, cut into chunks of `size`: for each chunk, its
    /// newest [`ArticleStamp::lastmod`]. As many entries as there are chunks.
    async fn sitemap_chunks(
        &self,
        size: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>>;
    /// Visible articles in id order, skipping the first `offset`.
    async fn article_stamps(
        &self,
        offset: u64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleStamp>>;
    /// Topics with at least one visible article, by slug, stamped with their newest change.
    async fn topic_stamps(&self, now: DateTime<Utc>) -> StoreResult<Vec<ListStamp>>;
    /// Authors with at least one visible article, by slug, stamped with their newest change.
    async fn author_stamps(&self, now: DateTime<Utc>) -> StoreResult<Vec<ListStamp>>;

    /// Adds a topic or updates the one with the same name (importers, the demo); aliases and
    /// weak aliases are replaced, while a `None` French name or crest keeps what the topic
    /// has. No name clash check: see [`Store::create_topic`] for the back office.
    async fn save_topic(&self, topic: &NewTopic) -> StoreResult<Topic>;
    async fn topic(&self, id: TopicId) -> StoreResult<Option<Topic>>;
    /// A new topic from the back office, after [`NewTopic::checked`] (Invalid with its
    /// message otherwise). Conflict when its Dutch name, French name or an alias is a strong
    /// name of another topic (see [`crate::topic::name_clash`]), or its address is taken.
    async fn create_topic(&self, topic: &NewTopic) -> StoreResult<Topic>;
    /// Changes a topic as the back office edits it: names, kind, aliases and weak aliases
    /// replaced, crest set as given. The slug stays, so the topic's addresses keep working.
    /// Invalid and Conflict as [`Store::create_topic`], NotFound for an unknown id. The
    /// topic's articles are appended to the change log in the same transaction: their pages,
    /// the topic's lists and the search index show topic names, on every node.
    async fn update_topic(
        &self,
        id: TopicId,
        topic: &NewTopic,
        now: DateTime<Utc>,
    ) -> StoreResult<Topic>;
    /// How many articles (visible or not) each topic has; topics without any are left out.
    async fn topic_article_counts(&self) -> StoreResult<Vec<(TopicId, i64)>>;
    async fn topics(&self) -> StoreResult<Vec<Topic>>;
    async fn topic_by_slug(&self, slug: &str) -> StoreResult<Option<Topic>>;
    /// By name or alias, with case and diacritics folded.
    async fn find_topic(&self, name_or_alias: &str) -> StoreResult<Option<Topic>>;

    async fn authors(&self) -> StoreResult<Vec<Author>>;
    async fn author_by_slug(&self, slug: &str) -> StoreResult<Option<Author>>;

    /// Article writes after change number `seq`, oldest first, as (change number, article).
    /// Any process writing to the database appends here, so a running site sees imports.
    async fn changes_since(&self, seq: i64, limit: u32) -> StoreResult<Vec<(i64, ArticleId)>>;
    async fn last_change(&self) -> StoreResult<i64>;
    /// Articles whose scheduled time lies in (after, upto]: they just became visible.
    async fn came_due(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>>;

    // Copying a whole site to another database (`tribune copy`). Ids are kept; a row whose
    // id already exists in the target is overwritten. Restores write no change log: a site
    // made by copying has nothing to announce.

    /// Every photo, lowest id first.
    async fn photos(&self) -> StoreResult<Vec<PhotoRecord>>;
    /// Up to `limit` articles with ids above `after_id`, visible or not, lowest id first.
    async fn export_articles(
        &self,
        after_id: ArticleId,
        limit: u32,
    ) -> StoreResult<Vec<ArticleRecord>>;
    /// Writes authors, topics (with their aliases) and photos with their ids, in one
    /// transaction. Name and alias keys are worked out again from the names.
    async fn restore_people_and_topics(
        &self,
        authors: &[Author],
        topics: &[Topic],
        photos: &[PhotoRecord],
    ) -> StoreResult<()>;
    /// Writes articles with their ids and topic links, in one transaction; their authors,
    /// topics and photos must be there. Related links are left out (and any the target had
    /// for these articles removed): they may point at articles of a later batch, so they come
    /// with [`Store::restore_related`] once every article is in.
    async fn restore_articles(&self, batch: &[ArticleRecord]) -> StoreResult<()>;
    /// Replaces the related links of these articles, in one transaction; every article
    /// named must be there.
    async fn restore_related(&self, links: &[RelatedLinks]) -> StoreResult<()>;
    /// Up to `limit` rows of a described table (one of [`crate::copy::COMMUNITY`]), skipping
    /// the first `offset`, ordered by the table's key; each row's cells in the description's
    /// column order. Invalid for a table that is not described there.
    async fn export_rows(
        &self,
        table: &CopyTable,
        offset: u64,
        limit: u32,
    ) -> StoreResult<Vec<Row>>;
    /// Writes rows of a described table as they are, keys included, in one transaction; a
    /// row whose key exists is overwritten. What they point at must be there (tables are
    /// restored in [`crate::copy::COMMUNITY`] order, each table in key order). Invalid for a
    /// table that is not described, or a row that does not match its description.
    async fn restore_rows(&self, table: &CopyTable, rows: &[Row]) -> StoreResult<()>;
    /// After the last restore: makes new rows get ids past the copied ones (articles and the
    /// rest, and every community table with an `id`).
    async fn finish_restore(&self) -> StoreResult<()>;
    async fn site_counts(&self) -> StoreResult<SiteCounts>;
}

/// Everything Tribune keeps about one account, for "export my data".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountExport {
    pub account: Account,
    /// Every comment written, in any state, oldest first.
    pub comments: Vec<Comment>,
    /// (comment id, +1 or -1).
    pub comment_votes: Vec<(CommentId, i32)>,
    /// (poll id, question, the option chosen).
    pub poll_votes: Vec<(PollId, String, String)>,
    pub reports: Vec<Report>,
}

/// Counters that disagree with the rows they count: what `tribune check` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterMismatch {
    pub what: String,
    pub stored: i64,
    pub counted: i64,
}

/// Which accounts [`AccountStore::accounts`] lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    /// Part of the display name or the e-mail address, case folded; empty: everyone.
    pub text: String,
    pub role: Option<Role>,
}

/// Accounts, sessions and mailed one-time links.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Conflict when the email address is taken.
    async fn create_account(&self, new: &NewAccount, now: DateTime<Utc>) -> StoreResult<Account>;
    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>>;
    /// The account and its password hash, for logging in.
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<(Account, String)>>;
    /// Replaces the password hash and ends every session of the account.
    async fn set_password(&self, id: AccountId, password_hash: &str) -> StoreResult<()>;
    async fn set_role(&self, id: AccountId, role: Role) -> StoreResult<()>;
    /// An admin changes an account's role and gets the account back; Conflict when that
    /// would leave no admin (the last admin cannot give up or lose the role). NotFound for
    /// an unknown id. Check and change are one transaction, so two admins demoting each
    /// other at once cannot both succeed.
    async fn change_role(&self, id: AccountId, role: Role) -> StoreResult<Account>;
    /// Accounts for the back office's user list, by display name (then id), skipping
    /// `offset`.
    async fn accounts(
        &self,
        filter: &AccountFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Account>>;
    async fn set_verified(&self, id: AccountId) -> StoreResult<()>;
    /// Removes the account with its sessions, links and comment votes (scores follow); its
    /// comments become deleted placeholders (article counts follow) and its poll votes stay
    /// counted without a name. Returns the articles whose pages changed.
    async fn delete_account(
        &self,
        id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>>;
    async fn export_account(&self, id: AccountId) -> StoreResult<AccountExport>;

    /// `token_hash` is the hex SHA-256 of the cookie value.
    async fn create_session(
        &self,
        token_hash: &str,
        session: &Session,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A session that has not expired, with its account.
    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Session, Account)>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Stores a one-time link (hash of its token) for `purpose`, valid until `expires_at`.
    async fn create_token(
        &self,
        token_hash: &str,
        account_id: AccountId,
        purpose: TokenPurpose,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Uses up a one-time link: the account it was for, or `None` when unknown, used,
    /// expired or meant for another purpose.
    async fn take_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>>;

    /// Stores a new personal API token; `token_hash` is the hex SHA-256 of its secret (the
    /// secret itself is never stored). NotFound when the account does not exist.
    async fn create_api_token(
        &self,
        account_id: AccountId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken>;
    /// The account's API tokens, newest first, revoked ones included (marked so).
    async fn api_tokens(&self, account_id: AccountId) -> StoreResult<Vec<ApiToken>>;
    /// Revokes one of the account's tokens (again is fine: the first time stays).
    /// NotFound when the token is not this account's.
    async fn revoke_api_token(
        &self,
        account_id: AccountId,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken>;
    /// The token that is not revoked with this hash, and its account as it is now; stamps
    /// the token's last use (at most once a minute).
    async fn account_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(ApiToken, Account)>>;
}

/// Comments, votes on them, reports, and the moderators' work. Every write that changes
/// what the public sees keeps the article's comment count (and a thread's reply count) in
/// the same transaction, and appends the article to the change log so other nodes refresh.
#[async_trait]
pub trait CommentStore: Send + Sync + 'static {
    /// What the rules need before a comment is judged, as [`Lookback`] bounds it: one round
    /// trip, whatever the author or the article posted before.
    async fn posting_context(&self, look: &Lookback) -> StoreResult<PostingContext>;
    /// Stores a judged comment. NotFound when the article is not visible at `now`; Invalid
    /// when `reply_to` is not a comment on the same article. A reply to a reply joins the
    /// thread of its top-level comment (threads are two levels deep). A comment that becomes
    /// visible counts towards its author's trust.
    async fn add_comment(&self, new: &NewComment, now: DateTime<Utc>) -> StoreResult<Comment>;
    /// Any comment, whatever its state.
    async fn comment(&self, id: CommentId) -> StoreResult<Option<Comment>>;
    /// One page of top-level comments (public ones, and removed or deleted ones that still
    /// have public replies, as placeholders), each with its first `replies` public replies.
    async fn comments_page(
        &self,
        article_id: ArticleId,
        sort: CommentSort,
        after: Option<CommentCursor>,
        limit: u32,
        replies: u32,
    ) -> StoreResult<CommentsPage>;
    /// A top-level comment with all its public replies.
    async fn thread(&self, root_id: CommentId) -> StoreResult<Option<Thread>>;
    /// The author's own comments on the article that others do not see (pending, or
    /// shadow-banned), oldest first: shown only to them.
    async fn own_unlisted_comments(
        &self,
        article_id: ArticleId,
        author_id: AccountId,
    ) -> StoreResult<Vec<Comment>>;
    /// The author changes their comment within the edit window; the old text is kept as a
    /// revision. NotFound for another author's comment; Invalid past the window or deleted.
    async fn edit_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        edit: &CommentEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment>;
    /// Earlier texts of a comment, oldest first, as (text, replaced at).
    async fn comment_revisions(&self, id: CommentId) -> StoreResult<Vec<(String, DateTime<Utc>)>>;
    /// The author deletes their comment: it stays as a placeholder without text.
    async fn delete_comment(
        &self,
        id: CommentId,
        author_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment>;
    /// Sets the account's vote on a comment to +1, -1 or 0 (taken back); returns the new
    /// (up, down). Invalid on one's own comment or a comment that is not public.
    async fn vote_comment(
        &self,
        id: CommentId,
        account_id: AccountId,
        value: i32,
    ) -> StoreResult<(i64, i64)>;
    /// The account's votes among these comments, as (comment id, value).
    async fn comment_votes_of(
        &self,
        account_id: AccountId,
        ids: &[CommentId],
    ) -> StoreResult<Vec<(CommentId, i32)>>;
    /// Conflict when this reader already has an open report on the comment.
    async fn report_comment(
        &self,
        id: CommentId,
        reporter_id: AccountId,
        reason: ReportReason,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;

    /// A moderation queue, riskiest first.
    async fn queue(&self, queue: Queue, limit: u32) -> StoreResult<Vec<QueueItem>>;
    async fn queue_sizes(&self) -> StoreResult<Vec<(Queue, i64)>>;
    /// Applies a moderator's action, closes the comment's open reports and writes the audit
    /// log, in one transaction.
    async fn moderate_comment(
        &self,
        id: CommentId,
        moderator_id: AccountId,
        action: CommentAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Comment>;
    /// Suspends, bans, shadow-bans or reinstates an account, with an audit log line.
    async fn moderate_account(
        &self,
        account_id: AccountId,
        moderator_id: AccountId,
        action: AccountAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Account>;
    /// The audit log, newest first.
    async fn moderation_log(&self, limit: u32) -> StoreResult<Vec<LogEntry>>;
    /// Counters that disagree with their rows (should be none, ever).
    async fn counter_mismatches(&self) -> StoreResult<Vec<CounterMismatch>>;
}

/// Competitions, teams and matches: what `tribune import fixtures` writes and the live
/// console plays.
#[async_trait]
pub trait MatchStore: Send + Sync + 'static {
    /// Writes an import in one transaction: the competition found by name or created, each
    /// team found through its aliases (case and accents folded) or created, each match found
    /// by its key and updated, or created. Given goals replace the match's imported events
    /// (never the live console's). Nothing is written when anything fails.
    async fn import_fixtures(
        &self,
        competition: &str,
        matches: &[ImportedMatch],
        now: DateTime<Utc>,
    ) -> StoreResult<FixturesReport>;
    /// Every team with its aliases, by name.
    async fn teams(&self) -> StoreResult<Vec<Team>>;
    /// Rewrites a team's names, aliases and club topic in one transaction ([`TeamEdit::check`]ed
    /// and tidied first). Its aliases become the edit's names and aliases; one that another
    /// team has is refused, and so is a topic that does not exist. Every match of the team is
    /// logged as a board change, so that every node shows the new names.
    ///
    /// [`TeamEdit::check`]: crate::football::TeamEdit::check
    async fn save_team(
        &self,
        id: crate::football::TeamId,
        edit: &crate::football::TeamEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<Team>;
    async fn match_by_id(&self, id: MatchId) -> StoreResult<Option<Match>>;
    /// Matches kicking off in [from, to), earliest first, at most `limit`.
    async fn matches_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Match>>;
    /// Matches being played now (a break included), earliest kick-off first.
    async fn live_matches(&self) -> StoreResult<Vec<Match>>;
    /// A match's events in the order they were added.
    async fn match_events(&self, id: MatchId) -> StoreResult<Vec<MatchEvent>>;
    /// Sets status and minute. A match that gets a score for the first time (kick-off)
    /// starts at 0-0.
    async fn set_match_status(
        &self,
        id: MatchId,
        status: MatchStatus,
        minute: Option<Minute>,
        now: DateTime<Utc>,
    ) -> StoreResult<Match>;
    /// Links the article whose comments the match page shows (`None`: none). The article must
    /// exist (a draft may be linked before it is published) and may carry the comments of
    /// one match only. Logged as a board change, so every node renders the page again.
    async fn set_match_article(
        &self,
        id: MatchId,
        article: Option<crate::article::ArticleId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Match>;
    /// Marks a match as a derby or high-risk (or not): its clubs' articles are moderated
    /// more strictly all day.
    async fn set_match_high_risk(
        &self,
        id: MatchId,
        high_risk: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Match>;
    /// Adds an event; a VAR decision that reverses a goal or card cancels it (checked by
    /// [`crate::football::check_reversal`]). A goal or a reversal sets the score to what the
    /// events add up to. One transaction.
    async fn add_match_event(
        &self,
        id: MatchId,
        event: &NewMatchEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<(Match, MatchEvent)>;
    /// The event with this id, if it belongs to the match.
    async fn match_event(
        &self,
        id: MatchId,
        event: MatchEventId,
    ) -> StoreResult<Option<MatchEvent>>;
    /// Adds a liveblog entry ([`NewLiveEntry::check`]ed, its Markdown rendered and cleaned).
    /// Its event must be one of the match's.
    async fn add_live_entry(
        &self,
        id: MatchId,
        entry: &NewLiveEntry,
        by: Option<crate::account::AccountId>,
        now: DateTime<Utc>,
    ) -> StoreResult<LiveEntry>;
    /// Rewrites an entry after it was published; NotFound for a deleted one.
    async fn edit_live_entry(
        &self,
        id: MatchId,
        entry: LiveEntryId,
        new: &NewLiveEntry,
        now: DateTime<Utc>,
    ) -> StoreResult<LiveEntry>;
    /// Takes an entry off the liveblog.
    async fn delete_live_entry(
        &self,
        id: MatchId,
        entry: LiveEntryId,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The match's entries that were not deleted, in the order they were written.
    async fn live_entries(&self, id: MatchId) -> StoreResult<Vec<LiveEntry>>;
    /// One entry as it stands now; `None` once deleted (or never one of the match's).
    async fn live_entry(&self, id: MatchId, entry: LiveEntryId) -> StoreResult<Option<LiveEntry>>;
    /// The match log after `since`, oldest first, at most `limit`: of one match, or of all.
    /// Every write above appends to it in its own transaction; on PostgreSQL a read sees
    /// every number handed out before it (the change-log lock, as for articles).
    async fn match_changes(
        &self,
        since: i64,
        of: Option<MatchId>,
        limit: u32,
    ) -> StoreResult<Vec<crate::football::MatchChange>>;
    /// The oldest and newest numbers the match log still holds ((0, 0) when empty).
    async fn match_log_span(&self) -> StoreResult<(i64, i64)>;
}

/// The back office's articles: drafts, their workflow, revisions and autosaves. Every write
/// to an article row is recorded in the change log, like [`Store::save_articles`].
/// The site's moderation model: its versions and the lessons moderators' decisions teach
/// (written by [`CommentStore::moderate_comment`] in the decision's transaction).
#[async_trait]
pub trait ModelStore: Send + Sync + 'static {
    /// Stores a model as the newest version, which is the one in use.
    async fn save_model(
        &self,
        model: &crate::learning::NewModel,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::learning::ModelVersion>;
    /// Every stored version, newest first.
    async fn model_versions(&self) -> StoreResult<Vec<crate::learning::ModelVersion>>;
    /// A version's bytes.
    async fn model_bytes(&self, id: i64) -> StoreResult<Option<Vec<u8>>>;
    /// Lessons after `after` in id order, at most `limit`.
    async fn lessons_since(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<crate::learning::Lesson>>;
    /// The newest lesson's id; 0 when there is none.
    async fn last_lesson(&self) -> StoreResult<i64>;
}

#[async_trait]
pub trait DeskStore: Send + Sync + 'static {
    /// Articles in any state, most recently changed first.
    async fn desk_articles(
        &self,
        query: &DeskQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<DeskRow>>;
    /// An article in any state, as the editor shows it.
    async fn desk_article(
        &self,
        id: ArticleId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DeskArticle>>;
    /// Saves what the editor holds, in one transaction: a new article starts as a draft owned
    /// by `by`; an existing one keeps its status (a published article changes on the site at
    /// once). Either way a revision is added with `note`, and `by`'s autosave of it (and, for a
    /// new article, of the new-article form) is dropped. Invalid when the draft breaks
    /// [`ArticleDraft::check_draft`], or [`ArticleDraft::check_publishable`] for an article
    /// that is out; topics and related articles must exist.
    async fn write_article(
        &self,
        id: Option<ArticleId>,
        draft: &ArticleDraft,
        by: AccountId,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<DeskArticle>;
    /// Moves an article through the workflow. Publishing needs a publishable article; an
    /// article published before keeps its first publish time unless `at` says otherwise.
    async fn set_desk_status(
        &self,
        id: ArticleId,
        action: DeskAction,
        now: DateTime<Utc>,
    ) -> StoreResult<DeskArticle>;
    /// Every revision of an article, newest first.
    async fn revisions(&self, id: ArticleId) -> StoreResult<Vec<RevisionInfo>>;
    async fn revision(&self, id: ArticleId, number: i64) -> StoreResult<Option<Revision>>;
    /// Keeps the editor's fields as typed for (`by`, the article or `None` for a new one),
    /// replacing the previous autosave.
    async fn autosave(
        &self,
        by: AccountId,
        article: Option<ArticleId>,
        fields: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn autosaved(
        &self,
        by: AccountId,
        article: Option<ArticleId>,
    ) -> StoreResult<Option<Autosave>>;
    /// Drops an autosave the writer chose not to keep.
    async fn discard_autosave(&self, by: AccountId, article: Option<ArticleId>) -> StoreResult<()>;
}

#[async_trait]
pub trait PollStore: Send + Sync + 'static {
    /// Attaches a poll to an article (Conflict when it has one); the poll must pass
    /// [`NewPoll::check`].
    async fn create_poll(&self, poll: &NewPoll, now: DateTime<Utc>) -> StoreResult<Poll>;
    async fn poll(&self, id: PollId) -> StoreResult<Option<Poll>>;
    async fn poll_of_article(&self, article_id: ArticleId) -> StoreResult<Option<Poll>>;
    /// Counts one vote and the totals in one transaction. Conflict when the account voted
    /// already; Invalid when the poll is closed at `now` or the option is not the poll's.
    async fn vote_poll(
        &self,
        poll_id: PollId,
        option_id: OptionId,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Poll>;
    async fn poll_vote_of(
        &self,
        poll_id: PollId,
        account_id: AccountId,
    ) -> StoreResult<Option<OptionId>>;
}

// ---- law: statements of reasons, contests, notices, transparency (DSA) ----

/// What the Digital Services Act asks of comment moderation (see [`crate::law`]). Every
/// write here adds a line to the moderation log in the same transaction.
#[async_trait]
pub trait LawStore: Send + Sync + 'static {
    /// The author's comments that were taken off (rejected by the rules or a moderator,
    /// removed), and those whose decision they contested, newest first.
    async fn decisions_of(
        &self,
        author_id: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<crate::law::Decision>>;
    /// The decision on one comment as its author would see it; `None` when the comment is
    /// not the author's or was never taken off.
    async fn decision(
        &self,
        comment_id: CommentId,
        author_id: AccountId,
    ) -> StoreResult<Option<crate::law::Decision>>;
    /// The author contests the current decision on their comment. NotFound when the comment
    /// is not theirs or not taken off; Conflict when this decision was contested already.
    async fn contest(
        &self,
        comment_id: CommentId,
        author_id: AccountId,
        explanation: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::law::Contest>;
    async fn contest_by_id(&self, id: i64) -> StoreResult<Option<crate::law::Contest>>;
    /// Open contests oldest first (`open`), or the latest decided ones.
    async fn contests(&self, open: bool, limit: u32) -> StoreResult<Vec<crate::law::ContestItem>>;
    /// A moderator decides a contest; Conflict when it was decided already. Restoring an
    /// overturned comment is the caller's (through [`CommentStore::moderate_comment`]).
    async fn resolve_contest(
        &self,
        id: i64,
        moderator_id: AccountId,
        outcome: crate::law::ContestOutcome,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::law::Contest>;
    /// Stores a notice; NotFound (nothing stored) for an unknown comment.
    async fn add_notice(
        &self,
        notice: &crate::law::NewNotice,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::law::Notice>;
    async fn notice(&self, id: i64) -> StoreResult<Option<crate::law::Notice>>;
    /// Open notices oldest first (`open`), or the latest handled ones.
    async fn notices(&self, open: bool, limit: u32) -> StoreResult<Vec<crate::law::NoticeItem>>;
    /// A moderator closes a notice; Conflict when it was handled already.
    async fn handle_notice(
        &self,
        id: i64,
        moderator_id: AccountId,
        outcome: crate::law::NoticeOutcome,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::law::Notice>;
    /// (open contests, open notices).
    async fn law_queue_sizes(&self) -> StoreResult<(i64, i64)>;
    /// What happened in [from, to): see [`crate::law::TransparencyCounts`].
    async fn transparency(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<crate::law::TransparencyCounts>;
    /// The newest `per` comments (any state) of each account, newest first per account.
    async fn recent_comments_of(
        &self,
        accounts: &[AccountId],
        per: u32,
    ) -> StoreResult<Vec<Comment>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let c = Cursor {
            published_at: Utc.timestamp_millis_opt(1_700_000_000_123).unwrap(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for junk in [
            "",
            "abc",
            "12",
            "12.",
            ".5",
            "1.-3",
            "99999999999999999999.1",
            "1.0",
        ] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }
}
