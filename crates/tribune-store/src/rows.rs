//! Row mapping shared by both dialects: what a stored word means in the domain.

use tribune_core::article::ArticleKind;
use tribune_core::store::{StoreError, StoreResult};
use tribune_core::topic::TopicKind;

pub(crate) fn kind_of(s: &str) -> StoreResult<ArticleKind> {
    ArticleKind::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown article kind {s}")))
}

pub(crate) fn topic_kind_of(s: &str) -> StoreResult<TopicKind> {
    TopicKind::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown topic kind {s}")))
}
