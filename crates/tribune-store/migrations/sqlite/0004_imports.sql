-- What imports (a WordPress export) leave behind besides articles and comments.

-- The addresses imported articles had on the old site: they answer 301 to the article.
-- Kept without a trailing slash, query included ("/2025/11/22/club-wint", "/?p=12").
CREATE TABLE old_paths (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX old_paths_by_article ON old_paths(article_id);

-- Imported comments by their key at the origin, so importing again updates them.
CREATE TABLE imported_comments (
    comment_id    INTEGER PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
    external_key  TEXT NOT NULL UNIQUE
);
