-- Competitions, teams and matches, as `tribune import fixtures` brings them in and the live
-- console plays them.
CREATE TABLE competitions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE teams (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_fr TEXT,
    short_name TEXT NOT NULL,
    topic_id BIGINT REFERENCES topics(id) ON DELETE SET NULL
);

-- Every name a source uses for a team, folded (lower case, no accents): how an import finds
-- "Club Brugge KV" again.
CREATE TABLE team_aliases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alias_key TEXT NOT NULL UNIQUE,
    team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    alias TEXT NOT NULL
);

CREATE TABLE matches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    -- Identity at the source ("of:...", "fd:..."), so that a re-import updates.
    external_key TEXT NOT NULL UNIQUE,
    round TEXT NOT NULL DEFAULT '',
    home_id BIGINT NOT NULL REFERENCES teams(id),
    away_id BIGINT NOT NULL REFERENCES teams(id),
    kickoff_at TIMESTAMPTZ NOT NULL,
    time_known BOOLEAN NOT NULL DEFAULT TRUE,
    status TEXT NOT NULL,
    minute INTEGER,
    added_minute INTEGER,
    home_score INTEGER,
    away_score INTEGER,
    ht_home INTEGER,
    ht_away INTEGER,
    pen_home INTEGER,
    pen_away INTEGER,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (home_id <> away_id)
);
CREATE INDEX matches_kickoff ON matches (kickoff_at);
CREATE INDEX matches_status ON matches (status);

CREATE TABLE match_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('home', 'away')),
    minute INTEGER NOT NULL,
    added_minute INTEGER,
    player TEXT NOT NULL DEFAULT '',
    other_player TEXT NOT NULL DEFAULT '',
    reverses BIGINT REFERENCES match_events(id),
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    -- Brought by an import: a re-import replaces these, never the live console's.
    imported BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX match_events_match ON match_events (match_id, id);

-- The liveblog: entries written during the match, newest first on the page (pinned ones on
-- top). An entry tied to an event is marked when VAR takes that event back. Deleted entries
-- stay as rows, so that a page following the match learns that they are gone.
CREATE TABLE live_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    event_id BIGINT REFERENCES match_events(id) ON DELETE SET NULL,
    minute INTEGER,
    added_minute INTEGER,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    key_event BOOLEAN NOT NULL DEFAULT FALSE,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    author_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ,
    deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX live_entries_match ON live_entries (match_id, id);
