-- A smaller store (issue 11), the twin of sqlite/0010_store_size.sql. Bodies stay text (TOAST compresses large
-- values) and the full-text tables hold only tsvectors, so here only the sentences change: the text is the body's
-- slice [start_pos, end_pos), read from the body instead of a copy, and the rows are keyed by (version, rank) so a
-- summary reads its first sentences with no second index. Rebuilt rather than altered so the space is freed.
CREATE TABLE sentences_new (
    version_id BIGINT NOT NULL REFERENCES release_versions(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    paragraph  INTEGER NOT NULL,
    start_pos  INTEGER NOT NULL,
    end_pos    INTEGER NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    rank       INTEGER NOT NULL
);
INSERT INTO sentences_new (version_id, idx, paragraph, start_pos, end_pos, score, rank)
    SELECT version_id, idx, paragraph, start_pos, end_pos, score, rank FROM sentences;
DROP TABLE sentences;
ALTER TABLE sentences_new RENAME TO sentences;
ALTER TABLE sentences ADD CONSTRAINT sentences_pkey PRIMARY KEY (version_id, rank);
ALTER TABLE sentences RENAME CONSTRAINT sentences_new_version_id_fkey TO sentences_version_id_fkey;
