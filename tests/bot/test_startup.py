"""The start-up rules: backoff, which failures are outages, which are set-up errors, and what the lines say."""

from __future__ import annotations

import errno
import logging
import random
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest
import yarl

from bot.startup import (
    TOKEN_REJECTED,
    Backoff,
    configuration_problem,
    describe,
    is_outage,
    no_voice,
    seconds,
)


def response(status: int, reason: str, method: str = "GET", path: str = "/api/v10/gateway/bot") -> Any:
    """What discord.py's HTTP errors keep of an aiohttp response."""
    return SimpleNamespace(status=status, reason=reason, method=method, url=yarl.URL(f"https://discord.com{path}"))


def connector_error(kind: type[aiohttp.ClientConnectorError], os_error: OSError) -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="discord.com", port=443, ssl=True)
    return kind(key, os_error)  # type: ignore[arg-type]


def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(base=1.0, cap=300.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(12)]
    ceilings = [min(300.0, 2.0**n) for n in range(12)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), delays
    assert max(delays) <= 300 and delays[-1] >= 150
    assert all(d == int(d) for d in delays if d >= 1)  # whole seconds in the log line and the wait alike
    backoff.reset()
    assert 0.5 <= backoff.next_delay() <= 1


def test_default_backoff_is_one_second_to_five_minutes() -> None:
    assert (Backoff().base, Backoff().cap) == (1.0, 300.0)


def test_jitter_spreads_bots_that_lost_discord_together() -> None:
    waits = {Backoff(rng=random.Random(seed), attempt=6).next_delay() for seed in range(20)}
    assert len(waits) > 5 and min(waits) >= 32 and max(waits) <= 64


def test_seconds_reads_well() -> None:
    assert (seconds(12.0), seconds(0.25), seconds(300.0)) == ("12 s", "0.25 s", "300 s")


def test_describe_says_what_failed() -> None:
    dns = connector_error(aiohttp.ClientConnectorDNSError, OSError(-2, "Name or service not known"))
    refused = connector_error(
        aiohttp.ClientConnectorError, ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed")
    )
    assert describe(dns) == "cannot resolve discord.com"
    assert describe(refused) == "cannot connect to discord.com:443: Connection refused"
    assert describe(discord.DiscordServerError(response(502, "Bad Gateway"), "")) == (
        "GET /api/v10/gateway/bot answered 502 Bad Gateway"
    )
    assert describe(TimeoutError()) == "timed out"
    closed = discord.ConnectionClosed(SimpleNamespace(close_code=1006), shard_id=None)  # type: ignore[arg-type]
    assert describe(closed) == "the gateway closed the connection (code 1006)"


def test_outages_are_retried_other_errors_are_not() -> None:
    refused = connector_error(aiohttp.ClientConnectorError, ConnectionRefusedError(errno.ECONNREFUSED, "x"))
    assert is_outage(refused) and is_outage(TimeoutError()) and is_outage(OSError("network is unreachable"))
    assert is_outage(discord.DiscordServerError(response(503, "Service Unavailable"), ""))
    assert is_outage(discord.HTTPException(response(429, "Too Many Requests"), ""))  # Cloudflare ban
    assert not is_outage(discord.HTTPException(response(400, "Bad Request"), ""))
    assert not is_outage(ValueError("a bug"))


def test_set_up_errors_say_what_to_fix_in_the_portal() -> None:
    assert configuration_problem(discord.LoginFailure("Improper token has been passed.")) == TOKEN_REJECTED
    assert "Reset Token" in TOKEN_REJECTED
    intents = configuration_problem(discord.PrivilegedIntentsRequired(None))
    assert intents is not None and "Privileged Gateway Intents" in intents
    scope = configuration_problem(
        discord.Forbidden(
            response(403, "Forbidden", "PUT", "/api/v10/applications/1/guilds/2/commands"),
            {"message": "Missing Access", "code": 50001},
        )
    )
    assert scope is not None and "applications.commands scope" in scope and "Missing Access" in scope
    closed = discord.ConnectionClosed(SimpleNamespace(close_code=4004), shard_id=None)  # type: ignore[arg-type]
    assert "Reset Token" in (configuration_problem(closed) or "")
    # A 403 posting in one channel is that subscription's problem, not the whole bot's.
    elsewhere = discord.Forbidden(response(403, "Forbidden", "POST", "/api/v10/channels/1/messages"), "")
    assert configuration_problem(elsewhere) is None


@pytest.mark.parametrize("flag", ["warn_nacl", "warn_dave"])
def test_no_voice_warnings(flag: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.VoiceClient, flag, True)  # as on a machine without PyNaCl / davey
    no_voice()
    with caplog.at_level(logging.WARNING, logger="discord"):
        discord.Client(intents=discord.Intents.none())
    assert not [r for r in caplog.records if "voice" in r.getMessage()]
