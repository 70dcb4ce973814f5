"""How the bot's processes split its request budget (Discord allows 50 requests a second per bot, however many
processes it runs), through the store, so that a process that is down does not keep its share for long.

Each process that posts holds a *member* lease (``budget:<weight>:<owner>``, the weight being the number of shards
it runs) and renews it every quarter of the lease time; its share is ``budget × weight / Σ weights`` of the live
members. Rules that keep the shares in use adding up to at most the budget while processes come and go:

- A share is good for two renewal periods: a process that could not renew by then stops posting (share 0 until
  it renews), long before its lease expires; the others count a member until a second after its lease expired.
- A process that has just joined beside others posts nothing for two periods plus the one-second window: by then
  each of the others has renewed (and seen it) or stopped, and their last requests at the old shares have left
  Discord's window.
- A process that stops cleanly gives its lease up at once, so the others take its share at their next renewal.

So the share of a process that died is lost for at most one lease time plus a renewal period (40 + 10 s by
default), and nothing in the processes' requests ever exceeds the budget in any one-second window (each process's
:class:`~bot.rate_budget.RequestBudget` keeps within its share whatever the latency). The same SQL works on SQLite
and PostgreSQL; clocks must be synchronised (NTP) across machines, as for every lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from bot.rate_budget import WINDOW, RequestBudget
from digests.leases import Leases

log = logging.getLogger(__name__)

MEMBER_PREFIX = "budget:"
MARGIN = 1.0  # seconds of slack for clock drift and a slow round trip


def member_lease(weight: int, owner: str) -> str:
    """The name of a process's member lease."""
    return f"{MEMBER_PREFIX}{weight}:{owner}"


def weight_of(name: str) -> int:
    """The weight a member lease's name carries."""
    return int(name[len(MEMBER_PREFIX) :].split(":", 1)[0])


class BudgetShares:
    """Keeps ``budget``'s rate at this process's share of ``total`` requests per second."""

    def __init__(
        self,
        leases: Leases,
        budget: RequestBudget,
        total: float,
        weight: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if weight < 1:
            raise ValueError("a process's weight is at least 1")
        self.leases = leases
        self.budget = budget
        self.total = total
        self.weight = weight
        self.clock = clock
        self.name = member_lease(weight, leases.owner)
        self.period = leases.ttl.total_seconds() / 4
        # How long a newcomer waits beside others: their shares are good for two periods after their last renewal,
        # and their last requests at the old share leave Discord's window a second later.
        self.settle = 2 * self.period + WINDOW + MARGIN
        self._posting_from: float | None = None  # when this member may post (monotonic); None: not joined
        self._valid_until = 0.0  # stop posting by then unless renewed (monotonic)
        budget.set_rate(0)  # nothing until the first renewal says what the share is

    @property
    def share(self) -> float:
        return self.budget.rate

    async def refresh(self) -> float:
        """Renew the membership and set the share; returns it."""
        started = self.clock()
        if not await self.leases.hold(self.name):  # only this process uses its name: it never fails while alive
            raise RuntimeError(f"the budget membership {self.name!r} is held by someone else")
        now = self.leases.clock()
        members = await self.leases.repo.live(MEMBER_PREFIX, now - timedelta(seconds=WINDOW + MARGIN))
        others = sum(weight_of(m.name) for m in members if m.name != self.name)
        if self._posting_from is None:
            # Joining beside others: wait until each of them has renewed since (or stopped posting, see below).
            self._posting_from = started + (self.settle if others else 0.0)
        settling = self.clock() < self._posting_from
        share = 0.0 if settling else self.total * self.weight / (self.weight + others)
        if share != self.budget.rate:
            log.info("request budget: %.1f of %.1f requests/s (weight %d of %d)", share, self.total, self.weight,
                     self.weight + others)  # fmt: skip
        self.budget.set_rate(share)
        # A share is good for two periods: a process that cannot renew by then stops, before a newcomer starts.
        self._valid_until = started + 2 * self.period
        return share

    def expire_if_stale(self) -> None:
        """Stop posting when the membership could not be renewed in time (others may take the share)."""
        if self.clock() >= self._valid_until and self.budget.rate:
            log.warning("could not renew the request-budget membership: not posting until it is renewed")
            self._posting_from = None
            self.budget.set_rate(0)

    async def keep(self) -> None:
        """Renew every period until cancelled; failures are logged and retried."""
        while True:
            await asyncio.sleep(self.period)
            try:
                await asyncio.wait_for(self.refresh(), timeout=self.period)
            except Exception:
                log.exception("could not renew the request-budget membership")
            self.expire_if_stale()

    async def leave(self) -> None:
        """Give the membership up (a clean stop): the others take the share at their next renewal."""
        self.budget.set_rate(0)
        with contextlib.suppress(Exception):
            await self.leases.release(self.name)
