//! A store whose database is gone: every call fails. For testing what readers see then.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tribune_core::NewArticle;
use tribune_core::account::{
    Account, AccountId, ApiToken, ApiTokenId, NewAccount, Role, Session, TokenPurpose,
};
use tribune_core::article::{Article, ArticleId, ArticleSummary, Author};
use tribune_core::comment::{
    AccountAction, Comment, CommentAction, CommentCursor, CommentEdit, CommentId, CommentSort,
    CommentsPage, LogEntry, Lookback, NewComment, PostingContext, Queue, QueueItem, Report,
    ReportReason, Thread,
};
use tribune_core::copy::{CopyTable, Row};
use tribune_core::football::{
    FixturesReport, ImportedMatch, LiveEntry, LiveEntryId, Match, MatchEvent, MatchEventId,
    MatchId, MatchStatus, Minute, NewLiveEntry, NewMatchEvent, Team,
};
use tribune_core::poll::{NewPoll, OptionId, Poll, PollId};
use tribune_core::store::{
    AccountExport, AccountFilter, AccountStore, ArticleQuery, ArticleRecord, ArticleStamp,
    CommentStore, CounterMismatch, ListStamp, PhotoRecord, PollStore, RelatedLinks, SaveOutcome,
    SiteCounts, Store, StoreError, StoreResult,
};
use tribune_core::topic::{NewTopic, Topic, TopicId};

pub struct BrokenStore;

fn gone<T>() -> StoreResult<T> {
    Err(StoreError::Backend(
        "disk I/O error: the database file is unreadable".into(),
    ))
}

#[async_trait]
impl Store for BrokenStore {
    async fn wait_for_changes(&self, max_wait: std::time::Duration) -> tribune_core::Woke {
        tokio::time::sleep(max_wait).await;
        tribune_core::Woke::TimedOut
    }
    async fn ping(&self) -> StoreResult<()> {
        gone()
    }
    async fn save_articles(
        &self,
        _: &[NewArticle],
        _: DateTime<Utc>,
    ) -> StoreResult<Vec<StoreResult<SaveOutcome>>> {
        gone()
    }
    async fn set_published(&self, _: ArticleId, _: bool, _: DateTime<Utc>) -> StoreResult<()> {
        gone()
    }
    async fn import_site(
        &self,
        _: &tribune_core::imported::SiteImport,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::imported::ImportOutcome> {
        gone()
    }
    async fn old_path(&self, _: &str, _: DateTime<Utc>) -> StoreResult<Option<String>> {
        gone()
    }
    async fn article_by_key(&self, _: &str) -> StoreResult<Option<ArticleId>> {
        gone()
    }
    async fn article(&self, _: ArticleId, _: DateTime<Utc>) -> StoreResult<Option<Article>> {
        gone()
    }
    async fn articles(
        &self,
        _: &ArticleQuery,
        _: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleSummary>> {
        gone()
    }
    async fn article_count(&self) -> StoreResult<i64> {
        gone()
    }
    async fn sitemap_chunks(&self, _: u32, _: DateTime<Utc>) -> StoreResult<Vec<DateTime<Utc>>> {
        gone()
    }
    async fn article_stamps(
        &self,
        _: u64,
        _: u32,
        _: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleStamp>> {
        gone()
    }
    async fn topic_stamps(&self, _: DateTime<Utc>) -> StoreResult<Vec<ListStamp>> {
        gone()
    }
    async fn author_stamps(&self, _: DateTime<Utc>) -> StoreResult<Vec<ListStamp>> {
        gone()
    }
    async fn save_topic(&self, _: &NewTopic) -> StoreResult<Topic> {
        gone()
    }
    async fn topics(&self) -> StoreResult<Vec<Topic>> {
        gone()
    }
    async fn topic(&self, _: TopicId) -> StoreResult<Option<Topic>> {
        gone()
    }
    async fn create_topic(&self, _: &NewTopic) -> StoreResult<Topic> {
        gone()
    }
    async fn update_topic(&self, _: TopicId, _: &NewTopic, _: DateTime<Utc>) -> StoreResult<Topic> {
        gone()
    }
    async fn topic_article_counts(&self) -> StoreResult<Vec<(TopicId, i64)>> {
        gone()
    }
    async fn topic_by_slug(&self, _: &str) -> StoreResult<Option<Topic>> {
        gone()
    }
    async fn find_topic(&self, _: &str) -> StoreResult<Option<Topic>> {
        gone()
    }
    async fn authors(&self) -> StoreResult<Vec<Author>> {
        gone()
    }
    async fn author_by_slug(&self, _: &str) -> StoreResult<Option<Author>> {
        gone()
    }
    async fn changes_since(&self, _: i64, _: u32) -> StoreResult<Vec<(i64, ArticleId)>> {
        gone()
    }
    async fn last_change(&self) -> StoreResult<i64> {
        gone()
    }
    async fn came_due(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> StoreResult<Vec<ArticleId>> {
        gone()
    }
    async fn photos(&self) -> StoreResult<Vec<PhotoRecord>> {
        gone()
    }
    async fn export_articles(&self, _: ArticleId, _: u32) -> StoreResult<Vec<ArticleRecord>> {
        gone()
    }
    async fn restore_people_and_topics(
        &self,
        _: &[Author],
        _: &[Topic],
        _: &[PhotoRecord],
    ) -> StoreResult<()> {
        gone()
    }
    async fn restore_articles(&self, _: &[ArticleRecord]) -> StoreResult<()> {
        gone()
    }
    async fn restore_related(&self, _: &[RelatedLinks]) -> StoreResult<()> {
        gone()
    }
    async fn export_rows(&self, _: &CopyTable, _: u64, _: u32) -> StoreResult<Vec<Row>> {
        gone()
    }
    async fn restore_rows(&self, _: &CopyTable, _: &[Row]) -> StoreResult<()> {
        gone()
    }
    async fn finish_restore(&self) -> StoreResult<()> {
        gone()
    }
    async fn site_counts(&self) -> StoreResult<SiteCounts> {
        gone()
    }
}

#[async_trait]
impl AccountStore for BrokenStore {
    async fn create_account(&self, _: &NewAccount, _: DateTime<Utc>) -> StoreResult<Account> {
        gone()
    }
    async fn account(&self, _: AccountId) -> StoreResult<Option<Account>> {
        gone()
    }
    async fn account_by_email(&self, _: &str) -> StoreResult<Option<(Account, String)>> {
        gone()
    }
    async fn set_password(&self, _: AccountId, _: &str) -> StoreResult<()> {
        gone()
    }
    async fn set_role(&self, _: AccountId, _: Role) -> StoreResult<()> {
        gone()
    }
    async fn change_role(&self, _: AccountId, _: Role) -> StoreResult<Account> {
        gone()
    }
    async fn accounts(&self, _: &AccountFilter, _: u32, _: u32) -> StoreResult<Vec<Account>> {
        gone()
    }
    async fn set_verified(&self, _: AccountId) -> StoreResult<()> {
        gone()
    }
    async fn delete_account(&self, _: AccountId, _: DateTime<Utc>) -> StoreResult<Vec<ArticleId>> {
        gone()
    }
    async fn export_account(&self, _: AccountId) -> StoreResult<AccountExport> {
        gone()
    }
    async fn create_session(&self, _: &str, _: &Session, _: DateTime<Utc>) -> StoreResult<()> {
        gone()
    }
    async fn session(&self, _: &str, _: DateTime<Utc>) -> StoreResult<Option<(Session, Account)>> {
        gone()
    }
    async fn delete_session(&self, _: &str) -> StoreResult<()> {
        gone()
    }
    async fn create_token(
        &self,
        _: &str,
        _: AccountId,
        _: TokenPurpose,
        _: DateTime<Utc>,
    ) -> StoreResult<()> {
        gone()
    }
    async fn take_token(
        &self,
        _: &str,
        _: TokenPurpose,
        _: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        gone()
    }
    async fn create_api_token(
        &self,
        _: AccountId,
        _: &str,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        gone()
    }
    async fn api_tokens(&self, _: AccountId) -> StoreResult<Vec<ApiToken>> {
        gone()
    }
    async fn revoke_api_token(
        &self,
        _: AccountId,
        _: ApiTokenId,
        _: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        gone()
    }
    async fn account_by_api_token(
        &self,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<Option<(ApiToken, Account)>> {
        gone()
    }
}

#[async_trait]
impl CommentStore for BrokenStore {
    async fn posting_context(&self, _: &Lookback) -> StoreResult<PostingContext> {
        gone()
    }
    async fn add_comment(&self, _: &NewComment, _: DateTime<Utc>) -> StoreResult<Comment> {
        gone()
    }
    async fn comment(&self, _: CommentId) -> StoreResult<Option<Comment>> {
        gone()
    }
    async fn comments_page(
        &self,
        _: ArticleId,
        _: CommentSort,
        _: Option<CommentCursor>,
        _: u32,
        _: u32,
    ) -> StoreResult<CommentsPage> {
        gone()
    }
    async fn thread(&self, _: CommentId) -> StoreResult<Option<Thread>> {
        gone()
    }
    async fn own_unlisted_comments(&self, _: ArticleId, _: AccountId) -> StoreResult<Vec<Comment>> {
        gone()
    }
    async fn edit_comment(
        &self,
        _: CommentId,
        _: AccountId,
        _: &CommentEdit,
        _: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        gone()
    }
    async fn comment_revisions(&self, _: CommentId) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        gone()
    }
    async fn delete_comment(
        &self,
        _: CommentId,
        _: AccountId,
        _: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        gone()
    }
    async fn vote_comment(&self, _: CommentId, _: AccountId, _: i32) -> StoreResult<(i64, i64)> {
        gone()
    }
    async fn comment_votes_of(
        &self,
        _: AccountId,
        _: &[CommentId],
    ) -> StoreResult<Vec<(CommentId, i32)>> {
        gone()
    }
    async fn report_comment(
        &self,
        _: CommentId,
        _: AccountId,
        _: ReportReason,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<Report> {
        gone()
    }
    async fn queue(&self, _: Queue, _: u32) -> StoreResult<Vec<QueueItem>> {
        gone()
    }
    async fn queue_sizes(&self) -> StoreResult<Vec<(Queue, i64)>> {
        gone()
    }
    async fn moderate_comment(
        &self,
        _: CommentId,
        _: AccountId,
        _: CommentAction,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<Comment> {
        gone()
    }
    async fn moderate_account(
        &self,
        _: AccountId,
        _: AccountId,
        _: AccountAction,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<Account> {
        gone()
    }
    async fn moderation_log(&self, _: u32) -> StoreResult<Vec<LogEntry>> {
        gone()
    }
    async fn counter_mismatches(&self) -> StoreResult<Vec<CounterMismatch>> {
        gone()
    }
}

#[async_trait]
impl PollStore for BrokenStore {
    async fn create_poll(&self, _: &NewPoll, _: DateTime<Utc>) -> StoreResult<Poll> {
        gone()
    }
    async fn poll(&self, _: PollId) -> StoreResult<Option<Poll>> {
        gone()
    }
    async fn poll_of_article(&self, _: ArticleId) -> StoreResult<Option<Poll>> {
        gone()
    }
    async fn vote_poll(
        &self,
        _: PollId,
        _: OptionId,
        _: AccountId,
        _: DateTime<Utc>,
    ) -> StoreResult<Poll> {
        gone()
    }
    async fn poll_vote_of(&self, _: PollId, _: AccountId) -> StoreResult<Option<OptionId>> {
        gone()
    }
}

#[async_trait]
impl tribune_core::store::DeskStore for BrokenStore {
    async fn desk_articles(
        &self,
        _: &tribune_core::desk::DeskQuery,
        _: DateTime<Utc>,
    ) -> StoreResult<Vec<tribune_core::desk::DeskRow>> {
        gone()
    }
    async fn desk_article(
        &self,
        _: ArticleId,
        _: DateTime<Utc>,
    ) -> StoreResult<Option<tribune_core::desk::DeskArticle>> {
        gone()
    }
    async fn write_article(
        &self,
        _: Option<ArticleId>,
        _: &tribune_core::desk::ArticleDraft,
        _: AccountId,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::desk::DeskArticle> {
        gone()
    }
    async fn set_desk_status(
        &self,
        _: ArticleId,
        _: tribune_core::desk::DeskAction,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::desk::DeskArticle> {
        gone()
    }
    async fn revisions(&self, _: ArticleId) -> StoreResult<Vec<tribune_core::desk::RevisionInfo>> {
        gone()
    }
    async fn revision(
        &self,
        _: ArticleId,
        _: i64,
    ) -> StoreResult<Option<tribune_core::desk::Revision>> {
        gone()
    }
    async fn autosave(
        &self,
        _: AccountId,
        _: Option<ArticleId>,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<()> {
        gone()
    }
    async fn autosaved(
        &self,
        _: AccountId,
        _: Option<ArticleId>,
    ) -> StoreResult<Option<tribune_core::desk::Autosave>> {
        gone()
    }
    async fn discard_autosave(&self, _: AccountId, _: Option<ArticleId>) -> StoreResult<()> {
        gone()
    }
}

#[async_trait]
impl tribune_core::store::MatchStore for BrokenStore {
    async fn set_match_high_risk(
        &self,
        _: MatchId,
        _: bool,
        _: DateTime<Utc>,
    ) -> StoreResult<Match> {
        gone()
    }
    async fn import_fixtures(
        &self,
        _: &str,
        _: &[ImportedMatch],
        _: DateTime<Utc>,
    ) -> StoreResult<FixturesReport> {
        gone()
    }
    async fn teams(&self) -> StoreResult<Vec<Team>> {
        gone()
    }
    async fn match_by_id(&self, _: MatchId) -> StoreResult<Option<Match>> {
        gone()
    }
    async fn matches_between(
        &self,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
        _: u32,
    ) -> StoreResult<Vec<Match>> {
        gone()
    }
    async fn live_matches(&self) -> StoreResult<Vec<Match>> {
        gone()
    }
    async fn match_events(&self, _: MatchId) -> StoreResult<Vec<MatchEvent>> {
        gone()
    }
    async fn set_match_status(
        &self,
        _: MatchId,
        _: MatchStatus,
        _: Option<Minute>,
        _: DateTime<Utc>,
    ) -> StoreResult<Match> {
        gone()
    }
    async fn save_team(
        &self,
        _: tribune_core::football::TeamId,
        _: &tribune_core::football::TeamEdit,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::football::Team> {
        gone()
    }
    async fn set_match_article(
        &self,
        _: MatchId,
        _: Option<tribune_core::article::ArticleId>,
        _: DateTime<Utc>,
    ) -> StoreResult<Match> {
        gone()
    }
    async fn add_match_event(
        &self,
        _: MatchId,
        _: &NewMatchEvent,
        _: DateTime<Utc>,
    ) -> StoreResult<(Match, MatchEvent)> {
        gone()
    }
    async fn match_event(&self, _: MatchId, _: MatchEventId) -> StoreResult<Option<MatchEvent>> {
        gone()
    }
    async fn add_live_entry(
        &self,
        _: MatchId,
        _: &NewLiveEntry,
        _: Option<AccountId>,
        _: DateTime<Utc>,
    ) -> StoreResult<LiveEntry> {
        gone()
    }
    async fn edit_live_entry(
        &self,
        _: MatchId,
        _: LiveEntryId,
        _: &NewLiveEntry,
        _: DateTime<Utc>,
    ) -> StoreResult<LiveEntry> {
        gone()
    }
    async fn delete_live_entry(
        &self,
        _: MatchId,
        _: LiveEntryId,
        _: DateTime<Utc>,
    ) -> StoreResult<()> {
        gone()
    }
    async fn live_entries(&self, _: MatchId) -> StoreResult<Vec<LiveEntry>> {
        gone()
    }
    async fn live_entry(&self, _: MatchId, _: LiveEntryId) -> StoreResult<Option<LiveEntry>> {
        gone()
    }
    async fn match_changes(
        &self,
        _: i64,
        _: Option<MatchId>,
        _: u32,
    ) -> StoreResult<Vec<tribune_core::football::MatchChange>> {
        gone()
    }
    async fn match_log_span(&self) -> StoreResult<(i64, i64)> {
        gone()
    }
}

#[async_trait]
impl tribune_core::store::ModelStore for BrokenStore {
    async fn save_model(
        &self,
        _: &tribune_core::learning::NewModel,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::learning::ModelVersion> {
        gone()
    }
    async fn model_versions(&self) -> StoreResult<Vec<tribune_core::learning::ModelVersion>> {
        gone()
    }
    async fn model_bytes(&self, _: i64) -> StoreResult<Option<Vec<u8>>> {
        gone()
    }
    async fn lessons_since(
        &self,
        _: i64,
        _: u32,
    ) -> StoreResult<Vec<tribune_core::learning::Lesson>> {
        gone()
    }
    async fn last_lesson(&self) -> StoreResult<i64> {
        gone()
    }
}

// ---- law (DSA): statements, contests, notices, transparency ----
#[async_trait]
impl tribune_core::store::LawStore for BrokenStore {
    async fn decisions_of(
        &self,
        _: AccountId,
        _: u32,
    ) -> StoreResult<Vec<tribune_core::law::Decision>> {
        gone()
    }
    async fn decision(
        &self,
        _: CommentId,
        _: AccountId,
    ) -> StoreResult<Option<tribune_core::law::Decision>> {
        gone()
    }
    async fn contest(
        &self,
        _: CommentId,
        _: AccountId,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::law::Contest> {
        gone()
    }
    async fn contest_by_id(&self, _: i64) -> StoreResult<Option<tribune_core::law::Contest>> {
        gone()
    }
    async fn contests(&self, _: bool, _: u32) -> StoreResult<Vec<tribune_core::law::ContestItem>> {
        gone()
    }
    async fn resolve_contest(
        &self,
        _: i64,
        _: AccountId,
        _: tribune_core::law::ContestOutcome,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::law::Contest> {
        gone()
    }
    async fn add_notice(
        &self,
        _: &tribune_core::law::NewNotice,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::law::Notice> {
        gone()
    }
    async fn notice(&self, _: i64) -> StoreResult<Option<tribune_core::law::Notice>> {
        gone()
    }
    async fn notices(&self, _: bool, _: u32) -> StoreResult<Vec<tribune_core::law::NoticeItem>> {
        gone()
    }
    async fn handle_notice(
        &self,
        _: i64,
        _: AccountId,
        _: tribune_core::law::NoticeOutcome,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::law::Notice> {
        gone()
    }
    async fn law_queue_sizes(&self) -> StoreResult<(i64, i64)> {
        gone()
    }
    async fn transparency(
        &self,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> StoreResult<tribune_core::law::TransparencyCounts> {
        gone()
    }
    async fn recent_comments_of(&self, _: &[AccountId], _: u32) -> StoreResult<Vec<Comment>> {
        gone()
    }
}
