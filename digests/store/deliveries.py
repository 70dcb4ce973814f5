"""The delivery ledger: which version of which release each subscription has posted, or is posting.

Exactly-once works in three steps. A run *claims* the releases it is about to post, in one transaction, as
``pending`` rows carrying the nonce of the message each goes out in; it posts that message with the nonce; then it
marks the rows ``posted``. A release already claimed at that version is never claimed again, so two racing runs
cannot both post it; a run that dies between post and mark leaves ``pending`` rows that the next run re-posts with
the *same* nonce, which Discord answers with the message it already created instead of a duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from digests.store.db import Database, to_db_time

DeliveryKind = Literal["digest", "update"]
NONCE_BITS = 63  # Discord accepts an integer or a string of at most 25 characters; 2**63 has 19 digits


def message_nonce(subscription_id: int, releases: Sequence[tuple[int, int]], part: int = 0) -> str:
    """A deterministic nonce for the message posting ``releases`` (``(release id, version)`` pairs) to a
    subscription; ``part`` distinguishes the messages of a group that no longer fits one message."""
    key = f"{subscription_id}:{sorted(releases)}:{part}".encode()
    value = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> (64 - NONCE_BITS)
    return str(value)


@dataclass(frozen=True, slots=True)
class Claim:
    """One release to post to one subscription at ``version``, in the message with ``nonce``."""

    release_id: int
    version: int
    kind: DeliveryKind
    nonce: str


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """Claimed releases that go out together in one message (same nonce), in claim order."""

    subscription_id: int
    nonce: str
    kind: DeliveryKind
    releases: tuple[tuple[int, int], ...]  # (release id, version)
    claimed_at: datetime


class DeliveryLedger:
    """Reads and writes ``deliveries``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def versions(self, subscription_id: int) -> dict[int, tuple[int, str]]:
        """Release id → (version, state) of everything this subscription has claimed or posted."""
        rows = await self._db.fetch_all(
            "SELECT release_id, version, state FROM deliveries WHERE subscription_id = ?", (subscription_id,)
        )
        return {row["release_id"]: (row["version"], row["state"]) for row in rows}

    async def stories(self, subscription_id: int) -> set[int]:
        """The stories this subscription has claimed or posted a copy of (a story goes out once)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT COALESCE(r.story_id, r.id) AS story FROM deliveries d "
            "JOIN releases r ON r.id = d.release_id WHERE d.subscription_id = ?",
            (subscription_id,),
        )
        return {row["story"] for row in rows}

    async def claim(self, subscription_id: int, claims: Sequence[Claim], now: datetime) -> list[Claim]:
        """Claim releases for posting, in one transaction; returns those this call claimed.

        A release is claimed when the subscription has no row for it, or a *posted* row at an older version
        (the release was edited since). A pending row, or a row at this version or newer, belongs to another
        run (or was already delivered): it is skipped.

        Claims of one subscription are serialised by locking its row first (a no-op update: portable, and the
        lock is held to the end of the transaction), so two processes claiming overlapping releases in different
        orders wait for each other instead of deadlocking (PostgreSQL would abort one).
        """
        won: set[int] = set()
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE subscriptions SET id = id WHERE id = ?", (subscription_id,))
            for claim in claims:
                changed = await conn.execute(
                    "INSERT INTO deliveries (subscription_id, release_id, version, kind, state, nonce, claimed_at) "
                    "VALUES (?, ?, ?, ?, 'pending', ?, ?) "
                    "ON CONFLICT (subscription_id, release_id) DO UPDATE SET version = excluded.version, "
                    "kind = excluded.kind, state = 'pending', nonce = excluded.nonce, message_id = NULL, "
                    "claimed_at = excluded.claimed_at, posted_at = NULL "
                    "WHERE deliveries.state = 'posted' AND deliveries.version < excluded.version",
                    (
                        subscription_id,
                        claim.release_id,
                        claim.version,
                        claim.kind,
                        claim.nonce,
                        to_db_time(now),
                    ),
                )
                if changed > 0:
                    won.add(claim.release_id)
        return [claim for claim in claims if claim.release_id in won]

    async def pending(self, subscription_id: int) -> list[PendingMessage]:
        """The subscription's claimed but not yet posted messages, oldest claim first."""
        rows = await self._db.fetch_all(
            "SELECT nonce, kind, release_id, version, claimed_at FROM deliveries "
            "WHERE subscription_id = ? AND state = 'pending' ORDER BY claimed_at, rowid",
            (subscription_id,),
        )
        groups: dict[str, tuple[DeliveryKind, datetime, list[tuple[int, int]]]] = {}
        for row in rows:
            group = groups.setdefault(row["nonce"], (row["kind"], datetime.fromisoformat(row["claimed_at"]), []))
            group[2].append((row["release_id"], row["version"]))
        return [
            PendingMessage(subscription_id, nonce, kind, tuple(releases), claimed_at)
            for nonce, (kind, claimed_at, releases) in groups.items()
        ]

    async def counts(self) -> dict[str, int]:
        """How many (subscription, release) rows are in each state (``posted``, ``pending``)."""
        rows = await self._db.fetch_all("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
        return {row["state"]: row["n"] for row in rows}

    async def with_pending(self) -> list[int]:
        """Ids of the subscriptions that have claimed releases not yet posted."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT subscription_id FROM deliveries WHERE state = 'pending' ORDER BY subscription_id"
        )
        return [row["subscription_id"] for row in rows]

    async def mark_posted(self, subscription_id: int, nonce: str, message_id: int | None, now: datetime) -> int:
        """Mark the rows of one message posted (and the subscription's last delivery); how many rows.

        ``message_id`` is ``None`` when nothing was left to post (every release was deleted meanwhile).
        """
        at = to_db_time(now)
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE deliveries SET state = 'posted', message_id = ?, posted_at = ? "
                "WHERE subscription_id = ? AND nonce = ? AND state = 'pending'",
                (message_id, at, subscription_id, nonce),
            )
            await conn.execute("UPDATE subscriptions SET last_delivery_at = ? WHERE id = ?", (at, subscription_id))
            return changed
