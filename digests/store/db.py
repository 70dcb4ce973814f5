"""Opening the SQLite database and bringing its schema up to date."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite


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


_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The database is newer than this program, or a migration failed."""


def migrations() -> list[tuple[int, str, str]]:
    """``(number, name, sql)`` of every bundled migration, in order."""
    found = []
    for entry in resources.files("digests.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration numbers must run 1..N without gaps, got {numbers}")
    return found


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Open (creating if needed) the database at ``path`` with WAL, foreign keys and a busy timeout, migrated."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path))
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await migrate(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply every migration above ``PRAGMA user_version``, each in its own transaction; return the version."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    available = migrations()
    if current > len(available):
        raise MigrationError(
            f"the database is at schema version {current}, newer than this program knows ({len(available)})"
        )
    for number, name, sql in available[current:]:
        try:
            await conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        except Exception as exc:
            await conn.rollback()
            raise MigrationError(f"migration {name} failed: {exc}") from exc
        current = number
    return current


class Database:
    """One connection shared by the repositories, with one writer at a time.

    aiosqlite runs every statement of a connection on one thread, so interleaved coroutines would otherwise
    share a transaction; :meth:`transaction` serialises writers and commits or rolls back as a unit.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open and migrate the database at ``path``."""
        return cls(await connect(path))

    async def close(self) -> None:
        """Close the connection."""
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block's writes as one transaction, alone."""
        async with self._write_lock:
            try:
                yield self.conn
                await self.conn.commit()
            except BaseException:
                await self.conn.rollback()
                raise

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (inside :meth:`transaction` when it writes)."""
        await self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        await self.conn.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """All rows of a query."""
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query, if any."""
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()
