import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from digests.leases import Leases, new_owner_id, run_lease
from digests.store.db import Database
from digests.store.leases import LeaseRepository

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=40)


async def test_a_lease_is_held_renewed_and_taken_over_only_once_expired(db: Database) -> None:
    repo = LeaseRepository(db)
    assert await repo.acquire("poller", "a", NOW + TTL, NOW)
    assert not await repo.acquire("poller", "b", NOW + TTL, NOW)  # held by a
    assert await repo.acquire("poller", "a", NOW + 2 * TTL, NOW + TTL / 2)  # a renews
    assert not await repo.acquire("poller", "b", NOW + 3 * TTL, NOW + TTL + TTL / 2)  # renewed: not expired yet
    lease = await repo.get("poller")
    assert lease is not None and (lease.owner, lease.expires_at) == ("a", NOW + 2 * TTL)
    assert await repo.acquire("poller", "b", NOW + 3 * TTL, NOW + 2 * TTL)  # a stopped renewing: b takes over
    assert not await repo.acquire("poller", "a", NOW + 3 * TTL, NOW + 2 * TTL)  # and a cannot take it back
    assert await repo.acquire("other", "a", NOW + TTL, NOW)  # leases are independent


async def test_release_frees_a_lease_only_for_its_holder(db: Database) -> None:
    repo = LeaseRepository(db)
    await repo.acquire("poller", "a", NOW + TTL, NOW)
    assert not await repo.release("poller", "b")
    assert await repo.release("poller", "a")
    assert await repo.get("poller") is None
    assert await repo.acquire("poller", "b", NOW + TTL, NOW)  # at once, without waiting for the expiry


async def test_processes_racing_for_a_lease_get_it_once(two_processes: tuple[Database, Database]) -> None:
    first, second = (LeaseRepository(db) for db in two_processes)
    for round_ in range(20):
        name, now = f"race-{round_}", NOW + round_ * TTL
        won = await asyncio.gather(
            first.acquire(name, "a", now + TTL, now), second.acquire(name, "b", now + TTL, now)
        )
        assert sorted(won) == [False, True]
        lease = await first.get(name)
        assert lease is not None and lease.owner == ("a" if won[0] else "b")


async def test_leases_service_uses_its_owner_ttl_and_clock(db: Database) -> None:
    now = [NOW]
    mine = Leases(LeaseRepository(db), owner=new_owner_id(), ttl=TTL, clock=lambda: now[0])
    theirs = Leases(LeaseRepository(db), owner=new_owner_id(), ttl=TTL, clock=lambda: now[0])
    assert mine.owner != theirs.owner and mine.owner.count(":") == 2
    assert await mine.hold(run_lease(7)) and not await theirs.hold(run_lease(7))
    now[0] += TTL
    assert await theirs.hold(run_lease(7))  # mine expired without renewal
    await theirs.release(run_lease(7))
    assert await mine.hold(run_lease(7))
    with pytest.raises(ValueError, match="positive"):
        Leases(LeaseRepository(db), owner="x", ttl=timedelta(0), clock=lambda: NOW)


class _FailingRenewals(LeaseRepository):
    """Takes a lease once; every renewal then fails as a lost database would."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.calls = 0
        self.failed = asyncio.Event()

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        self.calls += 1
        if self.calls > 1:
            self.failed.set()
            raise ConnectionError("the database went away")
        return await super().acquire(name, owner, until, now)


async def test_a_failed_renewal_does_not_replace_the_blocks_outcome(db: Database) -> None:
    repo = _FailingRenewals(db)
    leases = Leases(repo, owner="a", ttl=timedelta(milliseconds=40), clock=lambda: datetime.now(UTC))
    async with leases.holding("poller") as held:
        assert held
        await repo.failed.wait()  # the renewal (every 10 ms) has failed while the block ran
        await asyncio.wait_for(held.lost.wait(), 5)  # and the block is told to stop
    assert await repo.get("poller") is None  # given up all the same
    repo = _FailingRenewals(db)
    leases = Leases(repo, owner="a", ttl=timedelta(milliseconds=40), clock=lambda: datetime.now(UTC))
    with pytest.raises(KeyError):  # and the block's own error is the one that comes out
        async with leases.holding("poller"):
            await repo.failed.wait()
            raise KeyError("the block's error")


async def test_a_holder_is_told_once_another_process_took_its_lease(
    two_processes: tuple[Database, Database], caplog: pytest.LogCaptureFixture
) -> None:
    ttl = timedelta(milliseconds=200)
    mine = Leases(LeaseRepository(two_processes[0]), owner="a", ttl=ttl, clock=lambda: datetime.now(UTC))
    # The other process's clock is ahead (or this one stalled): this lease has expired for it.
    theirs = Leases(LeaseRepository(two_processes[1]), owner="b", ttl=ttl, clock=lambda: datetime.now(UTC) + 2 * ttl)
    async with mine.holding("poller") as held:
        assert held and not held.lost.is_set()
        await asyncio.sleep(0.12)  # renewed meanwhile (every 50 ms): still ours
        assert not held.lost.is_set()
        async with theirs.holding("poller") as taken:
            assert taken
            await asyncio.wait_for(held.lost.wait(), 5)  # the next renewal finds it taken
            assert not taken.lost.is_set()
        lost = [r.getMessage() for r in caplog.records if "lost the lease" in r.getMessage()]
        assert lost == ["lost the lease 'poller' to another process: stopping"]
    assert await mine.repo.get("poller") is None  # b gave it up on leaving its block, and a did not renew it
