-- SQLite's quote index now orders its rowids by a bound on bm25 (see sqlite/0014_quote_shapes.sql); PostgreSQL ranks
-- with ts_rank over its GIN index, unchanged. Both engines get the index of the topics' aliases (acronym
-- definitions: a few rows among the topic terms), read by every topic look-up.
CREATE INDEX topic_terms_alias ON topic_terms (term, alias) WHERE alias IS NOT NULL;
