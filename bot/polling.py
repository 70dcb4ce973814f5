"""Polling followed feeds on a schedule, and telling servers once when a feed gets paused."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.embeds import ERROR_COLOUR, clean_text, truncate
from bot.replies import NO_MENTIONS
from digests.sources import PollResult

if TYPE_CHECKING:
    from bot.client import DigestBot

log = logging.getLogger(__name__)

POLL_JOB_ID = "poll-sources"


def paused_notice(result: PollResult) -> discord.Embed:
    """The one message a following server gets when its feed is paused."""
    source = result.source
    return discord.Embed(
        title=truncate(f"Feed paused: {source.name}", 256),
        description=(
            f"{clean_text(source.paused_reason or 'too many failures')}\n\n"
            f"To resume, fix the feed if needed and run `/source add url:{clean_text(source.url)}` again."
        ),
        colour=ERROR_COLOUR,
    )


async def poll_sources(bot: DigestBot) -> list[PollResult]:
    """Poll every due feed; tell the followers of each feed this poll paused. Never raises."""
    try:
        results = await bot.services.sources.poll_due()
    except Exception:
        log.exception("polling sources failed")
        return []
    for result in results:
        if result.error:
            log.warning("feed %s failed: %s", result.source.url, result.error)
        if result.paused_now:
            await _notify_paused(bot, result)
    return results


async def _notify_paused(bot: DigestBot, result: PollResult) -> None:
    for follow in await bot.services.sources.repo.followers(result.source.id):
        channel = bot.get_channel(follow.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            guild = bot.get_guild(follow.guild_id)
            channel = guild.system_channel if guild else None
        if channel is None:
            log.warning("nowhere to tell guild %s that feed %s is paused", follow.guild_id, result.source.url)
            continue
        try:
            await bot.deliverer.limiter.acquire()  # share the budget with daily digests: Discord's limit is global
            await channel.send(embed=paused_notice(result), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not tell guild %s that feed %s is paused: %s", follow.guild_id, result.source.url, exc)
