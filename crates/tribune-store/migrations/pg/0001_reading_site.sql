-- The reading site: authors, photos, topics, articles and the change log other nodes read.
-- Mirrors the SQLite schema. Times are timestamptz, always written whole milliseconds (UTC).
-- Names, keys, slugs and kinds use the "C" collation: byte order and byte equality, like
-- SQLite's BINARY, so lists sort the same on both backends whatever the database's locale.

CREATE TABLE authors (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name      TEXT COLLATE "C" NOT NULL,
    name_key  TEXT COLLATE "C" NOT NULL UNIQUE,  -- folded name, so "Sofie  vermeulen" is the same person
    slug      TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE photos (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path     TEXT COLLATE "C" NOT NULL UNIQUE,   -- file name under the media directory
    credit   TEXT NOT NULL,
    caption  TEXT,
    width    BIGINT NOT NULL,
    height   BIGINT NOT NULL
);

CREATE TABLE topics (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name      TEXT COLLATE "C" NOT NULL,
    name_key  TEXT COLLATE "C" NOT NULL UNIQUE,
    slug      TEXT COLLATE "C" NOT NULL UNIQUE,
    kind      TEXT COLLATE "C" NOT NULL
              CHECK (kind IN ('competition', 'club', 'person', 'national_team', 'theme'))
);

CREATE TABLE topic_aliases (
    topic_id   BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    alias      TEXT COLLATE "C" NOT NULL,
    alias_key  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (topic_id, alias_key)
);
CREATE INDEX topic_aliases_by_key ON topic_aliases(alias_key);

CREATE TABLE articles (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_key   TEXT COLLATE "C" UNIQUE,
    slug           TEXT COLLATE "C" NOT NULL,
    title          TEXT NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL
                   CHECK (kind IN ('news', 'rumour', 'interview', 'opinion', 'match_report')),
    source         TEXT,
    author_id      BIGINT NOT NULL REFERENCES authors(id),
    status         TEXT COLLATE "C" NOT NULL DEFAULT 'published'
                   CHECK (status IN ('draft', 'published')),
    published_at   TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    lead           TEXT NOT NULL,
    teaser         TEXT NOT NULL,
    body_markdown  TEXT NOT NULL,
    body_html      TEXT NOT NULL,
    photo_id       BIGINT REFERENCES photos(id),
    comment_count  BIGINT NOT NULL DEFAULT 0 CHECK (comment_count >= 0)
);
CREATE INDEX articles_recent ON articles(published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_by_author ON articles(author_id, published_at DESC, id DESC)
    WHERE status = 'published';
-- came_due looks up scheduled articles by time alone; articles_recent serves it too.

-- published_at is copied here so a topic page is one index range, not a sort.
CREATE TABLE article_topics (
    article_id    BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id      BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    published_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_recent ON article_topics(topic_id, published_at DESC, article_id DESC);

CREATE TABLE related_articles (
    article_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    related_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    PRIMARY KEY (article_id, related_id)
);
-- Deleting an article must not scan related_articles for rows pointing at it.
CREATE INDEX related_articles_by_related ON related_articles(related_id);

-- Every article write appends a row, so every node notices writes by other nodes and
-- processes (the import command) and refreshes exactly those pages. Writers append under
-- a lock held until commit, so change numbers become visible in order, without gaps that
-- fill in later.
CREATE TABLE article_changes (
    seq         BIGSERIAL PRIMARY KEY,
    article_id  BIGINT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
