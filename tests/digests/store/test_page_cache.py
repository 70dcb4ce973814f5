"""A bulk ingest's larger page cache: SQLite's grows for the block and is restored after it (also when the block
fails); a cache already as large stays; PostgreSQL has nothing to change."""

from __future__ import annotations

import pytest

from digests.store import page_cache
from digests.store.db import Database


async def cache_size(db: Database) -> int:
    row = await db.fetch_one("PRAGMA cache_size")
    assert row is not None
    return int(row[0])


async def test_sqlite_cache_grows_for_the_block_and_is_restored(db: Database) -> None:
    if db.dialect.name != "sqlite":
        async with page_cache.larger_page_cache(db):
            assert await db.fetch_one("SELECT 1 AS one") is not None
        return
    before = await cache_size(db)
    async with page_cache.larger_page_cache(db, kib=8192):
        assert await cache_size(db) == -8192
    assert await cache_size(db) == before
    with pytest.raises(RuntimeError):
        async with page_cache.larger_page_cache(db, kib=8192):
            raise RuntimeError("the ingest failed")
    assert await cache_size(db) == before


async def test_a_cache_already_larger_is_left_as_it_is(db: Database) -> None:
    if db.dialect.name != "sqlite":
        return
    await db.execute("PRAGMA cache_size = -65536")
    async with page_cache.larger_page_cache(db, kib=8192):
        assert await cache_size(db) == -65536
    assert await cache_size(db) == -65536
