"""This process's leases: who it is (one owner id per start), how long a lease lasts, and its clock.

Used for the feed poller (one process polls, however many run) and for each subscription's run (one process
posts a subscription at a time, also while another restarts and finds the first one's unfinished posts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from digests.store.leases import LeaseRepository

POLLER_LEASE = "poller"

log = logging.getLogger(__name__)


def new_owner_id() -> str:
    """A process identity that is unique per start and says where the holder runs (for logs and operators)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def run_lease(subscription_id: int) -> str:
    """The name of the lease held while a subscription's run posts."""
    return f"subscription:{subscription_id}"


class Leases:
    """Takes, renews and gives up named leases as one owner."""

    def __init__(
        self, repo: LeaseRepository, *, owner: str, ttl: timedelta, clock: Callable[[], datetime]
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("a lease must last a positive time")
        self.repo = repo
        self.owner = owner
        self.ttl = ttl
        self.clock = clock

    async def hold(self, name: str) -> bool:
        """Take ``name``, or renew it for another ``ttl`` if this owner already holds it; whether it is ours."""
        now = self.clock()
        return await self.repo.acquire(name, self.owner, now + self.ttl, now)

    async def release(self, name: str) -> None:
        """Give ``name`` up (if ours) so another process need not wait for it to expire."""
        await self.repo.release(name, self.owner)

    @contextlib.asynccontextmanager
    async def holding(self, name: str) -> AsyncIterator[bool]:
        """Hold ``name`` for the block (``True``), renewing it every quarter of its life, and release it after;
        ``False`` (and nothing held) when another owner has it."""
        if not await self.hold(name):
            yield False
            return

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.ttl.total_seconds() / 4)
                try:
                    held = await self.hold(name)
                except Exception:
                    log.exception("could not renew the lease %r", name)
                    raise
                if not held:
                    log.warning("lost the lease %r to another process", name)
                    return

        renewing = asyncio.create_task(renew())
        try:
            yield True
        finally:
            renewing.cancel()
            # The renewal's own end (cancelled, or a failed renewal already logged) must neither replace the
            # block's outcome nor swallow a cancellation of this task: gather returns it instead of raising it.
            await asyncio.gather(renewing, return_exceptions=True)
            await self.release(name)
