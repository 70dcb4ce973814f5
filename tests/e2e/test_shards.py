"""Sharding and leases with the real bot in this process: which subscriptions a shard schedules, and a run that
another process holds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import Services
from bot.client import shard_of
from bot.scheduling import CATCH_UP_PREFIX, JOB_PREFIX
from digests.leases import Leases, run_lease
from digests.store.leases import LeaseRepository
from tests.e2e.conftest import BotFactory, FakeClock
from tests.e2e.subscription_runs import add_release, at, digest_posts, release_ids, subscribe
from tests.fake_discord.server import FakeDiscord


async def test_a_shard_schedules_only_its_guilds_subscriptions(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    fake_discord.recommended_shards = 2
    guilds = [fake_discord.add_guild(f"Server {n}", shard=(n % 2, 2)) for n in range(4)]
    clock.set(at(3, 1, 12))
    subscriptions = [await subscribe(services, g.channels[0].id, g.id) for g in guilds]
    for shard in (0, 1):
        async with start_bot(guild=False, discord_shard_count=2, discord_shard_ids=str(shard)) as bot:
            assert (bot.shard_count, bot.shard_ids) == (2, [shard])
            on_shard = {int(g.id) for g in fake_discord.guilds if shard_of(int(g.id), 2) == shard}
            assert {g.id for g in bot.guilds} == on_shard
            jobs = {job.id for job in bot.scheduler.get_jobs() if job.id.startswith(JOB_PREFIX)}
            mine = {f"{JOB_PREFIX}{s.id}" for s in subscriptions if shard_of(s.guild_id, 2) == shard}
            assert jobs == mine and len(mine) == 2
            # Alone, a process takes the whole of the bot's request budget (the other shard's process is down).
            assert bot.deliverer.limiter.rate == bot.services.settings.delivery_requests_per_second


async def test_a_run_held_by_a_dead_process_is_posted_once_its_lease_expires(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    clock.set(at(3, 1, 12))
    subscription = await subscribe(services, fake_discord.channel.id, fake_discord.guild.id)
    ids = [await add_release(services, f"held{n}", f"held item {n}") for n in range(2)]
    ttl = timedelta(seconds=1)
    dead = Leases(LeaseRepository(services.db), owner="dead-host:1:0", ttl=ttl, clock=clock)
    clock.set(at(3, 2, 9))
    assert await dead.hold(run_lease(subscription.id))  # a process that then died, without releasing it
    async with start_bot(lease_seconds=1) as bot:
        bot.scheduler.pause()
        outcome = await bot.digest_schedule.run(subscription.id)
        assert outcome.busy and digest_posts(fake_discord, fake_discord.channel.id) == []
        retry = bot.scheduler.get_job(f"{CATCH_UP_PREFIX}{subscription.id}")
        assert retry is not None  # tried again once the lease can have expired
        clock.advance(ttl)  # the dead process never renewed it
        bot.scheduler.resume()
        await fake_discord.wait_for(lambda: len(digest_posts(fake_discord, fake_discord.channel.id)) == 1, timeout=10)
        await asyncio.sleep(0.2)
    (post,) = digest_posts(fake_discord, fake_discord.channel.id)
    assert sorted(release_ids(post)) == sorted(ids)
    assert await LeaseRepository(services.db).get(run_lease(subscription.id)) is None  # released after the run
