"""Keeping SQLite's full-text indexes in few segments: FTS5's incremental 'merge', a bounded step at a time.

Every write adds a segment to an FTS5 index and automerge only keeps a few per level, and a look-up of one release
probes every segment (about 60 µs on 14 segments, 6 µs on one, at 100,000 releases: docs/performance.md). Migration
0011 merged the indexes once; this merges them again after ingests, in steps of about ``pages`` pages each, every
step a transaction of its own, so the write lock is never held for long. PostgreSQL's GIN indexes have no segments:
there it does nothing.
"""

from __future__ import annotations

from typing import Any

from digests.store.db import Database

# Pages (FTS5's pgsz, about 4 kB) merged per step: a few ms of work, so a step never keeps other writers waiting long.
MERGE_PAGES = 200
TABLES = ("releases_fts", "quotes_fts")


async def _step(db: Database, table: str, pages: int) -> bool:
    """One 'merge' of about ``|pages|`` pages (negative: start merging every segment into one, as 'optimize'
    would, even levels of fewer than 'usermerge' segments); whether it did any work (FTS5's documented test: the
    connection's total changes grew by two or more)."""

    async def merge(tx: Database) -> bool:
        before = await tx.fetch_one("SELECT total_changes() AS n")
        await tx.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)", (pages,))
        after = await tx.fetch_one("SELECT total_changes() AS n")
        return _changes(after) - _changes(before) >= 2

    return await db.batch(merge)


def _changes(row: Any) -> int:
    return int(row["n"]) if row else 0


async def merge_full_text(db: Database, steps: int = 8, pages: int = MERGE_PAGES) -> bool:
    """Up to ``steps`` merge steps on each full-text index; whether work is left (call again later to go on).

    Positive steps carry on a merge already started (new segments that arrive meanwhile join it without
    restarting it); when none is under way, one negative step starts merging every segment into one, and does
    nothing when the index is one segment already. No-op on PostgreSQL.
    """
    if db.dialect.name != "sqlite":
        return False
    left = False
    for table in TABLES:
        started = False
        for _ in range(steps):
            if await _step(db, table, pages):
                continue
            if started or not await _step(db, table, -pages):
                break  # merged into one segment
            started = True
        else:
            left = True
    return left
