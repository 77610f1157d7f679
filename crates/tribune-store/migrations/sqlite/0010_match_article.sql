-- A match's comments live on an article of its own (its live article): comments, moderation,
-- counts and the page cache all belong to articles, and the match page shows that thread.
ALTER TABLE matches ADD COLUMN article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX matches_article ON matches (article_id) WHERE article_id IS NOT NULL;
