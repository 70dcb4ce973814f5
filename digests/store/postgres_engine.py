"""The PostgreSQL engine: an asyncpg pool, ``?`` placeholders translated, schema version in ``schema_version``."""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import asyncpg

from digests.store.engine import (
    DialectName,
    MigrationError,
    Row,
    StoreRefusedError,
    StoreUnavailableError,
    current_transaction,
    pending,
)

T = TypeVar("T")

# Any constant will do: every process migrating the same database takes the same lock, so they run one at a time.
MIGRATION_LOCK = 0x52_44_4D_49_47  # "RDMIG"

_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?")


@functools.lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1 … $n``; a ``?`` inside a quoted literal, identifier or comment stays."""
    count = 0

    def number(found: re.Match[str]) -> str:
        nonlocal count
        if found.group() != "?":
            return found.group()
        count += 1
        return f"${count}"

    return _QUOTED.sub(number, sql)


def rowcount(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3`` or ``INSERT 0 1`` (0 when it has none)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


async def migrate(conn: Any) -> int:
    """Apply every migration above the recorded version, each in its own transaction; return the version.

    Under an advisory lock, so that processes starting together do not migrate twice.
    """
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            '(version INTEGER NOT NULL, applied_at TEXT COLLATE "C" NOT NULL)'
        )
        current = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
        for number, name, sql in pending("postgresql", current):
            try:
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_version (version, applied_at) VALUES ($1, "
                        "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'))",
                        number,
                    )
            except Exception as exc:
                raise MigrationError(f"migration {name} failed: {exc}") from exc
            current = number
        return current
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


class PostgresEngine:
    """A connection pool: reads outside a transaction take any connection, a transaction keeps one."""

    dialect: DialectName = "postgresql"

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, min_size: int = 1, max_size: int = 10) -> PostgresEngine:
        """Connect to the server at ``url`` and migrate its database."""
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            parts = urlsplit(url)  # named without user and password
            where = f"{parts.hostname or 'localhost'}{f':{parts.port}' if parts.port else ''}{parts.path}"
            # A wrong user, password or database name is the setting's fault: waiting for the server won't fix it.
            refused = isinstance(exc, (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidCatalogNameError))
            error = StoreRefusedError if refused else StoreUnavailableError
            raise error(f"cannot open the PostgreSQL store at {where}: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool)

    async def close(self) -> None:
        """Close every connection of the pool."""
        await self.pool.close()

    async def schema_version(self) -> int:
        """The number of the last migration applied (the ``schema_version`` table)."""
        return int(await self.pool.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    def _connection(self) -> Any:
        """The current transaction's connection, else the pool."""
        current = current_transaction.get()
        return current[1] if current is not None and current[0] is self else self.pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One pooled connection for the block, committed at its end; a nested block is part of the outer one."""
        current = current_transaction.get()
        if current is not None and current[0] is self:
            yield
            return
        async with self.pool.acquire() as conn, conn.transaction():
            token = current_transaction.set((self, conn))
            try:
                yield
            finally:
                current_transaction.reset(token)

    async def batch(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """``work(self)`` as one transaction (statements already go straight to the server)."""
        async with self.transaction():
            return await work(self)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        return cast(list[Row], await self._connection().fetch(placeholders(sql), *params))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, if any."""
        return cast(Row | None, await self._connection().fetchrow(placeholders(sql), *params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        return rowcount(await self._connection().execute(placeholders(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        batch = list(rows)
        if batch:
            await self._connection().executemany(placeholders(sql), batch)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk-load rows with COPY (much faster than INSERTs), in the current transaction if any."""
        target = self._connection()
        if target is self.pool:
            async with self.pool.acquire() as conn:
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            await target.copy_records_to_table(table, records=rows, columns=list(columns))

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``INSERT``; the new row's id."""
        return int(await self._connection().fetchval(placeholders(f"{sql} RETURNING id"), *params))


# The server out of reach: a connection refused, dropped mid-query (server stopped, restarted, network), or a server
# shutting down or still starting. Not the query's fault: the pool reconnects on the next query once it is back.
_LOST = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


# A connection the server ended while the pool held it idle (a restart, an idle-session timeout, an operator's
# pg_terminate_backend): asyncpg has read the server's last message but not yet the socket's close, so the next query
# on it fails on the protocol's state, not on the query. Matched by message: these classes also report bugs.
_STATE_LOST = ("cannot switch to state", "connection is closed")


def connection_lost(error: BaseException) -> bool:
    """Whether ``error`` says the PostgreSQL server cannot be reached right now."""
    if isinstance(error, _LOST):
        return True
    if isinstance(error, (asyncpg.exceptions.InternalClientError, asyncpg.exceptions.InterfaceError)):
        return any(words in str(error) for words in _STATE_LOST)
    # A socket refused, reset or timing out surfaces as the OS's own error; it is the store's if asyncpg raised it.
    return isinstance(error, (OSError, TimeoutError)) and any(
        str(frame.f_globals.get("__name__", "")).startswith("asyncpg")
        for frame, _ in traceback.walk_tb(error.__traceback__)
    )
