//! What the site's moderation model is made of besides its built-in training set: the
//! versions a site trained (kept, so a retrain can be rolled back) and the lessons its
//! moderators' decisions teach. The model itself is [`crate::moderation::Classifier`].

use chrono::{DateTime, Utc};

use crate::comment::CommentId;

/// A stored version of the model (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelVersion {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// Every lesson up to this id is in the model; nodes add later ones themselves.
    pub lessons_through: i64,
    /// How many examples it was trained on (the built-in set plus lessons).
    pub examples: i64,
    /// "retrained", "rolled back to version 3", ...
    pub note: String,
}

/// A model to store as the newest version (which is the one in use).
#[derive(Debug, Clone)]
pub struct NewModel {
    pub bytes: Vec<u8>,
    pub lessons_through: i64,
    pub examples: i64,
    pub note: String,
}

/// One moderator decision as the model learns it: the comment's text, abuse or not.
/// Approving and restoring teach "fine"; rejecting and removing teach "abuse".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    pub id: i64,
    pub comment_id: CommentId,
    pub body: String,
    pub abusive: bool,
    pub at: DateTime<Utc>,
}

/// What a decision teaches, if anything: dismissing reports changes nothing.
pub fn lesson_of(action: crate::comment::CommentAction) -> Option<bool> {
    use crate::comment::CommentAction::*;
    match action {
        Approve | Restore => Some(false),
        Reject | Remove => Some(true),
        Dismiss => None,
    }
}
