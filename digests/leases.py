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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from digests.failures import describe
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
    async def holding(self, name: str) -> AsyncIterator[Held]:
        """Hold ``name`` for the block (truthy), renewing it every quarter of its life, and release it after; falsy
        (and nothing held) when another owner has it.

        A renewal that finds the lease taken by another owner (it had expired: this process stalled, or its clock
        is behind), or that fails, logs one line and sets ``lost``: the block should stop its work then, since
        another process may be doing it already.
        """
        held = Held(await self.hold(name))
        if not held:
            yield held
            return

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.ttl.total_seconds() / 4)
                try:
                    ours = await self.hold(name)
                except Exception as exc:
                    log.warning("could not renew the lease %r (%s): stopping", name, describe(exc))
                    break
                if not ours:
                    log.warning("lost the lease %r to another process: stopping", name)
                    break
            held.lost.set()

        renewing = asyncio.create_task(renew())
        try:
            yield held
        finally:
            renewing.cancel()
            # The renewal's own end must neither replace the block's outcome nor swallow a cancellation of this
            # task: gather returns it instead of raising it.
            await asyncio.gather(renewing, return_exceptions=True)
            await self.release(name)


@dataclass(slots=True)
class Held:
    """What :meth:`Leases.holding` yields: true while the lease was taken; ``lost`` is set once it is lost."""

    taken: bool
    lost: asyncio.Event = field(default_factory=asyncio.Event)

    def __bool__(self) -> bool:
        return self.taken
