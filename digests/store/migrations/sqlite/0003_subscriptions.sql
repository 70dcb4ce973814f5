-- Daily channel digests and the ledger of what each one has posted.
CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,           -- where the digest is posted
    notify_channel_id INTEGER,                    -- where /subscribe was run: told if delivery breaks
    topic             TEXT NOT NULL,
    include_words     TEXT NOT NULL DEFAULT '[]', -- JSON array: a release must contain one of them (if any)
    exclude_words     TEXT NOT NULL DEFAULT '[]', -- JSON array: a release must contain none of them
    sentences         INTEGER,                    -- summary sentences per release; NULL = the default
    time_of_day       TEXT NOT NULL,              -- HH:MM, local to timezone
    timezone          TEXT NOT NULL,              -- IANA name
    created_by        INTEGER NOT NULL,
    created_at        TEXT NOT NULL,              -- ISO 8601, UTC (as every time below)
    last_run_at       TEXT NOT NULL,              -- end of the last completed run (created_at before the first)
    last_delivery_at  TEXT,                       -- last time something was posted
    paused_reason     TEXT,                       -- NULL = active
    paused_at         TEXT
);
CREATE INDEX subscriptions_guild ON subscriptions (guild_id, id);

-- One row per (subscription, release): the newest version delivered or being delivered. A row is claimed
-- ('pending', with the nonce of the message it goes out in) before posting and marked 'posted' after, so a
-- crash between the two is retried with the same nonce and Discord drops the duplicate.
CREATE TABLE deliveries (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    release_id      INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('digest', 'update')),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'posted')),
    nonce           TEXT NOT NULL,
    message_id      INTEGER,
    claimed_at      TEXT NOT NULL,
    posted_at       TEXT,
    PRIMARY KEY (subscription_id, release_id)
);
CREATE INDEX deliveries_pending ON deliveries (state, subscription_id, nonce);
