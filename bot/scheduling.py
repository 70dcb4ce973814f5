"""When daily digests run: one APScheduler ``CronTrigger`` job per active subscription, in its timezone.

The database is the source of truth: jobs live only in memory and are rebuilt from the subscriptions at every
start. A run missed while the bot was down (a slot after the subscription's last completed run) is made up at once
if it is less than the grace period late; an older miss simply rolls into the next run, which delivers everything
not delivered yet. Claimed but unconfirmed posts (a crash mid-run) are retried at start, whatever the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.delivery import Deliverer, RunOutcome
from digests.models import Subscription
from digests.subscriptions import SubscriptionService

log = logging.getLogger(__name__)

JOB_PREFIX = "subscription:"
CATCH_UP_PREFIX = "catch-up:"
_TICK = timedelta(microseconds=1)
# How far back to look for a missed slot: a day and a bit covers a daily schedule across any DST change.
_LOOKBACK = timedelta(days=2)


def daily_trigger(subscription: Subscription) -> CronTrigger:
    """Every day at the subscription's local time, DST-correct (APScheduler works in the zone's wall time)."""
    return CronTrigger(hour=subscription.hour, minute=subscription.minute, timezone=ZoneInfo(subscription.timezone))


def next_run(subscription: Subscription, after: datetime) -> datetime:
    """The first scheduled run strictly after ``after``, in UTC.

    UTC because a local time that occurs twice (clocks going back) never compares equal across zones (PEP 495).
    """
    fire: datetime | None = daily_trigger(subscription).get_next_fire_time(None, after + _TICK)
    assert fire is not None  # a daily cron trigger without an end date always has a next time
    return fire.astimezone(UTC)


def missed_run(subscription: Subscription, now: datetime) -> datetime | None:
    """The latest scheduled run (UTC) after the subscription's last completed run and not after ``now``, if any."""
    latest = None
    fire = next_run(subscription, max(subscription.last_run_at, now - _LOOKBACK))
    while fire <= now:
        latest = fire
        fire = next_run(subscription, fire)
    return latest


def ran_today(subscription: Subscription, now: datetime) -> bool:
    """Whether the subscription already ran today, at or after its time, on its own clock.

    APScheduler fires a wall time that occurs twice when the clocks go back (01:30 on the first Sunday of November
    in New York) twice; the second firing must not make a second digest that day.
    """
    tz = ZoneInfo(subscription.timezone)
    last, today = subscription.last_run_at.astimezone(tz), now.astimezone(tz)
    return last.date() == today.date() and (last.hour, last.minute) >= (subscription.hour, subscription.minute)


class RunningJobs:
    """The tasks of scheduled jobs in progress, so shutdown can let them finish cancelling before the database
    closes under them (APScheduler's ``shutdown(wait=False)`` only cancels them)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Count the current task as a running job for the duration of the block."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    async def wait(self) -> None:
        """Wait for every running job to end (cancelled jobs end quickly)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)


class SubscriptionScheduler:
    """Keeps one job per active subscription on ``scheduler`` and runs them through ``deliverer``."""

    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        deliverer: Deliverer,
        service: SubscriptionService,
        *,
        grace: timedelta,
        clock: Callable[[], datetime],
        jobs: RunningJobs | None = None,
        owns: Callable[[int], bool] = lambda guild_id: True,
    ) -> None:
        self.jobs = jobs or RunningJobs()
        # Whether a guild is on this process's shards: only those guilds' subscriptions are scheduled here.
        self.owns = owns
        self.scheduler = scheduler
        self.deliverer = deliverer
        self.service = service
        self.grace = grace
        self.clock = clock

    async def load(self) -> list[int]:
        """Add a job per active subscription, and start at once the runs that catch up (missed within the
        grace period, or with unconfirmed posts); returns the ids of those started."""
        now = self.clock()
        subscriptions = [s for s in await self.service.active() if self.owns(s.guild_id)]
        catch_up: set[int] = set()
        for subscription in subscriptions:
            self.add(subscription)
            missed = missed_run(subscription, now)
            if missed is None:
                continue
            if now - missed <= self.grace:
                catch_up.add(subscription.id)
            else:
                log.info(
                    "subscription #%d missed its run at %s by more than %s: it rolls into the next run",
                    subscription.id,
                    missed.isoformat(),
                    self.grace,
                )
        active = {s.id for s in subscriptions}
        catch_up |= active & set(await self.service.with_pending())
        for subscription_id in sorted(catch_up):
            self.run_soon(subscription_id)
        log.info("scheduled %d subscription(s); catching up %d", len(subscriptions), len(catch_up))
        return sorted(catch_up)

    def add(self, subscription: Subscription) -> None:
        """Schedule (or reschedule) a subscription's daily job."""
        self.scheduler.add_job(
            self.run_daily,
            daily_trigger(subscription),
            args=[subscription.id],
            id=f"{JOB_PREFIX}{subscription.id}",
            name=f"daily digest #{subscription.id}",
            replace_existing=True,
            # Late wake-ups (a suspended host, a busy loop) still run within the grace period, once.
            misfire_grace_time=max(1, int(self.grace.total_seconds())),
            coalesce=True,
            max_instances=1,
        )

    def remove(self, subscription_id: int) -> None:
        """Stop scheduling a subscription (paused or deleted)."""
        for prefix in (JOB_PREFIX, CATCH_UP_PREFIX):
            with contextlib.suppress(JobLookupError):  # not scheduled: nothing to remove
                self.scheduler.remove_job(f"{prefix}{subscription_id}")

    def run_soon(self, subscription_id: int, delay: timedelta = timedelta(0)) -> None:
        """Run a subscription now (or after ``delay``), outside its schedule (catch-up after downtime)."""
        self.scheduler.add_job(
            self.run,
            "date",
            run_date=datetime.now(UTC) + delay,
            args=[subscription_id],
            id=f"{CATCH_UP_PREFIX}{subscription_id}",
            name=f"catch-up of daily digest #{subscription_id}",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def next_run(self, subscription: Subscription) -> datetime | None:
        """When an active subscription runs next (UTC); ``None`` while paused."""
        return next_run(subscription, self.clock()) if subscription.active else None

    async def run_daily(self, subscription_id: int) -> RunOutcome:
        """The daily job: :meth:`run`, unless today's run already happened (a repeated wall time).

        The run checks that once it has read the subscription (its turn come): thousands of jobs firing at the
        same minute then do not each queue a read of their own ahead of the first runs' database work.
        """

        def repeated(subscription: Subscription) -> bool:
            if ran_today(subscription, self.clock()):
                log.info("subscription #%d already ran today; skipping a repeated wall time", subscription.id)
                return True
            return False

        return await self.run(subscription_id, skip=repeated)

    async def run(self, subscription_id: int, skip: Callable[[Subscription], bool] | None = None) -> RunOutcome:
        """One run of one subscription (also the catch-up job); unschedules it if the run paused it. ``skip``:
        whether not to run after all, asked with the subscription as the run reads it.

        Catch-up runs are queued before the gateway is up: wait for it, so a failure notice can still find the
        server's system channel.
        """
        with self.jobs.track():
            await self.deliverer.client.wait_until_ready()
            outcome = await self.deliverer.run(subscription_id, skip)
            if outcome.paused_now:
                self.remove(subscription_id)
            if outcome.busy:
                # Another process holds the run's lease: a run still going elsewhere (a rolling restart), or one
                # that died with posts unconfirmed. Try again once that lease has had time to expire.
                self.run_soon(subscription_id, self.deliverer.leases.ttl)
            return outcome
