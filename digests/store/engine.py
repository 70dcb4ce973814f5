"""What every storage engine offers the repositories, and the bundled migrations of each dialect.

Repositories write SQL once, with ``?`` placeholders, and call the five statements below; an engine (SQLite or
PostgreSQL) runs them. Inside ``async with db.transaction()`` every call of the same task goes to the
transaction's connection: a context variable carries it, so repositories never pass connections around.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from importlib import resources
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")
DialectName = Literal["sqlite", "postgresql"]


class Row(Protocol):
    """A result row: ``row["column"]`` and ``row[0]`` work with both engines."""

    def __getitem__(self, key: str | int, /) -> Any: ...


class StoreError(RuntimeError):
    """The store cannot be used: unreachable, refused, or at a schema this program cannot work with."""


class StoreUnavailableError(StoreError):
    """The database server could not be reached or refused the connection (the message holds no password)."""


class StoreRefusedError(StoreUnavailableError):
    """The database server answered but refused this program's user, password or database name: retrying cannot
    help, the setting must change."""


class MigrationError(StoreError):
    """The database is newer than this program, or a migration failed."""


class Engine(Protocol):
    """One database, whichever engine runs it."""

    dialect: DialectName

    async def close(self) -> None:
        """Close every connection."""

    async def schema_version(self) -> int:
        """The number of the last migration applied to the database."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """The block's statements as one transaction (a nested block joins the outer one)."""

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, if any."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``INSERT`` into a table with an ``id`` key; the new row's id."""

    async def batch(self, work: Callable[[Engine], Awaitable[T]]) -> T:
        """``work`` run as one transaction against the engine it is given (which may be another, faster path to
        the same database); ``work`` must await nothing but that engine."""


# The engine and connection of the transaction the current task is in (one transaction per task at a time).
current_transaction: ContextVar[tuple[object, Any] | None] = ContextVar("current_transaction", default=None)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(dialect: DialectName = "sqlite") -> list[tuple[int, str, str]]:
    """``(number, name, sql)`` of every bundled migration of a dialect, in order.

    Both dialects have the same numbers, so one schema version means the same schema on either engine.
    """
    root = resources.files("digests.store").joinpath("migrations")
    stray = sorted(entry.name for entry in root.iterdir() if entry.name.endswith(".sql"))
    if stray:
        raise MigrationError(f"migrations belong in migrations/sqlite/ and migrations/postgresql/, found {stray}")
    found = []
    for entry in root.joinpath(dialect).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise MigrationError(f"{dialect} migration numbers must run 1..N without gaps, got {numbers}")
    return found


def pending(dialect: DialectName, current: int) -> list[tuple[int, str, str]]:
    """The migrations a store at schema version ``current`` still needs; :class:`MigrationError` if the store is
    newer than this program."""
    available = migrations(dialect)
    if current > len(available):
        raise MigrationError(
            f"the database is at schema version {current}, newer than this program knows ({len(available)})"
        )
    return available[current:]
