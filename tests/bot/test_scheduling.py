from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduling import CATCH_UP_PREFIX, JOB_PREFIX, SubscriptionScheduler, missed_run, next_run, ran_today
from digests.models import ReleaseDraft, Subscription
from digests.service import DigestService
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.subscriptions import SubscriptionRepository
from digests.subscriptions import SubscriptionService


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


CREATED = at(3, 1, 12)


def subscription(time_of_day: str = "09:00", tz: str = "UTC", last_run_at: datetime = CREATED) -> Subscription:
    return Subscription(
        id=1, guild_id=1, channel_id=2, notify_channel_id=None, topic="hmc", include=(), exclude=(),
        sentences=None, time_of_day=time_of_day, timezone=tz, created_by=3, created_at=at(3, 1, 12),
        last_run_at=last_run_at, last_delivery_at=None, paused_reason=None, paused_at=None,
    )  # fmt: skip


def test_next_runs_follow_local_time_across_dst() -> None:
    new_york, paris = subscription(tz="America/New_York"), subscription(tz="Europe/Paris")
    assert next_run(new_york, at(3, 7, 14)) == at(3, 8, 13)  # 09:00 EST → 09:00 EDT: an hour earlier in UTC
    assert next_run(new_york, at(3, 6, 15)) == at(3, 7, 14)
    assert next_run(paris, at(3, 28, 8)) == at(3, 29, 7)
    assert next_run(paris, at(10, 24, 7)) == at(10, 25, 8)  # and back in autumn
    assert next_run(subscription(), at(3, 2, 8, 59)) == at(3, 2, 9)
    assert next_run(subscription(), at(3, 2, 9)) == at(3, 3, 9)  # strictly after


def test_a_wall_time_repeated_when_clocks_go_back_runs_once() -> None:
    new_york = subscription("01:30", "America/New_York")
    first = next_run(new_york, at(10, 31, 12))
    second = next_run(new_york, first)
    assert (first, second) == (at(11, 1, 5, 30), at(11, 1, 6, 30))  # APScheduler fires 01:30 EDT and 01:30 EST
    done = subscription("01:30", "America/New_York", last_run_at=first + timedelta(seconds=3))
    assert ran_today(done, second) and not ran_today(done, next_run(new_york, second))
    assert not ran_today(subscription(last_run_at=at(3, 2, 8)), at(3, 2, 9))  # created before today's time
    assert not ran_today(subscription(last_run_at=at(3, 1, 9)), at(3, 2, 9))


def test_missed_run_is_the_latest_slot_since_the_last_run() -> None:
    assert missed_run(subscription(), at(3, 2, 8)) is None
    assert missed_run(subscription(), at(3, 2, 9)) == at(3, 2, 9)
    assert missed_run(subscription(), at(3, 5, 10)) == at(3, 5, 9)  # days down: only the latest counts
    assert missed_run(subscription(last_run_at=at(3, 2, 9, 1)), at(3, 2, 20)) is None  # already ran
    assert missed_run(subscription(last_run_at=at(1, 1, 0)), at(3, 2, 8)) == at(3, 1, 9)


@pytest.fixture
async def service() -> AsyncIterator[SubscriptionService]:
    db = await Database.open(":memory:")
    now = at(3, 2, 10)
    digests = DigestService(ReleaseRepository(db), clock=lambda: now)
    yield SubscriptionService(SubscriptionRepository(db), DeliveryLedger(db), digests, lambda: now)
    await db.close()


async def test_load_schedules_active_ones_and_catches_up_within_grace(service: SubscriptionService) -> None:
    created = {}
    for time_of_day in ("09:00", "03:00", "11:00", "04:30"):
        service.clock = lambda: at(3, 1, 12)
        created[time_of_day] = await service.create(guild_id=1, channel_id=2, created_by=3, topic="hmc",
                                                    time_of_day=time_of_day, timezone="UTC")  # fmt: skip
    await service.pause(1, created["04:30"].id, "by hand")
    release = await service.digests.ingest_draft(ReleaseDraft(canonical_id="x", body="HMC met."))
    # 03:00 has an unconfirmed post left by a crash: retried at start although its slot is 7 h old.
    await service.claim(created["03:00"].id, [Claim(release.release_id, 1, "digest", "9")])
    service.clock = lambda: at(3, 2, 10)
    scheduler = AsyncIOScheduler(timezone=UTC)
    deliverer: Any = object()  # not called: load() only schedules
    schedule = SubscriptionScheduler(
        scheduler, deliverer, service, grace=timedelta(hours=6), clock=lambda: at(3, 2, 10)
    )
    started = await schedule.load()
    assert started == [created["09:00"].id, created["03:00"].id]  # 1 h late; pending posts. 11:00 is not due yet
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert ids == sorted(
        [f"{JOB_PREFIX}{created[t].id}" for t in ("09:00", "03:00", "11:00")]
        + [f"{CATCH_UP_PREFIX}{i}" for i in started]
    )
    job = scheduler.get_job(f"{JOB_PREFIX}{created['09:00'].id}")
    assert job.coalesce and job.misfire_grace_time == 6 * 3600
    schedule.remove(created["09:00"].id)
    assert scheduler.get_job(f"{JOB_PREFIX}{created['09:00'].id}") is None
    assert schedule.next_run(created["11:00"]) == at(3, 2, 11)
    assert schedule.next_run(await service.get(created["04:30"].id)) is None  # type: ignore[arg-type]


async def test_running_jobs_are_waited_for_after_cancelling() -> None:
    import asyncio

    from bot.scheduling import RunningJobs

    jobs = RunningJobs()
    finished: list[str] = []

    async def job() -> None:
        with jobs.track():
            try:
                await asyncio.sleep(60)
            finally:
                await asyncio.sleep(0)  # cleanup that needs the loop, e.g. a database rollback
                finished.append("cleaned up")

    task = asyncio.create_task(job())
    await asyncio.sleep(0)
    task.cancel()
    await jobs.wait()
    assert finished == ["cleaned up"] and task.cancelled()
    await jobs.wait()  # nothing left: returns at once
