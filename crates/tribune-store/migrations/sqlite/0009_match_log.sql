-- The match log: every write to a match appends a row, in the same transaction. A row
-- names the match's board (entry_id NULL: status, minute, score, events) or one liveblog
-- entry. Each node follows it to tell its readers, and a reader who reconnects (even to a
-- restarted node) is replayed what it missed from here.
CREATE TABLE match_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    match_id   INTEGER NOT NULL,
    entry_id   INTEGER,
    changed_at INTEGER NOT NULL
);
CREATE INDEX match_changes_match ON match_changes (match_id, seq);
