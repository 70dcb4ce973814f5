"""Store fixtures: two connections to one database, on each engine, like two processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digests.store.db import Database


@pytest.fixture
async def two_processes(db_target: str, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two independently opened databases on the same data (an SQLite file, or one PostgreSQL database), each
    with its own connection(s), as two processes have."""
    target = str(tmp_path / "shared.db") if db_target == ":memory:" else db_target
    first = await Database.open(target)
    second = await Database.open(target)
    yield first, second
    await first.close()
    await second.close()
