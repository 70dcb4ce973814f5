"""``/quote`` and follow-up questions asked by replying to a digest and mentioning the bot."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import error_embed, quote_hits_embed
from bot.replies import (
    AUTOCOMPLETE_LIMIT,
    NO_MENTIONS,
    choices,
    logged_apology,
    send,
    send_error,
    unknown_topic_message,
    within_deadline,
)
from bot.views import QUOTES_CUSTOM_ID_TEMPLATE
from digests.service import UnknownTopicError, server_scope
from digests.userinput import InputTooLongError

if TYPE_CHECKING:
    from bot.client import DigestBot

log = logging.getLogger(__name__)

QUOTES_SHOWN = 5
_QUOTES_CUSTOM_ID = re.compile(QUOTES_CUSTOM_ID_TEMPLATE)
_MENTION = re.compile(r"<@[!&]?\d+>")
HOW_TO_ASK = "Reply to one of my digests and mention me with a question, e.g. “what did Singh say about withdrawal?”"


def digest_release_ids(message: discord.Message) -> list[int]:
    """The releases a digest message shows, read back from its Quotes buttons (stable across restarts)."""
    ids: list[int] = []
    for row in message.components:
        for child in getattr(row, "children", []):
            match = _QUOTES_CUSTOM_ID.fullmatch(getattr(child, "custom_id", None) or "")
            if match:
                ids.append(int(match["release_id"]))
    return ids


async def _reply(message: discord.Message, embed: discord.Embed) -> None:
    """Answer ``message`` as a reply that pings no one."""
    await message.reply(embed=embed, mention_author=False, allowed_mentions=NO_MENTIONS)


class QuotesCog(commands.Cog):
    """Quote search, by command and by mention."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.service = bot.services.digests

    @app_commands.command(name="quote", description="Find what was said: quotes ranked by relevance")
    @app_commands.describe(query="Words to look for", speaker="Only quotes by this person", topic="Only this topic")
    async def quote(
        self,
        interaction: discord.Interaction[DigestBot],
        query: app_commands.Range[str, 1, 200],
        speaker: app_commands.Range[str, 1, 100] | None = None,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """The best matching quotes with speaker, title, release and link."""
        try:
            hits = await within_deadline(
                interaction,
                self.service.search_quotes(
                    query, speaker, topic, limit=QUOTES_SHOWN, guild_id=server_scope(interaction.guild_id)
                ),
            )
        except UnknownTopicError as exc:
            await send_error(interaction, unknown_topic_message(exc), exc.suggestions)
            return
        if not hits:
            who = f" by {speaker}" if speaker else ""
            await send_error(interaction, f"No quotes{who} match “{query}”.")
            return
        await send(interaction, embed=quote_hits_embed(query, hits, self.bot.services.settings.tz))

    @quote.autocomplete("speaker")
    async def speaker_choices(
        self, interaction: discord.Interaction[DigestBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Quoted people (in the releases this server sees) whose name contains what the user typed."""
        scope = server_scope(interaction.guild_id)
        return choices(await self.service.speakers(current, AUTOCOMPLETE_LIMIT, guild_id=scope))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer "@Release Digest what did Singh say about withdrawal?" sent as a reply to a digest."""
        me = self.bot.user
        if message.author.bot or me is None or not any(user.id == me.id for user in message.mentions):
            return
        try:
            await self._answer_follow_up(message, me.id)
        except discord.HTTPException as exc:
            log.warning("could not answer a mention in channel %s: %s", message.channel.id, exc)
        except Exception as exc:
            _, apology = logged_apology(exc, log, "follow-up failed [ref %s]")
            await _reply(message, error_embed(apology))

    async def _answer_follow_up(self, message: discord.Message, my_id: int) -> None:
        question = _MENTION.sub(" ", message.content).strip()
        target = await self._referenced(message)
        release_ids = digest_release_ids(target) if target and target.author.id == my_id else []
        if not question or not release_ids:
            await _reply(message, error_embed(HOW_TO_ASK))
            return
        # The digest's buttons name the releases; this server must still see them (a copied message proves nothing).
        scope = server_scope(message.guild.id if message.guild else None)
        try:
            hits = await self.service.search_quotes(
                question, release_ids=release_ids, limit=QUOTES_SHOWN, guild_id=scope
            )
        except InputTooLongError as exc:
            await _reply(message, error_embed(str(exc)))
            return
        embed = (
            quote_hits_embed(question, hits, self.bot.services.settings.tz)
            if hits
            else error_embed(f"No quote in that digest matches “{question}”.")
        )
        await _reply(message, embed)

    @staticmethod
    async def _referenced(message: discord.Message) -> discord.Message | None:
        """The message this one replies to, fetched if Discord did not include it."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        if isinstance(reference.resolved, discord.Message):
            return reference.resolved
        if isinstance(reference.resolved, discord.DeletedReferencedMessage):
            return None
        try:
            return await message.channel.fetch_message(reference.message_id)
        except discord.HTTPException:
            return None
