-- The comment indexes' conditions as the queries written once for both databases say them
-- (src/sql/comments.rs): `listed`, `public`, `NOT deleted`, since PostgreSQL has no `= 1`
-- for a boolean. SQLite uses a partial index only when a query repeats its condition word
-- for word, so the conditions follow the queries.
DROP INDEX comments_newest;
CREATE INDEX comments_newest ON comments(article_id, created_at, id) WHERE root_id IS NULL AND listed;
DROP INDEX comments_best;
CREATE INDEX comments_best ON comments(article_id, score, id) WHERE root_id IS NULL AND listed;
DROP INDEX comments_replies;
CREATE INDEX comments_replies ON comments(root_id, created_at, id) WHERE root_id IS NOT NULL AND public;
DROP INDEX comments_pending;
CREATE INDEX comments_pending ON comments(risk DESC, id) WHERE verdict = 'pending' AND NOT deleted;
