-- What imports (a WordPress export) leave behind besides articles and comments. Mirrors
-- 0004_imports.sql of the SQLite store.

-- The addresses imported articles had on the old site: they answer 301 to the article.
-- Kept without a trailing slash, query included ("/2025/11/22/club-wint", "/?p=12").
CREATE TABLE old_paths (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path        TEXT COLLATE "C" NOT NULL UNIQUE,
    article_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX old_paths_by_article ON old_paths(article_id);

-- Imported comments by their key at the origin, so importing again updates them.
CREATE TABLE imported_comments (
    comment_id    BIGINT PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
    external_key  TEXT COLLATE "C" NOT NULL UNIQUE
);
