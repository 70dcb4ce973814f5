"""``release-digest poll`` and ``worker`` losing the poller lease mid-run, as two processes on one store: the
process is stopped (SIGSTOP) for longer than the lease lasts while it fetches a feed, another holder takes the lease,
and once the process runs again it abandons that fetch, fetches no other feed and says so in one line (``poll``
exits 0, the worker stands by); the new holder then polls every feed, and each release is stored once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import open_services
from digests.config import Settings
from digests.leases import POLLER_LEASE, Leases
from digests.store.leases import LeaseRepository
from tests.e2e.processes import ROOT
from tests.fake_discord.server import FakeDiscord

BODY = "The Harbortest office said the harbor will reopen next week after repairs. " * 8
TTL = 1.0  # seconds: the poll process renews every 0.25 s
HITS = web.AppKey("hits", Counter[str])
GATE = web.AppKey("gate", asyncio.Event)


async def feed(request: web.Request) -> web.Response:
    request.app[HITS][request.path] += 1
    if request.path == "/slow.xml":
        await request.app[GATE].wait()
    item = f"<item><title>Harbor reopens</title><link>https://example.gov/news/reopens</link><description>{BODY}"
    body = f'<rss version="2.0"><channel><title>Harbortest</title>{item}</description></item></channel></rss>'
    return web.Response(body=body.encode(), content_type="application/rss+xml")


@pytest.fixture
async def feeds() -> AsyncIterator[TestServer]:
    app = web.Application()
    app[HITS], app[GATE] = Counter(), asyncio.Event()
    app.router.add_get("/slow.xml", feed)
    app.router.add_get("/feed.xml", feed)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


@pytest.fixture(params=[("poll", "sqlite"), ("poll", "postgresql"), ("worker", "postgresql")], ids="-".join)
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """The command, and its store: an SQLite file or a PostgreSQL database."""
    command, engine = request.param
    return command, str(tmp_path / "shared.db") if engine == "sqlite" else str(request.getfixturevalue("pg_url"))


async def test_a_poller_that_loses_its_lease_stops_and_the_new_holder_polls(
    case: tuple[str, str], feeds: TestServer, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    command, store = case
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, db=store, allow_private_urls=True, analysis_workers=0, seeds_dir=tmp_path / "none"
    )
    hits = feeds.app[HITS]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_DIGEST_", "DISCORD_"))}
    env |= {"PYTHONPATH": str(ROOT), "RELEASE_DIGEST_DB": store, "RELEASE_DIGEST_ALLOW_PRIVATE_URLS": "true"}
    env |= {"RELEASE_DIGEST_LEASE_SECONDS": str(TTL), "RELEASE_DIGEST_ANALYSIS_WORKERS": "0"}
    if command == "worker":  # it posts paused-feed notices over REST: the fake Discord stands in
        env |= {"DISCORD_TOKEN": "worker-token", "DISCORD_API_BASE": fake_discord.api_base}
    log = tmp_path / f"{command}.log"

    def output() -> str:
        return log.read_text(errors="replace")

    def lost_lines() -> list[str]:
        return [line for line in output().splitlines() if "lost the" in line]

    async with open_services(settings) as services:
        for path in ("/slow.xml", "/feed.xml"):  # followed by the operator, not polled yet: both due
            url = f"http://127.0.0.1:{feeds.port}{path}"
            await services.sources.repo.add(url, url.removeprefix("http://"), datetime.now(UTC), is_global=True)
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", command, cwd=tmp_path, env=env, stdout=out, stderr=out
            )
        try:
            async with asyncio.timeout(60):
                while not hits["/slow.xml"]:  # it holds the lease and fetches the slow feed
                    assert process.returncode is None, output()
                    await asyncio.sleep(0.05)
            process.send_signal(signal.SIGSTOP)  # stalled longer than its lease lasts
            await asyncio.sleep(TTL * 1.5)
            lease_time = timedelta(seconds=TTL)
            other = Leases(LeaseRepository(services.db), owner="other", ttl=lease_time, clock=services.clock)
            async with other.holding(POLLER_LEASE) as held:
                assert held  # expired: taken over
                process.send_signal(signal.SIGCONT)
                if command == "poll":
                    await asyncio.wait_for(process.wait(), 30)
                else:  # the worker stands by
                    async with asyncio.timeout(30):
                        while not lost_lines():
                            await asyncio.sleep(0.05)
                    await asyncio.sleep(TTL)  # time enough to fetch another feed, were it still polling
                assert hits == {"/slow.xml": 1}, output()  # it abandoned the slow feed and fetched no other
                assert await services.digests.repo.count() == 0
                feeds.app[GATE].set()
                results = await services.sources.poll_due(held.lost)
                assert not held.lost.is_set()
                polled = hits.copy()  # once this holder gives the lease up, the worker may take it and poll again
            if command == "worker":
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, output()
        assert "Traceback" not in output() and len(lost_lines()) == 1, output()
        if command == "poll":
            assert output().splitlines() == ["lost the lease 'poller' to another process: stopping"], output()
        assert [r.source.url.rsplit("/", 1)[1] for r in results] == ["slow.xml", "feed.xml"]
        assert [r.count("added") for r in results] == [1, 0] and polled == {"/slow.xml": 2, "/feed.xml": 1}
        assert await services.digests.repo.count() == 1  # stored once, by the new holder
