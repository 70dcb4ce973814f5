"""``/digest`` and ``/releases``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import Page, digest_pages, releases_pages
from bot.replies import AUTOCOMPLETE_LIMIT, choices, send_error, unknown_topic_message, within_deadline
from bot.views import PaginatorView
from digests.periods import parse_since
from digests.service import UnknownTopicError, server_scope

if TYPE_CHECKING:
    from bot.client import DigestBot

RELEASES_SHOWN = 100


class DigestCog(commands.Cog):
    """Digests of a topic and the list of stored releases."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.service = bot.services.digests

    @app_commands.command(name="digest", description="Summary and key quotes of the releases about a topic")
    @app_commands.describe(
        topic="A topic, acronym or name, e.g. hmc",
        since="Only releases this recent: 7d, 12h, 2w or a date like 2024-01-25",
        sentences="Summary sentences per release (1-10)",
    )
    async def digest(
        self,
        interaction: discord.Interaction[DigestBot],
        topic: app_commands.Range[str, 1, 200],
        since: str | None = None,
        sentences: app_commands.Range[int, 1, 10] | None = None,
    ) -> None:
        """Answer with one embed per matching release, paged when they don't fit one message."""
        tz = self.bot.services.settings.tz
        try:
            since_at = parse_since(since, self.bot.services.clock(), tz) if since else None
        except ValueError as exc:
            await send_error(interaction, str(exc))
            return
        scope = server_scope(interaction.guild_id)
        try:
            digest = await within_deadline(interaction, self.service.digest(topic, since_at, sentences, guild_id=scope))
        except UnknownTopicError as exc:
            await send_error(interaction, unknown_topic_message(exc), exc.suggestions)
            return
        shown = {"page": 1}

        async def more() -> tuple[list[Page], bool]:
            """The next digest page's messages, and whether more releases follow."""
            shown["page"] += 1
            following = await self.service.digest(topic, since_at, sentences, page=shown["page"], guild_id=scope)
            return digest_pages(following, tz), following.more_follow

        more_pages = more if digest.more_follow else None
        view = PaginatorView(digest_pages(digest, tz), author_id=interaction.user.id, more=more_pages)
        await view.start(interaction)

    @digest.autocomplete("topic")
    async def topic_choices(
        self, interaction: discord.Interaction[DigestBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Known topics and acronyms (of the releases this server sees) starting with what the user typed."""
        scope = server_scope(interaction.guild_id)
        return choices(await self.service.topics(current, AUTOCOMPLETE_LIMIT, guild_id=scope))

    @app_commands.command(name="releases", description="Recently stored releases")
    @app_commands.describe(search="Only releases containing these words")
    async def releases(
        self,
        interaction: discord.Interaction[DigestBot],
        search: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """The newest releases, ten to a page."""
        found = await within_deadline(
            interaction, self.service.releases(search, RELEASES_SHOWN, guild_id=server_scope(interaction.guild_id))
        )
        if search and not found:
            await send_error(interaction, f"No stored release contains “{search}”.")
            return
        pages = releases_pages(found, self.bot.services.settings.tz)
        await PaginatorView(pages, author_id=interaction.user.id).start(interaction)
