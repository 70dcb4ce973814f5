"""The few SQL fragments that differ between SQLite and PostgreSQL; repositories take them from here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digests.store.engine import DialectName
from digests.store.fts import Match
from digests.store.fts_postgres import PostgresFullText
from digests.store.fts_sqlite import SQLiteFullText


class FullText(Protocol):
    """Keeping the full-text index of releases and quotes current, and querying it."""

    index_release: str  # parameters: release id, title, body
    delete_release: str  # parameter: release id
    index_quote: str  # parameters: quote id, text, speaker, speaker title
    delete_version_quotes: str  # parameter: version id

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

    def best_quotes(self, match: Match) -> tuple[str, list[Any]]:
        """A query of ``(rowid, score)`` of the best matching quotes, best first, as many as one more parameter
        says (the scores equal :meth:`quote_hits`'), and its parameters before that one."""
        ...


@dataclass(frozen=True, slots=True)
class Plans:
    """Table hints after ``releases r`` for reading a topic's releases newest first: along the ``releases_newest``
    index (a frequent topic: stop once the page is full), or by id then sorted (a rare one). SQLite's planner
    cannot tell the two apart from the query; PostgreSQL's chooses from its statistics (no hint)."""

    newest_first: str
    by_id: str


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a repository needs to know about the engine it talks to."""

    name: DialectName
    fts: FullText
    like: str  # case-insensitive LIKE: SQLite's LIKE is (for ASCII), PostgreSQL's is not
    plans: Plans

    def id_list(self, ids: Sequence[int]) -> tuple[str, list[Any]]:
        """A subquery of these ids from one bound parameter, however many they are (never one variable each)."""
        if self.name == "postgresql":
            return "SELECT unnest(CAST(? AS BIGINT[]))", [list(ids)]
        return "SELECT value FROM json_each(?)", [json.dumps(list(ids))]


DIALECTS: dict[DialectName, Dialect] = {
    "sqlite": Dialect("sqlite", SQLiteFullText(), "LIKE", Plans("INDEXED BY releases_newest", "NOT INDEXED")),
    "postgresql": Dialect("postgresql", PostgresFullText(), "ILIKE", Plans("", "")),
}
