-- Bylines are keyed by their normalised form (white space and control characters folded to
-- one space), no longer case- and accent-folded: "Jan De Smet" and "Jan de Smet" are two
-- people. The new keys are written by the store's code right after this (rekey_authors);
-- here every key is first made unique and unlike any byline, so no old key gets in the way.
UPDATE authors SET name_key = 'rekey:' || id;
