"""SQLite full text: FTS5 tables ``releases_fts`` and ``quotes_fts`` (porter, unicode61), ranked by bm25."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import closing
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from digests.store import quote_ranking
from digests.store.fts import Match

if TYPE_CHECKING:
    from digests.store.db import Database

# A quote's rowid in the index (migration 0014: its shape's rank above the quote id, see quote_ranking.py).
QUOTE_KEY = "(COALESCE(fts_shape, 0) << 32) | id"
# Per connection: a scratch index with the same tokenizer, where a version's quotes are cut into words to find
# their shapes before they enter quotes_fts (emptied again in the same transaction).
SESSION: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.quote_words USING fts5 "
    "(text, speaker, speaker_title, tokenize = 'porter unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.quote_word_instances USING fts5vocab (temp, quote_words, instance)",
)
# SQLite's own tables and columns, which a copy into PostgreSQL leaves out (copy.py).
OWN_TABLES = frozenset({"quote_shapes", "quote_common_terms"})
OWN_COLUMNS = {"quotes": frozenset({"fts_shape"})}


def phrase(words: tuple[str, ...]) -> str:
    """One FTS5 phrase from words; any double quote inside is doubled, as FTS5 string syntax requires."""
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def expression(match: Match) -> str:
    """The FTS5 match expression: quoted phrases joined by AND (implicit) or OR."""
    return (" " if match.every else " OR ").join(phrase(words) for words in match.phrases)


@lru_cache(maxsize=1024)
def porter_stem(word: str) -> str:
    """The token(s) FTS5's ``porter unicode61`` tokenizer makes of ``word``, asked of FTS5 itself (a one-row table
    in a private in-memory database, read back through fts5vocab), so it is the stemmer the index used."""
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE VIRTUAL TABLE w USING fts5 (t, tokenize = 'porter unicode61')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab (w, 'row')")
        conn.execute("INSERT INTO w (t) VALUES (?)", (word,))
        return " ".join(row[0] for row in conn.execute("SELECT term FROM v ORDER BY term"))


class SQLiteFullText:
    """The statements that keep the FTS5 tables current and query them."""

    # External content (migration 0010): the index reads the text from views of the current versions, so an
    # entry is removed with FTS5's 'delete' command and the very values it was indexed with, read before a change.
    # rowid = releases.id; parameter: release id
    index_release = (
        "INSERT INTO releases_fts (rowid, title, body) SELECT id, title, body FROM releases_fts_content WHERE id = ?"
    )
    unindex_release = (
        "INSERT INTO releases_fts (releases_fts, rowid, title, body) "
        "SELECT 'delete', id, title, body FROM releases_fts_content WHERE id = ?"
    )
    # rowid = QUOTE_KEY; parameter: version id. The quotes are cut into words in the scratch index first, their
    # shapes (length in words, most repeated word that is not common) ranked as migration 0014 ranks them.
    index_version_quotes: tuple[str, ...] = (
        "INSERT INTO temp.quote_words (rowid, text, speaker, speaker_title) "
        "SELECT id, text, speaker, speaker_title FROM quotes WHERE version_id = ?",
        "UPDATE quotes SET fts_shape = c.ord FROM (SELECT doc, SUM(n) AS d, "
        "MAX(CASE WHEN term IN (SELECT term FROM quote_common_terms) THEN NULL ELSE n END) AS m "
        "FROM (SELECT term, doc, COUNT(*) AS n FROM temp.quote_word_instances GROUP BY term, doc) GROUP BY doc) AS s "
        "JOIN quote_shapes c ON c.m = MIN(MAX(COALESCE(s.m, 1), 1), 8) AND c.d = MIN(s.d, 193) "
        "WHERE quotes.id = s.doc AND quotes.version_id = ?",
        f"INSERT INTO quotes_fts (rowid, text, speaker, speaker_title) "
        f"SELECT {QUOTE_KEY}, text, speaker, speaker_title FROM quotes WHERE version_id = ?",
        "DELETE FROM temp.quote_words WHERE rowid IN (SELECT id FROM quotes WHERE version_id = ?)",
    )
    delete_version_quotes = (
        "INSERT INTO quotes_fts (quotes_fts, rowid, text, speaker, speaker_title) "
        f"SELECT 'delete', {QUOTE_KEY}, text, speaker, speaker_title FROM quotes WHERE version_id = ?"
    )
    rebuild: tuple[str, ...] = (
        "INSERT INTO releases_fts (releases_fts) VALUES ('rebuild')",
        "INSERT INTO quotes_fts (quotes_fts) VALUES ('rebuild')",
    )

    release_writer_lock: str | None = None

    async def learn_phrases(self, db: Database, phrases: Collection[str]) -> None:
        """Nothing to learn: FTS5's index holds word positions and matches a phrase from them."""

    async def stem(self, fetch_one: Callable[[str, Sequence[Any]], Awaitable[Any]], word: str) -> str:
        """What the index stores for ``word`` (its stem); the store's connection is not needed."""
        return porter_stem(word)

    def release_ids(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of the ids of the releases (current versions) that match."""
        return "SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?", [expression(match)]

    def release_matches(self, match: Match, release_id: str) -> tuple[str, list[Any]]:
        """Whether one release matches: FTS5 seeks to that rowid in each term's list instead of reading them."""
        sql = f"EXISTS (SELECT 1 FROM releases_fts WHERE releases_fts MATCH ? AND rowid = {release_id})"
        return sql, [expression(match)]

    def count_releases(self, match: Match) -> tuple[str, list[Any]]:
        """How many releases match (counted along the term lists, no row read)."""
        return "SELECT COUNT(*) AS n FROM releases_fts WHERE releases_fts MATCH ?", [expression(match)]

    def quote_hits(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of ``(rowid, score)`` of the matching quotes: rowid = quotes.id, higher score = better."""
        return (
            f"SELECT rowid & {quote_ranking.QUOTE_ID} AS rowid, -bm25(quotes_fts) AS score FROM quotes_fts "
            "WHERE quotes_fts MATCH ?",
            [expression(match)],
        )

    async def best_quotes(self, db: Database, match: Match, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best matching quotes as ``(quote id, score)``, best first, reading only the matches that
        can be among them (quote_ranking.py), on the connection's thread."""
        from digests.store.sqlite_engine import DirectEngine, SQLiteEngine  # it imports SESSION from here

        engine = db.engine
        assert isinstance(engine, SQLiteEngine | DirectEngine)
        hits, _ = await engine.read_on_thread(
            lambda conn: quote_ranking.best_quotes(conn, match, expression, porter_stem, limit)
        )
        return hits
