//! Tribune's newsroom domain: what an article, a teaser, a topic and a slug are, and the
//! rules around them. Nothing here does I/O; storage lives behind [`store::Store`].

pub mod account;
pub mod article;
pub mod clock;
pub mod comment;
pub mod copy;
pub mod desk;
pub mod event;
pub mod football;
pub mod imported;
pub mod law;
pub mod learning;
pub mod markdown;
pub mod moderation;
pub mod poll;
pub mod storable;
pub mod store;
pub mod tagging;
pub mod text;
pub mod time;
pub mod topic;

pub use article::{
    Article, ArticleId, ArticleKind, ArticleSummary, Author, AuthorId, NewArticle, Photo,
};
pub use clock::{Clock, SystemClock};
pub use event::Event;
pub use store::{ArticleQuery, Cursor, SaveOutcome, Store, StoreError, Woke};
pub use text::{slugify, teaser};
pub use topic::{NewTopic, Topic, TopicId, TopicKind, TopicRef};
