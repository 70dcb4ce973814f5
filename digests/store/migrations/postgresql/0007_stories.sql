-- Stories: near-duplicate releases grouped (the twin of sqlite/0007_stories.sql).
ALTER TABLE releases ADD COLUMN story_id BIGINT;
CREATE INDEX releases_story ON releases (story_id);

CREATE TABLE release_fingerprints (
    release_id BIGINT PRIMARY KEY REFERENCES releases(id) ON DELETE CASCADE,
    shingles   INTEGER NOT NULL,
    signature  BYTEA NOT NULL
);

-- LSH band keys (a signed 64-bit hash each); one index, as in SQLite.
CREATE TABLE story_bands (
    key        BIGINT NOT NULL,
    release_id BIGINT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    PRIMARY KEY (key, release_id)
);
