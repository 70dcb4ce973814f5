-- Merge each full-text index into one segment (issue 11). A store built by many transactions keeps its FTS5 index
-- in several segments (14 and 22 in the 100,000-release benchmark store after 0010's rebuild), and every look-up of
-- one release (a digest or a release search reading newest first) probes each of them: about 60 µs a look-up, about
-- 6 µs once merged. About 9 s on 100,000 releases. New releases add segments again, merged as FTS5 goes.
INSERT INTO releases_fts (releases_fts) VALUES ('optimize');
INSERT INTO quotes_fts (quotes_fts) VALUES ('optimize');
