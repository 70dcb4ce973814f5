"""Copying an SQLite store into an empty PostgreSQL one (``release-digest migrate-store``), counts checked.

Both databases are first migrated to the same schema version (the two dialects' migrations have the same numbers),
so every SQLite table has a PostgreSQL twin with the same columns. Tables are copied parents first, ids kept,
in one PostgreSQL transaction: a copy that fails or whose row counts differ leaves the target as it was. Bodies
are copied as text (SQLite keeps them compressed), the full-text index is rebuilt in PostgreSQL from the copied
releases and quotes, and every identity sequence restarts after the largest copied id, so new rows get fresh ids.

Fast at 100,000 releases (millions of rows): rows travel with COPY while the next batch is read; the GIN indexes
are dropped first and built once at the end (much cheaper than growing them row by row); foreign keys are not
checked row by row when the role may skip them (SQLite enforced them, and every count is compared). Then
``VACUUM ANALYZE``: fresh statistics for the planner, and a visibility map for index-only scans.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digests.store.db import Database
from digests.store.fts_sqlite import OWN_COLUMNS, OWN_TABLES
from digests.store.postgres_engine import PostgresEngine

BATCH = 5_000
# The full-text tables: rebuilt from the copied rows rather than copied; SQLite's entries are counted in the
# index's own per-document table (its content is a view of the releases and quotes).
FULL_TEXT = {"releases_fts": "releases_fts_docsize", "quotes_fts": "quotes_fts_docsize"}


class CopyError(RuntimeError):
    """The copy cannot be made (missing source, non-empty target, schema mismatch) or came out wrong."""


@dataclass(frozen=True, slots=True)
class TableCount:
    """How many rows a table has in the SQLite source and, after the copy, in PostgreSQL."""

    table: str
    sqlite: int
    postgresql: int


async def _tables(src: Database) -> list[str]:
    """The SQLite store's tables, every table after those it references (FTS5 shadow tables left out)."""
    rows = await src.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
    )
    names = [row["name"] for row in rows]
    shadow = {f"{fts}_{suffix}" for fts in FULL_TEXT for suffix in ("data", "idx", "content", "docsize", "config")}
    names = [name for name in names if name not in shadow and name not in OWN_TABLES]
    parents: dict[str, set[str]] = {}
    for name in names:
        references = await src.fetch_all(f"SELECT \"table\" FROM pragma_foreign_key_list('{name}')")
        parents[name] = {row["table"] for row in references} - {name}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [name for name in names if name not in ordered and parents[name] <= set(ordered)]
        if not ready:
            raise CopyError(f"circular foreign keys among {sorted(set(names) - set(ordered))}")
        ordered.extend(ready)
    return ordered


async def _columns(src: Database, dst: Database, table: str) -> tuple[list[str], list[str]]:
    """The columns to read from SQLite and to write in PostgreSQL (the same, plus a ``rowid`` column that
    PostgreSQL keeps where SQLite's implicit rowid carries meaning, e.g. the deliveries' claim order)."""
    own = OWN_COLUMNS.get(table, frozenset())  # SQLite's full-text bookkeeping, rebuilt in PostgreSQL's own way
    source = [
        row["name"]
        for row in await src.fetch_all(f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        if row["name"] not in own
    ]
    target = {
        row["column_name"]
        for row in await dst.fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ?",
            (table,),
        )
    }
    if not target:
        raise CopyError(f"table {table} has no PostgreSQL twin: are both stores at the same schema version?")
    missing = [column for column in source if column not in target]
    if missing:
        raise CopyError(f"columns {missing} of table {table} are missing in PostgreSQL")
    if "rowid" in target and "rowid" not in source:
        return ["rowid", *source], ["rowid", *source]
    return source, source


async def _count(db: Database, table: str) -> int:
    row = await db.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")
    return int(row["n"]) if row else 0


async def _key(src: Database, table: str) -> list[str]:
    """What orders a table's rows: its rowid, or for a WITHOUT ROWID table its primary key columns."""
    row = await src.fetch_one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    if row is None or "WITHOUT ROWID" not in " ".join(str(row["sql"]).upper().split()):
        return ["rowid"]
    columns = await src.fetch_all(f"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk")
    return [f'"{column["name"]}"' for column in columns]


async def _copy_rows(src: Database, dst: Database, table: str, read: list[str], columns: list[str]) -> None:
    """Copy in batches in key order (keyset pagination), so memory and time stay linear however large the table.
    The next batch is read from SQLite (on its own thread) while PostgreSQL loads this one."""
    assert isinstance(dst.engine, PostgresEngine)
    key = await _key(src, table)
    order = ", ".join(key)
    after = f"WHERE ({order}) > ({', '.join('?' for _ in key)}) "
    width = len(read)
    body = read.index("body") if table == "release_versions" else -1

    async def read_after(last: list[object] | None) -> list[tuple[object, ...]]:
        rows = await src.fetch_all(
            f"SELECT {order}, {_quoted(read)} FROM {table} {'' if last is None else after}ORDER BY {order} LIMIT ?",
            [*(last or []), BATCH],
        )
        return [tuple(row[i] for i in range(len(key) + width)) for row in rows]

    reading = asyncio.ensure_future(read_after(None))
    try:
        while rows := await reading:
            reading = asyncio.ensure_future(read_after(list(rows[-1][: len(key)])))
            batch = [row[len(key) : len(key) + width] for row in rows]
            if body >= 0:
                batch = [(*row[:body], src.dialect.read_body(row[body]), *row[body + 1 :]) for row in batch]
            await dst.engine.copy_rows(table, columns, batch)
    finally:
        reading.cancel()


async def _skip_foreign_key_checks(dst: Database) -> None:
    """Skip the per-row foreign-key triggers for this transaction when the role may (a superuser): the rows come
    from an SQLite store that enforced the same keys. Other roles keep the checks (slower, same result)."""
    row = await dst.fetch_one("SELECT current_setting('is_superuser') = 'on' AS allowed")
    if row is not None and row["allowed"]:
        await dst.execute("SET LOCAL session_replication_role = replica")


async def _drop_gin_indexes(dst: Database) -> list[str]:
    """Drop the GIN (full-text) indexes of the empty target; their definitions, to build them after the load."""
    rows = await dst.fetch_all(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND indexdef LIKE '% USING gin %'"
    )
    for row in rows:
        await dst.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def _reset_identities(dst: Database) -> None:
    """Restart every identity column after the largest id copied into it."""
    rows = await dst.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND is_identity = 'YES'"
    )
    for row in rows:
        table, column = row["table_name"], row["column_name"]
        await dst.fetch_one(
            f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({column}), 0) + 1, false) FROM {table}",
            (table, column),
        )


async def copy_store(
    sqlite_file: Path, postgres_url: str, progress: Callable[[str], None] = lambda _: None
) -> list[TableCount]:
    """Copy the SQLite store at ``sqlite_file`` into the empty PostgreSQL database at ``postgres_url``.

    Both are migrated first (the SQLite file in place, as the bot would). Returns the row count of every table
    on both sides; raises :class:`CopyError` when the target is not empty or any count differs.
    """
    if not sqlite_file.is_file():
        raise CopyError(f"{sqlite_file}: no such SQLite file")
    src = await Database.open(sqlite_file)
    try:
        if src.dialect.name != "sqlite":
            raise CopyError(f"{sqlite_file} is not an SQLite store")
        try:
            dst = await Database.open(postgres_url)
        except Exception as exc:  # the driver's errors: refused, authentication, no such database, …
            raise CopyError(f"cannot open the PostgreSQL store: {type(exc).__name__}: {exc}") from exc
        try:
            if dst.dialect.name != "postgresql":
                raise CopyError("the target must be a postgresql:// URL")
            counts = await _copy(src, dst, progress)
            await dst.execute("VACUUM ANALYZE")  # outside the transaction: VACUUM cannot run in one
            return counts
        finally:
            await dst.close()
    finally:
        await src.close()


def _quoted(columns: list[str]) -> str:
    # rowid stays bare: SQLite reads a quoted "rowid" that is no real column as a string
    return ", ".join(column if column == "rowid" else f'"{column}"' for column in columns)


async def _copy(src: Database, dst: Database, progress: Callable[[str], None]) -> list[TableCount]:
    tables = await _tables(src)
    plan = {table: await _columns(src, dst, table) for table in tables}
    for table in [*tables, *FULL_TEXT]:
        if await _count(dst, table):
            raise CopyError(f"the PostgreSQL store is not empty (table {table} has rows): copy only into a new one")
    counts: list[TableCount] = []
    async with dst.transaction():
        await _skip_foreign_key_checks(dst)
        indexes = await _drop_gin_indexes(dst)
        for table, (read, write) in plan.items():
            await _copy_rows(src, dst, table, read, write)
            progress(table)
        for statement in dst.dialect.fts.rebuild:
            await dst.execute(statement)
        await dst.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each GIN index sorted in memory
        for definition in indexes:
            await dst.execute(definition)
        # the acronyms' expansions learned once the index is back (PostgreSQL: the releases each occurs in)
        expansions = await dst.fetch_all("SELECT DISTINCT alias FROM topic_terms WHERE kind = 'acronym'")
        await dst.dialect.fts.learn_phrases(dst, [row["alias"] for row in expansions])
        for table in FULL_TEXT:
            progress(table)
        await _reset_identities(dst)
        for table in tables:
            counts.append(TableCount(table, await _count(src, table), await _count(dst, table)))
        for table, entries in FULL_TEXT.items():
            counts.append(TableCount(table, await _count(src, entries), await _count(dst, table)))
        wrong = [f"{c.table} ({c.sqlite} → {c.postgresql})" for c in counts if c.sqlite != c.postgresql]
        if wrong:
            raise CopyError(f"row counts differ, nothing was kept: {', '.join(wrong)}")
    return counts


def counts_table(counts: list[TableCount]) -> str:
    """The counts as an aligned text table."""
    width = max(len("table"), *(len(c.table) for c in counts))
    lines = [f"{'table':<{width}}  {'sqlite':>10}  {'postgresql':>10}"]
    lines += [f"{c.table:<{width}}  {c.sqlite:>10}  {c.postgresql:>10}" for c in counts]
    return "\n".join(lines)
