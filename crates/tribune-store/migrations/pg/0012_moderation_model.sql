-- The moderation model's versions and lessons (as 0012_moderation_model.sql for SQLite).
CREATE TABLE moderation_models (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      TIMESTAMPTZ NOT NULL,
    lessons_through BIGINT NOT NULL,
    examples        BIGINT NOT NULL,
    note            TEXT NOT NULL,
    model           BYTEA NOT NULL
);

CREATE TABLE moderation_lessons (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id  BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    abusive     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX moderation_lessons_by_comment ON moderation_lessons(comment_id);

CREATE INDEX comments_by_text ON comments(fingerprint, created_at);

ALTER TABLE matches ADD COLUMN high_risk BOOLEAN NOT NULL DEFAULT false;
