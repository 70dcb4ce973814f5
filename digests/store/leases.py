"""Leases: a named right that one process at a time holds until it expires (leader election, run ownership).

Taking a lease is one conditional upsert, so two processes racing for it cannot both win: the row is written
only when it is missing, expired, or already this owner's (a renewal), and the affected row count says who won.
The same SQL works on every engine the store supports; a dead holder's lease frees itself at ``expires_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digests.store.db import Database, from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a lease and until when."""

    name: str
    owner: str
    expires_at: datetime


class LeaseRepository:
    """Reads and writes ``leases``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        """Take ``name`` for ``owner`` until ``until``, or extend it if ``owner`` holds it; whether it is held now."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
                "WHERE leases.owner = excluded.owner OR leases.expires_at <= ?",
                (name, owner, to_db_time(until), to_db_time(now)),
            )
            return changed > 0

    async def release(self, name: str, owner: str) -> bool:
        """Give ``name`` up if ``owner`` holds it (another process may then take it at once); whether it did."""
        async with self._db.transaction() as conn:
            changed = await conn.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))
            return changed > 0

    async def get(self, name: str) -> Lease | None:
        """The lease's current row, expired or not."""
        row = await self._db.fetch_one("SELECT name, owner, expires_at FROM leases WHERE name = ?", (name,))
        if row is None:
            return None
        expires = from_db_time(row["expires_at"])
        assert expires is not None  # NOT NULL column
        return Lease(row["name"], row["owner"], expires)

    async def live(self, prefix: str, after: datetime) -> list[Lease]:
        """The leases named ``prefix…`` that expire after ``after`` (those of live holders), by name."""
        if "%" in prefix or "_" in prefix:
            raise ValueError(f"a lease prefix cannot hold LIKE's wildcards: {prefix!r}")
        rows = await self._db.fetch_all(
            "SELECT name, owner, expires_at FROM leases WHERE name LIKE ? AND expires_at > ? ORDER BY name",
            (prefix + "%", to_db_time(after)),
        )
        return [Lease(row["name"], row["owner"], datetime.fromisoformat(row["expires_at"])) for row in rows]

