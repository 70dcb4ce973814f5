"""Processes split the bot's request budget through the store: by shards run among those with work, a share lent
while a process has none and handed back when it asks, never more than the budget in use at any moment, and the
share of a process that stopped or died taken back."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from bot.budget_shares import STATE_KEY, BudgetShares, Document
from bot.rate_budget import RequestBudget
from digests.store.db import Database
from digests.store.state import StateRepository

TTL = timedelta(seconds=40)  # renewal period 10 s
TOTAL = 48.0


class Clocks:
    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


class Process:
    """One process's budget and share, with its work switched on and off by the test."""

    def __init__(self, db: Database, clocks: Clocks, owner: str, weight: int = 1) -> None:
        self.working = False
        self.budget = RequestBudget(TOTAL, clock=lambda: clocks.mono)
        self.shares = BudgetShares(
            StateRepository(db),
            self.budget,
            TOTAL,
            weight,
            owner=owner,
            ttl=TTL,
            wall=lambda: clocks.wall,
            busy=lambda: self.working,
            clock=lambda: clocks.mono,
        )

    async def refresh(self) -> float:
        return await self.shares.refresh()

    async def post(self, n: int) -> None:
        """``n`` requests answered now: they hold their places for a second."""
        for _ in range(n):
            await self.budget.acquire()

    def in_use(self) -> float:
        """The most this process's requests can take in any one-second window from now on without a refresh."""
        return max(self.budget.rate, float(self.budget.held()))


async def published(db: Database) -> dict[str, float]:
    document = Document.parse(await StateRepository(db).get(STATE_KEY))
    return {owner: member.cap for owner, member in document.members.items()}


async def test_processes_share_the_budget_by_shards(db: Database) -> None:
    clocks = Clocks()
    a, b = Process(db, clocks, "a"), Process(db, clocks, "b", weight=2)
    assert a.shares.share == 0  # nothing before the first refresh
    assert await a.refresh() == 48  # alone: the whole budget
    assert await b.refresh() == 0  # a newcomer gets only what the others' caps leave: nothing yet
    assert await a.refresh() == 16  # a sees b (2 shards of 3) and shrinks at once
    assert await b.refresh() == 32
    assert await published(db) == {"a": 16, "b": 32}
    a.working = b.working = True  # both have work: the same split
    assert (await a.refresh(), await b.refresh()) == (16, 32)


async def test_a_process_without_work_lends_its_share_and_takes_it_back_when_work_comes(db: Database) -> None:
    clocks = Clocks()
    a, b = Process(db, clocks, "a"), Process(db, clocks, "b")
    for p in (a, b, a, b):
        await p.refresh()
    a.working = b.working = True
    assert (await a.refresh(), await b.refresh()) == (24, 24)
    await b.post(10)  # b's last requests, still in Discord's window
    b.working = False
    assert await b.refresh() == 0  # no work left: b lends its share, at once
    assert await published(db) == {"a": 24, "b": 10}  # but its requests in the window still count
    assert await a.refresh() == 38  # a grows by what b no longer uses, not more
    clocks.advance(1.0)  # b's requests left the window
    assert await b.refresh() == 0
    assert await published(db) == {"a": 38, "b": 0}
    assert await a.refresh() == 48  # the whole budget for the only process with work
    await a.post(48)
    b.working = True  # b has work again: it asks for its share back
    assert await b.refresh() == 0  # a still uses it all
    assert await a.refresh() == 24  # a shrinks at once...
    assert await published(db) == {"a": 48, "b": 0}  # ...but says so only once its requests left the window
    assert await b.refresh() == 0
    clocks.advance(1.0)
    assert await a.refresh() == 24
    assert await b.refresh() == 24
    a.working = b.working = False  # nobody has work: each keeps its share ready for the next
    assert (await a.refresh(), await b.refresh()) == (0, 24)  # a saw b with work still: lent to b...
    assert (await a.refresh(), await b.refresh()) == (24, 24)  # ...until b said it had none either


async def test_the_shares_in_use_never_exceed_the_budget_while_they_change_hands(db: Database) -> None:
    # Three processes refresh concurrently (their reads and writes interleave, so compare-and-set conflicts
    # happen), their work starts and stops at random and they post at random: at every step, what each may have in
    # Discord's window from then on adds up to at most the budget, and so do the published caps.
    clocks = Clocks()
    rng = random.Random(11)
    processes = [Process(db, clocks, "a"), Process(db, clocks, "b", weight=2), Process(db, clocks, "c")]
    for step in range(150):
        for p in processes:
            if rng.random() < 0.3:
                p.working = not p.working
        chosen = [p for p in processes if rng.random() < 0.7]
        await asyncio.gather(*(p.refresh() for p in chosen))
        for p in processes:
            room = p.budget.capacity - p.budget.held()
            await p.post(rng.randint(0, max(0, room)))
        assert sum(p.in_use() for p in processes) <= TOTAL, step
        assert sum((await published(db)).values()) <= TOTAL, step
        clocks.advance(rng.choice([0.0, 0.3, 1.0]))
    for _ in range(3):  # once things settle, the processes with work share the whole budget
        for p in processes:
            await p.refresh()
        clocks.advance(1.0)
    working = [p for p in processes if p.working] or processes
    assert sum(p.shares.share for p in working) == TOTAL


async def test_a_stopped_or_dead_process_gives_its_share_back(db: Database) -> None:
    clocks = Clocks()
    a, b = Process(db, clocks, "a"), Process(db, clocks, "b")
    for p in (a, b, a, b):
        await p.refresh()
    assert (a.shares.share, b.shares.share) == (24, 24)
    await a.post(5)
    await a.shares.leave()  # a clean stop, with requests still in the window
    assert a.shares.share == 0
    assert await b.refresh() == 43  # what a's last requests leave
    clocks.advance(WINDOW_AND_MARGIN)  # they left the window
    assert await b.refresh() == 48
    dead = Process(db, clocks, "dead")
    dead.working = True
    await dead.refresh()  # joins with work, then dies without a word
    assert await b.refresh() == 0  # b has no work: it lends everything to dead
    assert await dead.refresh() == 48
    clocks.advance(TTL.total_seconds())  # its entry expired, but its last requests may still be in the window
    assert await b.refresh() == 0
    clocks.advance(WINDOW_AND_MARGIN)
    assert await b.refresh() == 48
    assert set(await published(db)) == {"b"}


WINDOW_AND_MARGIN = 2.01


async def test_a_process_that_cannot_renew_stops_posting(db: Database) -> None:
    clocks = Clocks()
    a = Process(db, clocks, "a")
    await a.refresh()
    clocks.advance(a.shares.period)
    a.shares.expire_if_stale()
    assert a.shares.share == 48  # within two periods of its last renewal
    clocks.advance(a.shares.period)
    a.shares.expire_if_stale()
    assert a.shares.share == 0  # before its entry expires and the others may take its share


async def test_a_process_is_nudged_when_its_work_starts(db: Database) -> None:
    clocks = Clocks()
    a, b = Process(db, clocks, "a"), Process(db, clocks, "b")
    for p in (a, b, a, b):
        await p.refresh()
    a.working = True
    assert await a.refresh() == 24  # says it has work
    assert await b.refresh() == 0  # b lends its share to a
    a.shares.tick = 3600.0  # only a nudge can make a refresh now
    keeping = asyncio.create_task(a.shares.keep())
    try:
        await asyncio.sleep(0.05)
        assert a.shares.share == 24
        a.shares.nudge()
        for _ in range(100):
            await asyncio.sleep(0.01)
            if a.shares.share == 48:
                break
        assert a.shares.share == 48
    finally:
        keeping.cancel()
        await asyncio.gather(keeping, return_exceptions=True)
