-- Nothing to do on PostgreSQL: the SQLite migration of this number merges the FTS5 indexes' segments; GIN
-- indexes have no such segments. (Both engines keep the same migration numbers.)
SELECT 1;
