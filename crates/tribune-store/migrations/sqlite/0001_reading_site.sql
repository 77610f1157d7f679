-- The reading site: authors, photos, topics, articles and the change log other processes read.
-- Times are unix milliseconds (UTC).

CREATE TABLE authors (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL UNIQUE,  -- folded name, so "Sofie  vermeulen" is the same person
    slug      TEXT NOT NULL UNIQUE
);

CREATE TABLE photos (
    id       INTEGER PRIMARY KEY,
    path     TEXT NOT NULL UNIQUE,   -- file name under the media directory
    credit   TEXT NOT NULL,
    caption  TEXT,
    width    INTEGER NOT NULL,
    height   INTEGER NOT NULL
);

CREATE TABLE topics (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL UNIQUE,
    slug      TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL CHECK (kind IN ('competition', 'club', 'person', 'national_team', 'theme'))
);

CREATE TABLE topic_aliases (
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    alias_key  TEXT NOT NULL,
    PRIMARY KEY (topic_id, alias_key)
);
CREATE INDEX topic_aliases_by_key ON topic_aliases(alias_key);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    external_key   TEXT UNIQUE,
    slug           TEXT NOT NULL,
    title          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('news', 'rumour', 'interview', 'opinion', 'match_report')),
    source         TEXT,
    author_id      INTEGER NOT NULL REFERENCES authors(id),
    status         TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
    published_at   INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    lead           TEXT NOT NULL,
    teaser         TEXT NOT NULL,
    body_markdown  TEXT NOT NULL,
    body_html      TEXT NOT NULL,
    photo_id       INTEGER REFERENCES photos(id),
    comment_count  INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0)
);
CREATE INDEX articles_recent ON articles(published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_by_author ON articles(author_id, published_at DESC, id DESC) WHERE status = 'published';

-- published_at is copied here so a topic page is one index range, not a sort.
CREATE TABLE article_topics (
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id      INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_recent ON article_topics(topic_id, published_at DESC, article_id DESC);

CREATE TABLE related_articles (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    related_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id)
);

-- Every article write appends a row, so a running site notices writes by other processes
-- (the import command) and refreshes exactly those pages.
CREATE TABLE article_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id  INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
);
