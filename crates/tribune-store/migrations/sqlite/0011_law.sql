-- What the EU Digital Services Act asks of comment moderation. Times are unix milliseconds
-- (UTC). A decision's statement of reasons is derived: the comment's verdict and reason codes,
-- and the moderator's reject/remove line in moderation_log (none: the rules decided).

-- An author contests a decision once: decision_ref is that decision's moderation_log id, or 0
-- for the rules' decision.
CREATE TABLE comment_contests (
    id              INTEGER PRIMARY KEY,
    comment_id      INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    author_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    decision_ref    INTEGER NOT NULL,
    explanation     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    outcome         TEXT CHECK (outcome IN ('upheld', 'overturned')),
    note            TEXT NOT NULL DEFAULT '',
    moderator_id    INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    moderator_name  TEXT,
    resolved_at     INTEGER
);
CREATE UNIQUE INDEX comment_contests_once ON comment_contests(comment_id, decision_ref);
CREATE INDEX comment_contests_open ON comment_contests(id) WHERE outcome IS NULL;
CREATE INDEX comment_contests_created ON comment_contests(created_at);
CREATE INDEX comment_contests_resolved ON comment_contests(resolved_at) WHERE resolved_at IS NOT NULL;

-- Notices of illegal content, from anyone; the reference shown is M-YEAR-ID.
CREATE TABLE content_notices (
    id              INTEGER PRIMARY KEY,
    comment_id      INTEGER REFERENCES comments(id) ON DELETE SET NULL,
    category        TEXT NOT NULL CHECK (category IN ('hate_speech', 'threat', 'terrorism',
                        'privacy', 'child_abuse', 'copyright', 'fraud', 'other')),
    explanation     TEXT NOT NULL,
    email           TEXT,
    reporter_id     INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    comment_text    TEXT NOT NULL,              -- the comment as it was when notified
    created_at      INTEGER NOT NULL,
    outcome         TEXT CHECK (outcome IN ('action_taken', 'no_action')),
    note            TEXT NOT NULL DEFAULT '',
    handled_by      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    handled_by_name TEXT,
    handled_at      INTEGER
);
CREATE INDEX content_notices_open ON content_notices(id) WHERE outcome IS NULL;
CREATE INDEX content_notices_created ON content_notices(created_at);
CREATE INDEX content_notices_handled ON content_notices(handled_at) WHERE handled_at IS NOT NULL;

-- The statement of reasons and the transparency figures look up a comment's moderator
-- decisions, and the rules' rejections by month.
CREATE INDEX moderation_log_by_action ON moderation_log(action, at);
CREATE INDEX comments_rejected ON comments(created_at) WHERE verdict = 'rejected';
CREATE INDEX comments_by_author_id ON comments(author_id, id);
