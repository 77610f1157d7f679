-- Nothing to change here: SQLite's comment indexes took PostgreSQL's conditions (`listed`,
-- `public`, `NOT deleted`), which the queries written once for both databases use. The step
-- exists so both databases count the same schema versions.
SELECT 1;
