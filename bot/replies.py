"""Answering interactions: in time, without pings, and with a reference when something fails."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Iterable
from contextlib import suppress
from typing import Any, TypeVar

import discord

from bot.embed_text import truncate
from bot.embeds import error_embed
from digests.service import UnknownTopicError
from digests.store.db import store_outage

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


async def has_permission(interaction: discord.Interaction[Any], required: discord.Permissions, refusal: str) -> bool:
    """Whether the user holds ``required`` in a server; if not, answer ``refusal`` privately.

    Checked in handlers although the commands have default permissions: a server may loosen those.
    """
    if interaction.guild is not None and interaction.permissions >= required:
        return True
    await send_error(interaction, refusal)
    return False


def unknown_topic_message(error: UnknownTopicError) -> str:
    """The "No releases match “x” since …" line, without the suggestions (they are listed separately)."""
    window = f" since {error.since:%Y-%m-%d}" if error.since else ""
    return f"No releases match “{error.topic}”{window}."


AUTOCOMPLETE_LIMIT = 25  # choices Discord shows
CHOICE_LIMIT = 100  # characters of a choice's name and value


def choices(values: Iterable[str]) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices within Discord's limits."""
    return [discord.app_commands.Choice(name=value[:CHOICE_LIMIT], value=value[:CHOICE_LIMIT]) for value in values][
        :AUTOCOMPLETE_LIMIT
    ]


def id_choices(labelled: Iterable[tuple[str, int]]) -> list[discord.app_commands.Choice[int]]:
    """Autocomplete choices for (label, id) pairs within Discord's limits."""
    return [discord.app_commands.Choice(name=truncate(label, CHOICE_LIMIT), value=id_) for label, id_ in labelled][
        :AUTOCOMPLETE_LIMIT
    ]


def new_reference() -> str:
    """A short id that ties an apology shown to a user to the logged error."""
    return secrets.token_hex(4)


def logged_apology(error: BaseException, logger: logging.Logger, message: str, *args: object) -> tuple[str, str]:
    """Log ``error`` with a fresh reference (``message``'s first ``%s``); returns it and the user's apology.

    The store out of reach (PostgreSQL restarting) is no bug: one warning line, and the member is told to try again.
    """
    reference = new_reference()
    outage = store_outage(error)
    if outage is not None:
        logger.warning(f"{message}: the store is unavailable (%s)", reference, *args, outage)
        return reference, f"The release store is unavailable right now; try again shortly (reference {reference})."
    logger.error(message, reference, *args, exc_info=error)
    return reference, f"Sorry, something went wrong on our side (reference {reference})."


async def apologise(interaction: discord.Interaction[Any], error: BaseException) -> str:
    """Log ``error`` with a fresh reference and tell the user privately; returns the reference."""
    command = interaction.command.qualified_name if interaction.command else "component"
    reference, apology = logged_apology(error, log, "interaction failed [ref %s] in %s", command)
    try:
        await send_error(interaction, apology)
    except discord.HTTPException as exc:
        log.warning("could not deliver the apology for ref %s: %s", reference, exc)
    return reference
