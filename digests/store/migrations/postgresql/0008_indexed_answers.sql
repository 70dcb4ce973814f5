-- Answers that stay fast at 100,000 releases (issue 11); the twin of sqlite/0008_indexed_answers.sql.
-- Terms and speakers compare bytewise (COLLATE "C"), as in SQLite: a prefix is a key range.

-- Newest first is an index range scan: the sort key (publication date, else first stored) is stored and indexed.
ALTER TABLE releases ADD COLUMN sort_at TEXT COLLATE "C";  -- ISO 8601 UTC: byte order is time order
UPDATE releases SET sort_at = COALESCE(published_at, created_at);
CREATE INDEX releases_newest ON releases (sort_at, id);

-- How many releases use each topic term, and as which kinds, per visibility bucket: -1 every release (the
-- operator's view), 0 the global releases, a source id the non-global releases that source carried. A server's
-- view is bucket 0 plus the buckets of the sources it follows. Autocomplete and suggestions read the top of an
-- index instead of grouping every topic term. Kept up to date by every write of topic terms and visibility.
CREATE TABLE topic_counts (
    bucket     BIGINT NOT NULL,
    term       TEXT COLLATE "C" NOT NULL,
    releases   INTEGER NOT NULL,
    acronyms   INTEGER NOT NULL,
    expansions INTEGER NOT NULL,
    kind_rank  INTEGER NOT NULL,  -- 0 acronym, 1 expansion, 2 keyword: acronyms first among equals
    PRIMARY KEY (bucket, term)
);
CREATE INDEX topic_counts_rank ON topic_counts (bucket, releases DESC, kind_rank, term);

-- How many quotes of current versions each speaker has, per visibility bucket as above.
CREATE TABLE speaker_counts (
    bucket  BIGINT NOT NULL,
    speaker TEXT COLLATE "C" NOT NULL,
    quotes  INTEGER NOT NULL,
    PRIMARY KEY (bucket, speaker)
);
CREATE INDEX speaker_counts_rank ON speaker_counts (bucket, quotes DESC, speaker);

-- Backfill both from what is stored.
CREATE TEMP TABLE release_buckets AS
    SELECT id AS release_id, -1 AS bucket FROM releases
    UNION ALL SELECT id, 0 FROM releases WHERE is_global = 1
    UNION ALL SELECT rs.release_id, rs.source_id FROM release_sources rs
        JOIN releases r ON r.id = rs.release_id WHERE r.is_global = 0;
INSERT INTO topic_counts (bucket, term, releases, acronyms, expansions, kind_rank)
    SELECT b.bucket, t.term, COUNT(*), SUM(CASE WHEN t.kind = 'acronym' THEN 1 ELSE 0 END),
           SUM(CASE WHEN t.kind = 'expansion' THEN 1 ELSE 0 END),
           MIN(CASE t.kind WHEN 'acronym' THEN 0 WHEN 'expansion' THEN 1 ELSE 2 END)
    FROM topic_terms t JOIN release_buckets b ON b.release_id = t.release_id GROUP BY b.bucket, t.term;
INSERT INTO speaker_counts (bucket, speaker, quotes)
    SELECT b.bucket, q.speaker, COUNT(*) FROM quotes q JOIN releases r ON q.version_id = r.current_version_id
    JOIN release_buckets b ON b.release_id = r.id WHERE q.speaker IS NOT NULL GROUP BY b.bucket, q.speaker;
DROP TABLE release_buckets;
