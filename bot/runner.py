"""``release-digest bot``: run the Discord bot until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from bot.app import open_services
from bot.client import DigestBot, use_api_base
from bot.logs import configure_logging
from bot.startup import EXIT_CONFIG, Backoff, Supervisor
from digests.config import Settings
from digests.store.db import url_secrets

log = logging.getLogger(__name__)


async def run_bot(
    settings: Settings, *, backoff: Backoff | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> int:
    """Start the bot with the settings' token and keep it connected; return the process exit code
    (0 stopped by SIGTERM/SIGINT, 2 a configuration error; see :mod:`bot.startup`)."""
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
    async with open_services(settings, clock) as services:
        seeded = await services.digests.load_seeds_if_empty(settings.seeds_dir)
        if seeded is not None:
            log.info("empty database: loaded %d seed release(s)", seeded.count("added"))
        supervisor = Supervisor(lambda: DigestBot(services, guild_id=settings.discord_guild_id), token, backoff=backoff)
        code = await supervisor.run()
    if code == 0:
        log.info("bot stopped cleanly")
    return code
