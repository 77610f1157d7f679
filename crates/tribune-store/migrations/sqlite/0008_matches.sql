-- Competitions, teams and matches, as `tribune import fixtures` brings them in and the live
-- console plays them. Times are unix milliseconds, like everywhere in this schema.
CREATE TABLE competitions (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_fr TEXT,
    short_name TEXT NOT NULL,
    topic_id INTEGER REFERENCES topics(id) ON DELETE SET NULL
);

-- Every name a source uses for a team, folded (lower case, no accents): how an import finds
-- "Club Brugge KV" again.
CREATE TABLE team_aliases (
    id INTEGER PRIMARY KEY,
    alias_key TEXT NOT NULL UNIQUE,
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    alias TEXT NOT NULL
);

CREATE TABLE matches (
    id INTEGER PRIMARY KEY,
    competition_id INTEGER NOT NULL REFERENCES competitions(id),
    -- Identity at the source ("of:...", "fd:..."), so that a re-import updates.
    external_key TEXT NOT NULL UNIQUE,
    round TEXT NOT NULL DEFAULT '',
    home_id INTEGER NOT NULL REFERENCES teams(id),
    away_id INTEGER NOT NULL REFERENCES teams(id),
    kickoff_at INTEGER NOT NULL,
    time_known INTEGER NOT NULL DEFAULT 1 CHECK (time_known IN (0, 1)),
    status TEXT NOT NULL,
    minute INTEGER,
    added_minute INTEGER,
    home_score INTEGER,
    away_score INTEGER,
    ht_home INTEGER,
    ht_away INTEGER,
    pen_home INTEGER,
    pen_away INTEGER,
    updated_at INTEGER NOT NULL,
    CHECK (home_id <> away_id)
);
CREATE INDEX matches_kickoff ON matches (kickoff_at);
CREATE INDEX matches_status ON matches (status);

CREATE TABLE match_events (
    id INTEGER PRIMARY KEY,
    match_id INTEGER NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('home', 'away')),
    minute INTEGER NOT NULL,
    added_minute INTEGER,
    player TEXT NOT NULL DEFAULT '',
    other_player TEXT NOT NULL DEFAULT '',
    reverses INTEGER REFERENCES match_events(id),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    -- Brought by an import: a re-import replaces these, never the live console's.
    imported INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX match_events_match ON match_events (match_id, id);

-- The liveblog: entries written during the match, newest first on the page (pinned ones on
-- top). An entry tied to an event is marked when VAR takes that event back. Deleted entries
-- stay as rows, so that a page following the match learns that they are gone.
CREATE TABLE live_entries (
    id INTEGER PRIMARY KEY,
    match_id INTEGER NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    event_id INTEGER REFERENCES match_events(id) ON DELETE SET NULL,
    minute INTEGER,
    added_minute INTEGER,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    key_event INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    author_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX live_entries_match ON live_entries (match_id, id);
