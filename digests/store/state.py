"""Key/value facts kept between runs."""

from __future__ import annotations

from datetime import UTC, datetime

from digests.store.db import Database, to_db_time


class StateRepository:
    """Reads and writes ``app_state``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        """The value stored under ``key``, if any."""
        row = await self._db.fetch_one("SELECT value FROM app_state WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any previous value."""
        await self._db.execute(
            "INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, to_db_time(datetime.now(UTC))),
        )

    async def swap(self, key: str, expected: str | None, value: str) -> bool:
        """Store ``value`` under ``key`` only if the stored value is still ``expected`` (``None``: nothing stored
        yet); whether it did. One statement, so two processes swapping from the same value cannot both succeed."""
        now = to_db_time(datetime.now(UTC))
        if expected is None:
            changed = await self._db.execute(
                "INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value, now),
            )
        else:
            changed = await self._db.execute(
                "UPDATE app_state SET value = ?, updated_at = ? WHERE key = ? AND value = ?",
                (value, now, key, expected),
            )
        return changed > 0
