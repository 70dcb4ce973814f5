"""Channel subscriptions: plain SQL with ``?`` parameters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from digests.models import Subscription
from digests.store import fts
from digests.store.db import Database, Row, from_db_time, to_db_time

_COLUMNS = """
    id, guild_id, channel_id, notify_channel_id, topic, include_words, exclude_words, sentences, time_of_day,
    timezone, created_by, created_at, last_run_at, last_delivery_at, paused_reason, paused_at
"""


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        notify_channel_id=row["notify_channel_id"],
        topic=row["topic"],
        include=tuple(json.loads(row["include_words"])),
        exclude=tuple(json.loads(row["exclude_words"])),
        sentences=row["sentences"],
        time_of_day=row["time_of_day"],
        timezone=row["timezone"],
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_run_at=datetime.fromisoformat(row["last_run_at"]),
        last_delivery_at=from_db_time(row["last_delivery_at"]),
        paused_reason=row["paused_reason"],
        paused_at=from_db_time(row["paused_at"]),
    )


class SubscriptionRepository:
    """Reads and writes ``subscriptions``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        notify_channel_id: int | None,
        topic: str,
        include: Sequence[str],
        exclude: Sequence[str],
        sentences: int | None,
        time_of_day: str,
        timezone: str,
        created_by: int,
        now: datetime,
    ) -> Subscription:
        """Store a new, active subscription; its first run is the next ``time_of_day`` after ``now``."""
        new_id = await self._db.insert(
            "INSERT INTO subscriptions (guild_id, channel_id, notify_channel_id, topic, include_words, "
            "exclude_words, sentences, time_of_day, timezone, created_by, created_at, last_run_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                notify_channel_id,
                topic,
                json.dumps(list(include)),
                json.dumps(list(exclude)),
                sentences,
                time_of_day,
                timezone,
                created_by,
                to_db_time(now),
                to_db_time(now),  # nothing was missed before it existed
            ),
        )
        created = await self.get(new_id)
        assert created is not None  # just inserted
        return created

    async def get(self, subscription_id: int) -> Subscription | None:
        """The subscription with this id, if any."""
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ?", (subscription_id,))
        return _subscription(row) if row else None

    async def for_guild(self, guild_id: int) -> list[Subscription]:
        """A server's subscriptions, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
        return [_subscription(row) for row in rows]

    async def all(self) -> list[Subscription]:
        """Every subscription, active or paused, oldest first."""
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM subscriptions ORDER BY id")
        return [_subscription(row) for row in rows]

    async def active(self) -> list[Subscription]:
        """Every subscription that is not paused."""
        rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM subscriptions WHERE paused_reason IS NULL ORDER BY id")
        return [_subscription(row) for row in rows]

    async def delete(self, subscription_id: int, guild_id: int) -> bool:
        """Delete a server's subscription (and its ledger); whether it existed."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM subscriptions WHERE id = ? AND guild_id = ?", (subscription_id, guild_id)
            )
            return changed > 0

    async def pause(self, subscription_id: int, reason: str, now: datetime) -> bool:
        """Pause an active subscription; ``False`` if it was already paused (or is gone).

        Only the call that makes the transition gets ``True``, so a server is told about a failure once.
        """
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE subscriptions SET paused_reason = ?, paused_at = ? WHERE id = ? AND paused_reason IS NULL",
                (reason, to_db_time(now), subscription_id),
            )
            return changed > 0

    async def resume(self, subscription_id: int) -> bool:
        """Make a paused subscription active again; whether it was paused."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE subscriptions SET paused_reason = NULL, paused_at = NULL "
                "WHERE id = ? AND paused_reason IS NOT NULL",
                (subscription_id,),
            )
            return changed > 0

    async def mark_run(self, subscription_id: int, at: datetime) -> None:
        """Record that a run finished at ``at`` (what catch-up after downtime is computed from)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE subscriptions SET last_run_at = ? WHERE id = ?", (to_db_time(at), subscription_id)
            )

    async def releases_mentioning(self, release_ids: Sequence[int], words: Sequence[str]) -> set[int]:
        """Those of ``release_ids`` whose title or body contains any of ``words`` (FTS5, so any word form)."""
        match = fts.match_any([word] for word in words)
        if match is None or not release_ids:
            return set()
        ids, params = self._db.dialect.fts.release_ids(match)
        placeholders = ", ".join("?" for _ in release_ids)
        rows = await self._db.fetch_all(
            f"SELECT id FROM releases WHERE id IN ({ids}) AND id IN ({placeholders})", [*params, *release_ids]
        )
        return {int(row[0]) for row in rows}
