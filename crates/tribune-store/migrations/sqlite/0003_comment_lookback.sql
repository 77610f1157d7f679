-- The duplicate check asks for one earlier comment of an author with the same text; without
-- this index it walked through every comment the author wrote in the last day.
CREATE INDEX comments_by_author_text ON comments(author_id, fingerprint, created_at);
