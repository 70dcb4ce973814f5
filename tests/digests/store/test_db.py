from pathlib import Path

import pytest

from digests.store.db import MigrationError, connect, migrate, migrations


async def test_migrates_an_empty_file_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "digest.db"
    conn = await connect(path)
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(migrations())  # type: ignore[index]
        async with conn.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
        assert await migrate(conn) == len(migrations())
    finally:
        await conn.close()
    again = await connect(path)
    await again.close()


async def test_refuses_a_database_from_the_future(tmp_path: Path) -> None:
    path = tmp_path / "digest.db"
    conn = await connect(path)
    await conn.execute("PRAGMA user_version = 999")
    await conn.commit()
    await conn.close()
    with pytest.raises(MigrationError, match="newer than this program"):
        await connect(path)


def test_migrations_are_numbered_without_gaps() -> None:
    assert [number for number, _, _ in migrations()] == list(range(1, len(migrations()) + 1))
