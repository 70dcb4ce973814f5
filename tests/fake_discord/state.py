"""State of the fake Discord: the world (guilds, users), what it recorded, waiting on it, and look-ups.

Every other part of the fake (gateway, REST areas, simulated users) builds on this class; see server.py
for how they are put together.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .gateway import GatewayConnection, GatewaySession
from .models import FLAG_EPHEMERAL, FakeDiscordError, Fault, Hold, InteractionResult, RecordedRequest
from .payloads import FakeChannel, FakeGuild, FakeUser, build_default_guild, snowflake
from .ratelimit import GlobalRateLimit
from .wire import API_PREFIX

Handler = Callable[..., Awaitable[web.Response]]


class FakeState:
    """The fake's state and the queries on it; the REST routes are filled in by ``FakeDiscord``."""

    def __init__(
        self,
        *,
        token: str | None = None,
        interaction_deadline: float | None = 3.0,
        global_rate_limit: int | None = None,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        """The options are explained on ``FakeDiscord.__init__``."""
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.global_rate_limit = global_rate_limit
        self.heartbeat_interval_ms = heartbeat_interval_ms

        self.bot_user = FakeUser("Release Digest", bot=True)
        self.application_id = self.bot_user.id
        self.admin = FakeUser("alice")
        self.member = FakeUser("bob")
        self.guild = build_default_guild(self.bot_user, self.admin, self.member)
        self.guilds: list[FakeGuild] = [self.guild]
        self.channel: FakeChannel = self.guild.channels[0]
        # What GET /gateway/bot recommends; clients that IDENTIFY with [i, n] get the guilds of shard i.
        self.recommended_shards = 1

        self.requests: list[RecordedRequest] = []
        # Gateway payloads received from clients (tokens redacted), e.g. to assert an op 8 or op 3.
        self.gateway_received: list[dict[str, Any]] = []
        self.unhandled: list[RecordedRequest] = []
        self.internal_errors: list[str] = []
        self.rate_limited_count = 0
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.sessions: list[GatewaySession] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}

        self._messages: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()
        self._interactions: dict[str, InteractionResult] = {}
        # Per bot token, across every connection: Discord's limit is the bot's, however many processes it runs.
        self._global_limit = GlobalRateLimit()
        self._by_channel: dict[str, list[str]] = {}  # message ids per channel, oldest first
        self._last_activity = time.monotonic()
        self._changed: asyncio.Condition | None = None
        self._connections: set[GatewayConnection] = set()
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self.port = 0
        # (method, path pattern, handler): filled by FakeDiscord, which knows every REST area.
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Websocket URL of the fake gateway."""
        return f"ws://127.0.0.1:{self.port}/"

    # ------------------------------------------------------------------ waiting

    @property
    def connected_clients(self) -> int:
        """Number of open gateway websocket connections."""
        return len(self._connections)

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    async def _notify(self) -> None:
        assert self._changed is not None, "FakeDiscord.start() was not called"
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, *, what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every REST request and gateway event."""
        assert self._changed is not None, "FakeDiscord.start() was not called"
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        except TimeoutError:
            raise TimeoutError(f"{what} not met within {timeout}s; last requests: {self._recent_summary()}") from None

    async def settle(self, quiet: float = 0.1) -> None:
        """Return once no REST request has arrived for ``quiet`` seconds."""
        while (wait := self._last_activity + quiet - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    async def wait_until_connected(self, timeout: float = 5.0, *, guild_id: str | None = None) -> GatewaySession:
        """Wait until a client (on ``guild_id``'s shard, if given) has identified and received READY; returns
        its session."""
        await self.wait_for(lambda: self._live_session(guild_id) is not None, timeout, what="gateway READY")
        session = self._live_session(guild_id)
        assert session is not None
        return session

    def _live_session(self, guild_id: str | None = None) -> GatewaySession | None:
        live = self._sessions_with(guild_id=guild_id)
        return live[-1] if live else None

    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> FakeGuild:
        """Another guild with a #general channel, the bot, ``admin`` (owner) and ``member``; add it before the
        client connects. ``shard=(i, n)`` picks an id that Discord's formula puts on shard i of n."""
        guild_id = snowflake()
        if shard is not None:
            index, count = shard
            moment = int(guild_id) >> 22  # the id's timestamp decides its shard: move it forward to shard i
            moment += (index - moment) % count
            guild_id = str((moment << 22) | (int(guild_id) & 0x3FFFFF))
        guild = build_default_guild(self.bot_user, self.admin, self.member, name, guild_id)
        self.guilds.append(guild)
        return guild

    def _recent_summary(self) -> str:
        return ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:]) or "none"

    # ------------------------------------------------------------------ queries

    def message(self, message_id: str) -> dict[str, Any] | None:
        """Current payload of a message, or None if unknown or deleted."""
        if message_id in self._deleted:
            return None
        return self._messages.get(message_id)

    def messages_in(self, channel_id: str, *, include_ephemeral: bool = False) -> list[dict[str, Any]]:
        """Existing messages of a channel, oldest first (ephemeral ones only if asked)."""
        return [
            m
            for m in map(self._messages.__getitem__, self._by_channel.get(channel_id, ()))
            if m["id"] not in self._deleted and (include_ephemeral or not m["flags"] & FLAG_EPHEMERAL)
        ]

    def bot_messages(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Existing non-ephemeral messages authored by the bot (optionally in one channel)."""
        # One pass over the messages (not one per channel): benchmarks hold tens of thousands in as many channels.
        candidates = (
            self.messages_in(channel_id)
            if channel_id
            else [
                m for mid, m in self._messages.items() if mid not in self._deleted and not m["flags"] & FLAG_EPHEMERAL
            ]
        )
        found = [m for m in candidates if m["author"]["id"] == self.bot_user.id]
        return sorted(found, key=lambda m: int(m["id"]))

    def interaction_responses(self, interaction_id: str) -> InteractionResult:
        """Everything recorded for one interaction (callbacks, original response, followups)."""
        return self._interactions[interaction_id]

    def commands(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        """Application commands synced globally (guild_id None) or to one guild."""
        return self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests whose method matches and whose path fully matches ``path_regex``."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def _users(self) -> dict[str, FakeUser]:
        return {m.user.id: m.user for g in self.guilds for m in g.members}

    def _guild_or_404(self, guild_id: str) -> FakeGuild:
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise FakeDiscordError(404, "Unknown Guild", 10004)

    def _channel_or_404(self, channel_id: str) -> FakeChannel:
        for guild in self.guilds:
            if (channel := guild.channel(channel_id)) is not None:
                return channel
        raise FakeDiscordError(404, "Unknown Channel", 10003)

    def _message_or_404(self, message_id: str, channel_id: str | None = None) -> dict[str, Any]:
        message = self.message(message_id)
        if message is None or (channel_id is not None and message["channel_id"] != channel_id):
            raise FakeDiscordError(404, "Unknown Message", 10008)
        return message

    def _sessions_with(self, intent: int | None = None, guild_id: str | None = None) -> list[GatewaySession]:
        """Live sessions (with ``intent``; on the shard of ``guild_id``: a guild's events go there only)."""
        return [
            s
            for s in self.sessions
            if s.resumable
            and s.ready
            and (intent is None or s.wants(intent))
            and (guild_id is None or s.covers(guild_id))
        ]
