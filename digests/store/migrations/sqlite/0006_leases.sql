-- Named leases with an expiry: one process at a time holds each (the feed poller, a subscription's run).
-- A holder renews before expires_at; a process that dies simply stops renewing and the lease frees itself.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,   -- the holding process: host:pid:random, unique per start
    expires_at TEXT NOT NULL    -- ISO 8601, UTC
);
