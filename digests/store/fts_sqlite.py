"""SQLite full text: FTS5 tables ``releases_fts`` and ``quotes_fts`` (porter, unicode61), ranked by bm25."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from contextlib import closing
from functools import lru_cache
from typing import Any

from digests.store.fts import Match


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
    # rowid = quotes.id; parameter: version id
    index_version_quotes = (
        "INSERT INTO quotes_fts (rowid, text, speaker, speaker_title) "
        "SELECT id, text, speaker, speaker_title FROM quotes WHERE version_id = ?"
    )
    delete_version_quotes = (
        "INSERT INTO quotes_fts (quotes_fts, rowid, text, speaker, speaker_title) "
        "SELECT 'delete', id, text, speaker, speaker_title FROM quotes WHERE version_id = ?"
    )
    rebuild: tuple[str, ...] = (
        "INSERT INTO releases_fts (releases_fts) VALUES ('rebuild')",
        "INSERT INTO quotes_fts (quotes_fts) VALUES ('rebuild')",
    )

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
        return "SELECT rowid, -bm25(quotes_fts) AS score FROM quotes_fts WHERE quotes_fts MATCH ?", [expression(match)]

    def best_quotes(self, match: Match) -> tuple[str, list[Any]]:
        """The best ``?`` matching quotes, best first: bm25 of every match, but only the best kept and sorted
        (``ORDER BY rank`` would sort them all)."""
        hits, params = self.quote_hits(match)
        return f"{hits} ORDER BY score DESC LIMIT ?", params
