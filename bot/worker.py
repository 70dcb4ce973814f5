"""``release-digest worker``: the feed poller as a process of its own, beside the shard processes.

It has no gateway connection. It polls while it holds the ``poller`` lease (so running two workers, or workers
and bots that also poll, still polls each feed once) and posts feed-health notices over Discord's REST API.
Fetching, parsing and analysis happen here, never in a shard's event loop.

Starting it needs the store and Discord's REST API. While either cannot be reached (PostgreSQL not up yet, no
network) it logs one line per attempt and tries again after the bot's backoff (:class:`bot.startup.Backoff`: 1 s
doubling to a cap, jittered), with no traceback; a set-up error that retrying cannot fix — no token or a rejected
one, a store refusing the URL's user, password or database — is one line and :data:`EXIT_CONFIG`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from datetime import UTC, timedelta

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Services
from bot.client import use_api_base
from bot.delivery import RateLimiter
from bot.logs import configure_logging
from bot.polling import FeedPoller
from bot.scheduling import RunningJobs
from bot.startup import (
    EXIT_CONFIG,
    TOKEN_REJECTED,
    Backoff,
    ConfigurationError,
    Unreachable,
    describe,
    is_outage,
    no_voice,
    open_store,
    retry,
)
from digests.config import Settings
from digests.stopping import Stopped, unless_set
from digests.store.db import url_secrets

log = logging.getLogger(__name__)

# Paused-feed notices are rare; a small slice of Discord's global 50 requests/s, which the shards mostly use.
NOTICE_REQUESTS_PER_SECOND = 2.0

async def run_worker(settings: Settings, *, backoff: Backoff | None = None) -> int:
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
    no_voice()
    backoff = backoff or Backoff()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await retry(stop, backoff, lambda: _serve(settings, token, stop, backoff), logger=log)
    except Stopped:  # SIGTERM/SIGINT while it was still starting
        pass
    except ConfigurationError as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    log.info("worker stopped cleanly")
    return 0


async def _serve(settings: Settings, token: str, stop: asyncio.Event, backoff: Backoff) -> None:
    """Open the store, log in to Discord and poll until ``stop``; :class:`Unreachable` when the store or Discord
    cannot be reached, :class:`ConfigurationError` for a set-up error, :class:`Stopped` if stopped meanwhile (a
    connection attempt can hang until its timeout: SIGTERM does not wait for it)."""
    async with contextlib.AsyncExitStack() as stack:
        services = await unless_set(stop, open_store(stack, settings))
        client = discord.Client(intents=discord.Intents.default())  # never connects: intents unused
        stack.push_async_callback(client.close)
        await unless_set(stop, _log_in(client, token))
        backoff.reset()
        await _poll_until(stop, client, services)


async def _log_in(client: discord.Client, token: str) -> None:
    """``GET /users/@me`` with the token: REST only, no gateway connection."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise ConfigurationError(TOKEN_REJECTED) from None
    except Exception as exc:
        if not is_outage(exc):
            raise
        raise Unreachable(f"Discord unreachable (logging in: {describe(exc)})") from None


async def _poll_until(stop: asyncio.Event, client: discord.Client, services: Services) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    jobs = RunningJobs()
    poller = FeedPoller(
        client, services, scheduler, RateLimiter(NOTICE_REQUESTS_PER_SECOND), jobs, first_poll_delay=timedelta(0)
    )
    try:
        scheduler.start()
        poller.start()
        log.info("worker %s started: polling feeds while it holds the lease", services.leases.owner)
        await stop.wait()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await jobs.wait()
        await poller.stop()
