-- Named leases with an expiry (the twin of sqlite/0006_leases.sql).
CREATE TABLE leases (
    name       TEXT COLLATE "C" PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL    -- ISO 8601, UTC: compared as text, so byte order
);
