"""``release-digest bot`` as a process would run it: token handling, seeds on first start, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
from pydantic import SecretStr

from bot.app import open_services
from bot.runner import run_bot
from bot.startup import Backoff
from digests.config import Settings
from tests.e2e.conftest import FakeClock
from tests.e2e.outages import silent_server
from tests.fake_discord.server import FakeDiscord

TOKEN = "fake-token-SECRET-123"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """run_bot configures the root logger for the process; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


async def test_sigterm_shuts_down_cleanly_and_the_token_is_never_logged(
    fake_discord: FakeDiscord, settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    configured = settings.model_copy(
        update={"discord_token": SecretStr(TOKEN), "discord_guild_id": int(fake_discord.guild.id), "log_level": "DEBUG"}
    )
    task = asyncio.create_task(run_bot(configured))
    try:
        await fake_discord.wait_for(lambda: bool(fake_discord.commands(fake_discord.guild.id)), timeout=15)
        logging.getLogger("probe").info("the token is %s", TOKEN)  # any record carrying it is scrubbed
        result = await fake_discord.slash("digest", {"topic": "hmc"})  # seeds were loaded on first start
        assert result.original is not None and "Sabrina Singh" in str(result.original)
    finally:
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(task, 15) == 0
    err = capfd.readouterr().err
    assert "bot stopped cleanly" in err and "loaded 1 seed release" in err
    assert TOKEN not in err and "[redacted]" in err


async def test_a_rejected_token_is_a_clear_error(settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        with fake.patched():
            code = await run_bot(settings.model_copy(update={"discord_token": SecretStr(TOKEN)}))
    err = capfd.readouterr().err
    assert code == 2 and "Discord rejected DISCORD_TOKEN" in err and TOKEN not in err


class RetryLines(logging.Handler):
    """Collects the bot's log lines so a test can wait for retries and connections."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def retries(self) -> list[str]:
        return [line for line in self.lines if line.startswith("Discord unreachable")]

    def connections(self) -> int:
        return sum(line.startswith("connected as") for line in self.lines)

    async def until(self, predicate: Callable[[RetryLines], bool], timeout: float = 15) -> None:
        """Wait for a log line (nothing else wakes a test while the fake Discord is down)."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await asyncio.sleep(0.01)


@pytest.fixture
def retry_lines() -> Iterator[RetryLines]:
    handler = RetryLines()
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


FAST = {"base": 0.02, "cap": 0.1}


def configured(settings: Settings, fake: FakeDiscord, **overrides: object) -> Settings:
    return settings.model_copy(
        update={"discord_token": SecretStr(TOKEN), "discord_guild_id": int(fake.guild.id), **overrides}
    )


async def stop(task: asyncio.Task[int]) -> int:
    os.kill(os.getpid(), signal.SIGTERM)
    return await asyncio.wait_for(task, 15)


def synced(fake: FakeDiscord) -> bool:
    return bool(fake.commands(fake.guild.id))


def problems(err: str) -> list[str]:
    """The lines logged above INFO (the start-up's own INFO lines are not problems)."""
    return [line for line in err.splitlines() if line.strip() and " INFO " not in line]


async def test_a_rejected_token_is_one_line_with_exit_code_2(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        with fake.patched():
            code = await run_bot(configured(settings, fake), backoff=Backoff(**FAST))
    lines = problems(capfd.readouterr().err)
    assert code == 2
    assert len(lines) == 1, lines
    assert "Discord rejected DISCORD_TOKEN (401 Unauthorized)" in lines[0] and "Reset Token" in lines[0]
    assert TOKEN not in lines[0]


async def test_a_missing_commands_scope_says_how_to_reinvite(
    fake_discord: FakeDiscord, settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    fake_discord.fail_next(
        "PUT", r"/applications/\d+/guilds/\d+/commands", 403, body={"message": "Missing Access", "code": 50001}
    )
    code = await run_bot(configured(settings, fake_discord), backoff=Backoff(**FAST))
    err = capfd.readouterr().err
    problem = problems(err)
    assert code == 2 and len(problem) == 1
    assert "applications.commands scope" in problem[0] and "OAuth2 → URL Generator" in problem[0]
    assert "Traceback" not in err and TOKEN not in err


async def test_5xx_on_the_gateway_endpoint_is_retried_with_one_line_each(
    fake_discord: FakeDiscord, settings: Settings, retry_lines: RetryLines, capfd: pytest.CaptureFixture[str]
) -> None:
    fault = fake_discord.fail_next("GET", r"/gateway/bot", 503, count=3)
    task = asyncio.create_task(run_bot(configured(settings, fake_discord), backoff=Backoff(**FAST)))
    try:
        await fake_discord.wait_for(lambda: synced(fake_discord), timeout=15)
    finally:
        assert await stop(task) == 0
    assert fault.hits == 3
    retries = retry_lines.retries()
    assert len(retries) == 3, retries
    line = r"Discord unreachable \(GET /gateway/bot answered 503 Service Unavailable\); retrying in [\d.]+ s"
    assert all(re.fullmatch(line, r) for r in retries), retries
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err


async def test_sigterm_while_a_shard_connects_stops_at_once_without_a_traceback(
    fake_discord: FakeDiscord, settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    # discord.py retries a shard whose connection close() broke every 5 s, forever: the supervisor must cancel it.
    connecting = fake_discord.hold_next("GET", "/")
    task = asyncio.create_task(run_bot(configured(settings, fake_discord), backoff=Backoff(**FAST)))
    try:
        await fake_discord.wait_for(lambda: connecting.hits > 0, timeout=15)
        assert await stop(task) == 0
    finally:
        connecting.release()
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err, err


async def test_an_outage_while_running_is_retried_and_missed_digests_catch_up(
    fake_discord: FakeDiscord, settings: Settings, retry_lines: RetryLines, capfd: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 8, 59, tzinfo=UTC))
    async with open_services(settings, clock) as services:
        await services.digests.load_seeds_if_empty(settings.seeds_dir)
        await services.subscriptions.create(
            guild_id=int(fake_discord.guild.id),
            channel_id=int(fake_discord.channel.id),
            topic="hmc",
            time_of_day="09:00",
            timezone="UTC",
            created_by=1,
        )
    task = asyncio.create_task(run_bot(configured(settings, fake_discord), backoff=Backoff(**FAST), clock=clock))
    try:
        await retry_lines.until(lambda lines: lines.connections() == 1)
        await fake_discord.go_down()
        await retry_lines.until(lambda lines: len(lines.retries()) >= 3)
        clock.set(datetime(2026, 3, 2, 9, 5, tzinfo=UTC))  # the 09:00 digest came due during the outage
        assert fake_discord.bot_messages(fake_discord.channel.id) == []
        await fake_discord.come_up()
        await fake_discord.wait_for(lambda: bool(fake_discord.bot_messages(fake_discord.channel.id)), timeout=15)
        result = await fake_discord.slash("digest", {"topic": "hmc"})  # the reconnected bot answers
        assert result.original is not None
    finally:
        assert await stop(task) == 0
    assert len(fake_discord.sessions) == 2
    assert "Sabrina Singh" in json.dumps(fake_discord.bot_messages(fake_discord.channel.id))
    port = fake_discord.port
    first, *later = retry_lines.retries()
    assert first.startswith("Discord unreachable (the gateway connection was lost"), first
    assert later and all(
        r.startswith(f"Discord unreachable (GET /gateway/bot: cannot connect to 127.0.0.1:{port}: Connection refused)")
        for r in later
    ), later
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err


async def test_unreachable_at_start_then_connects_and_sigterm_ends_a_wait(
    fake_discord: FakeDiscord, settings: Settings, retry_lines: RetryLines, capfd: pytest.CaptureFixture[str]
) -> None:
    await fake_discord.go_down()
    task = asyncio.create_task(run_bot(configured(settings, fake_discord), backoff=Backoff(**FAST)))
    await retry_lines.until(lambda lines: len(lines.retries()) >= 2)
    await fake_discord.come_up()
    await fake_discord.wait_for(lambda: synced(fake_discord), timeout=15)
    await fake_discord.go_down()  # and stop it while it waits to retry
    await retry_lines.until(lambda lines: len(lines.retries()) >= 4)
    assert await stop(task) == 0
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err and "bot stopped cleanly" in err
    assert "PyNaCl" not in err and "davey" not in err


def process_env(fake: FakeDiscord, db: Path, token: str) -> dict[str, str]:
    """The environment of a `release-digest` process pointed at the fake Discord (no stray settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_DIGEST_", "DISCORD_"))}
    root = str(Path(__file__).resolve().parents[2])
    return {
        **env,
        "PYTHONPATH": root,
        "DISCORD_TOKEN": token,
        "DISCORD_API_BASE": fake.api_base,
        "RELEASE_DIGEST_DB": str(db),
        "RELEASE_DIGEST_SEEDS_DIR": f"{root}/seeds",
    }


async def test_the_process_exits_2_on_a_rejected_token(tmp_path: Path) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "bot",
            env=process_env(fake, tmp_path / "bot.db", TOKEN), cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 60)
    lines = problems(err.decode())
    assert process.returncode == 2 and out == b""
    assert len(lines) == 1 and "Discord rejected DISCORD_TOKEN" in lines[0], lines
    assert TOKEN not in err.decode() and "PyNaCl" not in err.decode()


async def test_sigterm_during_a_hanging_probe_stops_at_once(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    async with silent_server() as (port, accepted), FakeDiscord() as fake:
        with fake.patched():
            discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"  # a Discord that never answers
            task = asyncio.create_task(run_bot(configured(settings, fake), backoff=Backoff(**FAST)))
            await asyncio.wait_for(accepted.wait(), 15)
            assert await stop(task) == 0  # well before the probe's own 15 s timeout
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Discord unreachable" not in err and "bot stopped cleanly" in err
