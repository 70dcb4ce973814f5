"""Daily delivery with a 100,000-release store behind it: many subscriptions over many servers and channels, a mix
of frequent, rare and unknown topics, all due in the same minute; one bot process (SQLite) or two shard processes
(PostgreSQL), against the fake Discord allowing 50 requests/s per bot token in any one-second window.

Run by hand from the project root (``make bench-delivery-scale`` runs both; the store is bench/scale_store.py's,
the one ``make bench-scale`` builds under ``.cache/scale/``, built here too if missing):

    .venv/bin/python -m bench.delivery_scale
    .venv/bin/python -m bench.delivery_scale --processes 2

The store is copied first (to a temporary file; with ``--processes 2`` into a kept PostgreSQL server under
``.cache/postgres-delivery``, once, then a fresh database from it per run: see bench/kept_postgres.py), so it is
never modified. Topics come from the store's topic terms: frequent (more than 2,000 releases), middling (50–2,000),
rare (under 50) and unknown (no release), in the shares ``--mix`` gives; subscription ``n`` goes to channel ``n``
of server ``n % --guilds``, all at the next whole UTC minute far enough ahead for the bot(s) to start (not timed).

Printed: elapsed time from the scheduled minute to the last post confirmed in the ledger; the messages the runs
posted (a frequent topic's first run posts its 50 newest releases over several messages) and the floor
(messages / 50 requests/s), with the ratio; 429s; the busiest second at the fake; exactly-once checks (each channel
holds exactly the messages its subscription's ledger confirmed; no claim left pending; every subscription ran);
CPU seconds per process; how many topic listings the runs computed (the rest were shared); and a timeline: the posts
per 10 s from the scheduled minute for each shard process, and when each process's first and last post arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench.delivery import DISCORD_LIMIT, busiest_second, next_minute
from bot.app import open_services
from bot.client import DigestBot, shard_of
from digests.config import Settings
from digests.store.db import Database, to_db_time
from tests.e2e.processes import Processes
from tests.fake_discord.models import RecordedRequest
from tests.fake_discord.payloads import FakeGuild
from tests.fake_discord.server import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
KINDS = ("frequent", "middling", "rare", "unknown")


@dataclass(frozen=True)
class Plan:
    """Who subscribes to what, where."""

    topics: dict[str, list[str]]  # kind → topics
    kinds: list[str]  # subscription n's kind


async def choose_topics(db: Database, per_kind: int) -> dict[str, list[str]]:
    """Topic terms of the store by how many releases they find (from the counts kept at write time)."""
    rows = await db.fetch_all("SELECT term, COUNT(*) AS n FROM topic_terms GROUP BY term HAVING COUNT(*) >= 3")
    by_count = sorted(((int(r["n"]), r["term"]) for r in rows), reverse=True)
    frequent = [t for n, t in by_count if n > 2000]
    middling = [t for n, t in by_count if 50 <= n <= 2000]
    rare = [t for n, t in by_count if n < 50]

    def spread(terms: list[str]) -> list[str]:  # evenly over the range, not just the top
        step = max(1, len(terms) // per_kind)
        return terms[::step][:per_kind]

    unknown = [f"zqx{n}unheard" for n in range(per_kind)]
    return {"frequent": frequent[:per_kind], "middling": spread(middling), "rare": spread(rare), "unknown": unknown}


def plan(subscriptions: int, mix: dict[str, int], topics: dict[str, list[str]]) -> Plan:
    """Subscription ``n``'s kind, cycling through the mix (percentages) so every server gets a blend."""
    cycle = [kind for kind in KINDS for _ in range(mix[kind])]
    return Plan(topics, [cycle[n % len(cycle)] for n in range(subscriptions)])


async def create(db: Database, the_plan: Plan, channels: list[tuple[FakeGuild, str]], admin: int) -> None:
    """The subscriptions, in one transaction (``time_of_day`` is set once the bot is about to start)."""
    now = to_db_time(datetime.now(UTC))
    rows = []
    for n, kind in enumerate(the_plan.kinds):
        guild, channel = channels[n]
        names = the_plan.topics[kind]
        rows.append((int(guild.id), int(channel), names[(n // 7) % len(names)], admin, now, now))
    async with db.transaction() as conn:
        for row in rows:
            await conn.execute(
                "INSERT INTO subscriptions (guild_id, channel_id, topic, include_words, exclude_words, time_of_day, "
                "timezone, created_by, created_at, last_run_at) VALUES (?, ?, ?, '[]', '[]', '00:00', 'UTC', ?, ?, ?)",
                row,
            )


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def finished(db: Database, due: datetime) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM subscriptions WHERE last_run_at >= ?", (to_db_time(due),))
    return int(row[0]) if row else 0


async def report(
    db: Database,
    fake: FakeDiscord,
    the_plan: Plan,
    due: datetime,
    before: int,
    cpu: dict[str, float],
    shards: int | None = None,
) -> None:
    """Print the numbers (see the module's documentation)."""
    row = await db.fetch_one("SELECT MAX(posted_at) FROM deliveries")
    last = datetime.fromisoformat(row[0]) if row and row[0] else due
    elapsed = (last - due).total_seconds()
    rows = await db.fetch_all("SELECT id, guild_id, channel_id FROM subscriptions")
    subs = {int(r["id"]): int(r["channel_id"]) for r in rows}
    guild_of = {int(r["channel_id"]): int(r["guild_id"]) for r in rows}
    confirmed = Counter(
        {
            int(r["subscription_id"]): int(r["n"])
            for r in await db.fetch_all(
                "SELECT subscription_id, COUNT(DISTINCT nonce) AS n FROM deliveries WHERE state = 'posted' "
                "GROUP BY subscription_id"
            )
        }
    )
    pending = await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
    ran = await finished(db, due)
    posts = [r for r in fake.requests[before:] if r.method == "POST" and r.path.startswith("/channels/")]
    in_channel = Counter(m["channel_id"] for m in fake.bot_messages())
    messages = sum(confirmed.values())
    duplicates = sum(max(0, in_channel[str(c)] - confirmed[s]) for s, c in subs.items())
    missing = sum(max(0, confirmed[s] - in_channel[str(c)]) for s, c in subs.items())
    kinds = Counter(the_plan.kinds)
    kind_of = dict(zip(sorted(subs), the_plan.kinds, strict=True))
    per_kind = {k: sorted(Counter(confirmed[s] for s in subs if kind_of[s] == k).items()) for k in KINDS}
    floor = messages / DISCORD_LIMIT
    print(f"subscriptions:          {len(subs)} ({', '.join(f'{kinds[k]} {k}' for k in KINDS)})")
    print(f"messages posted:        {messages} (confirmed in the ledger); per subscription by kind "
          f"(messages: subscriptions): {json.dumps(per_kind)}")  # fmt: skip
    print(f"elapsed:                {elapsed:.1f} s (from the scheduled minute to the last confirmed post)")
    print(f"floor:                  {floor:.1f} s ({messages} messages / {DISCORD_LIMIT} requests/s)")
    print(f"ratio:                  {elapsed / floor:.3f}" if floor else "ratio:                  -")
    print(f"429s:                   {fake.rate_limited_count}")
    print(f"busiest second:         {busiest_second(sorted(r.time for r in posts))} requests")
    ok = sum(1 for r in posts if r.status == 200)
    print(f"POSTs (200/other):      {ok}/{len(posts) - ok}")
    print(f"exactly once:           {duplicates} duplicate and {missing} missing messages against the ledger; "
          f"{pending[0] if pending else '?'} claims left pending; {ran} of {len(subs)} subscriptions ran")  # fmt: skip
    print("CPU seconds:            " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items()))
    print(f"load average:           {os.getloadavg()}")
    print_timeline(posts, due, lambda channel: shard_of(guild_of.get(channel, 0), shards) if shards else 0)


def print_timeline(posts: list[RecordedRequest], due: datetime, shard: Callable[[int], int]) -> None:
    """Channel POSTs that Discord accepted, per 10 s from the scheduled minute and per shard process, and when
    each process's last one arrived: where the end of a run is spent."""
    start = due.timestamp()
    counts: dict[int, Counter[int]] = {}
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for request in posts:
        if request.status != 200:
            continue
        which = shard(int(request.path.split("/")[2]))
        counts.setdefault(which, Counter())[int((request.time - start) // 10)] += 1
        first[which] = min(first.get(which, request.time - start), request.time - start)
        last[which] = max(last.get(which, 0.0), request.time - start)
    shards = sorted(counts)
    buckets = range(min(min(c) for c in counts.values()), max(max(c) for c in counts.values()) + 1) if counts else []
    cells = [f"+{b * 10}: " + "/".join(str(counts[s][b]) for s in shards) for b in buckets]
    print(f"timeline:               POSTs per 10 s from the minute ({'/'.join(f'shard {s}' for s in shards)})")
    for row in range(0, len(cells), 8):
        print("  " + "  ".join(f"{cell:<14}" for cell in cells[row : row + 8]))
    print("first and last POST:    " + ", ".join(f"shard {s} +{first[s]:.1f} s, +{last[s]:.1f} s" for s in shards))


def channels_for(fake: FakeDiscord, subscriptions: int, guilds: int, shards: int | None) -> list[tuple[FakeGuild, str]]:
    servers = [
        fake.add_guild(f"Bench server {g}", shard=(g % shards, shards) if shards else None) for g in range(guilds)
    ]
    return [(servers[n % guilds], servers[n % guilds].add_channel(f"digest-{n}").id) for n in range(subscriptions)]


async def in_process(args: argparse.Namespace, store: Path) -> None:
    """One bot on an SQLite copy of the store."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, db=store, delivery_requests_per_second=args.rate, poll_in_bot=False
    )
    async with FakeDiscord(token=TOKEN, global_rate_limit=DISCORD_LIMIT) as fake, open_services(settings) as services:
        the_plan = await prepare(args, services.db, fake, None)
        due = next_minute(datetime.now(UTC), lead=timedelta(seconds=40))
        await services.db.execute("UPDATE subscriptions SET time_of_day = ?", (f"{due:%H:%M}",))
        with fake.patched():
            bot = DigestBot(services)
            async with fake.running(bot, token=TOKEN, timeout=120):
                print(f"bot ready; all due at {due:%H:%M:%S} UTC", flush=True)
                before = len(fake.requests)
                await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
                started = own_cpu()
                await wait(services.db, due, len(the_plan.kinds), fake)
                cpu = {"bot + fake Discord (one process)": own_cpu() - started}
                print(f"shared look-ups computed: {dict(bot.deliverer.lookups_computed)}")
        await report(services.db, fake, the_plan, due, before, cpu)


async def prepare(args: argparse.Namespace, db: Database, fake: FakeDiscord, shards: int | None) -> Plan:
    started = time.monotonic()
    topics = await choose_topics(db, args.topics_per_kind)
    the_plan = plan(args.subscriptions, dict(zip(KINDS, args.mix, strict=True)), topics)
    channels = channels_for(fake, args.subscriptions, args.guilds, shards)
    await create(db, the_plan, channels, int(fake.admin.id))
    print(f"topics: {json.dumps(topics)}")
    print(f"created {args.subscriptions} subscriptions in {args.guilds} servers in {time.monotonic() - started:.0f} s")
    return the_plan


async def wait(db: Database, due: datetime, subscriptions: int, fake: FakeDiscord) -> None:
    while (done := await finished(db, due)) < subscriptions:
        late = (datetime.now(UTC) - due).total_seconds()
        print(f"  +{late:.0f} s: {done} runs done, {fake.rate_limited_count} 429s", flush=True)
        if late > 3600:
            raise SystemExit("stuck for an hour")
        await asyncio.sleep(10)


async def two_processes(args: argparse.Namespace, server_url: str, template: str) -> None:
    """Two shard processes on a fresh PostgreSQL database made from the kept copy."""
    shards = 2
    name = f"delivery_run_{int(time.time())}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    async with FakeDiscord(token=TOKEN, global_rate_limit=DISCORD_LIMIT, interaction_deadline=None) as fake:
        fake.recommended_shards = shards
        db = await Database.open(url)
        try:
            the_plan = await prepare(args, db, fake, shards)
            due = next_minute(datetime.now(UTC), lead=timedelta(seconds=90))
            await db.execute("UPDATE subscriptions SET time_of_day = ?", (f"{due:%H:%M}",))
            with tempfile.TemporaryDirectory() as folder:
                processes = Processes(
                    {
                        "DISCORD_TOKEN": TOKEN,
                        "DISCORD_API_BASE": fake.api_base,
                        "DISCORD_SHARD_COUNT": str(shards),
                        "RELEASE_DIGEST_DB": url,
                        "RELEASE_DIGEST_POLL_IN_BOT": "false",
                        "RELEASE_DIGEST_DELIVERY_REQUESTS_PER_SECOND": str(args.rate),
                        "RELEASE_DIGEST_LOG_LEVEL": "WARNING",
                    },
                    Path(folder),
                )
                try:
                    pids = {}
                    for shard in range(shards):
                        process = await processes.start(f"shard-{shard}", "bot", DISCORD_SHARD_IDS=str(shard))
                        pids[f"shard process {shard}"] = process.pid
                    ready = {(shard, shards) for shard in range(shards)}
                    await fake.wait_for(lambda: ready <= {s.shard for s in fake.sessions if s.ready}, timeout=300)
                    left = (due - datetime.now(UTC)).total_seconds()
                    print(f"both shard processes connected; all due at {due:%H:%M:%S} UTC (in {left:.0f} s)")
                    if left < 0:
                        raise SystemExit("the processes took longer to start than the lead: run again")
                    before = len(fake.requests)
                    await asyncio.sleep(left)
                    started = {name: cpu_of(pid) for name, pid in pids.items()} | {"bench + fake Discord": own_cpu()}
                    await wait(db, due, len(the_plan.kinds), fake)
                    ended = {name: cpu_of(pid) for name, pid in pids.items()} | {"bench + fake Discord": own_cpu()}
                    cpu = {name: ended[name] - started[name] for name in started}
                finally:
                    await processes.stop_all()
            await report(db, fake, the_plan, due, before, cpu, shards)
        finally:
            await db.close()
            admin = await asyncpg.connect(server_url)
            try:
                await admin.execute(f'DROP DATABASE "{name}"')
            finally:
                await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "bench/scale_store.py's 100,000 releases, built if missing"
    parser.add_argument("--store", type=Path, default=None, help=f"an SQLite store (default: {default})")
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--guilds", type=int, default=500, help="servers the subscriptions are spread over")
    parser.add_argument("--mix", type=int, nargs=4, default=[5, 10, 70, 15], metavar=("FREQ", "MID", "RARE", "NONE"),
                        help="percent of subscriptions per kind of topic (default 5 10 70 15)")  # fmt: skip
    parser.add_argument("--topics-per-kind", type=int, default=20)
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--rate", type=float, default=48.0, help="the bot's posts/s, all processes together")
    args = parser.parse_args()
    if sum(args.mix) != 100:
        raise SystemExit("--mix must add up to 100")
    if args.store is None:
        from bench.scale_store import ensure

        args.store = asyncio.run(ensure(ROOT / ".cache" / "scale", 100_000))
    if args.processes == 2:
        from bench.kept_postgres import database_with, kept_server

        with kept_server() as server_url, tempfile.TemporaryDirectory(dir=args.store.parent) as scratch:
            template = "scale100k"
            source = Path(scratch) / args.store.name
            if not asyncio.run(_has(server_url, template)):
                shutil.copyfile(args.store, source)
            asyncio.run(database_with(server_url, template, source))
            asyncio.run(two_processes(args, server_url, template))
        return
    with tempfile.TemporaryDirectory(dir=args.store.parent) as scratch:
        copy = Path(scratch) / args.store.name
        shutil.copyfile(args.store, copy)
        asyncio.run(in_process(args, copy))


async def _has(server_url: str, name: str) -> bool:
    conn = await asyncpg.connect(server_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.exit(main())
