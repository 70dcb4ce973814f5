"""Polling followed feeds on a schedule in exactly one process, and telling servers once when a feed gets paused.

However many processes run (shards, workers), one polls: the holder of the ``poller`` lease in the database. Every
candidate renews or tries to take it every quarter of the lease's life; when the holder dies it stops renewing, the
lease expires and another candidate takes over and polls at once (feeds may be overdue by then). While the store
is out of reach nobody can renew or take the lease, so polling pauses everywhere and resumes with the first
renewal that works.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import Services
from bot.delivery import RateLimiter
from bot.embed_text import clean_text, truncate
from bot.embeds import ERROR_COLOUR
from bot.replies import NO_MENTIONS
from bot.scheduling import RunningJobs
from digests.leases import POLLER_LEASE
from digests.sources import PollResult
from digests.store.db import store_outage

log = logging.getLogger(__name__)

POLL_JOB_ID = "poll-sources"
LEASE_JOB_ID = "poller-lease"


def paused_notice(result: PollResult) -> discord.Embed:
    """The one message a following server gets when its feed is paused."""
    source = result.source
    return discord.Embed(
        title=truncate(f"Feed paused: {source.name}", 256),
        description=(
            f"{clean_text(source.paused_reason or 'too many failures')}\n\n"
            f"To resume, fix the feed if needed and run `/source add url:{clean_text(source.url)}` again."
        ),
        colour=ERROR_COLOUR,
    )


async def poll_sources(
    client: discord.Client, services: Services, limiter: RateLimiter, stop: asyncio.Event | None = None
) -> list[PollResult]:
    """Poll every due feed (until ``stop`` is set: see :meth:`SourceService.poll_due`); tell the followers of each
    feed this poll paused. Never raises."""
    try:
        results = await services.sources.poll_due(stop)
    except Exception:
        log.exception("polling sources failed")
        return []
    for result in results:
        if result.error:
            log.warning("feed %s failed: %s", result.source.url, result.error)
        if result.paused_now:
            await _notify_paused(client, services, limiter, result)
    return results


async def _notify_paused(client: discord.Client, services: Services, limiter: RateLimiter, result: PollResult) -> None:
    """Post the notice where the feed was added, else in the server's system channel.

    Over REST only (a partial channel), so a worker process without a gateway connection can post it too.
    """
    for follow in await services.sources.repo.followers(result.source.id):
        for channel_id in (follow.channel_id, await _system_channel_id(client, follow.guild_id)):
            if channel_id is None:
                continue
            channel = client.get_partial_messageable(channel_id, guild_id=follow.guild_id)
            try:
                async with limiter.request():  # the budget of daily digests: Discord's limit is global
                    await channel.send(embed=paused_notice(result), allowed_mentions=NO_MENTIONS)
                break
            except discord.HTTPException as exc:
                log.info("could not tell channel %d that feed %s is paused: %s", channel_id, result.source.url, exc)
        else:
            log.warning("nowhere to tell guild %s that feed %s is paused", follow.guild_id, result.source.url)


async def _system_channel_id(client: discord.Client, guild_id: int) -> int | None:
    """The guild's system channel: from the gateway's cache, or asked over REST when there is no gateway."""
    guild = client.get_guild(guild_id)
    if guild is not None:
        return guild.system_channel.id if guild.system_channel is not None else None
    try:
        data: dict[str, Any] = dict(await client.http.get_guild(guild_id))
    except discord.HTTPException:
        return None
    value = data.get("system_channel_id")
    return int(value) if value else None


class FeedPoller:
    """The feed-polling jobs of one process: keep (or try to take) the poller lease, and poll while holding it."""

    def __init__(
        self,
        client: discord.Client,
        services: Services,
        scheduler: AsyncIOScheduler,
        limiter: RateLimiter,
        jobs: RunningJobs,
        *,
        first_poll_delay: timedelta,
    ) -> None:
        self.client = client
        self.services = services
        self.scheduler = scheduler
        self.limiter = limiter
        self.jobs = jobs
        self.first_poll_delay = first_poll_delay
        self.leader = False
        self._first_poll_at = datetime.now(UTC)
        self._lost: asyncio.Event | None = None  # set when the lease is lost during the current poll
        self._store_down = False  # the last renewal failed because the store was out of reach

    def start(self) -> None:
        """Add the lease job (at once, then every quarter of the lease) and the poll job to the scheduler."""
        now = datetime.now(UTC)
        self._first_poll_at = now + self.first_poll_delay
        self.scheduler.add_job(
            self._keep_lease,
            IntervalTrigger(seconds=self.services.leases.ttl.total_seconds() / 4, timezone=UTC),
            id=LEASE_JOB_ID,
            coalesce=True,
            max_instances=1,
            next_run_time=now,
        )
        self.scheduler.add_job(
            self._poll,
            IntervalTrigger(minutes=self.services.settings.poll_minutes, timezone=UTC),
            id=POLL_JOB_ID,
            coalesce=True,
            max_instances=1,
            # First poll soon after start, not a full interval later: feeds may be overdue after downtime.
            next_run_time=self._first_poll_at,
        )

    async def stop(self) -> None:
        """Give the lease up so that another process takes over without waiting for it to expire."""
        if self.leader:
            self.leader = False
            await self.services.leases.release(POLLER_LEASE)

    async def _keep_lease(self) -> None:
        with self.jobs.track():
            was_leader = self.leader
            try:
                self.leader = await self.services.leases.hold(POLLER_LEASE)
            except Exception as exc:
                self.leader = False
                self._renewal_failed(exc)
            else:
                if self._store_down:
                    self._store_down = False
                    log.info("store available again: feed polling resumes")
                if was_leader and not self.leader:
                    log.warning("lost the feed poller's lease: another process polls now")
            if self.leader and not was_leader:
                log.info("this process polls the feeds now (%s)", self.services.leases.owner)
                # Taking over from a poller that died: its feeds may be overdue, so poll now.
                self.scheduler.modify_job(POLL_JOB_ID, next_run_time=max(datetime.now(UTC), self._first_poll_at))
            elif was_leader and not self.leader and self._lost is not None:
                self._lost.set()  # the poll under way stops before its next feed or item

    def _renewal_failed(self, error: Exception) -> None:
        """Say why polling stops: the store out of reach (once per outage; no process can poll meanwhile, and
        the next renewal that works resumes it), or an error of ours (with its traceback, every time)."""
        outage = store_outage(error)
        if outage is None:
            log.error("could not renew the feed poller's lease: feed polling paused", exc_info=error)
        elif not self._store_down:
            self._store_down = True
            log.warning("store unavailable: feed polling paused until it is back (%s)", outage)

    async def _poll(self) -> None:
        if not self.leader:
            return
        with self.jobs.track():
            self._lost = asyncio.Event()
            try:
                await poll_sources(self.client, self.services, self.limiter, self._lost)
            finally:
                self._lost = None
