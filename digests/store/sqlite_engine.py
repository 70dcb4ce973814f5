"""The SQLite engine: one aiosqlite connection, one writer at a time, schema version in ``PRAGMA user_version``."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from digests.store import bodies
from digests.store.engine import DialectName, MigrationError, Row, current_transaction, pending
from digests.store.fts_sqlite import SESSION

T = TypeVar("T")


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
        for statement in SESSION:
            await conn.execute(statement)
    except BaseException:
        await conn.close()
        raise
    return conn


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply every migration above ``PRAGMA user_version``, each in its own transaction; return the version.

    Registers first the SQL functions the schema uses (bodies.py): every connection is migrated before use.
    """
    await bodies.register(conn)
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for number, name, sql in pending("sqlite", current):
        try:
            await conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        except Exception as exc:
            await conn.rollback()
            raise MigrationError(f"migration {name} failed: {exc}") from exc
        current = number
    return current


class SQLiteEngine:
    """One connection shared by the repositories, with one writer at a time.

    aiosqlite runs every statement of a connection on one thread, so interleaved coroutines would otherwise
    share a transaction; :meth:`transaction` serialises writers and commits or rolls back as a unit. Reads outside
    a transaction go straight to the connection.
    """

    dialect: DialectName = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> SQLiteEngine:
        """Open and migrate the database at ``path``."""
        return cls(await connect(path))

    async def close(self) -> None:
        """Close the connection."""
        await self.conn.close()

    async def schema_version(self) -> int:
        """The number of the last migration applied (``PRAGMA user_version``)."""
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    def _in_transaction(self) -> bool:
        current = current_transaction.get()
        return current is not None and current[0] is self

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block's writes as one transaction, alone; a nested block is part of the outer one."""
        if self._in_transaction():
            yield
            return
        async with self._write_lock:
            token = current_transaction.set((self, self.conn))
            try:
                yield
                await self.conn.commit()
            except BaseException:
                await self.conn.rollback()
                raise
            finally:
                current_transaction.reset(token)

    async def batch(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """``work`` as one transaction, all of it on the connection's thread in one call.

        aiosqlite hands every statement to its thread and the answer back to the loop: a release's save is dozens
        of statements, and each hand-over costs more than the statement. Here ``work`` gets a
        :class:`DirectEngine` on the same connection, so its coroutine runs to the end inside one hand-over
        (it never really suspends). Inside a transaction of this task already, ``work`` joins it as usual.
        """
        if self._in_transaction():
            return await work(self)
        async with self._write_lock:
            return await self.read_on_thread(lambda conn: _run_direct(conn, work))

    async def _on_thread(self, sql: str, params: Sequence[Any], fetch: int) -> Any:
        """One statement run and read on the connection's thread in one hand-over (through aiosqlite's cursors it
        took three: execute, fetch, close; each hand-over costs both threads more than a small statement)."""
        return await self.read_on_thread(lambda conn: _run(conn, sql, params, fetch))

    async def read_on_thread(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """``read(connection)`` on the connection's thread, in one hand-over (a read that steps through rows and
        stops when it has what it needs, e.g. quote_ranking.py; a batch; one statement)."""
        # aiosqlite has no public call for "run this on the connection's thread" (pinned in pyproject.toml).
        run_on_thread = cast(Callable[..., Awaitable[T]], self.conn._execute)
        return await run_on_thread(read, self.conn._conn)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        return cast(list[Row], await self._on_thread(sql, params, 2))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, if any."""
        return cast(Row | None, await self._on_thread(sql, params, 1))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (in a transaction of its own unless in one); how many rows it changed."""
        async with self.transaction():
            return int(await self._on_thread(sql, params, 0))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        async with self.transaction():
            await self.conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``INSERT``; the new row's id (``RETURNING id``, SQLite 3.35+)."""
        async with self.transaction():
            row = await self._on_thread(f"{sql} RETURNING id", params, 1)
        if row is None:
            raise RuntimeError("INSERT … RETURNING id returned no row")
        return int(row[0])


def _run_direct(conn: sqlite3.Connection, work: Callable[[Any], Awaitable[T]]) -> T:
    """Drive ``work(DirectEngine(conn))`` to its end on the calling (connection's) thread; commit, or roll back."""
    coroutine = cast(Any, work(DirectEngine(conn)))
    try:
        coroutine.send(None)
    except StopIteration as done:
        conn.commit()
        return cast(T, done.value)
    except BaseException:
        conn.rollback()
        raise
    coroutine.close()
    conn.rollback()
    raise RuntimeError("a database batch awaited something other than its database")


def _run(conn: sqlite3.Connection, sql: str, params: Sequence[Any], fetch: int) -> Any:
    """Run one statement on the calling (connection's) thread: all rows (``fetch`` 2), the first (1), or how many
    rows it changed (0)."""
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall() if fetch > 1 else cursor.fetchone() if fetch else cursor.rowcount
    finally:
        cursor.close()  # finishes the statement (an INSERT … RETURNING is only done once reset)


class DirectEngine:
    """The engine API straight on an sqlite3 connection, for a batch already running on that connection's thread
    inside its transaction (see :meth:`SQLiteEngine.batch`): every call completes without suspending."""

    dialect: DialectName = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def close(self) -> None:
        """The batch's caller owns the connection."""

    async def schema_version(self) -> int:
        """``PRAGMA user_version``."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """The batch is the transaction: a block inside it joins it."""
        yield

    async def batch(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """A batch inside the batch joins it."""
        return await work(self)

    async def read_on_thread(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """``read(connection)``: the batch already runs on the connection's thread."""
        return read(self.conn)

    def _run(self, sql: str, params: Sequence[Any], fetch: int) -> Any:
        return _run(self.conn, sql, params, fetch)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        return cast(list[Row], self._run(sql, params, 2))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, if any."""
        return cast(Row | None, self._run(sql, params, 1))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        return int(self._run(sql, params, 0))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        self.conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``INSERT``; the new row's id."""
        row = self._run(f"{sql} RETURNING id", params, 1)
        if row is None:
            raise RuntimeError("INSERT … RETURNING id returned no row")
        return int(row[0])
