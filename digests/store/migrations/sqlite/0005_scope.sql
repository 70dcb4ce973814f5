-- Per-server visibility: a release is seen in a server when it is global (the operator's) or carried by a
-- source that server follows.
ALTER TABLE sources ADD COLUMN is_global INTEGER NOT NULL DEFAULT 0;   -- 1 = added by the operator (command line)
ALTER TABLE releases ADD COLUMN is_global INTEGER NOT NULL DEFAULT 0;  -- 1 = from files/pages or a global source

-- Which sources carried which release (a release found in two feeds has two rows).
CREATE TABLE release_sources (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, source_id)
);
CREATE INDEX release_sources_source ON release_sources (source_id);

-- Backfill. Every release stored before scoping existed stays visible everywhere, as it was: most came from the
-- operator (files, seeds, the command line), and which server a feed release "belonged" to was never recorded
-- as a rule. A source nobody follows can only have been added on the command line (/source remove deleted
-- unfollowed sources), so it is the operator's: global. Sources servers follow stay theirs.
UPDATE releases SET is_global = 1;
UPDATE sources SET is_global = 1 WHERE NOT EXISTS (SELECT 1 FROM source_follows f WHERE f.source_id = sources.id);
-- The fetch log says which source brought which release: keep those links (they make later polls skip pages
-- already fetched, and keep the releases visible to the followers if the operator ever narrows them).
INSERT INTO release_sources (release_id, source_id)
    SELECT DISTINCT r.id, l.source_id FROM fetch_log l JOIN releases r ON r.canonical_id = l.canonical_id
    JOIN sources s ON s.id = l.source_id
    WHERE l.outcome IN ('added', 'updated', 'metadata', 'unchanged');
