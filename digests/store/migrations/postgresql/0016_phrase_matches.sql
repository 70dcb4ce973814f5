-- The releases each acronym expansion occurs in, kept at write time (issue 10: the acronym digest at 100,000
-- releases). A GIN index holds no word positions, so a phrase query ("disasters emergency committee", what /digest
-- dec also looks for) makes PostgreSQL read and recheck the tsvector of every release that holds all its words:
-- 1,212 for "dec", 6.6 ms of a 15 ms digest. The expansions releases define are few (223 at 100,000 releases) and
-- are the phrases of a topic query. For each phrase learned here, release_phrase_matches holds exactly the releases
-- whose current document `doc @@ phraseto_tsquery(...)` matches (PostgreSQL's own phrase match, the same query a
-- search builds); digests/store/fts_postgres.py reads a learned phrase from here and any other from the index.
CREATE TABLE release_phrases (
    phrase TEXT COLLATE "C" PRIMARY KEY,  -- as a query passes it: its words joined by single spaces
    query  TSQUERY NOT NULL,
    rarest TEXT COLLATE "C" NOT NULL      -- its longest lexeme: a document without it cannot match
);
CREATE INDEX release_phrases_rarest ON release_phrases (rarest);
CREATE TABLE release_phrase_matches (
    phrase     TEXT COLLATE "C" NOT NULL REFERENCES release_phrases (phrase),
    release_id BIGINT NOT NULL,
    PRIMARY KEY (phrase, release_id)
);
CREATE INDEX release_phrase_matches_release ON release_phrase_matches (release_id);

-- A listed topic's releases (release_topics._listed_page: about 1,200 for "dec") checked for the server and ordered
-- newest first from the index alone, without reading each release's row.
CREATE INDEX releases_listing ON releases (id) INCLUDE (sort_at, is_global);

-- Every change of releases_fts matched against the learned phrases, in the same transaction. The shared lock
-- (exclusive while rd_learn_phrases() learns a phrase) makes a document written while a phrase is learned either
-- seen by that phrase's first scan or matched against the phrase here, never missed by both.
CREATE FUNCTION rd_phrase_docs_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1380209998);  -- "RDWN": any constant every process agrees on
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM release_phrase_matches WHERE release_id IN (SELECT rowid FROM old_docs);
    END IF;
    -- (a copy rebuilds the index before any phrase is learned: no need to cut its documents into words)
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (SELECT 1 FROM release_phrases) THEN
        INSERT INTO release_phrase_matches (phrase, release_id)
            SELECT p.phrase, n.rowid FROM new_docs n
                CROSS JOIN LATERAL unnest(tsvector_to_array(n.doc)) AS w(word)
                JOIN release_phrases p ON p.rarest = w.word
            WHERE n.doc @@ p.query;
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER release_phrases_added AFTER INSERT ON releases_fts REFERENCING NEW TABLE AS new_docs
    FOR EACH STATEMENT EXECUTE FUNCTION rd_phrase_docs_changed();
CREATE TRIGGER release_phrases_removed AFTER DELETE ON releases_fts REFERENCING OLD TABLE AS old_docs
    FOR EACH STATEMENT EXECUTE FUNCTION rd_phrase_docs_changed();
CREATE TRIGGER release_phrases_updated AFTER UPDATE ON releases_fts REFERENCING OLD TABLE AS old_docs
    NEW TABLE AS new_docs FOR EACH STATEMENT EXECUTE FUNCTION rd_phrase_docs_changed();
-- The copy into PostgreSQL (digests/store/copy.py) loads as the replica role, which skips ordinary triggers.
ALTER TABLE releases_fts ENABLE ALWAYS TRIGGER release_phrases_added;
ALTER TABLE releases_fts ENABLE ALWAYS TRIGGER release_phrases_removed;
ALTER TABLE releases_fts ENABLE ALWAYS TRIGGER release_phrases_updated;

-- Learn phrases (the expansions a release defines, after its transaction): each new one of two words or more is
-- stored with the releases it occurs in, under the exclusive lock, in statements whose snapshots see every
-- document written before the lock was granted. How many were new. A phrase already learned costs one look-up.
CREATE FUNCTION rd_learn_phrases(wanted TEXT[]) RETURNS BIGINT LANGUAGE plpgsql AS $f$
DECLARE
    learned BIGINT := 0;
    one TEXT;
    q TSQUERY;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unnest(wanted) AS w
                   WHERE w LIKE '% %' AND NOT EXISTS (SELECT 1 FROM release_phrases p WHERE p.phrase = w)) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(1380209998);
    FOR one IN SELECT DISTINCT w FROM unnest(wanted) AS w WHERE w LIKE '% %' ORDER BY w LOOP
        q := phraseto_tsquery('release_digest', rd_words(one));
        CONTINUE WHEN numnode(q) < 3;  -- one lexeme: the index finds it without reading a document
        INSERT INTO release_phrases (phrase, query, rarest)
            SELECT one, q, w FROM unnest(tsvector_to_array(to_tsvector('release_digest', rd_words(one)))) AS w
            ORDER BY length(w) DESC, w LIMIT 1
            ON CONFLICT (phrase) DO NOTHING;
        IF FOUND THEN
            INSERT INTO release_phrase_matches (phrase, release_id)
                SELECT one, rowid FROM releases_fts WHERE doc @@ q;
            learned := learned + 1;
        END IF;
    END LOOP;
    RETURN learned;
END
$f$;

SELECT rd_learn_phrases(ARRAY(SELECT DISTINCT alias FROM topic_terms WHERE kind = 'acronym'));
