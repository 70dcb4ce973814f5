-- The releases only some servers see, found without reading every release: a server's count of a frequent
-- topic takes off those it does not see (issue 11).
CREATE INDEX releases_not_global ON releases (id) WHERE is_global = 0;
