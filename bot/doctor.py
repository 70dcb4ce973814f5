"""``release-digest doctor``: one line per check, exit 1 if any failed.

Settings, store and feeds come from :mod:`digests.health`. With a token, Discord is asked over REST only (no
gateway connection, so it can run beside the bot): the token (``GET /users/@me``), the servers the bot is in, and
for every subscription the bot's permissions in its channel, computed from the server's roles and the channel's
overwrites as Discord does — View Channel, Send Messages and Embed Links are what a delivery needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from discord.http import HTTPClient

from bot.app import open_services
from bot.client import use_api_base
from bot.startup import ConfigurationError, Unreachable, configuration_problem, describe, is_outage, probe
from digests.config import Settings
from digests.health import Check, plural, settings_check, store_location, user_agent_check
from digests.models import Subscription

EXIT_FAILED = 1
NEEDED = (("View Channel", "view_channel"), ("Send Messages", "send_messages"), ("Embed Links", "embed_links"))
OVERWRITE_ROLE, OVERWRITE_MEMBER = 0, 1
_SHOWN_SERVERS = 5


def channel_permissions(
    guild: Mapping[str, Any], member: Mapping[str, Any], channel: Mapping[str, Any], user_id: int
) -> discord.Permissions:
    """A member's permissions in a channel from REST payloads, in Discord's order: @everyone and the member's
    roles; owner and Administrator have all; then the channel's @everyone overwrite, its role overwrites (all
    denies, then all allows) and the member's own. No View Channel means no other channel permission, and no
    Send Messages means no Embed Links (as Discord applies them)."""
    guild_id = int(guild["id"])
    if int(guild["owner_id"]) == user_id:
        return discord.Permissions.all()
    role_perms = {int(role["id"]): int(role["permissions"]) for role in guild["roles"]}
    member_roles = {int(role_id) for role_id in member["roles"]}
    value = role_perms.get(guild_id, 0)
    for role_id in member_roles:
        value |= role_perms.get(role_id, 0)
    if discord.Permissions(value).administrator:
        return discord.Permissions.all()
    overwrites = channel.get("permission_overwrites") or []

    def apply(found: list[Mapping[str, Any]]) -> None:
        nonlocal value
        deny = allow = 0
        for overwrite in found:
            deny |= int(overwrite["deny"])
            allow |= int(overwrite["allow"])
        value = (value & ~deny) | allow

    apply([o for o in overwrites if int(o["id"]) == guild_id])
    apply([o for o in overwrites if int(o["type"]) == OVERWRITE_ROLE and int(o["id"]) in member_roles])
    apply([o for o in overwrites if int(o["type"]) == OVERWRITE_MEMBER and int(o["id"]) == user_id])
    perms = discord.Permissions(value)
    if not perms.view_channel:
        return discord.Permissions.none()
    if not perms.send_messages:
        perms.embed_links = False
    return perms


def missing(perms: discord.Permissions) -> list[str]:
    """The delivery permissions ``perms`` lacks, by their names in Discord's settings."""
    return [label for label, flag in NEEDED if not getattr(perms, flag)]


def subscription_name(subscription: Subscription) -> str:
    """``subscription #3 ('hmc' at 09:00 Europe/Paris)``."""
    at = f"{subscription.time_of_day} {subscription.timezone}"
    return f"subscription #{subscription.id} ({subscription.topic!r} at {at})"


class DiscordDoctor:
    """The Discord checks over one REST session."""

    def __init__(self, http: HTTPClient, bot_id: int) -> None:
        self.http = http
        self.bot_id = bot_id

    async def servers(self) -> dict[int, str]:
        """Id → name of every server the bot is in (paged, 200 at a time)."""
        found: dict[int, str] = {}
        after: int | None = None
        while True:
            page = await self.http.get_guilds(200, after=after, with_counts=False)
            found.update((int(guild["id"]), guild["name"]) for guild in page)
            if len(page) < 200:
                return found
            after = max(int(guild["id"]) for guild in page)

    async def subscriptions(self, subscriptions: Sequence[Subscription], servers: dict[int, str]) -> list[Check]:
        """One check per subscription, fetching each server's roles, the bot's roles and the channels once."""
        checks: list[Check] = []
        by_guild: dict[int, list[Subscription]] = {}
        for subscription in subscriptions:
            by_guild.setdefault(subscription.guild_id, []).append(subscription)
        for guild_id, group in by_guild.items():
            if guild_id not in servers:
                gone = f"the bot is not in server {guild_id} (removed?)"
                checks += [Check("FAIL", subscription_name(s), gone) for s in group]
                continue
            try:
                guild = await self.http.get_guild(guild_id, with_counts=False)
                member = await self.http.get_member(guild_id, self.bot_id)
                channels = {int(c["id"]): c for c in await self.http.get_all_guild_channels(guild_id)}
            except (discord.Forbidden, discord.NotFound) as exc:
                cannot = f"cannot read server {servers[guild_id]} ({describe(exc)}: {exc.text or 'no detail'})"
                checks += [Check("FAIL", subscription_name(s), cannot) for s in group]
                continue
            for subscription in group:
                checks.append(self._check(subscription, guild, member, channels))
        return checks

    def _check(
        self,
        subscription: Subscription,
        guild: Mapping[str, Any],
        member: Mapping[str, Any],
        channels: Mapping[int, Mapping[str, Any]],
    ) -> Check:
        name = subscription_name(subscription)
        channel = channels.get(subscription.channel_id)
        if channel is None:
            return Check("FAIL", name, f"channel {subscription.channel_id} no longer exists in {guild['name']}")
        where = f"#{channel.get('name', subscription.channel_id)} in {guild['name']}"
        lacking = missing(channel_permissions(guild, member, channel, self.bot_id))
        if lacking:
            return Check(
                "FAIL",
                name,
                f"{where}: the bot lacks {', '.join(lacking)} (Server Settings → the channel → Permissions: allow "
                "them for the bot's role)",
            )
        granted = ", ".join(label for label, _ in NEEDED)
        if not subscription.active:
            return Check("warn", name, f"{where}: can {granted}, but paused: {subscription.paused_reason}")
        return Check("ok", name, f"{where}: can {granted}")


async def discord_checks(token: str, subscriptions: Sequence[Subscription]) -> list[Check]:
    """The token, the servers and every subscription's channel; stops at the first check Discord can't answer."""
    not_checked = "token, servers and channel permissions not checked"
    try:
        await probe(token)
    except Unreachable as exc:
        return [Check("FAIL", "discord", f"unreachable ({exc}); {not_checked}")]
    except ConfigurationError as exc:
        return [Check("FAIL", "discord token", str(exc))]
    http = HTTPClient(asyncio.get_running_loop())
    checks: list[Check] = []
    try:
        me = await http.static_login(token)
        checks.append(Check("ok", "discord token", f"valid: the bot is {me['username']} (id {me['id']})"))
        servers = await DiscordDoctor(http, int(me["id"])).servers()
        names = ", ".join(sorted(servers.values())[:_SHOWN_SERVERS]) + (", …" if len(servers) > _SHOWN_SERVERS else "")
        if servers:
            checks.append(Check("ok", "discord servers", f"the bot is in {plural(len(servers), 'server')}: {names}"))
        else:
            checks.append(Check("warn", "discord servers", "the bot is in no server yet: invite it (see README)"))
        checks += await DiscordDoctor(http, int(me["id"])).subscriptions(subscriptions, servers)
    except Exception as exc:
        detail = configuration_problem(exc)
        if detail is None and is_outage(exc):
            detail = f"unreachable during the checks ({describe(exc)})"
        elif detail is None and isinstance(exc, discord.HTTPException):
            detail = f"{describe(exc)}: {exc.text or 'no detail'}"
        if detail is None:
            raise
        checks.append(Check("FAIL", "discord", detail))
    finally:
        await http.close()
    return checks


async def run_doctor(
    settings: Settings,
    *,
    out: Callable[[str], None] = print,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Run every check, printing one line each as it completes; 0 if none failed, else :data:`EXIT_FAILED`."""
    failed = False

    def report(*checks: Check) -> None:
        nonlocal failed
        for check in checks:
            out(check.line())
            failed = failed or check.failed

    use_api_base(settings.discord_api_base)
    report(settings_check(settings, clock()))
    agent = user_agent_check(settings)
    if agent is not None:
        report(agent)
    subscriptions: list[Subscription] = []
    try:
        async with open_services(settings, clock) as services:
            report(await services.health.store(store_location(settings.db)))
            report(*await services.health.feeds(settings.tz))
            subscriptions = await services.health.subscriptions()
    except Exception as exc:  # whatever the engine raises, the doctor's answer is one line saying it
        report(Check("FAIL", "store", f"{store_location(settings.db)}: {type(exc).__name__}: {exc}"))
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if token:
        report(*await discord_checks(token, subscriptions))
    else:
        report(Check("skip", "discord", "DISCORD_TOKEN is not set; token, servers and channel permissions not checked"))
    return EXIT_FAILED if failed else 0

