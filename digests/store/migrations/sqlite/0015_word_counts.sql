-- Nothing to do on SQLite: the PostgreSQL migration of this number keeps how many releases hold each word
-- (FTS5 counts a word's releases from its own doclists). (Both engines keep the same migration numbers.)
SELECT 1;
