-- Stories: near-duplicate releases from different sources grouped as one story (story_id = the id of the story's
-- first release). Releases stored before this migration each start their own story; they have no fingerprint,
-- so later copies of them are not matched (re-ingesting them adds one).
ALTER TABLE releases ADD COLUMN story_id INTEGER;
UPDATE releases SET story_id = id;
CREATE INDEX releases_story ON releases (story_id);

-- The MinHash signature of each release's current version (see digests/stories/fingerprint.py).
CREATE TABLE release_fingerprints (
    release_id INTEGER PRIMARY KEY REFERENCES releases(id) ON DELETE CASCADE,
    shingles   INTEGER NOT NULL,
    signature  BLOB NOT NULL
);

-- LSH band keys: two releases sharing a (band, key) are candidates, found by index without a scan.
CREATE TABLE story_bands (
    band       INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    PRIMARY KEY (band, key, release_id)
);
CREATE INDEX story_bands_release ON story_bands (release_id);
