-- How many releases hold each word (issue 10: PostgreSQL answers at 100,000 releases). Counting the releases that
-- match a frequent word through the GIN index reads every match's row (PostgreSQL 15 checks each heap page, even
-- when all of it is visible): "people", 43,065 matches, took 37 of a 53 ms digest. A one-word topic or search is
-- counted from these counts instead; any other query (a phrase, several words) is still counted through the index.
--
-- Kept in the same transaction as every change of releases_fts (statement triggers, which also fire during the
-- copy's replica-role load), as rows added to release_word_changes only: two writers never wait for each other
-- or deadlock on a frequent word. merge_full_text() (after ingests and polls) folds the changes into release_words
-- under an advisory lock; a count is release_words' plus the changes not folded yet, so it is exact at any time.
CREATE TABLE release_words (
    word     TEXT COLLATE "C" PRIMARY KEY,  -- a lexeme as releases_fts stores it
    releases BIGINT NOT NULL
);
CREATE TABLE release_word_changes (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    word     TEXT COLLATE "C" NOT NULL,
    releases BIGINT NOT NULL  -- releases gained (negative: lost)
);
CREATE INDEX release_word_changes_word ON release_word_changes (word);
CREATE INDEX release_words_none ON release_words (word) WHERE releases = 0;  -- words no release holds any more

CREATE FUNCTION rd_release_words_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO release_word_changes (word, releases)
            SELECT w, -COUNT(*) FROM old_docs, unnest(tsvector_to_array(old_docs.doc)) AS w GROUP BY w;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO release_word_changes (word, releases)
            SELECT w, COUNT(*) FROM new_docs, unnest(tsvector_to_array(new_docs.doc)) AS w GROUP BY w;
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER release_words_added AFTER INSERT ON releases_fts REFERENCING NEW TABLE AS new_docs
    FOR EACH STATEMENT EXECUTE FUNCTION rd_release_words_changed();
CREATE TRIGGER release_words_removed AFTER DELETE ON releases_fts REFERENCING OLD TABLE AS old_docs
    FOR EACH STATEMENT EXECUTE FUNCTION rd_release_words_changed();
CREATE TRIGGER release_words_updated AFTER UPDATE ON releases_fts REFERENCING OLD TABLE AS old_docs
    NEW TABLE AS new_docs FOR EACH STATEMENT EXECUTE FUNCTION rd_release_words_changed();
-- The copy into PostgreSQL (digests/store/copy.py) loads as the replica role, which skips ordinary triggers.
ALTER TABLE releases_fts ENABLE ALWAYS TRIGGER release_words_added;
ALTER TABLE releases_fts ENABLE ALWAYS TRIGGER release_words_removed;
ALTER TABLE releases_fts ENABLE ALWAYS TRIGGER release_words_updated;

-- How many releases match a tsquery: a single word from the counts, anything else counted through the index.
CREATE FUNCTION rd_matching_releases(query tsquery) RETURNS BIGINT LANGUAGE plpgsql STABLE AS $f$
DECLARE
    one TEXT := substring(querytree(query) FROM '^''([^''\\]+)''$');  -- the word of a one-word query, as stored
BEGIN
    IF one IS NOT NULL AND numnode(query) = 1 THEN
        RETURN COALESCE((SELECT releases FROM release_words WHERE word = one), 0)
            + COALESCE((SELECT SUM(releases) FROM release_word_changes WHERE word = one), 0);
    END IF;
    RETURN (SELECT COUNT(*) FROM releases_fts WHERE doc @@ query);
END
$f$;

-- The changes so far folded into release_words (one process at a time: the only writer of release_words, so
-- no deadlock), in one transaction; how many words' counts it changed. Words no release holds any more are dropped.
CREATE FUNCTION rd_fold_release_words() RETURNS BIGINT LANGUAGE plpgsql AS $f$
DECLARE
    folded BIGINT;
BEGIN
    PERFORM pg_advisory_xact_lock(1380209999);  -- "RDWO": any constant every process agrees on
    -- A statement of its own, so its snapshot sees what another process folded while this one waited for the lock.
    WITH moved AS (DELETE FROM release_word_changes RETURNING word, releases),
         summed AS (SELECT word, SUM(releases) AS releases FROM moved GROUP BY word)
    INSERT INTO release_words (word, releases) SELECT word, releases FROM summed ORDER BY word
        ON CONFLICT (word) DO UPDATE SET releases = release_words.releases + excluded.releases;
    GET DIAGNOSTICS folded = ROW_COUNT;
    DELETE FROM release_words WHERE releases = 0;
    RETURN folded;
END
$f$;

INSERT INTO release_words (word, releases)
    SELECT w, COUNT(*) FROM releases_fts, unnest(tsvector_to_array(doc)) AS w GROUP BY w;

-- Quote search's best quotes for one word without ranking every match (ts_rank reads each matching quote's
-- tsvector: "people" is in 39,882 quotes, 64 ms to rank them all). Every (word, quote) whose rank for that word
-- alone, ts_rank(doc, word, 1), is at least 0.015 is kept with that rank, as PostgreSQL computes it (the same
-- float). When a word has at least as many such quotes as a search wants, they are its best: every quote left out
-- ranks below 0.015, below all of them. Else (a rarer word, or a search that wants more) every match is ranked as
-- before. The cut: at 0.015 the bench's words have their best 256 kept (docs/postgresql.md), about 1.5 million
-- rows at 100,000 releases (a quote short enough to rank that high has few words).
CREATE TABLE quote_best_words (
    word     TEXT COLLATE "C" NOT NULL,
    score    REAL NOT NULL,
    quote_id BIGINT NOT NULL
);
CREATE INDEX quote_best_words_rank ON quote_best_words (word, score DESC);
CREATE INDEX quote_best_words_quote ON quote_best_words (quote_id);

CREATE FUNCTION rd_quote_words_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM quote_best_words WHERE quote_id IN (SELECT rowid FROM old_docs);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO quote_best_words (word, score, quote_id)
            SELECT w, s, new_docs.rowid FROM new_docs, unnest(tsvector_to_array(new_docs.doc)) AS w,
                ts_rank(new_docs.doc, quote_literal(w)::tsquery, 1) AS s
            WHERE s >= 0.015;
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER quote_words_added AFTER INSERT ON quotes_fts REFERENCING NEW TABLE AS new_docs
    FOR EACH STATEMENT EXECUTE FUNCTION rd_quote_words_changed();
CREATE TRIGGER quote_words_removed AFTER DELETE ON quotes_fts REFERENCING OLD TABLE AS old_docs
    FOR EACH STATEMENT EXECUTE FUNCTION rd_quote_words_changed();
CREATE TRIGGER quote_words_updated AFTER UPDATE ON quotes_fts REFERENCING OLD TABLE AS old_docs
    NEW TABLE AS new_docs FOR EACH STATEMENT EXECUTE FUNCTION rd_quote_words_changed();
ALTER TABLE quotes_fts ENABLE ALWAYS TRIGGER quote_words_added;
ALTER TABLE quotes_fts ENABLE ALWAYS TRIGGER quote_words_removed;
ALTER TABLE quotes_fts ENABLE ALWAYS TRIGGER quote_words_updated;

-- The ``wanted`` best quotes for a tsquery, as (quote id, ts_rank(doc, query, 1)), in no particular order: a
-- one-word query from quote_best_words when it holds that many, any other by ranking every match.
CREATE FUNCTION rd_best_quotes(query tsquery, wanted BIGINT) RETURNS TABLE (quote BIGINT, quote_score REAL)
LANGUAGE plpgsql STABLE AS $f$
DECLARE
    one TEXT := substring(querytree(query) FROM '^''([^''\\]+)''$');
BEGIN
    IF one IS NOT NULL AND numnode(query) = 1
        AND (SELECT COUNT(*) FROM (SELECT 1 FROM quote_best_words b WHERE b.word = one LIMIT wanted) AS kept) = wanted
    THEN
        RETURN QUERY SELECT b.quote_id, b.score FROM quote_best_words b WHERE b.word = one
            ORDER BY b.score DESC LIMIT wanted;
        RETURN;
    END IF;
    RETURN QUERY SELECT f.rowid, ts_rank(f.doc, query, 1) AS s FROM quotes_fts f WHERE f.doc @@ query
        ORDER BY s DESC LIMIT wanted;
END
$f$;

INSERT INTO quote_best_words (word, score, quote_id)
    SELECT w, s, f.rowid FROM quotes_fts f, unnest(tsvector_to_array(f.doc)) AS w,
        ts_rank(f.doc, quote_literal(w)::tsquery, 1) AS s
    WHERE s >= 0.015;
