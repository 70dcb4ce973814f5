"""Answering interactions: in time, without pings, and with a reference when something fails."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Iterable
from contextlib import suppress
from typing import Any, TypeVar

import discord

from bot.embeds import error_embed

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Discord drops an interaction not acknowledged within 3 s; answer directly when the work is this quick,
# otherwise defer first and follow up.
DIRECT_ANSWER_BUDGET = 1.5
_PUBLIC_THINKING = "release_digest.public_thinking"  # interaction.extras key: deferred with a public "thinking…"

T = TypeVar("T")


async def within_deadline(interaction: discord.Interaction[Any], work: Awaitable[T], *, ephemeral: bool = False) -> T:
    """Await ``work``; if it is not done within the budget, defer the interaction (once) and keep waiting."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=DIRECT_ANSWER_BUDGET)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        interaction.extras[_PUBLIC_THINKING] = not ephemeral
    return await task


async def send(interaction: discord.Interaction[Any], *, ephemeral: bool = False, **kwargs: Any) -> None:
    """Reply or follow up, whichever the interaction's state needs, with mentions disabled."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)


async def send_error(interaction: discord.Interaction[Any], message: str, suggestions: list[str] | None = None) -> None:
    """A private error answer, even after a public "thinking…" deferral."""
    if interaction.extras.pop(_PUBLIC_THINKING, False):
        # The first follow-up would replace the public "thinking…" message and stay public: remove it, so the
        # follow-up is a new message that honours the ephemeral flag.
        with suppress(discord.HTTPException):
            await interaction.delete_original_response()
    await send(interaction, ephemeral=True, embed=error_embed(message, suggestions or []))


AUTOCOMPLETE_LIMIT = 25  # choices Discord shows
CHOICE_LIMIT = 100  # characters of a choice's name and value


def choices(values: Iterable[str]) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices within Discord's limits."""
    return [discord.app_commands.Choice(name=value[:CHOICE_LIMIT], value=value[:CHOICE_LIMIT]) for value in values][
        :AUTOCOMPLETE_LIMIT
    ]


def new_reference() -> str:
    """A short id that ties an apology shown to a user to the logged error."""
    return secrets.token_hex(4)


async def apologise(interaction: discord.Interaction[Any], error: BaseException) -> str:
    """Log ``error`` with a fresh reference and tell the user privately; returns the reference."""
    reference = new_reference()
    command = interaction.command.qualified_name if interaction.command else "component"
    log.error("interaction failed [ref %s] in %s", reference, command, exc_info=error)
    try:
        await send_error(interaction, f"Sorry, something went wrong on our side (reference {reference}).")
    except discord.HTTPException as exc:
        log.warning("could not deliver the apology for ref %s: %s", reference, exc)
    return reference
