-- The match log (as 0009_match_log.sql for SQLite): every write to a match appends a row in
-- the same transaction, as its last step under the shared change-log lock, and notifies the
-- other nodes. entry_id NULL names the board (status, minute, score, events).
CREATE TABLE match_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    match_id   BIGINT NOT NULL,
    entry_id   BIGINT,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX match_changes_match ON match_changes (match_id, seq);
