-- Reader accounts, comments with their moderation, and polls. Mirrors the SQLite schema
-- (0002_comments.sql there). Times are timestamptz, always written whole milliseconds (UTC);
-- flags are boolean; keys, names and kinds use the "C" collation as in 0001.
--
-- The change log (article_changes) gets writes from comment, vote and poll writers too, who
-- do not take turns under the article-write lock. Instead every writer appends to the log as
-- the very last step of its transaction under a shared advisory lock, and readers of the log
-- take that lock exclusively: a reader then sees every change number handed out before it,
-- committed or rolled back, and never one that fills in later (see the store's lib.rs).

CREATE TABLE accounts (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email              TEXT COLLATE "C" NOT NULL UNIQUE,  -- trimmed and lowercased
    display_name       TEXT COLLATE "C" NOT NULL,
    password_hash      TEXT NOT NULL,                     -- argon2id PHC string
    role               TEXT COLLATE "C" NOT NULL DEFAULT 'reader'
                       CHECK (role IN ('reader', 'moderator', 'journalist', 'editor', 'admin')),
    verified           BOOLEAN NOT NULL DEFAULT false,
    created_at         TIMESTAMPTZ NOT NULL,
    suspended_until    TIMESTAMPTZ,
    banned             BOOLEAN NOT NULL DEFAULT false,
    shadow_banned      BOOLEAN NOT NULL DEFAULT false,
    approved_comments  BIGINT NOT NULL DEFAULT 0 CHECK (approved_comments >= 0)
);

-- Looked up by the SHA-256 of the cookie value; the value itself is never stored.
CREATE TABLE sessions (
    token_hash   TEXT COLLATE "C" PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf_token   TEXT COLLATE "C" NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);

-- One-time links sent by mail: account activation and password reset.
CREATE TABLE account_tokens (
    token_hash   TEXT COLLATE "C" PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose      TEXT COLLATE "C" NOT NULL CHECK (purpose IN ('activate', 'reset')),
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX account_tokens_by_account ON account_tokens(account_id);

-- public = verdict is visible, not deleted, author not shadow-banned when posting.
-- listed = a top-level comment the page shows: public, or a placeholder with public replies.
CREATE TABLE comments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id      BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id       BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    root_id         BIGINT REFERENCES comments(id),
    reply_to        BIGINT REFERENCES comments(id),
    body_markdown   TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    fingerprint     BIGINT NOT NULL,
    verdict         TEXT COLLATE "C" NOT NULL CHECK (verdict IN ('visible', 'pending', 'rejected')),
    reasons         TEXT COLLATE "C" NOT NULL DEFAULT '',  -- reason codes, space separated
    risk            BIGINT NOT NULL DEFAULT 0,
    shadow          BOOLEAN NOT NULL DEFAULT false,
    deleted         BOOLEAN NOT NULL DEFAULT false,
    public          BOOLEAN NOT NULL,
    listed          BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL,
    edited_at       TIMESTAMPTZ,
    up              BIGINT NOT NULL DEFAULT 0 CHECK (up >= 0),
    down            BIGINT NOT NULL DEFAULT 0 CHECK (down >= 0),
    score           BIGINT NOT NULL DEFAULT 0,  -- up - down, kept for the "best" order
    reply_count     BIGINT NOT NULL DEFAULT 0 CHECK (reply_count >= 0), -- public replies (top-level only)
    open_reports    BIGINT NOT NULL DEFAULT 0 CHECK (open_reports >= 0),
    report_risk     BIGINT NOT NULL DEFAULT 0   -- summed weight of the open reports
);
-- Pages of top-level comments in each order: one index range each (read backwards for the
-- newest-first and best-first orders).
CREATE INDEX comments_newest ON comments(article_id, created_at, id) WHERE root_id IS NULL AND listed;
CREATE INDEX comments_best ON comments(article_id, score, id) WHERE root_id IS NULL AND listed;
CREATE INDEX comments_replies ON comments(root_id, created_at, id) WHERE root_id IS NOT NULL;
-- Rates, duplicates and slow mode look back from now.
CREATE INDEX comments_by_author ON comments(author_id, created_at);
CREATE INDEX comments_by_article_time ON comments(article_id, created_at);
CREATE INDEX comments_pending ON comments(risk DESC, id) WHERE verdict = 'pending' AND NOT deleted;
CREATE INDEX comments_reported ON comments(report_risk DESC, id) WHERE open_reports > 0;
CREATE INDEX comments_flagged ON comments(risk DESC, id) WHERE risk > 0;

-- The text before each edit.
CREATE TABLE comment_revisions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id      BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    body_markdown   TEXT NOT NULL,
    replaced_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX comment_revisions_by_comment ON comment_revisions(comment_id, id);

CREATE TABLE comment_votes (
    comment_id  BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    value       INTEGER NOT NULL CHECK (value IN (-1, 1)),
    PRIMARY KEY (account_id, comment_id)
);
-- Deleting comments (with their article) must not scan every vote.
CREATE INDEX comment_votes_by_comment ON comment_votes(comment_id);

CREATE TABLE comment_reports (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id    BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    reporter_id   BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    reason        TEXT COLLATE "C" NOT NULL
                  CHECK (reason IN ('racism', 'abuse', 'threat', 'spam', 'other')),
    note          TEXT NOT NULL DEFAULT '',
    comment_text  TEXT NOT NULL,               -- the comment as the reporter saw it
    created_at    TIMESTAMPTZ NOT NULL,
    resolved_at   TIMESTAMPTZ
);
CREATE INDEX comment_reports_by_comment ON comment_reports(comment_id);
CREATE UNIQUE INDEX comment_reports_open ON comment_reports(comment_id, reporter_id) WHERE resolved_at IS NULL;
-- Deleting an account must not scan every report for its name.
CREATE INDEX comment_reports_by_reporter ON comment_reports(reporter_id);

-- Who did what, when and why: never updated, never deleted with the comment or account.
CREATE TABLE moderation_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    moderator_id    BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    moderator_name  TEXT NOT NULL,
    action          TEXT COLLATE "C" NOT NULL,
    comment_id      BIGINT,
    account_id      BIGINT,
    reason          TEXT NOT NULL
);
CREATE INDEX moderation_log_by_moderator ON moderation_log(moderator_id);

CREATE TABLE polls (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id   BIGINT NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    closes_at    TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    total_votes  BIGINT NOT NULL DEFAULT 0 CHECK (total_votes >= 0)
);

CREATE TABLE poll_options (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    poll_id   BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    label     TEXT NOT NULL,
    votes     BIGINT NOT NULL DEFAULT 0 CHECK (votes >= 0)
);
CREATE INDEX poll_options_by_poll ON poll_options(poll_id, position);

-- A deleted account's votes stay counted, without a name (account_id NULL).
CREATE TABLE poll_votes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    poll_id     BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    option_id   BIGINT NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
    account_id  BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    voted_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX poll_votes_once ON poll_votes(poll_id, account_id) WHERE account_id IS NOT NULL;
-- Deleting an account or an option must not scan every vote.
CREATE INDEX poll_votes_by_account ON poll_votes(account_id);
CREATE INDEX poll_votes_by_option ON poll_votes(option_id);
