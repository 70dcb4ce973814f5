"""``release-digest bot``: run the Discord bot until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from bot.client import DigestBot, use_api_base
from bot.logs import configure_logging
from bot.startup import EXIT_CONFIG, Backoff, ConfigurationError, Supervisor, open_store, retry
from digests.config import Settings
from digests.stopping import Stopped, unless_set
from digests.store.db import url_secrets

log = logging.getLogger(__name__)


async def run_bot(
    settings: Settings, *, backoff: Backoff | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> int:
    """Open the store, start the bot with the settings' token and keep it connected; return the process exit code
    (0 stopped by SIGTERM/SIGINT, 2 a configuration error; see :mod:`bot.startup`). While the store cannot be
    reached (PostgreSQL not up yet) it retries with ``backoff``, as ``release-digest worker`` does."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        print(
            "error: DISCORD_TOKEN is not set. Put the bot token from the Discord developer portal in the "
            "environment or in .env (see README).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    configure_logging(settings.log_level, secrets=[token, *url_secrets(settings.db)])
    use_api_base(settings.discord_api_base)
    backoff = backoff or Backoff()
    async with contextlib.AsyncExitStack() as stack:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            services = await retry(stop, backoff, lambda: unless_set(stop, open_store(stack, settings, clock)))
            # Seeding is not cancelled by SIGTERM (it would leave a part of the seeds): it ends first.
            seeded = await services.digests.load_seeds_if_empty(settings.seeds_dir)
        except Stopped:  # SIGTERM/SIGINT while the store could not be reached yet
            log.info("bot stopped cleanly")
            return 0
        except ConfigurationError as exc:
            log.error("%s", exc)
            return EXIT_CONFIG
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)  # the supervisor handles them from here on
        if seeded is not None:
            log.info("empty database: loaded %d seed release(s)", seeded.count("added"))
        if stop.is_set():
            log.info("bot stopped cleanly")
            return 0
        backoff.reset()  # the store is up: an outage of Discord starts from the first delay
        supervisor = Supervisor(lambda: DigestBot(services, guild_id=settings.discord_guild_id), token, backoff=backoff)
        code = await supervisor.run()
    if code == 0:
        log.info("bot stopped cleanly")
    return code
