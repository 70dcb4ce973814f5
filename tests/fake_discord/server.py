"""An in-process fake of Discord's REST API (v10) and gateway for end-to-end tests of discord.py bots.

Start it with ``async with FakeDiscord() as fake, fake.patched():`` (or use the ``fake_discord``
fixture from ``tests.fake_discord.fixtures``); see README.md in this folder for the full API.

The fake is split by job: models.py (records and constants), wire.py (JSON and uploads), state.py
(world, records, waiting, look-ups), gateway_server.py (websocket), message_store.py, rest.py (plumbing,
faults, rate limits) with the handlers in rest_guilds.py, rest_messages.py and rest_interactions.py, and
users.py (simulated users). This module puts them together and keeps the names tests import from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, TypeVar

import yarl
from aiohttp import web

from .models import (
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_PONG,
    CALLBACK_TYPES,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    MENTION_RE,
    OPTION_GROUP,
    OPTION_SUBCOMMAND,
    FakeDiscordError,
    Fault,
    InteractionResult,
    RecordedRequest,
)
from .rest_guilds import RestGuilds
from .rest_interactions import RestInteractions
from .rest_messages import RestMessages
from .state import Handler
from .users import SimulatedUsers
from .wire import API_PREFIX, JSON_HEADERS

if TYPE_CHECKING:
    import discord

__all__ = [
    "API_PREFIX",
    "CALLBACK_AUTOCOMPLETE",
    "CALLBACK_DEFERRED_MESSAGE",
    "CALLBACK_DEFERRED_UPDATE",
    "CALLBACK_MESSAGE",
    "CALLBACK_PONG",
    "CALLBACK_TYPES",
    "CALLBACK_UPDATE_MESSAGE",
    "FLAG_EPHEMERAL",
    "FLAG_LOADING",
    "INTERACTION_AUTOCOMPLETE",
    "INTERACTION_COMMAND",
    "INTERACTION_COMPONENT",
    "JSON_HEADERS",
    "MENTION_RE",
    "NONCE_WINDOW_S",
    "OPTION_GROUP",
    "OPTION_SUBCOMMAND",
    "ClientT",
    "FakeDiscord",
    "FakeDiscordError",
    "Fault",
    "Handler",
    "InteractionResult",
    "RecordedRequest",
]

ClientT = TypeVar("ClientT", bound="discord.Client")

# How long Discord remembers a message nonce; read at each POST (rest_messages.py), so tests may set it here.
NONCE_WINDOW_S = 5 * 60


class FakeDiscord(RestGuilds, RestMessages, RestInteractions, SimulatedUsers):
    """A fake Discord (REST + gateway) on 127.0.0.1 with one guild, two humans and the bot user.

    Attributes most tests use: ``bot_user``, ``admin`` (guild owner with Administrator),
    ``member`` (no extra permissions), ``guild``, ``channel`` (#general), ``requests``
    (every REST request, in order) and ``rate_limited_count`` (429s sent).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        interaction_deadline: float | None = 3.0,
        global_rate_limit: int | None = None,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        """Create the fake (not yet listening; use ``start()`` or ``async with``).

        token: if set, REST calls and IDENTIFY with another token are refused (401 / close 4004).
        interaction_deadline: seconds the bot has for the initial interaction callback (Discord: 3);
            later callbacks get 404 "Unknown interaction". None disables the check.
        global_rate_limit: requests per second before answering 429 with ``global: true``
            (interaction callbacks and followups are exempt, as on Discord). None disables it.
        """
        super().__init__(
            token=token,
            interaction_deadline=interaction_deadline,
            global_rate_limit=global_rate_limit,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )

        routes: list[tuple[str, str, Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/users/@me/guilds", self._get_my_guilds),
            ("GET", r"/users/(?P<user_id>\d+)", self._get_user),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway),
            ("GET", r"/applications/(?P<app>\d+)/commands", self._get_commands),
            ("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands),
            ("GET", r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands", self._get_commands),
            ("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands", self._put_commands),
            ("GET", r"/guilds/(?P<guild_id>\d+)", self._get_guild),
            ("GET", r"/guilds/(?P<guild_id>\d+)/channels", self._get_guild_channels),
            ("GET", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)", self._get_member),
            ("GET", r"/channels/(?P<channel_id>\d+)", self._get_channel),
            ("POST", r"/channels/(?P<channel_id>\d+)/typing", self._typing),
            ("GET", r"/channels/(?P<channel_id>\d+)/messages", self._get_channel_messages),
            ("POST", r"/channels/(?P<channel_id>\d+)/messages", self._post_channel_message),
            ("GET", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)", self._get_channel_message),
            ("PATCH", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)", self._patch_message),
            ("DELETE", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)", self._delete_message),
            ("POST", r"/interactions/(?P<interaction_id>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._post_followup),
            ("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)",
             self._get_webhook_message),
            ("PATCH", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)",
             self._patch_webhook_message),
            ("DELETE", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)",
             self._delete_webhook_message),
        ]  # fmt: skip
        self._routes = [(method, re.compile(pattern), handler) for method, pattern, handler in routes]

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a random free port of 127.0.0.1."""
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_get("/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # coming back up on the same port
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        assert self._runner is not None
        self._site = web.SockSite(self._runner, sock)
        await self._site.start()

    async def go_down(self) -> None:
        """An outage: close every gateway connection (1001) and refuse new connections until :meth:`come_up`."""
        for conn in list(self._connections):
            await conn.ws.close(code=1001, message=b"fake discord going down")
        if self._site is not None:
            await self._site.stop()
            self._site = None
        assert self._runner is not None and self._runner.server is not None
        for handler in list(self._runner.server.connections):
            handler.force_close()  # kept-alive REST connections drop too

    async def come_up(self) -> None:
        """End an outage: listen again on the same port."""
        if self._site is None:
            await self._listen()

    async def stop(self) -> None:
        """Close gateway connections (code 1001) and stop listening."""
        for conn in list(self._connections):
            await conn.ws.close(code=1001, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def patched(self) -> Iterator[FakeDiscord]:
        """Point discord.py (REST, webhooks, interaction callbacks, gateway) at this fake; restore on exit."""
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway

    @contextlib.asynccontextmanager
    async def running(
        self,
        client: ClientT,
        token: str = "fake-token",
        *,
        timeout: float = 10.0,
        guild_ready_timeout: float | None = 0.05,
    ) -> AsyncIterator[ClientT]:
        """Run ``client.start(token)`` in a task until the client is ready; close and await it on exit.

        ``guild_ready_timeout`` overrides the client's option of that name (discord.py waits that long
        after the last GUILD_CREATE before it is ready; its default is 2 s); None keeps the client's.
        A login failure (e.g. wrong token) is raised here; so is a crash of the client task that
        happened while the body ran.
        """
        if guild_ready_timeout is not None:
            # The constructor option is stored on the connection state; our bot does not expose it.
            client._connection.guild_ready_timeout = guild_ready_timeout
        task = asyncio.create_task(client.start(token), name="fake-discord-client")
        ready = asyncio.create_task(client.wait_until_ready(), name="fake-discord-ready")
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                task.result()  # re-raises the login/connect failure
                raise RuntimeError("client stopped before it became ready")
            if not done:
                raise TimeoutError(f"client not ready within {timeout}s; requests: {self._recent_summary()}")
            yield client
        finally:
            ready.cancel()
            await client.close()
            await asyncio.wait({task, ready})
        task.result()
