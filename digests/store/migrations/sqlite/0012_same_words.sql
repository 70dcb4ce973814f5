-- Nothing to change on SQLite: PostgreSQL's full text now cuts and stems words as FTS5 does here (see
-- postgresql/0012_same_words.sql). Kept so that both engines have the same schema version numbers.
SELECT 1;
