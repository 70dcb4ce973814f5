"""Delivery across shard processes: many daily digests due at the same minute, posted by two ``release-digest bot``
processes (shards 0 and 1 of 2) on one PostgreSQL database, against a fake Discord allowing 50 requests/s in total.

Run by hand from the project root: ``.venv/bin/python -m bench.delivery --shard-processes 2 [--subscriptions N]``.

Set-up: a throw-away PostgreSQL 15 server (``tests/pg_server.py``: fsync off, on this machine), the seeds, two guilds
(one on each shard) with one channel per subscription, split evenly, every subscription following ``hmc`` at the
same whole UTC minute, chosen far enough ahead for both processes to start (their start is not measured). The
processes are the real command with ``RELEASE_DIGEST_DELIVERY_REQUESTS_PER_SECOND`` = ``--rate`` (the whole bot's
budget, split between the live processes through the store: bot/budget_shares.py). Printed: time from the scheduled
minute until the last post was confirmed in the ledger, the floor (subscriptions / 50 requests/s) and the ratio,
429s, the busiest second at the fake, POSTs per channel (exactly once means one each) and messages per channel.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.delivery import DISCORD_LIMIT, busiest_second, count_posted, last_posted, next_minute
from bot.app import open_services
from digests.config import Settings
from digests.store.db import Database
from tests.e2e.processes import ROOT, Processes
from tests.fake_discord.server import FakeDiscord
from tests.pg_server import PostgresServer

SHARDS = 2
TOKEN = "bench-token"


def main(subscriptions: int, rate: float) -> None:
    """Start PostgreSQL, run the benchmark, stop PostgreSQL."""
    server = PostgresServer()
    server.start()
    try:
        asyncio.run(bench(server.acquire(), subscriptions, rate))
    finally:
        server.stop()


async def bench(db_url: str, subscriptions: int, rate: float) -> None:
    """Create the subscriptions, run two shard processes until all are delivered, print the numbers."""
    async with FakeDiscord(token=TOKEN, global_rate_limit=DISCORD_LIMIT, interaction_deadline=None) as fake:
        fake.recommended_shards = SHARDS
        guilds = [fake.add_guild(f"Shard {n} guild", shard=(n, SHARDS)) for n in range(SHARDS)]
        settings = Settings(_env_file=None, db=db_url, seeds_dir=ROOT / "seeds")  # type: ignore[call-arg]
        started = time.monotonic()
        async with open_services(settings) as services:
            await services.digests.load_seeds_if_empty(settings.seeds_dir)
            for n in range(subscriptions):
                guild = guilds[n % SHARDS]
                channel = guild.add_channel(f"digest-{n}")
                await services.subscriptions.create(
                    guild_id=int(guild.id),
                    channel_id=int(channel.id),
                    topic="hmc",
                    time_of_day="00:00",  # set below, once we know how long creating them took
                    timezone="UTC",
                    created_by=int(fake.admin.id),
                )
            due = next_minute(datetime.now(UTC), lead=timedelta(seconds=90))  # for both processes to start
            await services.db.execute("UPDATE subscriptions SET time_of_day = ?", (f"{due:%H:%M}",))
        print(f"created {subscriptions} subscriptions in {SHARDS} guilds in {time.monotonic() - started:.0f} s")
        with tempfile.TemporaryDirectory() as folder:
            processes = Processes(
                {
                    "DISCORD_TOKEN": TOKEN,
                    "DISCORD_API_BASE": fake.api_base,
                    "DISCORD_SHARD_COUNT": str(SHARDS),
                    "RELEASE_DIGEST_DB": db_url,
                    "RELEASE_DIGEST_POLL_IN_BOT": "false",
                    "RELEASE_DIGEST_DELIVERY_REQUESTS_PER_SECOND": str(rate),
                    "RELEASE_DIGEST_LOG_LEVEL": "WARNING",
                },
                Path(folder),
            )
            db = await Database.open(db_url)
            try:
                for shard in range(SHARDS):
                    await processes.start(f"shard-{shard}", "bot", DISCORD_SHARD_IDS=str(shard))
                ready = {(shard, SHARDS) for shard in range(SHARDS)}
                await fake.wait_for(lambda: ready <= {s.shard for s in fake.sessions if s.ready}, timeout=300)
                left = (due - datetime.now(UTC)).total_seconds()
                print(f"both shard processes connected; all due at {due:%H:%M:%S} UTC (in {left:.0f} s)", flush=True)
                if left < 0:
                    raise SystemExit("the processes took longer to start than the lead: run again")
                before = len(fake.requests)
                await asyncio.sleep(left)
                while (posted := await count_posted(db)) < subscriptions:
                    late = (datetime.now(UTC) - due).total_seconds()
                    print(f"  +{late:.0f} s: {posted} posted, {fake.rate_limited_count} 429s", flush=True)
                    if late > 20 * subscriptions / DISCORD_LIMIT:
                        raise SystemExit(f"stuck; logs:\n{processes.output()}")
                    await asyncio.sleep(10)
                elapsed = (await last_posted(db) - due).total_seconds()
            finally:
                await processes.stop_all()
                await db.close()
        posts = [r for r in fake.requests[before:] if r.method == "POST" and r.path.startswith("/channels/")]
        per_channel = Counter(r.path for r in posts)
        messages = Counter(m["channel_id"] for m in fake.bot_messages())
        floor = subscriptions / DISCORD_LIMIT
        print(f"subscriptions:          {subscriptions} in {SHARDS} shard processes ({subscriptions // SHARDS} each)")
        print(f"budget:                 {rate} posts/s for the bot, split between the live processes")
        print(f"elapsed:                {elapsed:.1f} s (from the scheduled minute to the last confirmed post)")
        print(f"floor:                  {floor:.0f} s ({subscriptions} / {DISCORD_LIMIT} requests/s)")
        print(f"ratio:                  {elapsed / floor:.3f}")
        print(f"429s:                   {fake.rate_limited_count}")
        print(f"busiest second:         {busiest_second(sorted(r.time for r in posts))} requests")
        print(f"POSTs per channel:      {sorted(Counter(per_channel.values()).items())} (POSTs: channels)")
        print(f"messages per channel:   {sorted(Counter(messages.values()).items())} (messages: channels)")
        print(f"channels with a post:   {len(messages)} of {subscriptions}")
