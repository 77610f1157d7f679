-- The back office: who started an article and whether it was handed in, every saved version,
-- and what an editor autosaved. Kept beside `articles` so imports and copies of articles need
-- not know about the newsroom (and so a copy can fill them after the accounts).

CREATE TABLE article_desk (
    article_id    INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    owner_id      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    submitted_at  INTEGER
);

CREATE TABLE article_revisions (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    saved_at    INTEGER NOT NULL,
    saved_by    INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    note        TEXT NOT NULL,
    content     TEXT NOT NULL,  -- the editor's fields (ArticleDraft) as JSON
    PRIMARY KEY (article_id, number)
);

-- One per writer and article; article_id 0 is the form of a new article. Not copied: like a
-- session, it is worth something only to the writer at their desk.
CREATE TABLE article_autosaves (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL,
    saved_at    INTEGER NOT NULL,
    fields      TEXT NOT NULL,
    PRIMARY KEY (account_id, article_id)
);

CREATE INDEX articles_by_change ON articles(updated_at DESC, id DESC);
