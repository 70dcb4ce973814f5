"""Keeping SQLite's full-text indexes in few segments: FTS5's incremental, leveled 'merge', a bounded step at a time.

Every write adds a segment to an FTS5 index, and a look-up of one release probes every segment (about 60 µs on 14
segments, 6 µs on one, at 100,000 releases: docs/performance.md). Migration 0011 merged the indexes once; after
ingests and polls this merges again, leveled: only segments of the same level, two or more at a time
(``usermerge`` 2), so the segments left number about the log of the writes since the last full merge. It never
starts a merge of the whole index: that would rewrite every stored release's entries after each small ingest, a
cost that grows with the store, not with what was added. Each step (about ``pages`` pages) is a transaction of its
own, so the write lock is never held for long. PostgreSQL's GIN indexes have no segments: there it folds the word
counts' changes instead (see :func:`fold_word_counts`).
"""

from __future__ import annotations

from typing import Any

from digests.store.db import Database

# Pages (FTS5's pgsz, about 4 kB) merged per step: a few ms of work, so a step never keeps other writers waiting long.
MERGE_PAGES = 200
# Segments merged together once a level holds this many (FTS5's default is 4): fewer segments to probe per look-up.
USERMERGE = 2
TABLES = ("releases_fts", "quotes_fts")


async def _step(db: Database, table: str, pages: int) -> bool:
    """One leveled 'merge' of about ``pages`` pages (it carries on a merge under way, or starts one on a level that
    holds ``USERMERGE`` segments or more); whether it did any work (FTS5's documented test: the connection's total
    changes grew by two or more)."""

    async def merge(tx: Database) -> bool:
        await tx.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('usermerge', ?)", (USERMERGE,))
        before = await tx.fetch_one("SELECT total_changes() AS n")
        await tx.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)", (pages,))
        after = await tx.fetch_one("SELECT total_changes() AS n")
        return _changes(after) - _changes(before) >= 2

    return await db.batch(merge)


async def fold_word_counts(db: Database) -> int:
    """PostgreSQL: fold the changes of the releases-per-word counts written since the last fold (migration 0015)
    into the counts, one process at a time; how many words' counts changed. A count reads the changes not folded
    yet too, so folding keeps counts cheap, never makes them right."""
    row = await db.fetch_one("SELECT rd_fold_release_words() AS n")
    return int(row["n"]) if row else 0


def _changes(row: Any) -> int:
    return int(row["n"]) if row else 0


async def merge_full_text(db: Database, steps: int = 8, pages: int = MERGE_PAGES) -> bool:
    """Up to ``steps`` leveled merge steps on each full-text index; whether work is left (call again later to go
    on). On PostgreSQL, the word counts' changes folded (never work left)."""
    if db.dialect.name != "sqlite":
        await fold_word_counts(db)
        return False
    left = False
    for table in TABLES:
        for _ in range(steps):
            if not await _step(db, table, pages):
                break  # no level holds USERMERGE segments any more
        else:
            left = True
    return left
