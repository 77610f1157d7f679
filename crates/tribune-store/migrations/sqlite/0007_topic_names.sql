-- Topic administration: a French name, a crest, and weak aliases (a bare city such as
-- "Brugge", which may mean Club Brugge or Cercle Brugge: tagging suggests it with lower
-- confidence, and it never identifies a topic on its own).
ALTER TABLE topics ADD COLUMN name_fr TEXT;
-- The master file name of an uploaded crest in the media directory.
ALTER TABLE topics ADD COLUMN crest TEXT;
ALTER TABLE topic_aliases ADD COLUMN weak INTEGER NOT NULL DEFAULT 0 CHECK (weak IN (0, 1));
