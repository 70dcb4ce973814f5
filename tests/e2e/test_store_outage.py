"""The PostgreSQL store going away while the bot runs (a restart, a failover): commands answer privately that the
store is unavailable, scheduled jobs fail with one log line each, nothing crashes, and once the server is back the
next command and the next delivery work (asyncpg's pool reconnects by itself). The same private answer when the
server ended a connection the pool held idle (asyncpg then fails on its protocol's state, not with a lost
connection).

The store is reached through a forwarder (:mod:`tests.e2e.outages`): closing it drops every connection and leaves
nobody listening; opening it again on the same port is the server coming back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bot import runner
from bot.app import open_services
from bot.client import DigestBot
from bot.runner import run_bot
from bot.startup import Backoff
from digests.config import Settings
from tests.e2e.conftest import BotFactory
from tests.e2e.outages import Lines, forwarder, terminate_idle
from tests.fake_discord.server import FakeDiscord, InteractionResult
from tests.pg_server import PostgresServer, free_port

TOKEN = "bot-token-SECRET-654"
UNAVAILABLE = "The release store is unavailable right now; try again shortly"
PAUSED = "store unavailable: feed polling paused until it is back ("


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Collects the bot's log lines; puts back the root logger that run_bot configures."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    handler = Lines()
    for name in ("bot", "apscheduler"):
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in ("bot", "apscheduler"):
        logging.getLogger(name).removeHandler(handler)
    root.handlers[:], root.level = handlers, level


def found_once(lines: Lines, start: str) -> bool:
    return len(lines.starting(start)) == 1


def text(result: InteractionResult) -> str:
    return json.dumps(result.messages, ensure_ascii=False)


async def test_a_store_outage_while_running_is_reported_and_survived(
    fake_discord: FakeDiscord, settings: Settings, postgres: PostgresServer, pg_url: str, lines: Lines,
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    async with open_services(settings.model_copy(update={"db": pg_url})) as services:
        await services.digests.load_seeds_if_empty(settings.seeds_dir)
        later = datetime.now(UTC) + timedelta(hours=12)  # not due during the test: the test starts its runs
        subscription = await services.subscriptions.create(
            guild_id=int(fake_discord.guild.id), channel_id=int(fake_discord.channel.id), topic="hmc",
            time_of_day=f"{later:%H:%M}", timezone="UTC", created_by=1,
        )  # fmt: skip
    made: list[DigestBot] = []

    def keep(*args: Any, **kwargs: Any) -> DigestBot:
        made.append(DigestBot(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(runner, "DigestBot", keep)  # the real client; the test needs its scheduler
    port = free_port()
    configured = settings.model_copy(update={
        "discord_token": SecretStr(TOKEN), "discord_guild_id": int(fake_discord.guild.id),
        "db": pg_url.replace(f":{postgres.port}/", f":{port}/"), "lease_seconds": 1.0,
    })  # fmt: skip
    running: list[asyncio.Task[int]] = []
    try:
        async with forwarder(port, postgres.port):
            task = asyncio.create_task(run_bot(configured, backoff=Backoff(base=0.02, cap=0.1)))
            running.append(task)
            await lines.until(lambda found: bool(found.starting("connected as")))
            assert "Sabrina Singh" in text(await fake_discord.slash("digest", {"topic": "hmc"}))
            await lines.until(lambda found: bool(found.starting("this process polls the feeds now")))
        # PostgreSQL is gone: the pool's connections dropped, nobody listening on its port
        digest = await fake_discord.slash("digest", {"topic": "hmc"})
        quote = await fake_discord.slash("quote", {"query": "withdrawal"})
        for answer in (digest, quote):
            assert answer.ephemeral and UNAVAILABLE in text(answer), text(answer)
        posted = len(fake_discord.bot_messages(fake_discord.channel.id))  # the first /digest's answer
        (bot,) = made
        bot.digest_schedule.run_soon(subscription.id)  # a scheduled delivery while the store is away
        await lines.until(lambda found: any("catch-up of daily" in line and "raised" in line for line in found.lines))
        await lines.until(lambda found: bool(found.starting(PAUSED)))
        assert not task.done() and len(fake_discord.bot_messages(fake_discord.channel.id)) == posted
        async with forwarder(port, postgres.port):
            after = await fake_discord.slash("digest", {"topic": "hmc"})
            assert not after.ephemeral and "Sabrina Singh" in text(after)
            posted = len(fake_discord.bot_messages(fake_discord.channel.id))
            bot.digest_schedule.run_soon(subscription.id)  # the delivery, once the store is back
            await fake_discord.wait_for(lambda: len(fake_discord.bot_messages(fake_discord.channel.id)) > posted, 15)
            await lines.until(lambda found: len(found.starting("this process polls the feeds now")) >= 2)
            assert found_once(lines, "store available again: feed polling resumes")
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(task, 15) == 0
    finally:
        if running and not running[0].done():  # a failed assertion: stop the bot all the same
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait(running, timeout=15)
    delivered = fake_discord.bot_messages(fake_discord.channel.id)[posted:]
    assert "Sabrina Singh" in json.dumps(delivered)
    err = capfd.readouterr().err
    failures = [line for line in err.splitlines() if "the store is unavailable (" in line]
    assert "Traceback" not in err and TOKEN not in err and "bot stopped cleanly" in err
    assert any(" in digest: the store is unavailable (" in line for line in failures), failures
    assert any(" in quote: the store is unavailable (" in line for line in failures), failures
    assert any("catch-up of daily digest" in line for line in failures), failures
    assert len([line for line in err.splitlines() if PAUSED in line and " WARNING " in line]) == 1, err
    assert all(" WARNING " in line for line in failures), failures
    assert all("Connect call failed" in line for line in failures if " in digest: " in line or " in quote: " in line)


async def test_an_idle_connection_the_server_ended_gets_the_store_apology(
    start_bot: BotFactory, fake_discord: FakeDiscord, postgres: PostgresServer, pg_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    port = free_port()
    closes = asyncio.Event()  # the server's "terminating connection" reaches the bot's pool, the socket's close not yet
    async with forwarder(port, postgres.port, closes=closes), start_bot(
        db=pg_url.replace(f":{postgres.port}/", f":{port}/"), lease_seconds=600.0
    ):
        try:
            assert "Sabrina Singh" in text(await fake_discord.slash("digest", {"topic": "hmc"}))
            assert await terminate_idle(pg_url)  # a restart or an idle-session timeout, between two commands
            broken = await fake_discord.slash("digest", {"topic": "hmc"})
            assert broken.ephemeral and UNAVAILABLE in text(broken), text(broken)
            closes.set()
            after = await fake_discord.slash("digest", {"topic": "hmc"})
            assert not after.ephemeral and "Sabrina Singh" in text(after)
        finally:
            closes.set()  # else closing the pool would wait for those connections
    failures = [record for record in caplog.records if record.name == "bot.replies"]
    assert [(record.levelname, record.exc_info) for record in failures] == [("WARNING", None)]
    assert "in digest: the store is unavailable (cannot switch to state" in failures[0].getMessage()
