-- A match's comments live on an article of its own (as 0010_match_article.sql for SQLite).
ALTER TABLE matches ADD COLUMN article_id BIGINT REFERENCES articles(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX matches_article ON matches (article_id) WHERE article_id IS NOT NULL;
