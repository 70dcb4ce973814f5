"""The bot process's memory at 100,000 releases after 100 mixed answers (issue 11: < 150 MB RSS).

Run by hand from the project root: ``.venv/bin/python -m bench.bot_memory [--releases 100000] [--answers 100]``.

A copy of the cached benchmark store (bench/scale_store.py; built first if missing) is opened through the
composition root (``bot.app.open_services`` with the default settings but that database) and the Discord client is
built on those services (``bot.client.DigestBot``: cogs' imports, scheduler, deliverer; not logged in), in a fresh
process that imports only what the bot does. Then ``--answers`` answers cycle through the kinds the cogs ask for,
as a server asks (``guild_id=1``): a digest's first page of a frequent topic and of an unknown topic (its
suggestions), topic and speaker autocomplete, quote search (a common word, and with a topic), the newest releases
and a release search; each digest, quote and listing answer is also rendered as the embeds the bot would send.
Printed: the process's RSS (``VmRSS``) after start-up, after the answers, and its peak (``VmHWM``). Analysis
workers are not started (nothing is ingested); they would be processes of their own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.scale_inputs import (
    FREQUENT,
    QUOTE_TOPICS,
    QUOTE_WORDS,
    SEARCH_WORDS,
    SPEAKER_PREFIXES,
    TOPIC_PREFIXES,
    UNKNOWN,
)

GUILD = 1


def status_mb(field: str) -> float:
    """A ``/proc/self/status`` size field (``VmRSS``, ``VmHWM``) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def answers(bot: Any) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
    """One call per kind and input, as the cogs make them (with the embeds for digests and quotes)."""
    from bot.embeds import digest_pages, quote_hits_embed, releases_pages
    from digests.service import UnknownTopicError

    service = bot.services.digests
    tz = bot.services.settings.tz

    def digest(topic: str) -> Callable[[], Awaitable[object]]:
        async def call() -> object:
            try:
                return digest_pages(await service.digest(topic, guild_id=GUILD), tz)
            except UnknownTopicError as exc:
                return exc.suggestions

        return call

    def quotes(word: str, topic: str | None) -> Callable[[], Awaitable[object]]:
        async def call() -> object:
            return quote_hits_embed(word, await service.search_quotes(word, topic=topic, guild_id=GUILD), tz)

        return call

    def listing(search: str | None) -> Callable[[], Awaitable[object]]:
        async def call() -> object:
            return releases_pages(await service.releases(search, 100, guild_id=GUILD), tz)

        return call

    calls: list[tuple[str, Callable[[], Awaitable[object]]]] = []
    calls += [("digest", digest(topic)) for topic in FREQUENT]
    calls += [("suggestions", digest(topic)) for topic in UNKNOWN]
    calls += [("topic autocomplete", lambda p=p: service.topics(p, 25, guild_id=GUILD)) for p in TOPIC_PREFIXES]
    calls += [("speaker autocomplete", lambda p=p: service.speakers(p, 25, guild_id=GUILD)) for p in SPEAKER_PREFIXES]
    calls += [("quote", quotes(word, None)) for word in QUOTE_WORDS]
    calls += [("quote with topic", quotes(word, topic)) for word, topic in QUOTE_TOPICS]
    calls += [("releases", listing(None))]
    calls += [("releases search", listing(word)) for word in SEARCH_WORDS]
    return calls


async def run(store: Path, count: int) -> None:
    from bot.app import open_services
    from bot.client import DigestBot
    from digests.config import Settings

    settings = Settings(_env_file=None, db=store)  # type: ignore[call-arg]
    async with open_services(settings) as services:
        bot = DigestBot(services)
        releases = await services.digests.repo.count()
        print(f"{releases:,} releases; RSS after start-up {status_mb('VmRSS'):.0f} MB", flush=True)
        calls = answers(bot)
        kinds: dict[str, int] = {}
        started = time.monotonic()
        for n in range(count):
            kind, call = calls[n % len(calls)]
            await call()
            kinds[kind] = kinds.get(kind, 0) + 1
        wall = time.monotonic() - started
        print(f"{count} answers in {wall:.1f} s: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
        print(f"RSS after the answers {status_mb('VmRSS'):.0f} MB; peak (VmHWM) {status_mb('VmHWM'):.0f} MB")
        await bot.http.close()  # never logged in: only its HTTP session to close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--cache", default=".cache/scale")
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)  # internal: measure in this process
    args = parser.parse_args()
    if args.store:
        asyncio.run(run(args.store, args.answers))
        return
    from bench.scale_store import ensure  # loads the analysis stack: only in this parent process

    print(f"load average {os.getloadavg()}")
    source = asyncio.run(ensure(Path(args.cache), args.releases))
    with tempfile.TemporaryDirectory(dir=Path(args.cache).resolve()) as tmp:
        store = Path(tmp) / "bot.db"
        shutil.copyfile(source, store)  # opening migrates it: never the cached store itself
        # A fresh process holding only what the bot loads.
        command = [sys.executable, "-m", "bench.bot_memory", "--store", str(store), "--answers", str(args.answers)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
