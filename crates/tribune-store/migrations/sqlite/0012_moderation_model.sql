-- The moderation model of this site: every trained version kept (the newest is in use), so a
-- retrain can be rolled back and `tribune copy` carries the model to another database.
CREATE TABLE moderation_models (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    -- The version already learned every lesson up to this id; nodes add the later ones.
    lessons_through INTEGER NOT NULL,
    examples        INTEGER NOT NULL,
    note            TEXT NOT NULL,
    model           BLOB NOT NULL
);

-- What moderators' decisions teach the model: the text as it was judged, abuse or not.
-- A lesson goes with its comment (an account's erasure takes its texts along).
CREATE TABLE moderation_lessons (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    abusive     INTEGER NOT NULL CHECK (abusive IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX moderation_lessons_by_comment ON moderation_lessons(comment_id);

-- The same text from several accounts (copy-paste spam) is found by its fingerprint.
CREATE INDEX comments_by_text ON comments(fingerprint, created_at);

-- The desk marks a derby or high-risk match: its clubs' articles are tightened all day.
ALTER TABLE matches ADD COLUMN high_risk INTEGER NOT NULL DEFAULT 0;
