-- Feeds releases arrive from, who follows them, and what happened to every article fetched.
CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,            -- as given (the scheme matters for fetching)
    key             TEXT NOT NULL UNIQUE,     -- canonical form, so one feed is followed once
    title           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    created_at      TEXT NOT NULL,
    last_polled_at  TEXT,
    last_ok_at      TEXT,
    last_error      TEXT,
    last_error_at   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,   -- consecutive
    next_poll_at    TEXT,                         -- backoff: not polled before this
    paused_reason   TEXT,
    item_count      INTEGER NOT NULL DEFAULT 0    -- releases stored from this source
);

-- A server follows a source; health notices go to the channel the source was added from.
CREATE TABLE source_follows (
    source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    added_by   INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (source_id, guild_id)
);

CREATE TABLE fetch_log (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    url          TEXT NOT NULL,               -- canonical article URL (or the feed URL for feed-level events)
    canonical_id TEXT,
    outcome      TEXT NOT NULL,               -- added, updated, metadata, unchanged, skipped, failed
    detail       TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX fetch_log_url ON fetch_log (url, at);
CREATE INDEX fetch_log_key ON fetch_log (canonical_id, at);
