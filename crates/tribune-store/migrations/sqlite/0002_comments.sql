-- Reader accounts, comments with their moderation, and polls. Times are unix milliseconds (UTC).

CREATE TABLE accounts (
    id                 INTEGER PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,     -- trimmed and lowercased
    display_name       TEXT NOT NULL,
    password_hash      TEXT NOT NULL,            -- argon2id PHC string
    role               TEXT NOT NULL DEFAULT 'reader'
                       CHECK (role IN ('reader', 'moderator', 'journalist', 'editor', 'admin')),
    verified           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    suspended_until    INTEGER,
    banned             INTEGER NOT NULL DEFAULT 0,
    shadow_banned      INTEGER NOT NULL DEFAULT 0,
    approved_comments  INTEGER NOT NULL DEFAULT 0
);

-- Looked up by the SHA-256 of the cookie value; the value itself is never stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);

-- One-time links sent by mail: account activation and password reset.
CREATE TABLE account_tokens (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL CHECK (purpose IN ('activate', 'reset')),
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX account_tokens_by_account ON account_tokens(account_id);

-- public = verdict is visible, not deleted, author not shadow-banned when posting.
-- listed = a top-level comment the page shows: public, or a placeholder with public replies.
CREATE TABLE comments (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    root_id         INTEGER REFERENCES comments(id),
    reply_to        INTEGER REFERENCES comments(id),
    body_markdown   TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    fingerprint     INTEGER NOT NULL,
    verdict         TEXT NOT NULL CHECK (verdict IN ('visible', 'pending', 'rejected')),
    reasons         TEXT NOT NULL DEFAULT '',    -- reason codes, space separated
    risk            INTEGER NOT NULL DEFAULT 0,
    shadow          INTEGER NOT NULL DEFAULT 0,
    deleted         INTEGER NOT NULL DEFAULT 0,
    public          INTEGER NOT NULL,
    listed          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    up              INTEGER NOT NULL DEFAULT 0 CHECK (up >= 0),
    down            INTEGER NOT NULL DEFAULT 0 CHECK (down >= 0),
    score           INTEGER NOT NULL DEFAULT 0,  -- up - down, kept for the "best" order
    reply_count     INTEGER NOT NULL DEFAULT 0 CHECK (reply_count >= 0), -- public replies (top-level only)
    open_reports    INTEGER NOT NULL DEFAULT 0 CHECK (open_reports >= 0),
    report_risk     INTEGER NOT NULL DEFAULT 0   -- summed weight of the open reports
);
-- Pages of top-level comments in each order: one index range each.
CREATE INDEX comments_newest ON comments(article_id, created_at, id) WHERE root_id IS NULL AND listed = 1;
CREATE INDEX comments_best ON comments(article_id, score, id) WHERE root_id IS NULL AND listed = 1;
-- The public replies of a thread, oldest first: all a page reads of them, without the table.
CREATE INDEX comments_replies ON comments(root_id, created_at, id) WHERE root_id IS NOT NULL AND public = 1;
-- Rates, duplicates and slow mode look back from now.
CREATE INDEX comments_by_author ON comments(author_id, created_at);
CREATE INDEX comments_by_article_time ON comments(article_id, created_at);
CREATE INDEX comments_pending ON comments(risk DESC, id) WHERE verdict = 'pending' AND deleted = 0;
CREATE INDEX comments_reported ON comments(report_risk DESC, id) WHERE open_reports > 0;
CREATE INDEX comments_flagged ON comments(risk DESC, id) WHERE risk > 0;

-- The text before each edit.
CREATE TABLE comment_revisions (
    id              INTEGER PRIMARY KEY,
    comment_id      INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    body_markdown   TEXT NOT NULL,
    replaced_at     INTEGER NOT NULL
);
CREATE INDEX comment_revisions_by_comment ON comment_revisions(comment_id, id);

CREATE TABLE comment_votes (
    comment_id  INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    value       INTEGER NOT NULL CHECK (value IN (-1, 1)),
    PRIMARY KEY (account_id, comment_id)
);

CREATE TABLE comment_reports (
    id            INTEGER PRIMARY KEY,
    comment_id    INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    reporter_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    reason        TEXT NOT NULL CHECK (reason IN ('racism', 'abuse', 'threat', 'spam', 'other')),
    note          TEXT NOT NULL DEFAULT '',
    comment_text  TEXT NOT NULL,               -- the comment as the reporter saw it
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER
);
CREATE INDEX comment_reports_by_comment ON comment_reports(comment_id);
CREATE INDEX comment_reports_by_reporter ON comment_reports(reporter_id);
CREATE UNIQUE INDEX comment_reports_open ON comment_reports(comment_id, reporter_id) WHERE resolved_at IS NULL;

-- Who did what, when and why: never updated, never deleted with the comment or account.
CREATE TABLE moderation_log (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    moderator_id    INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    moderator_name  TEXT NOT NULL,
    action          TEXT NOT NULL,
    comment_id      INTEGER,
    account_id      INTEGER,
    reason          TEXT NOT NULL
);
CREATE INDEX moderation_log_by_comment ON moderation_log(comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX moderation_log_by_moderator ON moderation_log(moderator_id);

CREATE TABLE polls (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    closes_at    INTEGER,
    created_at   INTEGER NOT NULL,
    total_votes  INTEGER NOT NULL DEFAULT 0 CHECK (total_votes >= 0)
);

CREATE TABLE poll_options (
    id        INTEGER PRIMARY KEY,
    poll_id   INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    label     TEXT NOT NULL,
    votes     INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0)
);
CREATE INDEX poll_options_by_poll ON poll_options(poll_id, position);

-- A deleted account's votes stay counted, without a name (account_id NULL).
CREATE TABLE poll_votes (
    id          INTEGER PRIMARY KEY,
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    option_id   INTEGER NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    voted_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX poll_votes_once ON poll_votes(poll_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX poll_votes_by_account ON poll_votes(account_id);
