"""A larger SQLite page cache for the length of a bulk ingest.

SQLite keeps 2 MB of pages per connection by default. A batch of 100 new releases inserts into indexes spread over
the whole store (story band keys and topic terms land anywhere in their B-trees): at 100,000 releases those indexes
are far larger than 2 MB, so each batch read most of the pages it touched again from the operating system (system
time of the database thread 0.7-0.9 ms a release against 0.4-0.5 with 16-64 MB, docs/performance.md). The bot keeps
the default (its memory is bounded); PostgreSQL has its own shared buffers: there this does nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from digests.store.db import Database

BULK_CACHE_KIB = 32 * 1024


@asynccontextmanager
async def larger_page_cache(db: Database, kib: int = BULK_CACHE_KIB) -> AsyncIterator[None]:
    """Within the block, SQLite's page cache holds up to ``kib`` KiB (never less than it did); the previous size
    after it."""
    if db.dialect.name != "sqlite":
        yield
        return
    row = await db.fetch_one("PRAGMA cache_size")
    before = int(row[0]) if row is not None else -2000
    # cache_size counts pages when positive, KiB when negative
    if before >= 0 or -before >= kib:
        yield
        return
    await db.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        await db.execute(f"PRAGMA cache_size = {before}")
