//! What happened, as the bus carries it: ids and small facts, never whole rows.

use crate::article::ArticleId;
use crate::football::MatchId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// An article was published, changed, unpublished, or its scheduled time came.
    ArticleChanged { id: ArticleId },
    /// A match changed (status, score, events, liveblog or linked article): pages that show
    /// it (its match page, an article that leads to it) are rendered again.
    MatchChanged { id: MatchId },
    /// Something changed that we cannot name precisely (a resync): drop every cached page.
    Everything,
}
