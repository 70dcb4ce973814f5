"""``/subscribe``, ``/subscriptions``, ``/unsubscribe`` and ``/subscription pause|resume``: daily channel digests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.embed_text import clean_text, truncate
from bot.embeds import DIGEST_COLOUR, field_pages
from bot.replies import AUTOCOMPLETE_LIMIT, CHOICE_LIMIT, choices, has_permission, id_choices, send, send_error
from bot.views import PaginatorView
from digests.models import Subscription
from digests.subscriptions import SubscriptionError, matching_timezones

if TYPE_CHECKING:
    from bot.client import DigestBot

SUBSCRIPTIONS_PER_PAGE = 10  # embed fields per page (Discord allows 25; 10 keeps a page well under 6000 chars)
FIELD_VALUE_BUDGET = 1000
NEEDS_MANAGE_CHANNELS = "You need the Manage Channels permission to manage this server's daily digests."
MANAGE = discord.Permissions(manage_channels=True)


def local_time(moment: datetime, timezone: str) -> str:
    """``moment`` on the subscription's clock, e.g. "Sat 28 Nov 2026, 09:00 CET"."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname() or ''}".rstrip()


def schedule_line(subscription: Subscription) -> str:
    """ "every day at 09:00 Europe/Paris in #channel"."""
    return f"every day at {subscription.time_of_day} {subscription.timezone} in <#{subscription.channel_id}>"


def subscription_label(subscription: Subscription) -> str:
    """One-line plain-text description for autocomplete choices."""
    state = "" if subscription.active else " (paused)"
    text = f"#{subscription.id} {subscription.topic} · {subscription.time_of_day} {subscription.timezone}{state}"
    return truncate(" ".join(text.split()), CHOICE_LIMIT)


def subscription_field(subscription: Subscription, next_at: datetime | None) -> tuple[str, str]:
    """The name and value of a subscription's field in ``/subscriptions``."""
    name = truncate(f"#{subscription.id} · {clean_text(subscription.topic)}", 256)
    lines = [schedule_line(subscription).capitalize()]
    if subscription.include or subscription.exclude:
        words = []
        if subscription.include:
            words.append("include " + ", ".join(subscription.include))
        if subscription.exclude:
            words.append("exclude " + ", ".join(subscription.exclude))
        lines.append(clean_text(" · ".join(words)))
    if next_at is not None:
        lines.append(f"Next run: {local_time(next_at, subscription.timezone)}")
    last = subscription.last_delivery_at
    lines.append(f"Last delivery: {local_time(last, subscription.timezone) if last else 'none yet'}")
    if subscription.active:
        lines.append("State: **active**")
    else:
        # Our own text (channel mentions render as links); a user's name in it was cleaned when it was stored.
        lines.append(f"State: **paused** — {subscription.paused_reason or 'no reason given'}")
    return name, truncate("\n".join(lines), FIELD_VALUE_BUDGET)


class SubscriptionsCog(commands.Cog):
    """Daily digests of a topic posted to a channel at a chosen local time."""

    subscription = app_commands.Group(
        name="subscription",
        description="Pause or resume a daily digest",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),  # guild_only alone leaves contexts unset
        default_permissions=MANAGE,
    )

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.service = bot.services.subscriptions

    @app_commands.command(name="subscribe", description="Post a daily digest of a topic to a channel")
    @app_commands.describe(
        topic="A topic, acronym or name, e.g. hmc",
        time="Local time of day, HH:MM on a 24-hour clock, e.g. 09:00",
        timezone="Timezone of that time, e.g. Europe/Paris",
        channel="Where to post (default: this channel)",
        include="Only releases mentioning one of these words",
        exclude="Leave out releases mentioning any of these words",
        sentences="Summary sentences per release (1-10)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def subscribe(
        self,
        interaction: discord.Interaction[DigestBot],
        topic: app_commands.Range[str, 1, 200],
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
        channel: discord.TextChannel | None = None,
        include: app_commands.Range[str, 1, 200] | None = None,
        exclude: app_commands.Range[str, 1, 200] | None = None,
        sentences: app_commands.Range[int, 1, 10] | None = None,
    ) -> None:
        """Create the subscription and answer with its next run in its timezone."""
        if not await has_permission(interaction, MANAGE, NEEDS_MANAGE_CHANNELS):
            return
        guild = interaction.guild
        target = channel or interaction.channel
        if guild is None or not isinstance(target, discord.TextChannel):
            await send_error(interaction, "Daily digests can only be posted in a text channel.")
            return
        member = interaction.user
        if isinstance(member, discord.Member):
            theirs = target.permissions_for(member)
            if not (theirs.manage_channels and theirs.view_channel):
                # Permissions are per channel: Manage Channels here does not mean the right to post over there.
                await send_error(interaction, f"You need Manage Channels in {target.mention} to post a digest there.")
                return
        allowed = target.permissions_for(guild.me)
        if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
            await send_error(
                interaction, f"I need View Channel, Send Messages and Embed Links in {target.mention} to post there."
            )
            return
        try:
            created = await self.service.create(
                guild_id=guild.id,
                channel_id=target.id,
                notify_channel_id=interaction.channel_id,
                topic=topic,
                time_of_day=time,
                timezone=timezone,
                include=include,
                exclude=exclude,
                sentences=sentences,
                created_by=interaction.user.id,
            )
        except SubscriptionError as exc:
            await send_error(interaction, str(exc))
            return
        self.bot.digest_schedule.add(created)
        next_at = self.bot.digest_schedule.next_run(created)
        assert next_at is not None  # a new subscription is active
        embed = discord.Embed(
            title=truncate(f"Daily digest #{created.id}: {clean_text(created.topic)}", 256),
            description=(
                f"Posting {schedule_line(created)}.\n"
                f"Next run: **{local_time(next_at, created.timezone)}** (<t:{int(next_at.timestamp())}:R>)."
            ),
            colour=DIGEST_COLOUR,
        )
        await send(interaction, embed=embed)

    @subscribe.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction[DigestBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """IANA timezone names matching what the user typed."""
        return choices(matching_timezones(current, AUTOCOMPLETE_LIMIT))

    @app_commands.command(name="subscriptions", description="This server's daily digests")
    @app_commands.guild_only()
    async def subscriptions(self, interaction: discord.Interaction[DigestBot]) -> None:
        """List the server's subscriptions with next run, last delivery and state."""
        if interaction.guild is None:
            return  # guild_only: Discord never sends it elsewhere
        found = await self.service.for_guild(interaction.guild.id)
        if not found:
            await send_error(interaction, "This server has no daily digests. Create one with /subscribe.")
            return
        footer = f"{len(found)} subscription{'s' if len(found) != 1 else ''}"
        fields = [subscription_field(s, self.bot.digest_schedule.next_run(s)) for s in found]
        pages = field_pages("Daily digests", fields, footer, SUBSCRIPTIONS_PER_PAGE)
        await PaginatorView(pages, author_id=interaction.user.id).start(interaction, ephemeral=True)

    @app_commands.command(name="unsubscribe", description="Delete a daily digest")
    @app_commands.describe(subscription_id="The subscription")
    @app_commands.rename(subscription_id="id")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def unsubscribe(self, interaction: discord.Interaction[DigestBot], subscription_id: int) -> None:
        """Delete one of the server's subscriptions."""
        if not await has_permission(interaction, MANAGE, NEEDS_MANAGE_CHANNELS):
            return
        assert interaction.guild is not None  # checked by has_permission
        try:
            deleted = await self.service.delete(interaction.guild.id, subscription_id)
        except SubscriptionError as exc:
            await send_error(interaction, str(exc))
            return
        self.bot.digest_schedule.remove(deleted.id)
        await send(
            interaction, content=f"Deleted daily digest #{deleted.id} (“{clean_text(deleted.topic)}”).", ephemeral=True
        )

    @subscription.command(name="pause", description="Stop posting a daily digest for now")
    @app_commands.describe(subscription_id="The subscription")
    @app_commands.rename(subscription_id="id")
    async def pause(self, interaction: discord.Interaction[DigestBot], subscription_id: int) -> None:
        """Pause a subscription by hand."""
        if not await has_permission(interaction, MANAGE, NEEDS_MANAGE_CHANNELS):
            return
        assert interaction.guild is not None  # checked by has_permission
        try:
            paused = await self.service.pause(
                interaction.guild.id, subscription_id, f"paused by {clean_text(interaction.user.display_name)}"
            )
        except SubscriptionError as exc:
            await send_error(interaction, str(exc))
            return
        self.bot.digest_schedule.remove(paused.id)
        await send(
            interaction,
            content=f"Paused daily digest #{paused.id}. When resumed it posts everything it has not posted yet.",
            ephemeral=True,
        )

    @subscription.command(name="resume", description="Start posting a paused daily digest again")
    @app_commands.describe(subscription_id="The subscription")
    @app_commands.rename(subscription_id="id")
    async def resume(self, interaction: discord.Interaction[DigestBot], subscription_id: int) -> None:
        """Resume a paused subscription (by hand, or after fixing what paused it)."""
        if not await has_permission(interaction, MANAGE, NEEDS_MANAGE_CHANNELS):
            return
        assert interaction.guild is not None  # checked by has_permission
        try:
            resumed = await self.service.resume(interaction.guild.id, subscription_id)
        except SubscriptionError as exc:
            await send_error(interaction, str(exc))
            return
        self.bot.digest_schedule.add(resumed)
        next_at = self.bot.digest_schedule.next_run(resumed)
        assert next_at is not None  # just resumed
        await send(
            interaction,
            content=f"Resumed daily digest #{resumed.id}. Next run: {local_time(next_at, resumed.timezone)}.",
            ephemeral=True,
        )

    @unsubscribe.autocomplete("subscription_id")
    @pause.autocomplete("subscription_id")
    @resume.autocomplete("subscription_id")
    async def subscription_choices(
        self, interaction: discord.Interaction[DigestBot], current: str
    ) -> list[app_commands.Choice[int]]:
        """This server's subscriptions whose id or description contains what the user typed."""
        if interaction.guild is None:
            return []
        needle = current.strip().lower().lstrip("#")
        labels = [(subscription_label(s), s.id) for s in await self.service.for_guild(interaction.guild.id)]
        return id_choices((label, sid) for label, sid in labels if needle in label.lower())
