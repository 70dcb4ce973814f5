"""``release-digest worker``: the feed poller as a process of its own, beside the shard processes.

It has no gateway connection. It polls while it holds the ``poller`` lease (so running two workers, or workers
and bots that also poll, still polls each feed once) and posts feed-health notices over Discord's REST API.
Fetching, parsing and analysis happen here, never in a shard's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, timedelta

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import open_services
from bot.client import use_api_base
from bot.delivery import RateLimiter
from bot.logs import configure_logging
from bot.polling import FeedPoller
from bot.scheduling import RunningJobs
from bot.startup import EXIT_CONFIG
from digests.config import Settings
from digests.store.db import url_secrets

log = logging.getLogger(__name__)

# Paused-feed notices are rare; a small slice of Discord's global 50 requests/s, which the shards mostly use.
NOTICE_REQUESTS_PER_SECOND = 2.0


async def run_worker(settings: Settings) -> int:
    """Poll feeds (when this process holds the lease) until SIGTERM/SIGINT; return the process exit code."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        print(
            "error: DISCORD_TOKEN is not set; the worker needs it to tell servers about paused feeds (see README).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    configure_logging(settings.log_level, secrets=[token, *url_secrets(settings.db)])
    use_api_base(settings.discord_api_base)
    async with open_services(settings) as services:
        client = discord.Client(intents=discord.Intents.default())  # never connects: intents unused
        try:
            await client.login(token)  # REST only: no gateway connection
        except discord.LoginFailure:
            await client.close()
            print("error: Discord rejected DISCORD_TOKEN (401 Unauthorized); reset the token and try again.",
                  file=sys.stderr)  # fmt: skip
            return EXIT_CONFIG
        scheduler = AsyncIOScheduler(timezone=UTC)
        jobs = RunningJobs()
        poller = FeedPoller(
            client, services, scheduler, RateLimiter(NOTICE_REQUESTS_PER_SECOND), jobs, first_poll_delay=timedelta(0)
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            scheduler.start()
            poller.start()
            log.info("worker %s started: polling feeds while it holds the lease", services.leases.owner)
            await stop.wait()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            if scheduler.running:
                scheduler.shutdown(wait=False)
            await jobs.wait()
            await poller.stop()
            await client.close()
    log.info("worker stopped cleanly")
    return 0
