"""Keeping the bot connected: retries with backoff while Discord or the store is unreachable, a clear exit on a
bad set-up.

Expected failures (no network, DNS, refused connections, Discord's 5xx, a dropped gateway that cannot be resumed)
are one log line each and a retry after an exponential, jittered delay capped at five minutes; a fresh client is
built for every attempt, so a reconnect goes through the same start-up path (commands, scheduler rebuilt from the
database, catch-up of the runs missed meanwhile) as a process restart. Configuration errors — a rejected token, a
missing privileged intent or ``applications.commands`` scope — say what to fix in the developer portal and end the
process with :data:`EXIT_CONFIG`, since retrying cannot help. The token never appears in any message.

The store is opened the same way by the bot and the worker (:func:`open_store` under :func:`retry`): a server not
up yet is one line per attempt and the same backoff; one refusing the URL's user, password or database is a
configuration error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import aiohttp
import discord
import yarl
from discord.http import Route

from bot.app import Services, open_services
from digests.config import Settings
from digests.stopping import Stopped, unless_set
from digests.store.db import StoreRefusedError, StoreUnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")

EXIT_OK = 0
EXIT_CONFIG = 2  # a configuration error: retrying will not help (systemd: RestartPreventExitStatus=2)

PORTAL = "https://discord.com/developers/applications"
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=15)
# Gateway close codes that mean a set-up error, not an outage (https://discord.com/developers/docs/topics/opcodes-
# and-status-codes#gateway-gateway-close-event-codes).
_CONFIG_CLOSE_CODES = {
    4004: "Discord closed the gateway: authentication failed (4004). Reset the token in the developer portal "
    "(Bot → Reset Token) and put the new one in DISCORD_TOKEN.",
    4010: "Discord closed the gateway: invalid shard (4010). Check the shard settings.",
    4011: "Discord closed the gateway: this bot is in too many servers for one connection and must shard (4011).",
    4012: "Discord closed the gateway: invalid API version (4012). Upgrade discord.py.",
    4013: "Discord closed the gateway: invalid intents (4013). Upgrade Release Digest.",
}


class ConfigurationError(Exception):
    """A set-up problem only the operator can fix; the message says what to do and never holds the token."""


class Unreachable(Exception):
    """Discord or the store could not be reached this time; the message says what failed."""


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits a random time in [c/2, c], c = min(cap, base·2ⁿ).

    The random half keeps many restarted bots from retrying in step; the lower half keeps the wait growing.
    """

    base: float = 1.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        """The wait before the next attempt (seconds); whole seconds from one second up."""
        ceiling = min(self.cap, self.base * 2.0 ** min(self.attempt, 62))
        self.attempt += 1
        delay = self.rng.uniform(ceiling / 2, ceiling)
        return float(round(delay)) if delay >= 1 else round(delay, 3)

    def reset(self) -> None:
        """Connected: the next outage starts from ``base`` again."""
        self.attempt = 0


def seconds(delay: float) -> str:
    """``12 s`` / ``0.25 s`` for log lines."""
    return f"{delay:.0f} s" if delay >= 1 else f"{delay:g} s"


def os_reason(error: OSError) -> str:
    """Why a connection failed: asyncio words a refusal "Connect call failed ('1.2.3.4', 443)"; the errno's own
    text ("Connection refused") says it better."""
    if error.errno and error.errno > 0:
        return os.strerror(error.errno)
    return error.strerror or str(error) or type(error).__name__


def request_line(exc: discord.HTTPException) -> str:
    """``PUT /api/v10/applications/…/commands``: the request that failed."""
    return f"{getattr(exc.response, 'method', '')} {yarl.URL(str(exc.response.url)).path}".strip()


def describe(exc: BaseException) -> str:
    """What failed, in a few words, for the retry line (no traceback, never the token)."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve {exc.host}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port}: {os_reason(exc.os_error)}"
    if isinstance(exc, discord.GatewayNotFound) and isinstance(exc.__cause__, discord.HTTPException):
        return f"GET /gateway/bot answered {exc.__cause__.status}"
    if isinstance(exc, discord.HTTPException):
        return f"{request_line(exc)} answered {exc.status} {getattr(exc.response, 'reason', '') or ''}".strip()
    if isinstance(exc, discord.ConnectionClosed):
        return f"the gateway closed the connection (code {exc.code})"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ClientError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        return os_reason(exc)
    return type(exc).__name__


TOKEN_REJECTED = (
    "Discord rejected DISCORD_TOKEN (401 Unauthorized). Reset the token in the developer portal "
    f"({PORTAL} → your application → Bot → Reset Token) and put the new one in DISCORD_TOKEN."
)


def configuration_problem(exc: BaseException) -> str | None:
    """The one-line fix for a set-up error, or ``None`` if ``exc`` is not one."""
    if isinstance(exc, discord.LoginFailure):
        return TOKEN_REJECTED
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return (
            "Discord refused the gateway connection: a privileged intent is not enabled. Enable it in the developer "
            f"portal ({PORTAL} → your application → Bot → Privileged Gateway Intents)."
        )
    if isinstance(exc, discord.Forbidden) and request_line(exc).endswith("/commands"):
        return (
            f"Discord refused to register the slash commands ({exc.status} {exc.text or 'Missing Access'}): the bot "
            "was invited without the applications.commands scope. Re-invite it from the developer portal "
            f"({PORTAL} → OAuth2 → URL Generator, scopes: bot applications.commands)."
        )
    if isinstance(exc, discord.ConnectionClosed) and exc.code in _CONFIG_CLOSE_CODES:
        return _CONFIG_CLOSE_CODES[exc.code]
    return None


# What an outage looks like from discord.py and aiohttp; anything else is a bug and keeps its traceback.
EXPECTED_FAILURES: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    discord.GatewayNotFound,
    discord.DiscordServerError,
    discord.ConnectionClosed,
)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` is Discord or the network being down (retry), rather than a bug or a set-up error."""
    if isinstance(exc, discord.HTTPException) and not isinstance(exc, discord.DiscordServerError):
        return exc.status == 429  # a Cloudflare ban of this host; any other 4xx is not an outage
    return isinstance(exc, EXPECTED_FAILURES)


async def probe(token: str) -> None:
    """One ``GET /gateway/bot`` with the token, no retries: returns if Discord answers, else raises
    :class:`Unreachable` or :class:`ConfigurationError` (401)."""
    url = f"{Route.BASE}/gateway/bot"  # read at call time: tests point discord.py at a local fake
    try:
        async with (
            aiohttp.ClientSession(timeout=PROBE_TIMEOUT) as session,
            session.get(url, headers={"Authorization": f"Bot {token}"}) as response,
        ):
            status, reason = response.status, response.reason or ""
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise Unreachable(f"GET /gateway/bot: {describe(exc)}") from None
    if status == 401:
        raise ConfigurationError(TOKEN_REJECTED)
    if status >= 500 or status == 429:
        raise Unreachable(f"GET /gateway/bot answered {status} {reason}".strip())


async def retry(
    stop: asyncio.Event, backoff: Backoff, attempt: Callable[[], Awaitable[T]], *, logger: logging.Logger = log
) -> T:
    """``attempt()``'s result, tried again after ``backoff``'s next delay while it raises :class:`Unreachable` (one
    warning line each, no traceback). :class:`Stopped` as soon as ``stop`` is set (during a wait too);
    :class:`ConfigurationError` and anything else ``attempt`` raises end the retries."""
    while not stop.is_set():
        try:
            return await attempt()
        except Unreachable as exc:
            delay = backoff.next_delay()
            logger.warning("%s; retrying in %s", exc, seconds(delay))
            with contextlib.suppress(TimeoutError):  # the wait is over: try again
                await asyncio.wait_for(stop.wait(), delay)
    raise Stopped


async def open_store(
    stack: contextlib.AsyncExitStack, settings: Settings, clock: Callable[[], datetime] | None = None
) -> Services:
    """The services on the settings' store, closed with ``stack``: :class:`Unreachable` while the server cannot be
    reached, :class:`ConfigurationError` when it refuses the URL's user, password or database."""
    try:
        opening = open_services(settings) if clock is None else open_services(settings, clock)
        return await stack.enter_async_context(opening)
    except StoreRefusedError as exc:
        raise ConfigurationError(f"{exc}: check RELEASE_DIGEST_DB") from None
    except StoreUnavailableError as exc:
        raise Unreachable(f"store unreachable ({exc})") from None


def no_voice() -> None:
    """Release Digest never joins voice: don't warn at start that PyNaCl and davey (voice-only libraries) are
    missing. discord.py warns once per process when the first client is built, guarded by these flags."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class Supervisor:
    """Runs a fresh client from ``make_client`` until SIGTERM/SIGINT, reconnecting after outages with backoff.

    discord.py's own reconnect loop is switched off (``reconnect=False``): it logs a traceback per attempt and
    backs off up to 17 minutes; here each attempt is one line and the wait is capped by ``backoff``.
    """

    def __init__(
        self, make_client: Callable[[], discord.Client], token: str, *, backoff: Backoff | None = None
    ) -> None:
        self._make_client = make_client
        self._token = token
        self.backoff = backoff or Backoff()
        self._stop = asyncio.Event()
        self._client: discord.Client | None = None
        self._starting: asyncio.Task[None] | None = None  # the running client's start (login and connection)
        self._closing: list[asyncio.Task[None]] = []  # keeps close tasks referenced until they are done
        no_voice()

    def stop(self) -> None:
        """Ask the supervisor to end: closes the running client, or ends a wait between attempts."""
        self._stop.set()
        if self._client is None:
            return
        if self._starting is not None and not self._client.is_ready():
            # Still connecting: discord.py's sharded client retries a shard whose connection close() broke, every
            # 5 s and with a traceback each time, so it would never end. Cancelled instead (``async with``
            # closes it).
            self._starting.cancel()
        else:
            self._closing.append(asyncio.create_task(self._client.close()))

    async def run(self) -> int:
        """Connect and stay connected until stopped; return the process exit code."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        try:
            return await self._run()
        except ConfigurationError as exc:
            log.error("%s", exc)
            return EXIT_CONFIG
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def _run(self) -> int:
        while not self._stop.is_set():
            try:
                await unless_set(self._stop, probe(self._token))
            except Stopped:
                break
            except Unreachable as exc:
                connected, reason = False, str(exc)
            else:
                connected, ended = await self._attempt()
                # The sharded client ends without saying why when a shard could not reconnect.
                reason = ended or "the gateway connection was lost and could not be resumed"
            if self._stop.is_set():
                break
            if connected:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            log.warning(
                "Discord unreachable (%s); retrying in %s",
                reason,
                seconds(delay),
            )
            with contextlib.suppress(TimeoutError):  # the wait is over: try again
                await asyncio.wait_for(self._stop.wait(), delay)
        return EXIT_OK

    async def _attempt(self) -> tuple[bool, str | None]:
        """One client from login to disconnect: whether it got connected, and what failed (``None`` when it
        was stopped or the connection ended without an error). Raises :class:`ConfigurationError`."""
        client = self._make_client()
        self._client = client
        ready: asyncio.Task[None] | None = None

        def connected() -> bool:
            return ready is not None and ready.done() and not ready.cancelled()

        try:
            async with client:
                ready = asyncio.create_task(client.wait_until_ready())
                if not self._stop.is_set():
                    self._starting = asyncio.create_task(client.start(self._token, reconnect=False))
                    try:
                        await self._starting
                    except asyncio.CancelledError:
                        this = asyncio.current_task()
                        if not self._stop.is_set() or (this is not None and this.cancelling()):
                            raise  # not our stop's cancel: this task itself is being cancelled
        except Exception as exc:
            if self._stop.is_set():
                return connected(), None  # closed under its feet by SIGTERM: whatever it raised, we are stopping
            problem = configuration_problem(exc)
            if problem is not None:
                raise ConfigurationError(problem) from None
            if not is_outage(exc):
                raise
            stage = "the gateway connection was lost" if connected() else "connecting"
            return connected(), f"{stage}: {describe(exc)}"
        finally:
            self._client = self._starting = None
            if ready is not None and not ready.done():
                ready.cancel()
            # discord.py leaves its wait-for-guilds task running when a client closes before it is ready; left
            # alone it fails later on the closed client ("Task exception was never retrieved").
            pending = getattr(getattr(client, "_connection", None), "_ready_task", None)
            if isinstance(pending, asyncio.Task) and not pending.done():
                pending.cancel()
        return connected(), None
