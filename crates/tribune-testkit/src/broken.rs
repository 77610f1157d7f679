//! A store whose database is gone: every call fails. For testing what readers see then.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tribune_core::NewArticle;
use tribune_core::article::{Article, ArticleId, ArticleSummary, Author};
use tribune_core::store::{
    ArticleQuery, ArticleRecord, PhotoRecord, RelatedLinks, SaveOutcome, SiteCounts, Store,
    StoreError, StoreResult,
};
use tribune_core::topic::{NewTopic, Topic};

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
    async fn save_topic(&self, _: &NewTopic) -> StoreResult<Topic> {
        gone()
    }
    async fn topics(&self) -> StoreResult<Vec<Topic>> {
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
    async fn finish_restore(&self) -> StoreResult<()> {
        gone()
    }
    async fn site_counts(&self) -> StoreResult<SiteCounts> {
        gone()
    }
}
