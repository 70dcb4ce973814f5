-- Stories: near-duplicate releases from different sources grouped as one story (story_id = the id of the story's
-- first release; NULL = the release is its own story, so most releases need no second write). Releases stored before this migration each start their own story; they have no fingerprint,
-- so later copies of them are not matched (re-ingesting them adds one).
ALTER TABLE releases ADD COLUMN story_id INTEGER;
CREATE INDEX releases_story ON releases (story_id);

-- The MinHash signature of each release's current version (see digests/stories/fingerprint.py).
CREATE TABLE release_fingerprints (
    release_id INTEGER PRIMARY KEY REFERENCES releases(id) ON DELETE CASCADE,
    shingles   INTEGER NOT NULL,
    signature  BLOB NOT NULL
);

-- LSH band keys: two releases sharing a key are candidates, found by index without a scan. One B-tree (no rowid,
-- no second index), so each key costs one index write; a new version's old keys are found from its old signature.
CREATE TABLE story_bands (
    key        INTEGER NOT NULL,          -- a signed 64-bit hash: BIGINT on engines that tell them apart
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    PRIMARY KEY (key, release_id)
) WITHOUT ROWID;
