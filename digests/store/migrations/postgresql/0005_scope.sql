-- Per-server visibility (the twin of sqlite/0005_scope.sql; the reasons for the backfill are written there).
ALTER TABLE sources ADD COLUMN is_global INTEGER NOT NULL DEFAULT 0;   -- 1 = added by the operator (command line)
ALTER TABLE releases ADD COLUMN is_global INTEGER NOT NULL DEFAULT 0;  -- 1 = from files/pages or a global source

CREATE TABLE release_sources (
    release_id BIGINT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    source_id  BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, source_id)
);
CREATE INDEX release_sources_source ON release_sources (source_id);

UPDATE releases SET is_global = 1;
UPDATE sources SET is_global = 1 WHERE NOT EXISTS (SELECT 1 FROM source_follows f WHERE f.source_id = sources.id);
INSERT INTO release_sources (release_id, source_id)
    SELECT DISTINCT r.id, l.source_id FROM fetch_log l JOIN releases r ON r.canonical_id = l.canonical_id
    JOIN sources s ON s.id = l.source_id
    WHERE l.outcome IN ('added', 'updated', 'metadata', 'unchanged');
