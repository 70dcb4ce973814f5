"""Soak: SIGKILL ingest and delivery at random moments, then check that nothing was lost and nothing went out twice.

Run by hand from the project root: ``.venv/bin/python -m bench.soak [--cycles 30] [--seed 1]`` (``make soak``).
Loopback only: delivery goes to the local fake Discord (tests/fake_discord) served from this process.

1. Ingest: ``release-digest ingest`` over a folder of good release files (arriving a share before each cycle) and
   the hostile corpus (tests/data/hostile) is started ``--cycles`` times and SIGKILLed a random 0-2 s after it
   has stored something (so while it works, whatever the machine's load), then run once to the end. Checked: ``PRAGMA
   integrity_check`` is ok, every good file is stored exactly once (one release, one version), the final run
   prints its summary line.
2. Delivery: many subscriptions share one channel (and a few have their own); a delivery process
   (``python -m bench.soak --deliver``: the bot's real :class:`~bot.delivery.Deliverer` over real HTTP) is started
   ``--cycles`` times and SIGKILLed a random 0-3 s after its first post; between cycles people post in the shared
   channel too.
   Discord's nonce memory is switched off (the fake forgets nonces at once), so exactly-once rests on the ledger
   and the channel look-back alone. Then one run goes to the end. Checked: integrity ok, every
   (subscription, release) posted exactly once, nothing pending, nothing undelivered.

Printed: cycles, kills, items, duplicates, losses, and the most posts that had landed in the shared channel since
the oldest unconfirmed claim (less the look-back's one-minute clock-skew slack) at a kill: the look-back the next
run had to make.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "data" / "hostile"
TOKEN = "soak-token"
TOPIC = "tidewater"
_QUOTES_ID = re.compile(r"rd:quotes:(\d+)")
_POSTED_BY = re.compile(r"daily digest #(\d+)$")


def release_text(n: int, place: str = "Tidewater") -> str:
    """A distinct release about ``place`` (the soak's topic by default), with a quote."""
    return (
        f"{place} project {n}\n\n"
        f"The {place} port authority announced project number {n} on Monday. "
        f"Officials said phase {n} of the work would continue through the spring and into the summer. "
        f"“We are committed to project {n} for every family in the region,” said Director Ana Ruiz. "
        f"The authority will publish further details about project {n} next week.\n"
    )


def child_env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_DIGEST_", "DISCORD_"))}
    quiet = {"RELEASE_DIGEST_LOG_LEVEL": "WARNING"}
    return {**env, "PYTHONPATH": str(ROOT), "RELEASE_DIGEST_DB": str(db), **quiet, **extra}


async def run_and_maybe_kill(args: list[str], env: dict[str, str], cwd: Path, log: Path, delay: float | None) -> bool:
    """Start a process; SIGKILL it after ``delay`` seconds unless it ended. Whether it was killed."""
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(*args, env=env, cwd=cwd, stdout=sink, stderr=sink)
        try:
            await asyncio.wait_for(process.wait(), delay)
            return False
        except TimeoutError:
            process.send_signal(signal.SIGKILL)
            await process.wait()
            return True


async def run_and_kill_while_working(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    log: Path,
    progress: Callable[[], int],
    extra: float,
    patience: float,
) -> bool:
    """Start a process and SIGKILL it ``extra`` seconds after it has made progress (``progress()`` grew), so that
    it dies while working, whatever the machine's load; after ``patience`` seconds without progress it is killed
    all the same. Whether it was killed (it may end first)."""
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(*args, env=env, cwd=cwd, stdout=sink, stderr=sink)
        start, began = progress(), time.monotonic()
        while process.returncode is None and progress() == start and time.monotonic() - began < patience:
            await asyncio.sleep(0.05)
        try:
            await asyncio.wait_for(process.wait(), extra)
            return False
        except TimeoutError:
            process.send_signal(signal.SIGKILL)
            await process.wait()
            return True


def count_rows(db: Path, sql: str) -> int:
    """One count from the store (0 before it exists)."""
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return int(conn.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0


_NULL_IN = re.compile(r"NULL value in (\w+)\.(\w+)")


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check``'s verdict ("ok" or its problems), less the false "NULL value in T.C" that SQLite
    3.40 reports for a WITHOUT ROWID table's column between its key columns (``sentences``, ``topic_terms``): each
    such report is checked with a query and kept only if the column really holds a NULL."""
    with sqlite3.connect(db) as conn:
        problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(1000)")]
        real = []
        for problem in problems:
            column = _NULL_IN.fullmatch(problem)
            # typeof(), not IS NULL: SQLite answers "c IS NULL" with false for a NOT NULL column without reading it
            held = f'SELECT 1 FROM "{column[1]}" WHERE typeof("{column[2]}") = \'null\' LIMIT 1' if column else ""
            if column and not conn.execute(held).fetchone():
                continue
            if problem != "ok":
                real.append(problem)
        return "; ".join(real) or "ok"


async def startup_seconds(folder: Path, env: dict[str, str]) -> float:
    """How long `release-digest ingest` takes to start and end on an empty folder (imports, opening the store)."""
    empty = folder / "empty"
    empty.mkdir()
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "ingest", str(empty), env=env, cwd=folder,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await process.wait()
    return time.monotonic() - started


async def soak_ingest(folder: Path, cycles: int, good: int, on_topic: int, rng: random.Random) -> dict[str, object]:
    files = folder / "files"
    files.mkdir()
    # The files arrive over the cycles (a share before each), so that every killed run has new files to store.
    per_cycle = good // (cycles + 1)
    topical = set(random.Random(0).sample(range(good), on_topic))

    def arrive(first: int, count: int) -> None:
        for n in range(first, min(first + count, good)):
            text = release_text(n) if n in topical else release_text(n, "Northgate")
            (files / f"release_{n:04}.txt").write_text(text, "utf-8")

    arrive(0, good - per_cycle * cycles)
    hostile = [p for p in HOSTILE.iterdir() if p.suffix in (".txt", ".md")]
    for path in hostile:
        shutil.copy(path, files / path.name)
    db = folder / "soak.db"
    env = child_env(db)
    command = [sys.executable, "-m", "bot.cli", "ingest", str(files)]
    # Kill while files are being read and stored, not while Python is still importing: a random 0-2 s after the
    # run has stored something (or, if it stores nothing, after twice the start-up time).
    startup = await startup_seconds(folder, env)
    kills = 0
    for cycle in range(cycles):
        arrive(good - per_cycle * (cycles - cycle), per_cycle)
        kills += await run_and_kill_while_working(
            command,
            env,
            folder,
            folder / "ingest.log",
            lambda: count_rows(db, "SELECT COUNT(*) FROM release_versions"),
            rng.uniform(0.0, 2.0),
            2 * startup,
        )
    final = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=folder, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await final.communicate()
    summary = out.decode().strip().splitlines()[-1] if out.strip() else "(no summary line)"
    (folder / "ingest-final.log").write_bytes(out + err)
    failures = Counter(line.split(": ", 2)[-1][:80] for line in err.decode().splitlines() if line.startswith("error: "))
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.canonical_id, COUNT(v.id) FROM releases r JOIN release_versions v ON v.release_id = r.id "
            "GROUP BY r.id"
        ).fetchall()
    stored = Counter(canonical for canonical, _ in rows)
    added_at_the_end = int(summary.split(": ", 1)[1].split(" added")[0]) if " added" in summary else -1
    expected = {f"file:release_{n:04}" for n in range(good)}
    return {
        "cycles": cycles,
        "kills": kills,
        "start-up time (s)": round(startup, 1),
        "files": good + len(hostile),
        "good files": good,
        "integrity": integrity(db),
        "good files missing": len(expected - set(stored)),
        "stored more than once": sum(1 for canonical, _ in rows if stored[canonical] > 1),
        "releases with more than one version": sum(1 for _, versions in rows if versions > 1),
        "stored by the killed runs": len(rows) - added_at_the_end,
        "final summary": summary,
        "final run's errors, by reason": dict(failures.most_common()),
        "db": db,
    }


async def soak_delivery(
    folder: Path, db: Path, cycles: int, shared: int, own: int, fresh: int, rng: random.Random
) -> dict[str, object]:
    from bot.app import open_services
    from digests.config import Settings
    from digests.models import ReleaseDraft
    from tests.fake_discord import server as fake_server
    from tests.fake_discord.server import FakeDiscord

    fake_server.NONCE_WINDOW_S = 0  # Discord has forgotten every nonce: the ledger and the look-back must hold
    settings = Settings(_env_file=None, db=db)  # type: ignore[call-arg]
    async with FakeDiscord(token=TOKEN) as fake:
        channel = fake.channel
        own_channels = [fake.guild.add_channel(f"own-{n}") for n in range(own)]
        async with open_services(settings) as services:
            subscriptions = []
            for target in [channel] * shared + own_channels:
                subscriptions.append(
                    await services.subscriptions.create(
                        guild_id=int(fake.guild.id),
                        channel_id=int(target.id),
                        topic=TOPIC,
                        time_of_day="09:00",
                        timezone="UTC",
                        created_by=1,
                    )
                )
            env = child_env(db, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake.api_base, RELEASE_DIGEST_LEASE_SECONDS="2")
            command = [sys.executable, "-m", "bench.soak", "--deliver"]
            kills, lookbacks = 0, []
            for cycle in range(cycles):
                if cycle:  # new releases between cycles, so that every delivery process has posting to do
                    for n in range(fresh):
                        body = release_text(10_000 + cycle * 100 + n).split("\n\n", 1)[1]
                        draft = ReleaseDraft(canonical_id=f"soak-{cycle}-{n}", title=f"Tidewater {n}", body=body)
                        await services.digests.ingest_draft(draft)
                # Killed a random 0-1.5 s after its first post of the cycle: in the middle of posting.
                killed = await run_and_kill_while_working(
                    command,
                    env,
                    folder,
                    folder / "deliver.log",
                    lambda: sum(len(fake.bot_messages(c.id)) for c in [channel, *own_channels]),
                    rng.uniform(0.0, 1.5),
                    120.0,
                )
                kills += killed
                lookbacks.append(posts_since_oldest_claim(fake, db, channel.id))
                for n in range(rng.randint(0, 30)):  # people talk in the shared channel too
                    await fake._create_message(channel, fake.member, {"content": f"chatter {n}"}, [])
            matching = {r.id for r in await services.digests.repo.for_topic(TOPIC, None, 1_000_000)}
        finished = await run_and_maybe_kill(command, env, folder, folder / "deliver.log", 900.0)
        posted: Counter[tuple[int, int]] = Counter()
        for target in [channel, *own_channels]:
            for message in fake.bot_messages(target.id):
                author = (message.get("embeds") or [{}])[0].get("author", {}).get("name", "")
                who = _POSTED_BY.search(author)
                if who is None:
                    continue
                for row in message.get("components", []):
                    for component in row["components"]:
                        if match := _QUOTES_ID.fullmatch(component.get("custom_id", "")):
                            posted[(int(who.group(1)), int(match.group(1)))] += 1
    expected = {(s.id, r) for s in subscriptions for r in matching}
    with sqlite3.connect(db) as conn:
        pending = conn.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'").fetchone()[0]
        ledger = conn.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'posted'").fetchone()[0]
    return {
        "cycles": cycles,
        "kills": kills,
        "final run ended": not finished,
        "subscriptions (shared channel / own)": f"{shared} / {own}",
        "releases per subscription (from the files, and arriving between cycles)": len(matching),
        "(subscription, release) pairs": len(expected),
        "integrity": integrity(db),
        "duplicates": sum(count - 1 for count in posted.values() if count > 1),
        "losses (never posted)": len(expected - set(posted)),
        "unexpected posts": len(set(posted) - expected),
        "pending in the ledger": pending,
        "posted in the ledger": ledger,
        "kills with over 100 posts since the oldest unconfirmed claim": sum(n > 100 for n in lookbacks),
        "most posts since the oldest unconfirmed claim at a kill": max(lookbacks, default=0),
    }


def posts_since_oldest_claim(fake: object, db: Path, channel_id: str) -> int:
    """Messages in the channel since the oldest claim still unconfirmed there, less the look-back's clock-skew
    slack (what the next run has to look back over)."""
    from bot.delivery import HISTORY_SLACK

    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT MIN(d.claimed_at) FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
            "WHERE d.state = 'pending' AND s.channel_id = ?",
            (int(channel_id),),
        ).fetchone()
    if row is None or row[0] is None:
        return 0
    since = (datetime.fromisoformat(row[0]) - HISTORY_SLACK).timestamp()
    return sum(m["_created"] >= since for m in fake.messages_in(channel_id))  # type: ignore[attr-defined]


async def deliver_until_done() -> int:
    """The delivery process: run every subscription, again and again, until nothing is due or pending."""
    import discord

    from bot.app import open_services
    from bot.client import use_api_base
    from bot.delivery import Deliverer
    from digests.config import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    use_api_base(settings.discord_api_base)
    async with open_services(settings) as services:
        client = discord.Client(intents=discord.Intents.none())
        await client.login(TOKEN)
        deliverer = Deliverer(client, services.subscriptions, services.leases, retry_delays=(0.2, 0.5, 1.0))
        try:
            while True:
                ids = [s.id for s in await services.subscriptions.active()]
                outcomes = await asyncio.gather(*(deliverer.run(i) for i in ids))
                idle = all(not o.busy and not o.messages and not o.waiting for o in outcomes)
                if idle and not await services.subscriptions.with_pending():
                    return 0
                if any(o.busy for o in outcomes):  # a killed process's lease: wait for it to expire
                    await asyncio.sleep(0.5)
        finally:
            await client.close()


def report(title: str, figures: dict[str, object]) -> None:
    print(title)
    for name, value in figures.items():
        if name != "db":
            print(f"  {name}: {value}")


async def main(cycles: int, good: int, on_topic: int, shared: int, own: int, fresh: int, seed: int) -> int:
    rng = random.Random(seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ingest = await soak_ingest(folder, cycles, good, on_topic, rng)
        report(f"ingest soak (seed {seed})", ingest)
        delivery = await soak_delivery(folder, Path(str(ingest["db"])), cycles, shared, own, fresh, rng)
        report("delivery soak", delivery)
        logs = [folder / "ingest.log", folder / "deliver.log"]
        tracebacks = sum(log.read_text(errors="replace").count("Traceback") for log in logs if log.exists())
    print(f"tracebacks in the killed processes' output: {tracebacks}")
    print(f"took {time.monotonic() - started:.0f} s")
    ok = (
        ingest["integrity"] == "ok"
        and ingest["good files missing"] == 0
        and ingest["stored more than once"] == 0
        and ingest["releases with more than one version"] == 0
        and delivery["integrity"] == "ok"
        and delivery["duplicates"] == 0
        and delivery["losses (never posted)"] == 0
        and delivery["unexpected posts"] == 0
        and delivery["pending in the ledger"] == 0
        and delivery["final run ended"]
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=30, help="SIGKILLed runs of ingest, then of delivery")
    parser.add_argument("--files", type=int, default=400, help="good release files")
    parser.add_argument("--on-topic", type=int, default=150, help="how many of them the subscriptions follow")
    parser.add_argument("--shared", type=int, default=12, help="subscriptions sharing one channel")
    parser.add_argument("--own", type=int, default=3, help="subscriptions with a channel of their own")
    parser.add_argument("--fresh", type=int, default=20, help="new releases on the topic before each delivery cycle")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deliver", action="store_true", help=argparse.SUPPRESS)  # the delivery child process
    options = parser.parse_args()
    if options.deliver:
        sys.exit(asyncio.run(deliver_until_done()))
    sys.exit(
        asyncio.run(
            main(
                options.cycles,
                options.files,
                options.on_topic,
                options.shared,
                options.own,
                options.fresh,
                options.seed,
            )
        )
    )
