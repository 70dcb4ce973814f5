"""The database the repositories use, on SQLite (a file path) or PostgreSQL (a ``postgresql://`` URL)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from digests.store.dialect import DIALECTS, Dialect
from digests.store.engine import (
    Engine,
    MigrationError,
    Row,
    StoreError,
    StoreRefusedError,
    StoreUnavailableError,
    migrations,
)

T = TypeVar("T")

__all__ = [
    "Database",
    "MigrationError",
    "Row",
    "StoreError",
    "StoreRefusedError",
    "StoreUnavailableError",
    "is_postgres_url",
    "migrations",
    "store_outage",
    "url_secrets",
]


def to_db_time(moment: datetime) -> str:
    """How times are stored: ISO 8601 in UTC, so text order is time order. Naive times are refused."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: only aware datetimes are stored")
    return moment.astimezone(UTC).isoformat()


def to_db_time_or_none(moment: datetime | None) -> str | None:
    """:func:`to_db_time` for an optional time."""
    return to_db_time(moment) if moment else None


def from_db_time(value: str | None) -> datetime | None:
    """A stored time back as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


def is_postgres_url(target: Path | str) -> bool:
    """Whether a database setting names a PostgreSQL server rather than an SQLite file."""
    return str(target).startswith(("postgresql://", "postgres://"))


def url_secrets(target: Path | str) -> list[str]:
    """The password of a PostgreSQL URL (as written and decoded), for the log filter: it is never written out."""
    password = urlsplit(str(target)).password if is_postgres_url(target) else None
    return [password, unquote(password)] if password else []


def store_outage(error: BaseException) -> str | None:
    """What failed, in a few words, when ``error`` (or an error it was raised from) means the store's server cannot
    be reached right now — a connection refused or dropped, a server shutting down or starting — so that the same
    call should work once it is back; ``None`` for anything else (a bug, a bad query, a refused login)."""
    seen: set[int] = set()
    found: str | None = None
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StoreRefusedError):
            return found
        if isinstance(current, StoreUnavailableError) or _postgres_connection_lost(current):
            # The deepest one says it best: "connection was closed …" rather than a clean-up's "… is closed".
            found = str(current) or type(current).__name__
        current = current.__cause__ or current.__context__
    return found


def _postgres_connection_lost(error: BaseException) -> bool:
    if "asyncpg" not in sys.modules:  # no PostgreSQL store in this process: nothing of asyncpg's to recognise
        return False
    from digests.store.postgres_engine import connection_lost

    return connection_lost(error)


class Database:
    """The one API every repository uses, whichever engine is underneath.

    SQL is written once with ``?`` placeholders. Inside ``async with db.transaction()`` the calls of the same task
    are one transaction; outside, a read runs alone and a write is a transaction of its own.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect: Dialect = DIALECTS[engine.dialect]

    @classmethod
    async def open(cls, target: Path | str) -> Database:
        """Open and migrate the database: a ``postgresql://`` URL, else an SQLite file (or ``:memory:``)."""
        if is_postgres_url(target):
            from digests.store.postgres_engine import PostgresEngine  # only deployments on PostgreSQL need asyncpg

            return cls(await PostgresEngine.open(str(target)))
        from digests.store.sqlite_engine import SQLiteEngine

        return cls(await SQLiteEngine.open(target))

    async def close(self) -> None:
        """Close every connection."""
        await self.engine.close()

    async def schema_version(self) -> tuple[int, int]:
        """The schema version the database is at, and the latest this program knows (equal once migrated)."""
        return await self.engine.schema_version(), len(migrations(self.engine.dialect))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """Run the block's statements as one transaction: committed at the end, rolled back on an exception."""
        async with self.engine.transaction():
            yield self

    async def batch(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """``await work(db)`` as one transaction, where ``db`` is this database or a faster path to it: on SQLite
        every statement of ``work`` runs in one go on the database's own thread (one hand-over for the batch, not
        one per statement; the event loop stays free meanwhile). ``work`` must await nothing but ``db``'s calls.
        Inside a transaction already, ``work`` simply joins it."""
        return await self.engine.batch(lambda engine: work(Database(engine)))

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        return await self.engine.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, if any."""
        return await self.engine.fetch_one(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        return await self.engine.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        await self.engine.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``INSERT`` into a table keyed by ``id``; the new row's id."""
        return await self.engine.insert(sql, params)
