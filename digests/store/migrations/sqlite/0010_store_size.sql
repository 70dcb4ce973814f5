-- A smaller store (issue 11): each body is stored once, compressed, and nothing else keeps a copy of it.

-- Bodies: zlib-compressed UTF-8 (rd_deflate, digests/store/bodies.py); nothing reads a body with SQL but the
-- full-text content view below.
UPDATE release_versions SET body = rd_deflate(body);

-- Sentences: the text is the body's slice [start_pos, end_pos), read from the body instead of a copy. Keyed by
-- (version, rank): a summary reads its first sentences by rank with no second index; idx stays unique per version.
CREATE TABLE sentences_new (
    version_id INTEGER NOT NULL REFERENCES release_versions(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    paragraph  INTEGER NOT NULL,
    start_pos  INTEGER NOT NULL,
    end_pos    INTEGER NOT NULL,
    score      REAL NOT NULL,
    rank       INTEGER NOT NULL,          -- 0 = the summariser's first pick
    PRIMARY KEY (version_id, rank)
) WITHOUT ROWID;
INSERT INTO sentences_new (version_id, idx, paragraph, start_pos, end_pos, score, rank)
    SELECT version_id, idx, paragraph, start_pos, end_pos, score, rank FROM sentences;
DROP TABLE sentences;
ALTER TABLE sentences_new RENAME TO sentences;

-- Topic terms: one B-tree keyed (release, term) instead of a rowid table plus an index of the same key.
CREATE TABLE topic_terms_new (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    term       TEXT NOT NULL,             -- normalised (lower case, single spaces)
    kind       TEXT NOT NULL CHECK (kind IN ('acronym', 'expansion', 'keyword')),
    alias      TEXT,                      -- the other side of an acronym definition
    PRIMARY KEY (release_id, term)
) WITHOUT ROWID;
INSERT INTO topic_terms_new (release_id, term, kind, alias) SELECT release_id, term, kind, alias FROM topic_terms;
DROP TABLE topic_terms;
ALTER TABLE topic_terms_new RENAME TO topic_terms;
CREATE INDEX topic_terms_term ON topic_terms (term);

-- Full text with external content: the FTS5 tables keep only their index and read the text from these views
-- (the current version of each release, the quotes of current versions). A changed row is taken out with FTS5's
-- 'delete' command and the values it was indexed with, read from the view before the change (fts_sqlite.py).
DROP TABLE releases_fts;
DROP TABLE quotes_fts;
CREATE VIEW releases_fts_content AS
    SELECT r.id, r.title, rd_inflate(v.body) AS body FROM releases r JOIN release_versions v ON v.id = r.current_version_id;
CREATE VIEW quotes_fts_content AS
    SELECT q.id, q.text, q.speaker, q.speaker_title FROM quotes q
    JOIN releases r ON r.id = q.release_id AND r.current_version_id = q.version_id;
CREATE VIRTUAL TABLE releases_fts USING fts5 (
    title, body, content = 'releases_fts_content', content_rowid = 'id', tokenize = 'porter unicode61'
);
CREATE VIRTUAL TABLE quotes_fts USING fts5 (
    text, speaker, speaker_title, content = 'quotes_fts_content', content_rowid = 'id', tokenize = 'porter unicode61'
);
INSERT INTO releases_fts (releases_fts) VALUES ('rebuild');
INSERT INTO quotes_fts (quotes_fts) VALUES ('rebuild');
