-- Releases, their versions and everything analysed from each version.
CREATE TABLE releases (
    id                 INTEGER PRIMARY KEY,
    canonical_id       TEXT NOT NULL UNIQUE,
    title              TEXT,
    url                TEXT,
    source             TEXT,
    published_at       TEXT,              -- ISO 8601, UTC
    tags               TEXT NOT NULL DEFAULT '[]',  -- JSON array
    current_version_id INTEGER,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE release_versions (
    id             INTEGER PRIMARY KEY,
    release_id     INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    body           TEXT NOT NULL,
    body_hash      TEXT NOT NULL,
    algorithm      TEXT NOT NULL,
    sentence_count INTEGER NOT NULL,
    ingested_at    TEXT NOT NULL,
    UNIQUE (release_id, version)
);

CREATE TABLE sentences (
    version_id INTEGER NOT NULL REFERENCES release_versions(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    paragraph  INTEGER NOT NULL,
    text       TEXT NOT NULL,
    start_pos  INTEGER NOT NULL,
    end_pos    INTEGER NOT NULL,
    score      REAL NOT NULL,
    rank       INTEGER NOT NULL,          -- 0 = the summariser's first pick
    PRIMARY KEY (version_id, idx)
);
CREATE INDEX sentences_rank ON sentences (version_id, rank);

CREATE TABLE quotes (
    id            INTEGER PRIMARY KEY,
    version_id    INTEGER NOT NULL REFERENCES release_versions(id) ON DELETE CASCADE,
    release_id    INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    speaker       TEXT,
    speaker_title TEXT,
    sentence_idx  INTEGER NOT NULL,
    paragraph     INTEGER NOT NULL,
    start_pos     INTEGER NOT NULL,
    end_pos       INTEGER NOT NULL,
    score         REAL NOT NULL,
    rank          INTEGER NOT NULL
);
CREATE INDEX quotes_version ON quotes (version_id, rank);

-- Topic vocabulary of each release's current version: acronyms, their expansions, tags and keywords.
CREATE TABLE topic_terms (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    term       TEXT NOT NULL,             -- normalised (lower case, single spaces)
    kind       TEXT NOT NULL CHECK (kind IN ('acronym', 'expansion', 'keyword')),
    alias      TEXT,                      -- the other side of an acronym definition
    PRIMARY KEY (release_id, term)
);
CREATE INDEX topic_terms_term ON topic_terms (term);

-- Full-text indexes over each release's current version; rowid = releases.id / quotes.id.
CREATE VIRTUAL TABLE releases_fts USING fts5 (title, body, tokenize = 'porter unicode61');
CREATE VIRTUAL TABLE quotes_fts USING fts5 (text, speaker, speaker_title, tokenize = 'porter unicode61');
