"""``/source add|remove``, ``/sources`` and ``/why``: feeds a server follows, their health, an article's fate."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embed_text import clean_text, format_date, truncate
from bot.embeds import DIGEST_COLOUR
from bot.replies import has_permission, id_choices, send, send_error
from bot.views import PaginatorView
from digests.service import server_scope
from digests.sources import PollResult
from digests.store.sources import Source

if TYPE_CHECKING:
    from bot.client import DigestBot

MANAGE_SERVER_ONLY = "You need the Manage Server permission to change this server's sources."
MANAGE_SERVER = discord.Permissions(manage_guild=True)
SOURCES_PER_EMBED = 10
EVENTS_SHOWN = 10


def _when(moment: datetime | None, tz: tzinfo) -> str:
    return format_date(moment, tz) if moment else "never"


def source_line(source: Source, tz: tzinfo) -> str:
    """One source's health in a few lines of Markdown."""
    state = f"⏸ paused — {clean_text(source.paused_reason)}" if source.paused_reason else "active"
    if source.is_global:
        state += ", global: the bot's operator added it for every server"
    lines = [
        f"**{truncate(clean_text(source.name), 200)}** (#{source.id}, {state})",
        f"{truncate(clean_text(source.url), 300)}",
        f"{source.item_count} item(s) · last success {_when(source.last_ok_at, tz)}",
    ]
    if source.last_error:
        lines.append(f"last error {_when(source.last_error_at, tz)}: {truncate(clean_text(source.last_error), 300)}")
    return "\n".join(lines)


def poll_summary(result: PollResult) -> str:
    """What the first poll of a newly added source found."""
    if result.error:
        return f"The first poll failed: {result.error}. It will be retried with backoff."
    if result.not_modified:
        return "Nothing new since the last poll."
    counts = {status: result.count(status) for status in ("added", "updated", "unchanged", "failed")}
    return ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "The feed has no items yet."


class SourcesCog(commands.Cog):
    """Feed sources and why an article is (not) here."""

    source = app_commands.Group(
        name="source",
        description="Feeds this server follows",
        guild_only=True,
        default_permissions=MANAGE_SERVER,
    )

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.service = bot.services.sources

    @source.command(name="add", description="Follow an RSS/Atom feed of releases")
    @app_commands.describe(url="The feed's address (http or https)")
    async def add(self, interaction: discord.Interaction[DigestBot], url: app_commands.Range[str, 1, 2000]) -> None:
        """Follow a feed and poll it at once (re-adding a paused feed resumes it)."""
        if not await has_permission(interaction, MANAGE_SERVER, MANAGE_SERVER_ONLY):
            return
        await interaction.response.defer(thinking=True, ephemeral=True)  # the first poll fetches the web
        assert interaction.guild_id is not None and interaction.channel_id is not None
        try:
            _, created, result = await self.service.add(
                url, guild_id=interaction.guild_id, channel_id=interaction.channel_id, user_id=interaction.user.id
            )
        except ValueError as exc:
            await send_error(interaction, f"That feed can't be used: {exc}")
            return
        verb = "Now following" if created else "Following again"
        embed = discord.Embed(
            title=truncate(f"{verb}: {result.source.name}", 256),
            description=f"{clean_text(poll_summary(result))}\n\n{source_line(result.source, self._tz)}",
            colour=DIGEST_COLOUR,
        )
        await send(interaction, embed=embed, ephemeral=True)

    @source.command(name="remove", description="Stop following a feed")
    @app_commands.describe(source="The feed to stop following")
    async def remove(self, interaction: discord.Interaction[DigestBot], source: int) -> None:
        """Unfollow a feed for this server only; releases already stored stay (other servers' follows too)."""
        if not await has_permission(interaction, MANAGE_SERVER, MANAGE_SERVER_ONLY):
            return
        assert interaction.guild_id is not None
        found = await self.service.remove(source, interaction.guild_id)
        if found is None:
            await send_error(interaction, "This server doesn't follow that source.")
            return
        await send(interaction, content=f"Stopped following {clean_text(found.name)}.", ephemeral=True)

    @remove.autocomplete("source")
    async def source_choices(
        self, interaction: discord.Interaction[DigestBot], current: str
    ) -> list[app_commands.Choice[int]]:
        """This server's sources whose name or URL contains what was typed."""
        if interaction.guild_id is None:
            return []
        wanted = current.lower().strip()
        found = await self.service.followed(interaction.guild_id)
        return id_choices(
            (f"#{s.id} {s.name}", s.id) for s in found if wanted in s.name.lower() or wanted in s.url.lower()
        )

    @app_commands.command(name="sources", description="The feeds this server follows and their health")
    @app_commands.guild_only()
    async def sources(self, interaction: discord.Interaction[DigestBot]) -> None:
        """The server's sources and the global ones, with last success, last error and item count."""
        assert interaction.guild_id is not None
        found = await self.service.sources(interaction.guild_id)
        if not found:
            await send_error(interaction, "This server follows no feeds yet. Add one with /source add.")
            return
        pages = [
            discord.Embed(
                title="Sources",
                description=truncate(
                    "\n\n".join(source_line(s, self._tz) for s in found[start : start + SOURCES_PER_EMBED]), 4096
                ),
                colour=DIGEST_COLOUR,
            )
            for start in range(0, len(found), SOURCES_PER_EMBED)
        ]
        await PaginatorView(pages, author_id=interaction.user.id).start(interaction, ephemeral=True)

    @app_commands.command(
        name="why", description="Was this article fetched, filtered, a duplicate, an edit, a failure?"
    )
    @app_commands.describe(url="The article's address")
    async def why(self, interaction: discord.Interaction[DigestBot], url: app_commands.Range[str, 1, 2000]) -> None:
        """The fetch history of one article and whether it is stored."""
        report = await self.service.why(url, guild_id=server_scope(interaction.guild_id))
        lines = []
        if report.release:
            title = truncate(clean_text(report.release.display_title), 300)
            lines.append(f"Stored as **{title}** (version {report.release.version}).")
        elif report.events:
            lines.append("Not stored.")
        else:
            lines.append("Never seen: it has not come through any feed this server follows or a global one.")
        for event in report.events[:EVENTS_SHOWN]:
            lines.append(
                f"• {_when(event.at, self._tz)} — **{event.outcome}**: {truncate(clean_text(event.detail), 300)}"
            )
        embed = discord.Embed(
            title=truncate(f"Why: {url}", 256), description=truncate("\n".join(lines), 4096), colour=DIGEST_COLOUR
        )
        await send(interaction, embed=embed, ephemeral=True)

    @property
    def _tz(self) -> tzinfo:
        return self.bot.services.settings.tz
