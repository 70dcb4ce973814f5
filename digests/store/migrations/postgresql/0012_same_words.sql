-- Full text on PostgreSQL cuts and stems words as SQLite's FTS5 does (tokenize = 'porter unicode61'), so that both
-- engines find the same releases for the same words (issue 10: one set of answers whichever engine stores them).
--   * Stemming: the original Porter algorithm, which FTS5's porter tokenizer implements (snowball's 'english' is
--     Porter2: it left "news" as "news" where FTS5 makes it "new"), also for words with digits ("28secs", "g20s").
--   * Cutting: unicode61 ends a word at every character that is not a letter or a digit, and takes diacritics off
--     Latin letters; PostgreSQL's parser keeps "U.S.-Iraq", "7.28secs" or "don't" whole (as a host, a float, a
--     hyphenated word). rd_words() does what unicode61 does first (its character classes were made from SQLite's
--     own tokenizer), then evens out three places where FTS5's Porter (the reference C code) and snowball's differ:
--     FTS5 leaves words of one or two letters alone ("us", "is", "as": rd_words() marks them with a letter no text
--     has, so they stay whole), and it stems "-logy"/"-logies" to "-log" and "-bly"/"-blies" to "-ble" (rd_words()
--     rewrites those words, when a vowel and a consonant come before the ending, as FTS5 requires).
--     tests/digests/store/test_fts_words.py compares the two engines' words on real texts.
-- Documents and queries both go through rd_words() (digests/store/fts_postgres.py); every stored document is
-- rebuilt below, with the GIN indexes built once afterwards.
ALTER TEXT SEARCH DICTIONARY release_digest_stem (Language = porter);
ALTER TEXT SEARCH CONFIGURATION release_digest ALTER MAPPING FOR numword WITH release_digest_stem;

CREATE FUNCTION rd_words(words TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $w$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        CASE WHEN words ~ '[\u00c0-\u00c5\u00c7-\u00cf\u00d1-\u00d6\u00d9-\u00dd\u00e0-\u00e5\u00e7-\u00ef\u00f1-\u00f6\u00f9-\u00fd\u00ff-\u010f\u0112-\u0125\u0128-\u0130\u0134-\u0137\u0139-\u013e\u0143-\u0148\u014c-\u0151\u0154-\u0165\u0168-\u017f\u01a0-\u01a1\u01af-\u01b0\u01cd-\u01d4\u01e6-\u01eb\u01f0\u01f4-\u01f5\u01f8-\u01f9\u0200-\u021b\u021e-\u021f\u0226-\u0229\u022e-\u022f\u0232-\u0233\u0300-\u036f\u1e00-\u1e07\u1e0a-\u1e13\u1e18-\u1e1b\u1e1e-\u1e2d\u1e30-\u1e37\u1e3a-\u1e4b\u1e54-\u1e5b\u1e5e-\u1e63\u1e6a-\u1e77\u1e7c-\u1e99\u1e9b\u1ea0-\u1ea3\u1eb8-\u1ebd\u1ec8-\u1ecf\u1ee4-\u1ee7\u1ef2-\u1ef9\u212b]' THEN regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(words, '[\u0300-\u036f]+', '', 'g'),
                '[\u00c0-\u00c5\u00e0-\u00e5\u0100-\u0105\u01cd-\u01ce\u0200-\u0203\u0226-\u0227\u1e00-\u1e01\u1ea0-\u1ea3\u212b]', 'a', 'g'),
                '[\u1e02-\u1e07]', 'b', 'g'),
                '[\u00c7\u00e7\u0106-\u010d]', 'c', 'g'),
                '[\u010e-\u010f\u1e0a-\u1e13]', 'd', 'g'),
                '[\u00c8-\u00cb\u00e8-\u00eb\u0112-\u011b\u0204-\u0207\u0228-\u0229\u1e18-\u1e1b\u1eb8-\u1ebd]', 'e', 'g'),
                '[\u1e1e-\u1e1f]', 'f', 'g'),
                '[\u011c-\u0123\u01e6-\u01e7\u01f4-\u01f5\u1e20-\u1e21]', 'g', 'g'),
                '[\u0124-\u0125\u021e-\u021f\u1e22-\u1e2b\u1e96]', 'h', 'g'),
                '[\u00cc-\u00cf\u00ec-\u00ef\u0128-\u0130\u01cf-\u01d0\u0208-\u020b\u1e2c-\u1e2d\u1ec8-\u1ecb]', 'i', 'g'),
                '[\u0134-\u0135\u01f0]', 'j', 'g'),
                '[\u0136-\u0137\u01e8-\u01e9\u1e30-\u1e35]', 'k', 'g'),
                '[\u0139-\u013e\u1e36-\u1e37\u1e3a-\u1e3d]', 'l', 'g'),
                '[\u1e3e-\u1e43]', 'm', 'g'),
                '[\u00d1\u00f1\u0143-\u0148\u01f8-\u01f9\u1e44-\u1e4b]', 'n', 'g'),
                '[\u00d2-\u00d6\u00f2-\u00f6\u014c-\u0151\u01a0-\u01a1\u01d1-\u01d2\u01ea-\u01eb\u020c-\u020f\u022e-\u022f\u1ecc-\u1ecf]', 'o', 'g'),
                '[\u1e54-\u1e57]', 'p', 'g'),
                '[\u0154-\u0159\u0210-\u0213\u1e58-\u1e5b\u1e5e-\u1e5f]', 'r', 'g'),
                '[\u015a-\u0161\u017f\u0218-\u0219\u1e60-\u1e63\u1e9b]', 's', 'g'),
                '[\u0162-\u0165\u021a-\u021b\u1e6a-\u1e71\u1e97]', 't', 'g'),
                '[\u00d9-\u00dc\u00f9-\u00fc\u0168-\u0173\u01af-\u01b0\u01d3-\u01d4\u0214-\u0217\u1e72-\u1e77\u1ee4-\u1ee7]', 'u', 'g'),
                '[\u1e7c-\u1e7f]', 'v', 'g'),
                '[\u0174-\u0175\u1e80-\u1e89\u1e98]', 'w', 'g'),
                '[\u1e8a-\u1e8d]', 'x', 'g'),
                '[\u00dd\u00fd\u00ff\u0176-\u0178\u0232-\u0233\u1e8e-\u1e8f\u1e99\u1ef2-\u1ef9]', 'y', 'g'),
                '[\u0179-\u017e\u1e90-\u1e95]', 'z', 'g') ELSE words END,
        '[!-/:-@\u005b-`{-~\u00a1-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8\u00bb\u00bf\u00d7\u00f7\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2064\u206a-\u206f\u20a0-\u20b9\u2100-\u2101\u2103-\u2106\u2108-\u2109\u2114\u2116-\u2118\u211e-\u2123\u2125\u2127\u2129\u212e\u213a-\u213b\u2140-\u2144\u214a-\u214d\u214f\u3001-\u3004\u3008-\u3020\u302a-\u3030\u3036-\u3037\u303d-\u303f\uff01-\uff0f]+', ' ', 'g'),
        '\m([0-9A-Za-z][sS])\M', '\1' || chr(450), 'g'),
        '([aeiouyAEIOUY][b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ][0-9A-Za-z]*)[Ll][Oo][Gg](?:[Yy]|[Ii][Ee][Ss])\M', '\1log', 'g'),
        '([aeiouyAEIOUY][b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ][0-9A-Za-z]*)[Bb][Ll](?:[Yy]|[Ii][Ee][Ss])\M', '\1ble', 'g')
$w$;

DROP INDEX releases_fts_doc;
DROP INDEX quotes_fts_doc;
UPDATE releases_fts f SET doc = to_tsvector('release_digest', rd_words(COALESCE(r.title, '')))
        || to_tsvector('release_digest', rd_words(v.body))
    FROM releases r JOIN release_versions v ON v.id = r.current_version_id WHERE r.id = f.rowid;
UPDATE quotes_fts f SET doc = to_tsvector('release_digest', rd_words(q.text))
        || to_tsvector('release_digest', rd_words(COALESCE(q.speaker, '')))
        || to_tsvector('release_digest', rd_words(COALESCE(q.speaker_title, '')))
    FROM quotes q WHERE q.id = f.rowid;
CREATE INDEX releases_fts_doc ON releases_fts USING GIN (doc);
CREATE INDEX quotes_fts_doc ON quotes_fts USING GIN (doc);
