"""The few SQL fragments that differ between SQLite and PostgreSQL; repositories take them from here."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from digests.store import bodies
from digests.store.engine import DialectName
from digests.store.fts import Match
from digests.store.fts_postgres import PostgresFullText
from digests.store.fts_sqlite import SQLiteFullText

if TYPE_CHECKING:
    from digests.store.db import Database


class FullText(Protocol):
    """Keeping the full-text index of releases and quotes current, and querying it."""

    # Each reads what it indexes from the stored rows. Take a release or a version's quotes out before anything
    # they were indexed from changes (SQLite removes an entry with the values it was indexed with).
    index_release: str  # parameter: release id (its title and current version's body)
    unindex_release: str  # parameter: release id
    index_version_quotes: tuple[str, ...]  # each: parameter version id (about to become or being the current one)
    delete_version_quotes: str  # parameter: version id (the current one)
    rebuild: tuple[str, ...]  # index every release's current version and its quotes again, from scratch
    # run first in a transaction that writes releases (before it holds any row lock), or None
    release_writer_lock: str | None

    async def stem(self, fetch_one: Callable[[str, Sequence[Any]], Awaitable[Any]], word: str) -> str:
        """The token(s) the index stores for ``word``, from the engine's own stemmer (``fetch_one`` runs a query
        of one row if the engine needs one)."""
        ...

    async def learn_phrases(self, db: Database, phrases: Collection[str]) -> None:
        """Make the releases these phrases (the expansions of acronyms just stored) occur in quick to find, if the
        engine needs it; called after the transaction that stored them, never inside one."""
        ...

    def release_ids(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of the ids of the matching releases, and its parameters."""
        ...

    def release_matches(self, match: Match, release_id: str) -> tuple[str, list[Any]]:
        """A condition that the release whose id is the SQL expression ``release_id`` matches (checked for that
        release alone, so a scan in another order can stop early), and its parameters."""
        ...

    def count_releases(self, match: Match) -> tuple[str, list[Any]]:
        """A query of one row, ``n``: how many releases match, and its parameters."""
        ...

    def quote_hits(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of ``(rowid, score)`` of the matching quotes (higher score = better), and its parameters."""
        ...

    async def best_quotes(self, db: Database, match: Match, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best matching quotes as ``(quote id, score)``, best first (the scores equal
        :meth:`quote_hits`'; ties at the cut in any order)."""
        ...


@dataclass(frozen=True, slots=True)
class Plans:
    """Table hints after ``releases r`` for reading a topic's releases newest first: along the ``releases_newest``
    index (a frequent topic: stop once the page is full), or by id then sorted (a rare one). SQLite's planner
    cannot tell the two apart from the query; PostgreSQL's chooses from its statistics (no hint).

    ``seek_scale``: what checking one release alone costs on this engine, relative to SQLite (release_rows'
    ``SEEK_COST``, in matching ids of a set). PostgreSQL's check (an index look-up and the release's tsvector:
    15-23 µs at 100,000 releases, EXPLAIN ANALYZE) costs about 20 ids of a set (0.85 µs each counting 43,065
    matches, 1.3 µs each in a hashed set of 95,215), against SQLite's 300.
    """

    newest_first: str
    by_id: str
    seek_scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a repository needs to know about the engine it talks to."""

    name: DialectName
    fts: FullText
    like: str  # case-insensitive LIKE: SQLite's LIKE is (for ASCII), PostgreSQL's is not
    plans: Plans
    body_param: str  # the placeholder of a body written to release_versions.body (SQLite compresses it, see bodies.py)
    read_body: Callable[[Any], str]  # release_versions.body read back as text

    def id_list(self, ids: Sequence[int]) -> tuple[str, list[Any]]:
        """A subquery of these ids from one bound parameter, however many they are (never one variable each)."""
        if self.name == "postgresql":
            return "SELECT unnest(CAST(? AS BIGINT[]))", [list(ids)]
        return "SELECT value FROM json_each(?)", [json.dumps(list(ids))]


def _text(value: Any) -> str:
    return str(value)


DIALECTS: dict[DialectName, Dialect] = {
    "sqlite": Dialect(
        "sqlite",
        SQLiteFullText(),
        "LIKE",
        Plans("INDEXED BY releases_newest", "NOT INDEXED", 1.0),
        "rd_deflate(?)",
        bodies.unpack,
    ),
    "postgresql": Dialect("postgresql", PostgresFullText(), "ILIKE", Plans("", "", 20 / 300), "?", _text),
}
