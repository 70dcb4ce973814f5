-- Quote search ranks only the quotes that can reach the best ones (issue 11; fts_sqlite.py, quote_ranking.py).
--
-- bm25 scores a quote higher the more often it holds a query word and the shorter it is (in words). The full-text
-- index's rowids are ordered by a bound on that: each quote's "shape" is its length in words and how often its
-- most repeated word occurs (the most common function words left out, see quote_common_terms). rowid =
-- (rank of the shape, best first) << 32 | quote id, so the quotes that could score highest come first and a search
-- ranks a prefix of the index: the quotes past it can score no more than the best kept (the bound is checked at
-- search time with the index's own statistics), and the answer stays exactly bm25's.

-- Words that are not counted in a quote's most repeated word: a query made only of them gets no bound (it is
-- ranked over every match, as before). Stems, as the index stores them.
CREATE TABLE quote_common_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO quote_common_terms (term) VALUES
    ('the'), ('to'), ('and'), ('a'), ('of'), ('in'), ('that'), ('is'), ('it'), ('s'), ('i'), ('we'), ('for'), ('on'),
    ('be'), ('have'), ('ar'), ('not'), ('thi'), ('but'), ('with'), ('t'), ('will'), ('thei'), ('he'), ('you'), ('wa'),
    ('ha'), ('there'), ('at'), ('as'), ('can'), ('if'), ('do'), ('what'), ('an'), ('all'), ('our'), ('us'), ('who'),
    ('from'), ('about'), ('by'), ('or'), ('would'), ('been'), ('their'), ('so');

-- Every shape: m = the most repeated word's count (8: 8 or more), d = length in words (193: 193 or more); shapes
-- are grouped into ranks (one length each up to 64, then 8 lengths a rank) ordered by bm25's term factor
-- f(k1+1)/(f + k1(1 - b + b·d/avgdl)) at f = m, k1 = 1.2, b = 0.75 and a typical avgdl of 32 words (8 or more
-- repeats counted as unbounded). The order only has to be good, not exact: the bound is computed per rank at
-- search time from its largest m and smallest d.
CREATE TABLE quote_shapes (
    m   INTEGER NOT NULL,
    d   INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    PRIMARY KEY (m, d)
) WITHOUT ROWID;
WITH RECURSIVE
    ms(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM ms WHERE m < 8),
    ds(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM ds WHERE d < 193),
    shapes AS (
        SELECT m, d, CASE WHEN d <= 64 THEN d ELSE 57 + 8 * ((d - 57) / 8) END AS shortest FROM ms, ds
    )
INSERT INTO quote_shapes (m, d, ord)
SELECT m, d, DENSE_RANK() OVER (
    ORDER BY CASE WHEN m = 8 THEN 2.2 ELSE m * 2.2 / (m + 1.2 * (0.25 + 0.75 * shortest / 32.0)) END DESC, m DESC,
    shortest
)
FROM shapes;

-- Each indexed quote's shape rank (NULL for quotes of older versions, set when indexed; a quote without words has
-- none and keeps rowid = its id, before every ranked one).
ALTER TABLE quotes ADD COLUMN fts_shape INTEGER;
CREATE VIRTUAL TABLE temp.quote_instances_0014 USING fts5vocab (main, quotes_fts, instance);
CREATE TEMP TABLE quote_shape_0014 AS
    SELECT doc AS id, SUM(n) AS d, MAX(CASE WHEN term IN (SELECT term FROM quote_common_terms) THEN NULL ELSE n END) AS m
    FROM (SELECT term, doc, COUNT(*) AS n FROM temp.quote_instances_0014 GROUP BY term, doc) GROUP BY doc;
UPDATE quotes SET fts_shape = c.ord
FROM temp.quote_shape_0014 s JOIN quote_shapes c ON c.m = MIN(MAX(COALESCE(s.m, 1), 1), 8) AND c.d = MIN(s.d, 193)
WHERE quotes.id = s.id;
DROP TABLE temp.quote_shape_0014;
DROP TABLE temp.quote_instances_0014;

DROP TABLE quotes_fts;
DROP VIEW quotes_fts_content;
CREATE VIEW quotes_fts_content AS
    SELECT (COALESCE(q.fts_shape, 0) << 32) | q.id AS fts_key, q.text, q.speaker, q.speaker_title FROM quotes q
    JOIN releases r ON r.id = q.release_id AND r.current_version_id = q.version_id;
CREATE VIRTUAL TABLE quotes_fts USING fts5 (
    text, speaker, speaker_title, content = 'quotes_fts_content', content_rowid = 'fts_key', tokenize = 'porter unicode61'
);
INSERT INTO quotes_fts (quotes_fts) VALUES ('rebuild');
INSERT INTO quotes_fts (quotes_fts) VALUES ('optimize');

-- The aliases of a topic (acronym definitions: a few rows among the topic terms) straight from an index, instead of
-- every row of the term: 7 ms for "economy" at 100,000 releases, read twice a /quote with a topic.
CREATE INDEX topic_terms_alias ON topic_terms (term, alias) WHERE alias IS NOT NULL;
