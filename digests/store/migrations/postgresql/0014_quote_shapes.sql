-- Nothing to change on PostgreSQL: SQLite's quote index orders its rowids by a bound on bm25 (see
-- sqlite/0014_quote_shapes.sql); PostgreSQL ranks with ts_rank over its GIN index. Kept so that both engines have
-- the same schema version numbers.
SELECT 1;
