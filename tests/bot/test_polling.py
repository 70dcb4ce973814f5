"""The feed poller's lease job, on a real PostgreSQL reached through a forwarder that can go away: a store outage
pauses polling with one line saying so (not "another process polls now": nobody can poll while the store is away)
and the first renewal that works once it is back resumes it; a lease really lost still says so."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from pathlib import Path

import discord
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import open_services
from bot.polling import FeedPoller
from bot.rate_budget import RateLimiter
from bot.scheduling import RunningJobs
from digests.config import Settings
from digests.leases import POLLER_LEASE
from tests.e2e.outages import forwarder
from tests.pg_server import PostgresServer, free_port

PAUSED = "store unavailable: feed polling paused until it is back ("
POLLS = "this process polls the feeds now ("


async def test_a_store_outage_pauses_polling_with_one_line_and_its_end_resumes_it(
    postgres: PostgresServer, pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, db=pg_url.replace(f":{postgres.port}/", f":{port}/"), lease_seconds=600.0,
        analysis_workers=0, seeds_dir=tmp_path / "none",
    )  # fmt: skip
    caplog.set_level(logging.INFO, logger="bot.polling")

    def said() -> list[tuple[str, str]]:
        records = [r for r in caplog.records if r.name == "bot.polling"]
        assert all(r.exc_info is None for r in records)  # no traceback
        caplog.clear()
        return [(r.levelname, r.getMessage()) for r in records]

    async with contextlib.AsyncExitStack() as stack:
        store = await stack.enter_async_context(contextlib.AsyncExitStack())
        await store.enter_async_context(forwarder(port, postgres.port))
        services = await stack.enter_async_context(open_services(settings))
        scheduler = AsyncIOScheduler()  # never started: the test runs the lease job itself
        client = discord.Client(intents=discord.Intents.none())
        poller = FeedPoller(client, services, scheduler, RateLimiter(1.0), RunningJobs(), first_poll_delay=timedelta(0))
        poller.start()
        await poller._keep_lease()
        assert poller.leader and [level for level, line in said() if line.startswith(POLLS)] == ["INFO"]

        await store.aclose()  # PostgreSQL goes away
        for _ in range(3):
            await poller._keep_lease()
            assert not poller.leader
        ((level, line),) = said()  # once for the outage, however many renewals fail
        assert level == "WARNING" and line.startswith(PAUSED), line

        await store.enter_async_context(forwarder(port, postgres.port))  # it is back (and stays until the end)
        await poller._keep_lease()
        assert poller.leader
        assert [line.split(" (")[0] for _, line in said()] == [
            "store available again: feed polling resumes",
            "this process polls the feeds now",
        ]

        await services.db.execute("UPDATE leases SET owner = 'another process' WHERE name = ?", (POLLER_LEASE,))
        await poller._keep_lease()  # a real loss is still reported as one
        assert not poller.leader
        assert said() == [("WARNING", "lost the feed poller's lease: another process polls now")]
