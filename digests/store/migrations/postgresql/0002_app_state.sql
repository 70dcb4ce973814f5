-- Small key/value facts the application keeps between runs (the twin of sqlite/0002_app_state.sql).
CREATE TABLE app_state (
    key        TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
