"""Delivery throughput: many daily digests due at the same minute, against a fake Discord that allows 50 requests/s.

Run by hand from the project root: ``.venv/bin/python -m bench.delivery [--subscriptions 10000] [--channels N]``.
It takes at least subscriptions / 50 seconds by construction, plus up to ninety seconds of set-up and waiting for
the next whole minute.

Each subscription follows the seed's topic (``hmc``) in its own channel (``--channels`` spreads them over fewer),
at the next whole UTC minute at least 20 s away. The real bot runs them through its APScheduler jobs; the fake
Discord answers 429 past 50 requests in any second. Printed: time from the scheduled minute until every digest
was posted and confirmed in the ledger, the 200 s floor (subscriptions / 50) and the ratio, the 429s, the busiest
second, and how many messages each channel received (duplicates would show here).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import open_services
from bot.client import DigestBot
from digests.config import Settings
from digests.store.db import Database
from tests.fake_discord.server import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
DISCORD_LIMIT = 50  # requests per second


def next_minute(now: datetime, lead: timedelta = timedelta(seconds=20)) -> datetime:
    """The first whole minute at least ``lead`` after ``now``."""
    return (now + lead + timedelta(minutes=1)).replace(second=0, microsecond=0)


def busiest_second(times: list[float]) -> int:
    """The most requests that arrived within any one-second window."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def bench(subscriptions: int, channels: int, rate: float | None = None) -> None:
    """Create the subscriptions, run the bot until all are delivered, print the numbers."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, db=Path(folder) / "bench.db", seeds_dir=ROOT / "seeds")  # type: ignore[call-arg]
        if rate is not None:
            settings = settings.model_copy(update={"delivery_requests_per_second": rate})
        async with FakeDiscord(global_rate_limit=DISCORD_LIMIT) as fake, open_services(settings) as services:
            await services.digests.load_seeds_if_empty(settings.seeds_dir)
            targets = [fake.channel] + [fake.guild.add_channel(f"digest-{n}") for n in range(1, channels)]
            started = time.monotonic()
            for n in range(subscriptions):
                await services.subscriptions.create(
                    guild_id=int(fake.guild.id),
                    channel_id=int(targets[n % channels].id),
                    topic="hmc",
                    time_of_day="00:00",  # set below, once we know how long creating them took
                    timezone="UTC",
                    created_by=int(fake.admin.id),
                )
            print(f"created {subscriptions} subscriptions in {channels} channels in {time.monotonic() - started:.1f} s")
            due = next_minute(datetime.now(UTC), lead=timedelta(seconds=30))  # time for the bot to start
            async with services.db.transaction() as conn:
                await conn.execute("UPDATE subscriptions SET time_of_day = ?", (f"{due:%H:%M}",))
            with fake.patched():
                bot = DigestBot(services, guild_id=int(fake.guild.id))
                async with fake.running(bot, timeout=120):
                    print(f"bot ready; all due at {due:%H:%M:%S} UTC (in {(due - datetime.now(UTC)).seconds} s)")
                    before = len(fake.requests)
                    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
                    while (posted := await count_posted(services.db)) < subscriptions:
                        late = (datetime.now(UTC) - due).total_seconds()
                        print(f"  +{late:.0f} s: {posted} posted, {fake.rate_limited_count} 429s", flush=True)
                        await asyncio.sleep(5)
                    elapsed = (await last_posted(services.db) - due).total_seconds()
            posts = [r for r in fake.requests[before:] if r.method == "POST" and r.path.startswith("/channels/")]
            per_channel = Counter(r.path for r in posts if r.status == 200)
            floor = subscriptions / DISCORD_LIMIT
            print(f"subscriptions:          {subscriptions}")
            print(f"elapsed:                {elapsed:.1f} s (from the scheduled minute to the last confirmed post)")
            print(f"floor:                  {floor:.0f} s ({subscriptions} / {DISCORD_LIMIT} requests/s)")
            print(f"ratio:                  {elapsed / floor:.2f}")
            print(f"429s:                   {fake.rate_limited_count}")
            print(f"busiest second:         {busiest_second(sorted(r.time for r in posts))} requests")
            print(f"POSTs (200/other):      {sum(per_channel.values())}/{len(posts) - sum(per_channel.values())}")
            print(f"messages per channel:   {sorted(Counter(per_channel.values()).items())} (count: channels)")
            print(f"messages in the fake:   {len(fake.bot_messages())}")


async def count_posted(db: Database) -> int:
    """Subscriptions whose digest is confirmed posted."""
    row = await db.fetch_one("SELECT COUNT(DISTINCT subscription_id) FROM deliveries WHERE state = 'posted'")
    return int(row[0]) if row else 0


async def last_posted(db: Database) -> datetime:
    """When the last digest was confirmed posted."""
    row = await db.fetch_one("SELECT MAX(posted_at) FROM deliveries")
    assert row is not None and row[0] is not None
    return datetime.fromisoformat(row[0])


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=None, help="default: one per subscription")
    parser.add_argument(
        "--shard-processes", type=int, choices=[1, 2], default=1,
        help="2: two release-digest bot processes (shards 0 and 1) on PostgreSQL; see bench/delivery_shards.py",
    )  # fmt: skip
    parser.add_argument("--rate", type=float, default=None, help="the bot's posts/s (default 45; 48 with 2)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord").setLevel(logging.ERROR)  # one warning per 429 would drown the numbers
    if args.shard_processes == 2:
        from bench.delivery_shards import main as across_processes

        across_processes(args.subscriptions, args.rate or 48.0)
        return
    asyncio.run(bench(args.subscriptions, args.channels or args.subscriptions, args.rate))


if __name__ == "__main__":
    main()
