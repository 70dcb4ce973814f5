"""Entities of the fake Discord (users, guilds, channels) and builders of their JSON payloads.

The payload shapes follow Discord's API v10 documentation closely enough for discord.py 2.7 to parse
them; optional fields that discord.py reads with ``data[...]`` are always present.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADD_REACTIONS = 1 << 6
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
ADMIN_PERMISSIONS = EVERYONE_PERMISSIONS | ADMINISTRATOR | MANAGE_CHANNELS | MANAGE_GUILD

_counter = itertools.count(1)


def snowflake() -> str:
    """Return a new, unique, time-ordered snowflake id as a string (Discord sends ids as strings)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def iso_now() -> str:
    """Current UTC time in the ISO-8601 form Discord uses for timestamps."""
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    """A Discord user (a human or the bot itself)."""

    username: str
    bot: bool = False
    id: str = field(default_factory=snowflake)

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention string for this user."""
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": self.id,
            "username": self.username,
            "global_name": None if self.bot else self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }


@dataclass
class FakeRole:
    """A guild role."""

    name: str
    permissions: int
    id: str = field(default_factory=snowflake)
    position: int = 0
    managed: bool = False
    bot_id: str | None = None

    def payload(self) -> dict[str, Any]:
        """The role object."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": self.bot_id}
        return data


@dataclass
class FakeChannel:
    """A guild text channel (type 0)."""

    name: str
    guild_id: str
    id: str = field(default_factory=snowflake)
    position: int = 0
    # Permission overwrites as on the wire: {"id", "type" (0 role, 1 member), "allow", "deny"} (ints here).
    overwrites: list[dict[str, Any]] = field(default_factory=list)

    @property
    def mention(self) -> str:
        """The ``<#id>`` mention string for this channel."""
        return f"<#{self.id}>"

    def overwrite(self, target: FakeRole | FakeUser, *, allow: int = 0, deny: int = 0) -> None:
        """Set this channel's overwrite for a role or a member (add it before the bot connects)."""
        kind = 0 if isinstance(target, FakeRole) else 1
        self.overwrites = [o for o in self.overwrites if o["id"] != target.id]
        self.overwrites.append({"id": target.id, "type": kind, "allow": allow, "deny": deny})

    def payload(self) -> dict[str, Any]:
        """The channel object."""
        return {
            "id": self.id,
            "type": 0,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {**o, "allow": str(o["allow"]), "deny": str(o["deny"])} for o in self.overwrites
            ],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A user's membership in a guild, with its roles."""

    user: FakeUser
    roles: list[FakeRole]
    joined_at: str = field(default_factory=iso_now)

    def payload(self) -> dict[str, Any]:
        """The guild member object (roles exclude @everyone, as on Discord)."""
        return {
            "user": self.user.payload(),
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [r.id for r in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members."""

    name: str
    owner: FakeUser
    id: str = field(default_factory=snowflake)
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    system_channel_id: str | None = None

    @property
    def everyone(self) -> FakeRole:
        """The @everyone role (its id is the guild id)."""
        return next(r for r in self.roles if r.id == self.id)

    def member(self, user: FakeUser | str) -> FakeMember:
        """The membership of ``user`` (a FakeUser or a user id); KeyError if not in the guild."""
        user_id = user if isinstance(user, str) else user.id
        for m in self.members:
            if m.user.id == user_id:
                return m
        raise KeyError(f"user {user_id} is not a member of guild {self.name}")

    def add_channel(self, name: str) -> FakeChannel:
        """A new text channel in this guild (add it before the client connects: no CHANNEL_CREATE is sent)."""
        channel = FakeChannel(name=name, guild_id=self.id, position=len(self.channels))
        self.channels.append(channel)
        return channel

    def channel(self, channel_id: str) -> FakeChannel | None:
        """The channel with this id, if it belongs to the guild."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def permissions(self, user: FakeUser) -> int:
        """Effective guild-level permissions of ``user`` (see :meth:`permissions_in` for a channel's)."""
        if user.id == self.owner.id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        for role in self.member(user).roles:
            perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def permissions_in(self, channel: FakeChannel, user: FakeUser) -> int:
        """Permissions of ``user`` in ``channel``: guild permissions, then @everyone's overwrite, the member's
        roles' overwrites (denies, then allows) and the member's own (Discord's order)."""
        perms = self.permissions(user)
        if perms & ADMINISTRATOR:
            return perms
        by_id = {o["id"]: o for o in channel.overwrites}
        if (everyone := by_id.get(self.id)) is not None:
            perms = (perms & ~everyone["deny"]) | everyone["allow"]
        role_ids = {r.id for r in self.member(user).roles}
        roles = [o for o in channel.overwrites if o["type"] == 0 and o["id"] in role_ids]
        deny = allow = 0
        for o in roles:
            deny, allow = deny | o["deny"], allow | o["allow"]
        perms = (perms & ~deny) | allow
        if (own := by_id.get(user.id)) is not None and own["type"] == 1:
            perms = (perms & ~own["deny"]) | own["allow"]
        return perms

    def partial_payload(self, user: FakeUser) -> dict[str, Any]:
        """The partial guild of ``GET /users/@me/guilds``, with ``user``'s permissions."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "banner": None,
            "owner": user.id == self.owner.id,
            "permissions": str(self.permissions(user)),
            "features": [],
        }

    def unavailable_payload(self) -> dict[str, Any]:
        """The stub sent in READY's ``guilds`` list."""
        return {"id": self.id, "unavailable": True}

    def payload(self) -> dict[str, Any]:
        """The full GUILD_CREATE payload; ``member_count == len(members)`` so no chunking is needed."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner.id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": self.system_channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "joined_at": self.members[0].joined_at if self.members else iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [m.payload() for m in self.members],
            "channels": [c.payload() for c in self.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def build_default_guild(
    bot: FakeUser,
    admin: FakeUser,
    member: FakeUser,
    name: str = "Release Digest Test Guild",
    guild_id: str | None = None,
) -> FakeGuild:
    """One guild with a #general text channel, the bot, an admin (owner) and a plain member."""
    guild = FakeGuild(name=name, owner=admin, id=guild_id or snowflake())
    everyone = FakeRole(name="@everyone", permissions=EVERYONE_PERMISSIONS, id=guild.id)
    admin_role = FakeRole(name="Admin", permissions=ADMIN_PERMISSIONS, position=2)
    bot_role = FakeRole(
        name=bot.username, permissions=EVERYONE_PERMISSIONS, position=1, managed=True, bot_id=bot.id
    )
    guild.roles = [everyone, bot_role, admin_role]
    guild.channels = [FakeChannel(name="general", guild_id=guild.id)]
    guild.members = [
        FakeMember(bot, [bot_role]),
        FakeMember(admin, [admin_role]),
        FakeMember(member, []),
    ]
    return guild
