"""Processes split the bot's request budget through the store: by shards run, newcomers wait, the dead lose it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.budget_shares import BudgetShares
from bot.rate_budget import RequestBudget
from digests.leases import Leases
from digests.store.db import Database
from digests.store.leases import LeaseRepository

TTL = timedelta(seconds=40)  # renewal period 10 s


class Clocks:
    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


def member(db: Database, clocks: Clocks, owner: str, weight: int = 1) -> BudgetShares:
    leases = Leases(LeaseRepository(db), owner=owner, ttl=TTL, clock=lambda: clocks.wall)
    return BudgetShares(leases, RequestBudget(48), 48, weight, clock=lambda: clocks.mono)


async def test_processes_share_the_budget_by_shards_and_take_over_a_dead_ones(db: Database) -> None:
    clocks = Clocks()
    a, b = member(db, clocks, "a"), member(db, clocks, "b", weight=2)
    assert a.share == 0  # nothing before the first renewal
    assert await a.refresh() == 48  # alone: the whole budget
    assert await b.refresh() == 0  # joined beside a: waits until a has seen it
    assert await a.refresh() == 16  # a sees b (2 shards of 3)
    clocks.advance(b.settle)
    await a.refresh()
    assert await b.refresh() == 32
    await a.leave()  # a clean stop: b takes the whole budget at its next renewal
    assert await b.refresh() == 48
    dead = member(db, clocks, "dead")
    await dead.refresh()  # a process that joins, then dies without a word
    assert await b.refresh() == 32
    clocks.advance(TTL.total_seconds())  # its lease expired, but its last requests may still be in Discord's window
    assert await b.refresh() == 32
    clocks.advance(2.5)
    assert await b.refresh() == 48


async def test_a_process_that_cannot_renew_stops_posting(db: Database) -> None:
    clocks = Clocks()
    a = member(db, clocks, "a")
    await a.refresh()
    clocks.advance(a.period)
    a.expire_if_stale()
    assert a.share == 48  # within two periods of its last renewal
    clocks.advance(a.period)
    a.expire_if_stale()
    assert a.share == 0  # a newcomer may take the budget from now on
