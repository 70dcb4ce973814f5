"""The Discord client: registers the commands and persistent buttons, syncs commands only when needed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import Any

import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.app import Services
from bot.budget_shares import BudgetShares
from bot.cogs.digest import DigestCog
from bot.cogs.quotes import QuotesCog
from bot.cogs.sources import SourcesCog
from bot.cogs.subscriptions import SubscriptionsCog
from bot.delivery import Deliverer
from bot.polling import FeedPoller
from bot.replies import NO_MENTIONS, apologise, send_error
from bot.scheduling import RunningJobs, SubscriptionScheduler
from bot.views import QuotesButton
from digests.config import Settings
from digests.models import Quote, Release
from digests.service import server_scope

log = logging.getLogger(__name__)

COMMANDS_HASH_KEY = "discord.commands_hash"
FIRST_POLL_DELAY = timedelta(seconds=30)


def intents() -> discord.Intents:
    """Only unprivileged intents: mentions of the bot carry their text without the message-content intent."""
    chosen = discord.Intents.default()
    chosen.message_content = False
    chosen.members = False
    chosen.presences = False
    return chosen


def use_api_base(base: str | None) -> None:
    """Send discord.py's REST calls to ``base`` (a rate-limit sharing proxy, or a test fake) when set.

    Only REST: the gateway's address comes from ``GET /gateway/bot``, as Discord intends.
    """
    if base:
        discord.http.Route.BASE = base.rstrip("/")


def shard_weight(settings: Settings) -> int:
    """How many shards this process runs (all of them when none are named; 1 when the count is Discord's)."""
    ids = settings.shard_ids
    return len(ids) if ids is not None else settings.discord_shard_count or 1


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that serves a guild, as Discord assigns them."""
    return (guild_id >> 22) % shard_count


class DigestBot(commands.AutoShardedBot):
    """Release Digest's Discord client. Implements :class:`bot.views.QuoteProvider` for the Quotes buttons.

    Sharded: it runs the shards the settings name (all of Discord's recommended count when none are named) and
    schedules only the daily digests of the guilds on them; other processes run the other shards.
    """

    def __init__(self, services: Services, *, guild_id: int | None = None) -> None:
        settings = services.settings
        # Unset: discord.py asks Discord for the recommended count and runs every shard.
        shards: dict[str, Any] = {"shard_count": settings.discord_shard_count}
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            **shards,
        )
        self.services = services
        self.guild_id = guild_id
        self.tree.on_error = self._on_app_command_error  # type: ignore[method-assign]
        # One scheduler for every timed job (daily digests, feed polling); jobs are rebuilt from the database.
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.deliverer = Deliverer(
            self,
            services.subscriptions,
            services.leases,
            requests_per_second=settings.delivery_requests_per_second,
        )
        # The setting is the whole bot's budget (Discord's limit is per bot): the live processes with work split it
        # by the number of shards each runs, through the store (see bot/budget_shares.py).
        self.budget_shares = BudgetShares(
            services.state,
            self.deliverer.limiter,
            settings.delivery_requests_per_second,
            shard_weight(settings),
            owner=services.leases.owner,
            ttl=services.leases.ttl,
            wall=services.clock,
            busy=lambda: self.deliverer.has_work,
        )
        self.deliverer.work_changed = self.budget_shares.nudge
        self._keeping_shares: asyncio.Task[None] | None = None
        self.running_jobs = RunningJobs()
        self.digest_schedule = SubscriptionScheduler(
            self.scheduler,
            self.deliverer,
            services.subscriptions,
            grace=timedelta(hours=services.settings.catch_up_grace_hours),
            clock=services.clock,
            jobs=self.running_jobs,
            owns=self.owns_guild,
        )
        self.poller = FeedPoller(
            self,
            services,
            self.scheduler,
            self.deliverer.limiter,
            self.running_jobs,
            first_poll_delay=FIRST_POLL_DELAY,
        )

    def owns_guild(self, guild_id: int) -> bool:
        """Whether the guild is on one of this process's shards (all guilds when it runs every shard)."""
        if self.shard_ids is None or self.shard_count is None:
            return True
        return shard_of(guild_id, self.shard_count) in self.shard_ids

    async def setup_hook(self) -> None:
        """Register cogs and the persistent Quotes button, sync commands if they changed, then start the scheduler
        with a job per subscription (catching up runs missed while the bot was down)."""
        if self.services.settings.discord_api_base:
            await self._use_gateway_of_api()
        await self.budget_shares.refresh()  # this process's share of the request budget, before anything posts
        self._keeping_shares = asyncio.create_task(self.budget_shares.keep(), name="request-budget-shares")
        self.add_dynamic_items(QuotesButton)
        await self.add_cog(DigestCog(self))
        await self.add_cog(QuotesCog(self))
        await self.add_cog(SourcesCog(self))
        await self.add_cog(SubscriptionsCog(self))
        await self.sync_commands()
        self.scheduler.start()
        await self.digest_schedule.load()
        if self.services.settings.poll_in_bot:
            self.poller.start()

    async def _use_gateway_of_api(self) -> None:
        """With another REST base, connect to the gateway it names: discord.py asks only when the shard count is
        unset, and otherwise goes to Discord's default address."""
        _, url, _ = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def close(self) -> None:
        """Stop the scheduler, then disconnect. Runs in progress are cancelled: the next start finds their claimed
        posts in the ledger, looks for them in the channel and re-posts (same nonce) only what is missing."""
        if self._keeping_shares is not None:  # the others may take this process's share at once
            self._keeping_shares.cancel()
            await asyncio.gather(self._keeping_shares, return_exceptions=True)
            await self.budget_shares.leave()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await self.running_jobs.wait()  # let cancelled jobs unwind before the database is closed
            await self.poller.stop()
        await super().close()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are follow-up questions, handled by the quotes cog's listener."""

    def command_payload(self) -> list[dict[str, Any]]:
        """The command definitions as Discord receives them (for change detection)."""
        return [command.to_dict(self.tree) for command in self.tree.get_commands()]

    async def sync_commands(self) -> None:
        """Guild sync at every start in development; global sync only when the command set changed."""
        if self.guild_id is not None:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self.guild_id)
            return
        digest = hashlib.sha256(json.dumps(self.command_payload(), sort_keys=True).encode()).hexdigest()
        if await self.services.state.get(COMMANDS_HASH_KEY) == digest:
            log.info("commands unchanged since the last global sync; not syncing")
            return
        synced = await self.tree.sync()
        await self.services.state.set(COMMANDS_HASH_KEY, digest)
        log.info("synced %d commands globally", len(synced))

    async def get_release_quotes(
        self, release_id: int, guild_id: int | None, /
    ) -> tuple[Release, Sequence[Quote]] | None:
        """Every quote of a stored release the server sees (for the Quotes buttons)."""
        return await self.services.digests.release_quotes(release_id, guild_id=server_scope(guild_id))

    async def on_ready(self) -> None:
        """Log who we are once connected."""
        log.info("connected as %s in %d server(s)", self.user, len(self.guilds))

    async def _on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            await send_error(interaction, str(error) or "You can't use this command here.")
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await apologise(interaction, original)
