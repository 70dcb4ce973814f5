"""``release-digest bot``: run the Discord bot until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import discord

from bot.app import open_services
from bot.client import DigestBot, use_api_base
from bot.logs import configure_logging
from digests.config import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> int:
    """Start the bot with the settings' token; return the process exit code."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        print(
            "error: DISCORD_TOKEN is not set. Put the bot token from the Discord developer portal in the "
            "environment or in .env (see README).",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log_level, secrets=[token])
    use_api_base(settings.discord_api_base)
    async with open_services(settings) as services:
        seeded = await services.digests.load_seeds_if_empty(settings.seeds_dir)
        if seeded is not None:
            log.info("empty database: loaded %d seed release(s)", seeded.count("added"))
        bot = DigestBot(services, guild_id=settings.discord_guild_id)
        loop = asyncio.get_running_loop()
        closing: list[asyncio.Task[None]] = []  # keeps the close task referenced until it is done
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: closing.append(asyncio.create_task(bot.close())))
        try:
            async with bot:
                await bot.start(token)
        except discord.LoginFailure:
            print(
                "error: Discord rejected DISCORD_TOKEN (401 Unauthorized); reset the token and try again.",
                file=sys.stderr,
            )
            return 2
        except discord.PrivilegedIntentsRequired:
            print("error: Discord refused the connection: a privileged intent is not enabled.", file=sys.stderr)
            return 2
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    log.info("bot stopped cleanly")
    return 0
