-- Nothing to do on SQLite: the PostgreSQL migration of this number keeps the releases each acronym expansion occurs
-- in, because a GIN index holds no word positions; FTS5's index does, and matches a phrase from it directly. (Both
-- engines keep the same migration numbers.)
SELECT 1;
