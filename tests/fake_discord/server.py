"""An in-process fake of Discord's REST API (v10) and gateway for end-to-end tests of discord.py bots.

Start it with ``async with FakeDiscord() as fake, fake.patched():`` (or use the ``fake_discord``
fixture from ``tests.fake_discord.fixtures``); see README.md in this folder for the full API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import socket
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import yarl
from aiohttp import BodyPartReader, WSMsgType, web

from .gateway import (
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    GatewayConnection,
    GatewaySession,
)
from .payloads import (
    SEND_MESSAGES,
    VIEW_CHANNEL,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    build_default_guild,
    iso_now,
    snowflake,
)
from .ratelimit import GlobalRateLimit

if TYPE_CHECKING:
    import discord

ClientT = TypeVar("ClientT", bound="discord.Client")
Handler = Callable[..., Awaitable[web.Response]]

API_PREFIX = "/api/v10"
JSON_HEADERS = {"Content-Type": "application/json"}

# Interaction callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
CALLBACK_PONG = 1
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
# Modals (9) and activities (12) are not modelled.
CALLBACK_TYPES = (
    CALLBACK_PONG,
    CALLBACK_MESSAGE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_UPDATE_MESSAGE,
    CALLBACK_AUTOCOMPLETE,
)

# Interaction types.
INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Application command option types that nest other options.
OPTION_SUBCOMMAND = 1
OPTION_GROUP = 2

NONCE_WINDOW_S = 5 * 60
MENTION_RE = re.compile(r"<@!?(\d+)>")


class FakeDiscordError(Exception):
    """Raised by REST handlers to answer with a Discord-style JSON error."""

    def __init__(self, status: int, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class RecordedRequest:
    """One REST request the fake received (path is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    time: float
    files: list[str] = field(default_factory=list)
    status: int = 0


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` requests matching method + path get ``status``."""

    method: str
    path: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float = 0.05
    is_global: bool = False
    scope: str = "user"
    body: dict[str, Any] | None = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to the request."""
        return self.remaining > 0 and self.method in ("*", method) and bool(self.path.fullmatch(path))


@dataclass
class InteractionResult:
    """What the bot did with one interaction; it keeps updating while the bot keeps answering."""

    fake: FakeDiscord = field(repr=False)
    id: str
    token: str = field(repr=False)
    type: int
    payload: dict[str, Any] = field(repr=False)
    dispatched_at: float = field(repr=False)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original_message_id: str | None = None
    followup_ids: list[str] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        """Type of the (first) interaction callback: 4 message, 5 defer, 6/7 component update, 8 choices."""
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        """Whether the bot answered with a deferred callback (type 5 or 6)."""
        return self.callback_type in (CALLBACK_DEFERRED_MESSAGE, CALLBACK_DEFERRED_UPDATE)

    @property
    def original(self) -> dict[str, Any] | None:
        """Current state of the original response message (None if none or deleted)."""
        if self.original_message_id is None:
            return None
        return self.fake.message(self.original_message_id)

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Current state of the followup messages that still exist, oldest first."""
        found = (self.fake.message(mid) for mid in self.followup_ids)
        return [m for m in found if m is not None]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The original response (if any) followed by the followups."""
        original = self.original
        return ([original] if original is not None else []) + self.followups

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices ``[{"name", "value"}]`` from the type-8 callback, or []."""
        for cb in self.callbacks:
            if cb["type"] == CALLBACK_AUTOCOMPLETE:
                return list((cb.get("data") or {}).get("choices", []))
        return []

    @property
    def ephemeral(self) -> bool:
        """Whether the original response is ephemeral."""
        original = self.original
        return original is not None and bool(original["flags"] & FLAG_EPHEMERAL)

    def answered(self) -> bool:
        """True once the callback arrived and any "thinking…" message has been replaced by content."""
        if not self.callbacks:
            return False
        original = self.original
        return original is None or not original["flags"] & FLAG_LOADING

    async def wait_for(
        self, predicate: Callable[[InteractionResult], bool], timeout: float = 5.0
    ) -> InteractionResult:
        """Wait until ``predicate(self)`` holds (e.g. ``lambda r: len(r.followups) == 2``)."""
        await self.fake.wait_for(lambda: predicate(self), timeout, what=f"interaction {self.id}")
        return self


class FakeDiscord:
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

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Websocket URL of the fake gateway."""
        return f"ws://127.0.0.1:{self.port}/"

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

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, *, what: str = "condition"
    ) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every REST request and gateway event."""
        assert self._changed is not None, "FakeDiscord.start() was not called"
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{what} not met within {timeout}s; last requests: {self._recent_summary()}"
            ) from None

    async def settle(self, quiet: float = 0.1) -> None:
        """Return once no REST request has arrived for ``quiet`` seconds."""
        while (wait := self._last_activity + quiet - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    async def wait_until_connected(
        self, timeout: float = 5.0, *, guild_id: str | None = None
    ) -> GatewaySession:
        """Wait until a client (on ``guild_id``'s shard, if given) has identified and received READY; returns
        its session."""
        await self.wait_for(
            lambda: self._live_session(guild_id) is not None, timeout, what="gateway READY"
        )
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
        candidates = self.messages_in(channel_id) if channel_id else [
            m for mid, m in self._messages.items() if mid not in self._deleted and not m["flags"] & FLAG_EPHEMERAL
        ]
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

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        scope: str = "user",
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """Make the next ``count`` requests matching ``method`` ("*" = any) and ``path_regex`` fail.

        ``path_regex`` must fully match the path after ``/api/v10``, e.g. ``r"/channels/\\d+/messages"``.
        A 429 carries ``retry_after`` (s) in its body and Retry-After / X-RateLimit-* headers.
        Returns the Fault; its ``hits`` counts the requests it failed.
        """
        fault = Fault(
            method.upper(), re.compile(path_regex), status, count, retry_after, is_global, scope, body
        )
        self.faults.append(fault)
        return fault

    def _rate_limited(self, retry_after: float, *, is_global: bool, scope: str) -> web.Response:
        self.rate_limited_count += 1
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        headers = {
            **JSON_HEADERS,
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": str(self.global_rate_limit or 5),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and does not retry.
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json(body, 429, headers)

    def _check_faults(self, method: str, path: str, token: str = "") -> web.Response | None:
        """The injected failure or global-rate-limit 429 for this request, if any."""
        for fault in self.faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                fault.hits += 1
                if fault.status == 429:
                    return self._rate_limited(fault.retry_after, is_global=fault.is_global, scope=fault.scope)
                body = fault.body or _default_error_body(fault.status)
                return _json(body, fault.status)
        if self.global_rate_limit is None or path.startswith(("/interactions/", "/webhooks/")):
            return None
        retry_after = self._global_limit.check(token, time.monotonic(), self.global_rate_limit)
        if retry_after is not None:
            return self._rate_limited(round(retry_after, 3), is_global=True, scope="global")
        return None

    # ------------------------------------------------------------------ REST plumbing

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, time.time(), files)
        self.requests.append(record)
        try:
            response = self._check_faults(request.method, path, request.headers.get("Authorization", ""))
            if response is None:
                response = await self._route(request, record)
        except FakeDiscordError as exc:
            response = _json({"message": exc.message, "code": exc.code}, exc.status)
        except Exception as exc:
            # A bug in the fake: answer 400 (a 500 would make discord.py retry for ~25 s) and keep it
            # in ``internal_errors`` so the fixture can fail the test.
            self.internal_errors.append(f"{record.method} {path}: {traceback.format_exc()}")
            response = _json({"message": f"fake discord internal error: {exc!r}", "code": 0}, 400)
        record.status = response.status
        self._touch()
        await self._notify()
        return response

    async def _route(self, request: web.Request, record: RecordedRequest) -> web.Response:
        auth = request.headers.get("Authorization", "")
        is_webhook = record.path.startswith(("/interactions/", "/webhooks/"))
        # Interaction callbacks and followups are authenticated by the interaction token instead.
        if self.token is not None and not is_webhook and auth != f"Bot {self.token}":
            raise FakeDiscordError(401, "401: Unauthorized", 0)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(record.path)
            if match and method == record.method:
                return await handler(record, **match.groupdict())
        self.unhandled.append(record)
        raise FakeDiscordError(404, "404: Not Found", 0)

    # ------------------------------------------------------------------ REST: identity, guilds, commands

    async def _get_me(self, record: RecordedRequest) -> web.Response:
        return _json({**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None})

    async def _get_my_guilds(self, record: RecordedRequest) -> web.Response:
        return _json([g.partial_payload(self.bot_user) for g in self.guilds])

    async def _get_user(self, record: RecordedRequest, user_id: str) -> web.Response:
        user = self._users().get(user_id)
        if user is None:
            raise FakeDiscordError(404, "Unknown User", 10013)
        return _json(user.payload())

    def _users(self) -> dict[str, FakeUser]:
        return {m.user.id: m.user for g in self.guilds for m in g.members}

    async def _get_application(self, record: RecordedRequest) -> web.Response:
        return _json(
            {
                "id": self.application_id,
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.bot_user.payload(),
                "owner": self.admin.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 1 << 23,
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _get_gateway(self, record: RecordedRequest) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json(
            {"url": self.gateway_url.rstrip("/"), "shards": self.recommended_shards, "session_start_limit": limit}
        )

    async def _get_commands(
        self, record: RecordedRequest, app: str, guild_id: str | None = None
    ) -> web.Response:
        return _json(self.commands(guild_id))

    async def _put_commands(
        self, record: RecordedRequest, app: str, guild_id: str | None = None
    ) -> web.Response:
        if guild_id is not None:
            self._guild_or_404(guild_id)
        existing = {(c["name"], c["type"]): c["id"] for c in self.commands(guild_id)}
        stored = []
        for cmd in record.json or []:
            kind = cmd.get("type", 1)
            stored.append(
                {
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    "description_localizations": None,
                    "name_localizations": None,
                    **cmd,
                    # Bulk overwrite keeps the id of a command with the same name and type, as on Discord.
                    "id": existing.get((cmd["name"], kind)) or snowflake(),
                    "type": kind,
                    "application_id": self.application_id,
                    "version": snowflake(),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return _json(stored)

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

    async def _get_guild(self, record: RecordedRequest, guild_id: str) -> web.Response:
        data = self._guild_or_404(guild_id).payload()
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large"):
            data.pop(key)  # GET /guilds/{id} returns the guild without its gateway-only fields
        return _json(data)

    async def _get_guild_channels(self, record: RecordedRequest, guild_id: str) -> web.Response:
        return _json([c.payload() for c in self._guild_or_404(guild_id).channels])

    async def _get_member(self, record: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        guild = self._guild_or_404(guild_id)
        for member in guild.members:
            if member.user.id == user_id:
                return _json(member.payload())
        raise FakeDiscordError(404, "Unknown Member", 10007)

    async def _get_channel(self, record: RecordedRequest, channel_id: str) -> web.Response:
        return _json(self._channel_or_404(channel_id).payload())

    async def _typing(self, record: RecordedRequest, channel_id: str) -> web.Response:
        self._channel_or_404(channel_id)
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: channel messages

    async def _get_channel_messages(self, record: RecordedRequest, channel_id: str) -> web.Response:
        self._channel_or_404(channel_id)
        found = self.messages_in(channel_id)
        if "before" in record.query:
            found = [m for m in found if int(m["id"]) < int(record.query["before"])]
        limit = int(record.query.get("limit", 50))
        if "after" in record.query:
            found = [m for m in found if int(m["id"]) > int(record.query["after"])]
            if "before" not in record.query:  # as on Discord: the `limit` messages right after it, newest first
                return _json(list(reversed(found[:limit])))
        return _json(list(reversed(found))[:limit])  # newest first, as on Discord

    async def _get_channel_message(
        self, record: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        return _json(self._message_or_404(message_id, channel_id))

    async def _post_channel_message(self, record: RecordedRequest, channel_id: str) -> web.Response:
        channel = self._channel_or_404(channel_id)
        needed = VIEW_CHANNEL | SEND_MESSAGES
        if self._guild_or_404(channel.guild_id).permissions_in(channel, self.bot_user) & needed != needed:
            raise FakeDiscordError(403, "Missing Permissions", 50013)
        body = record.json or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord returns the earlier message for a repeated nonce within a few minutes.
            for message in self.messages_in(channel_id):
                if message.get("nonce") == nonce and time.time() - message["_created"] < NONCE_WINDOW_S:
                    return _json(_public(message))
        message = await self._create_message(channel, self.bot_user, body, record.files)
        return _json(_public(message))

    async def _patch_message(self, record: RecordedRequest, channel_id: str, message_id: str) -> web.Response:
        message = self._message_or_404(message_id, channel_id)
        if message["author"]["id"] != self.bot_user.id:
            raise FakeDiscordError(403, "Cannot edit a message authored by another user", 50005)
        return _json(_public(await self._edit_message(message, record.json or {}, record.files)))

    async def _delete_message(
        self, record: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        await self._delete(self._message_or_404(message_id, channel_id))
        return web.Response(status=204)

    def _message_or_404(self, message_id: str, channel_id: str | None = None) -> dict[str, Any]:
        message = self.message(message_id)
        if message is None or (channel_id is not None and message["channel_id"] != channel_id):
            raise FakeDiscordError(404, "Unknown Message", 10008)
        return message

    # ------------------------------------------------------------------ REST: interactions and webhooks

    async def _callback(self, record: RecordedRequest, interaction_id: str, token: str) -> web.Response:
        result = self._interactions.get(interaction_id)
        late = (
            result is not None
            and not result.callbacks
            and self.interaction_deadline is not None
            and time.monotonic() - result.dispatched_at > self.interaction_deadline
        )
        if result is None or result.token != token or late:
            raise FakeDiscordError(404, "Unknown interaction", 10062)
        if result.callbacks:
            raise FakeDiscordError(400, "Interaction has already been acknowledged.", 40060)
        body = record.json or {}
        kind = body.get("type")
        data = body.get("data") or {}
        updates_message = kind in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE)
        if kind not in CALLBACK_TYPES or (updates_message and "message" not in result.payload):
            raise FakeDiscordError(400, f"Interaction callback type {kind} is invalid here", 50035)
        result.callbacks.append(body)
        channel = self._channel_or_404(result.payload["channel_id"])
        message: dict[str, Any] | None = None
        if kind == CALLBACK_MESSAGE:
            message = await self._create_message(
                channel, self.bot_user, data, record.files, interaction=result, flags=data.get("flags", 0)
            )
        elif kind == CALLBACK_DEFERRED_MESSAGE:
            flags = FLAG_LOADING | (data.get("flags", 0) & FLAG_EPHEMERAL)
            message = await self._create_message(
                channel, self.bot_user, {}, [], interaction=result, flags=flags
            )
        elif updates_message:
            message = self._message_or_404(result.payload["message"]["id"])
            if kind == CALLBACK_UPDATE_MESSAGE:
                message = await self._edit_message(message, data, record.files)
        if message is not None:
            result.original_message_id = message["id"]
        response: dict[str, Any] = {
            "interaction": {
                "id": result.id,
                "type": result.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == CALLBACK_DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(message and message["flags"] & FLAG_EPHEMERAL),
            }
        }
        if kind != CALLBACK_AUTOCOMPLETE:
            response["resource"] = {"type": kind}
            if message is not None and kind != CALLBACK_DEFERRED_UPDATE:
                response["resource"]["message"] = _public(message)
        return _json(response)

    def _interaction_by_token(self, app: str, token: str) -> InteractionResult:
        for result in self._interactions.values():
            if result.token == token and app == self.application_id:
                return result
        raise FakeDiscordError(404, "Unknown Webhook", 10015)

    async def _post_followup(self, record: RecordedRequest, app: str, token: str) -> web.Response:
        result = self._interaction_by_token(app, token)
        if not result.callbacks:
            raise FakeDiscordError(404, "Unknown Webhook", 10015)
        body = record.json or {}
        original = result.original
        if original is not None and original["flags"] & FLAG_LOADING:
            # After a deferral the first followup replaces the "thinking…" message, as on Discord.
            message = await self._edit_message(original, body, record.files)
        else:
            channel = self._channel_or_404(result.payload["channel_id"])
            message = await self._create_message(
                channel, self.bot_user, body, record.files, interaction=result, flags=body.get("flags", 0)
            )
            result.followup_ids.append(message["id"])
        if record.query.get("wait") in ("1", "true", "True"):
            return _json(_public(message))
        return web.Response(status=204)

    def _webhook_message(self, app: str, token: str, message_id: str) -> dict[str, Any]:
        result = self._interaction_by_token(app, token)
        if message_id == "@original":
            if result.original_message_id is None:
                raise FakeDiscordError(404, "Unknown Message", 10008)
            message_id = result.original_message_id
        elif message_id not in result.followup_ids and message_id != result.original_message_id:
            raise FakeDiscordError(404, "Unknown Message", 10008)
        return self._message_or_404(message_id)

    async def _get_webhook_message(
        self, record: RecordedRequest, app: str, token: str, message_id: str
    ) -> web.Response:
        return _json(_public(self._webhook_message(app, token, message_id)))

    async def _patch_webhook_message(
        self, record: RecordedRequest, app: str, token: str, message_id: str
    ) -> web.Response:
        message = self._webhook_message(app, token, message_id)
        return _json(_public(await self._edit_message(message, record.json or {}, record.files)))

    async def _delete_webhook_message(
        self, record: RecordedRequest, app: str, token: str, message_id: str
    ) -> web.Response:
        await self._delete(self._webhook_message(app, token, message_id))
        return web.Response(status=204)

    # ------------------------------------------------------------------ message store

    async def _create_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: dict[str, Any],
        files: list[str],
        *,
        interaction: InteractionResult | None = None,
        flags: int = 0,
        reference: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        reference = reference or body.get("message_reference")
        referenced = self.message(str(reference["message_id"])) if reference else None
        if reference and referenced is None and reference.get("fail_if_not_exists", True):
            raise FakeDiscordError(400, "Invalid Form Body (message_reference: Unknown message)", 50035)
        allowed = body.get("allowed_mentions")
        # Replies ping the replied-to author unless allowed_mentions says otherwise (Discord's default).
        ping_reply = allowed is None or bool(allowed.get("replied_user", False))
        is_original = interaction is not None and interaction.original_message_id is None
        message: dict[str, Any] = {
            "id": snowflake(),
            "channel_id": channel.id,
            "guild_id": channel.guild_id,
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": _attachments(body, files),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": 19 if referenced else 0,
            "flags": flags,
            "nonce": body.get("nonce"),
            "_created": time.time(),
        }
        message["mentions"] = self._mentions(message["content"], referenced if ping_reply else None)
        if referenced is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": channel.id,
                "guild_id": channel.guild_id,
            }
            message["referenced_message"] = _public(referenced)
        if interaction is not None:
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
            user = interaction.payload["member"]["user"]
            metadata: dict[str, Any] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": {"0": channel.guild_id},
            }
            if not is_original:
                metadata["original_response_message_id"] = interaction.original_message_id
            if "message" in interaction.payload:
                metadata["interacted_message_id"] = interaction.payload["message"]["id"]
            message["interaction_metadata"] = metadata
            if interaction.type == INTERACTION_COMMAND and is_original:
                message["type"] = 20  # CHAT_INPUT_COMMAND
        self._messages[message["id"]] = message
        self._by_channel.setdefault(channel.id, []).append(message["id"])
        if not flags & FLAG_EPHEMERAL:
            await self._dispatch_message_event("MESSAGE_CREATE", message)
        return message

    def _mentions(self, content: str, referenced: dict[str, Any] | None) -> list[dict[str, Any]]:
        ids = set(MENTION_RE.findall(content))
        if referenced is not None:
            ids.add(referenced["author"]["id"])
        users = self._users()
        return [users[i].payload() for i in sorted(ids) if i in users]

    async def _edit_message(
        self, message: dict[str, Any], body: dict[str, Any], files: list[str]
    ) -> dict[str, Any]:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            message["attachments"] = _attachments(body, files)
        if "content" in body:
            replied = message.get("referenced_message")
            pinged = replied is not None and any(
                u["id"] == replied["author"]["id"] for u in message["mentions"]
            )
            message["mentions"] = self._mentions(message["content"], replied if pinged else None)
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = iso_now()
        if not message["flags"] & FLAG_EPHEMERAL:
            await self._dispatch_message_event("MESSAGE_UPDATE", message)
        return message

    async def _delete(self, message: dict[str, Any]) -> None:
        self._deleted.add(message["id"])
        if not message["flags"] & FLAG_EPHEMERAL:
            data = {"id": message["id"], "channel_id": message["channel_id"], "guild_id": message["guild_id"]}
            for session in self._sessions_with(INTENT_GUILD_MESSAGES, message["guild_id"]):
                await session.dispatch("MESSAGE_DELETE", data)

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = GatewayConnection(ws, zlib_stream=request.query.get("compress") == "zlib-stream")
        self._connections.add(conn)
        try:
            await conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    await self._gateway_message(conn, json.loads(msg.data))
                except Exception:
                    self.internal_errors.append(f"gateway: {traceback.format_exc()}")
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                # A client closing with 1000/1001 ends its session; other closes leave it resumable.
                if ws.close_code in (1000, 1001):
                    session.resumable = False
            await self._notify()
        return ws

    async def _gateway_message(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data: dict[str, Any] = payload["d"] if isinstance(payload.get("d"), dict) else {}
        if "token" in data:
            self.gateway_received.append({**payload, "d": {**data, "token": "<redacted>"}})
        else:
            self.gateway_received.append(payload)
        if op == OP_HEARTBEAT:
            await conn.send({"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data)
        elif op == OP_RESUME:
            await self._resume(conn, data)
        elif op == OP_REQUEST_GUILD_MEMBERS and conn.session is not None:
            guild = self._guild_or_404(str(data["guild_id"]))
            chunk = {
                "guild_id": guild.id,
                "members": [m.payload() for m in guild.members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "nonce": data.get("nonce"),
            }
            await conn.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        # Presence updates (op 3) and voice state updates need no answer.

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        index, count = data.get("shard") or (0, 1)
        session = GatewaySession(intents=int(data.get("intents", 0)), connection=conn, shard=(int(index), int(count)))
        conn.session = session
        self.sessions.append(session)
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [g.unavailable_payload() for g in self.guilds if session.covers(g.id)],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": self.application_id, "flags": 1 << 23},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "auth": {},
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
        }
        await session.dispatch("READY", ready)
        for guild in self.guilds:
            if session.covers(guild.id):
                await session.dispatch("GUILD_CREATE", guild.payload())
        session.ready = True
        await self._notify()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if (
            session is None
            or not session.resumable
            or (self.token is not None and data.get("token") != self.token)
        ):
            await conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        if session.connection is not None and session.connection is not conn:
            await session.connection.ws.close(code=4000)
        session.connection = conn
        conn.session = session
        await session.replay_after(int(data.get("seq") or 0))
        await session.dispatch("RESUMED", {})
        await self._notify()

    def _sessions_with(
        self, intent: int | None = None, guild_id: str | None = None
    ) -> list[GatewaySession]:
        """Live sessions (with ``intent``; on the shard of ``guild_id``: a guild's events go there only)."""
        return [
            s
            for s in self.sessions
            if s.resumable
            and s.ready
            and (intent is None or s.wants(intent))
            and (guild_id is None or s.covers(guild_id))
        ]

    async def _dispatch_message_event(self, event: str, message: dict[str, Any]) -> None:
        for session in self._sessions_with(INTENT_GUILD_MESSAGES, message["guild_id"]):
            await session.dispatch(event, self._as_seen_by_bot(session, message))

    def _as_seen_by_bot(self, session: GatewaySession, message: dict[str, Any]) -> dict[str, Any]:
        data = _public(message)
        author_id = message["author"]["id"]
        guild = next(g for g in self.guilds if g.id == message["guild_id"])
        with contextlib.suppress(KeyError):
            member = guild.member(author_id)
            data["member"] = {k: v for k, v in member.payload().items() if k != "user"}
        mentioned = any(u["id"] == self.bot_user.id for u in message["mentions"])
        if not (session.wants(INTENT_MESSAGE_CONTENT) or author_id == self.bot_user.id or mentioned):
            # Without the privileged intent Discord blanks other users' message content.
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    async def send_event(self, event: str, data: dict[str, Any], timeout: float = 5.0) -> None:
        """Dispatch a raw gateway event to every connected client (waits for one to be connected); an event of
        a guild (``guild_id`` in ``data``) goes only to the clients on that guild's shard."""
        guild_id = data.get("guild_id")
        await self.wait_until_connected(timeout, guild_id=guild_id)
        for session in self._sessions_with(guild_id=guild_id):
            await session.dispatch(event, data)
        await self._notify()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client drops the socket and RESUMEs its session."""
        for session in self._sessions_with():
            if session.connection is not None:
                await session.connection.send({"op": OP_RECONNECT, "d": None})

    # ------------------------------------------------------------------ simulated users

    def _member_payload(self, guild: FakeGuild, user: FakeUser) -> dict[str, Any]:
        return {**guild.member(user).payload(), "permissions": str(guild.permissions(user))}

    def _base_interaction(
        self, kind: int, data: dict[str, Any], user: FakeUser, channel: FakeChannel, locale: str
    ) -> dict[str, Any]:
        guild = self._guild_or_404(channel.guild_id)
        return {
            "id": snowflake(),
            "application_id": self.application_id,
            "type": kind,
            "data": data,
            "guild_id": guild.id,
            "guild": {"id": guild.id, "locale": "en-US", "features": []},
            "channel_id": channel.id,
            "channel": {**channel.payload(), "permissions": str(guild.permissions(user))},
            "member": self._member_payload(guild, user),
            "token": "itk-" + snowflake(),
            "version": 1,
            "app_permissions": str(guild.permissions(self.bot_user)),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _find_command(self, root: str, guild_id: str) -> dict[str, Any]:
        for cmd in [*self.guild_commands.get(guild_id, []), *self.global_commands]:
            if cmd["name"] == root and cmd["type"] == 1:
                return cmd
        known = sorted(c["name"] for c in [*self.guild_commands.get(guild_id, []), *self.global_commands])
        raise LookupError(f"/{root} is not synced to the fake (known: {known}); call bot.tree.sync() first")

    def _command_data(
        self, name: str, options: dict[str, Any], guild: FakeGuild, focused: str | None
    ) -> dict[str, Any]:
        root, *path = name.split()
        command = self._find_command(root, guild.id)
        resolved: dict[str, dict[str, Any]] = {}
        defs = command.get("options") or []
        wrappers: list[dict[str, Any]] = []
        for part in path:  # walk "group sub" down to the leaf subcommand's option definitions
            sub = next(
                (o for o in defs if o["name"] == part and o["type"] in (OPTION_SUBCOMMAND, OPTION_GROUP)),
                None,
            )
            if sub is None:
                raise LookupError(f"/{name}: no subcommand {part!r}")
            wrappers.append({"name": part, "type": sub["type"]})
            defs = sub.get("options") or []
        types = {o["name"]: o["type"] for o in defs}
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in options]
        if missing and focused is None:  # Discord's client never sends a command without them
            raise LookupError(f"/{name} needs option(s) {missing}")
        leaf = []
        for key, value in options.items():
            if key not in types:
                raise LookupError(f"/{name} has no option {key!r} (has {sorted(types)})")
            option: dict[str, Any] = {
                "name": key,
                "type": types[key],
                "value": self._option_value(value, guild, resolved),
            }
            if key == focused:
                option["focused"] = True
            leaf.append(option)
        for wrapper in reversed(wrappers):
            wrapper["options"] = leaf
            leaf = [wrapper]
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1, "options": leaf}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(self, value: Any, guild: FakeGuild, resolved: dict[str, dict[str, Any]]) -> Any:
        """The option's wire value; entity options also fill the interaction's ``resolved`` data."""
        if isinstance(value, FakeUser):
            resolved.setdefault("users", {})[value.id] = value.payload()
            with contextlib.suppress(KeyError):
                member = self._member_payload(guild, value)
                member.pop("user")
                resolved.setdefault("members", {})[value.id] = member
            return value.id
        if isinstance(value, FakeChannel):
            channel = {**value.payload(), "permissions": str(guild.permissions(self.bot_user))}
            resolved.setdefault("channels", {})[value.id] = channel
            return value.id
        if isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[value.id] = value.payload()
            return value.id
        return value

    async def _interact(
        self, payload: dict[str, Any], wait: bool, timeout: float, settle: float
    ) -> InteractionResult:
        result = InteractionResult(
            self, payload["id"], payload["token"], payload["type"], payload, time.monotonic()
        )
        self._interactions[result.id] = result
        await self.send_event("INTERACTION_CREATE", payload, timeout)
        result.dispatched_at = time.monotonic()
        if wait:
            await result.wait_for(InteractionResult.answered, timeout)
            await self.settle(settle)
        return result

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float = 5.0,
        settle: float = 0.1,
    ) -> InteractionResult:
        """Invoke a synced slash command as ``user`` (default: ``member``) and return what the bot answered.

        ``name`` may include subcommands ("digest show"). Option values are plain values, or a
        FakeUser / FakeChannel / FakeRole for entity options. With ``wait`` it returns once the
        callback arrived, any "thinking…" message was filled, and REST was quiet for ``settle`` s.
        """
        channel = channel or self.channel
        data = self._command_data(name, options or {}, self._guild_or_404(channel.guild_id), None)
        payload = self._base_interaction(INTERACTION_COMMAND, data, user or self.member, channel, locale)
        return await self._interact(payload, wait, timeout, settle)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Send an autocomplete interaction (type 4) with ``focused`` as the option being typed.

        The returned result's ``choices`` holds the bot's ``[{"name", "value"}]`` answer.
        """
        channel = channel or self.channel
        data = self._command_data(name, options, self._guild_or_404(channel.guild_id), focused)
        payload = self._base_interaction(INTERACTION_AUTOCOMPLETE, data, user or self.member, channel, locale)
        return await self._interact(payload, True, timeout, 0.0)

    async def click(
        self,
        custom_id: str,
        message: dict[str, Any],
        *,
        user: FakeUser | None = None,
        values: list[str] | None = None,
        component_type: int = 2,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float = 5.0,
        settle: float = 0.1,
    ) -> InteractionResult:
        """Click a button (component_type 2) or choose ``values`` in a select menu (3) on ``message``.

        ``message`` is a message payload from the fake (e.g. ``result.original``); it must exist.
        """
        current = self._message_or_404(message["id"])
        channel = self._channel_or_404(current["channel_id"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload = self._base_interaction(INTERACTION_COMPONENT, data, user or self.member, channel, locale)
        payload["message"] = _public(current)
        return await self._interact(payload, wait, timeout, settle)

    async def send_message(
        self,
        content: str,
        *,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Post a message as a human (default: ``member``); clients get MESSAGE_CREATE. Returns it."""
        channel = channel or self.channel
        await self.wait_until_connected()
        reference = {"message_id": reply_to["id"]} if reply_to is not None else None
        message = await self._create_message(
            channel, user or self.member, {"content": content}, [], reference=reference
        )
        await self._notify()
        return message

    async def mention_reply(
        self,
        message: dict[str, Any],
        text: str,
        *,
        user: FakeUser | None = None,
        expect: int = 1,
        timeout: float = 5.0,
        settle: float = 0.1,
    ) -> list[dict[str, Any]]:
        """Reply to ``message`` with "@bot text" and return the messages the bot posted afterwards.

        Waits for ``expect`` bot messages in that channel (``expect=0``: just waits ``settle`` s),
        then for REST to be quiet for ``settle`` s.
        """
        channel = self._channel_or_404(message["channel_id"])
        before = {m["id"] for m in self.bot_messages(channel.id)}
        await self.send_message(
            f"{self.bot_user.mention} {text}", user=user, channel=channel, reply_to=message
        )

        def new_messages() -> list[dict[str, Any]]:
            return [m for m in self.bot_messages(channel.id) if m["id"] not in before]

        if expect == 0:
            await asyncio.sleep(settle)  # give an unwanted reply the chance to show up
        await self.wait_for(lambda: len(new_messages()) >= expect, timeout, what=f"{expect} bot repl(ies)")
        await self.settle(settle)
        return new_messages()


# ---------------------------------------------------------------------- helpers


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json" (bytes body, so aiohttp adds no "; charset=..."): discord.py
    # treats the body of any other content type as plain text.
    return web.Response(status=status, body=json.dumps(data).encode(), headers=headers or JSON_HEADERS)


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A message payload without the fake's private bookkeeping keys."""
    return {k: v for k, v in message.items() if not k.startswith("_")}


def _default_error_body(status: int) -> dict[str, Any]:
    return {
        401: {"message": "401: Unauthorized", "code": 0},
        403: {"message": "Missing Permissions", "code": 50013},
        404: {"message": "Unknown Message", "code": 10008},
    }.get(status, {"message": f"{status}: Internal Server Error", "code": 0})


def _attachments(body: dict[str, Any], files: list[str]) -> list[dict[str, Any]]:
    names = {str(a.get("id")): a.get("filename") for a in body.get("attachments") or []}
    found = []
    for index, name in enumerate(files):
        filename = names.get(str(index)) or name
        found.append(
            {
                "id": snowflake(),
                "filename": filename,
                "size": 0,
                "url": f"https://cdn.example.invalid/attachments/{filename}",
                "proxy_url": f"https://cdn.example.invalid/attachments/{filename}",
            }
        )
    return found


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    """JSON body (from ``payload_json`` for multipart uploads) and the uploaded file names."""
    if not request.body_exists:
        return None, []
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[str] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # discord.py never nests multipart bodies
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files.append(part.filename or str(part.name))
                await part.read()
        return payload, files
    text = await request.text()
    return (json.loads(text) if text else None), []
