-- What the EU Digital Services Act asks of comment moderation (as 0011_law.sql for SQLite).
-- Times are timestamptz, written whole milliseconds (UTC).

CREATE TABLE comment_contests (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id      BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    author_id       BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    decision_ref    BIGINT NOT NULL,
    explanation     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    outcome         TEXT COLLATE "C" CHECK (outcome IN ('upheld', 'overturned')),
    note            TEXT NOT NULL DEFAULT '',
    moderator_id    BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    moderator_name  TEXT,
    resolved_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX comment_contests_once ON comment_contests(comment_id, decision_ref);
CREATE INDEX comment_contests_open ON comment_contests(id) WHERE outcome IS NULL;
CREATE INDEX comment_contests_created ON comment_contests(created_at);
CREATE INDEX comment_contests_resolved ON comment_contests(resolved_at) WHERE resolved_at IS NOT NULL;

CREATE TABLE content_notices (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id      BIGINT REFERENCES comments(id) ON DELETE SET NULL,
    category        TEXT COLLATE "C" NOT NULL CHECK (category IN ('hate_speech', 'threat',
                        'terrorism', 'privacy', 'child_abuse', 'copyright', 'fraud', 'other')),
    explanation     TEXT NOT NULL,
    email           TEXT,
    reporter_id     BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    comment_text    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    outcome         TEXT COLLATE "C" CHECK (outcome IN ('action_taken', 'no_action')),
    note            TEXT NOT NULL DEFAULT '',
    handled_by      BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    handled_by_name TEXT,
    handled_at      TIMESTAMPTZ
);
CREATE INDEX content_notices_open ON content_notices(id) WHERE outcome IS NULL;
CREATE INDEX content_notices_created ON content_notices(created_at);
CREATE INDEX content_notices_handled ON content_notices(handled_at) WHERE handled_at IS NOT NULL;

CREATE INDEX moderation_log_by_action ON moderation_log(action, at);
CREATE INDEX comments_rejected ON comments(created_at) WHERE verdict = 'rejected';
CREATE INDEX comments_by_author_id ON comments(author_id, id);
