//! What happened, as the bus carries it: ids and small facts, never whole rows.

use crate::article::ArticleId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// An article was published, changed, unpublished, or its scheduled time came.
    ArticleChanged { id: ArticleId },
    /// Something changed that we cannot name precisely (a resync): drop every cached page.
    Everything,
}
