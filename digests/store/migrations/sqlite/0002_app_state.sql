-- Small key/value facts the application keeps between runs (e.g. the hash of the last synced command set).
CREATE TABLE app_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
