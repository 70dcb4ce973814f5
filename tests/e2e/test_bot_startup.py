"""``release-digest bot`` starting while its store cannot be reached yet (PostgreSQL not up when compose starts the
bot): one line per attempt, no traceback, the worker's backoff, then it connects; a store refusing the URL's user
or database is one line and exit code 2; a store newer than the program is exit code 1, as before.

"PostgreSQL not up yet" is a URL whose port nobody listens on; the server "appears" when a forwarder to the
session's throw-away PostgreSQL starts listening on that port (:mod:`tests.e2e.outages`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.runner import run_bot
from bot.startup import Backoff
from digests.config import Settings
from digests.store.db import Database
from tests.e2e.outages import Lines, forwarder, silent_store
from tests.e2e.processes import ROOT
from tests.fake_discord.server import FakeDiscord
from tests.pg_server import PostgresServer, free_port

TOKEN = "bot-token-SECRET-456"
FAST = Backoff(base=0.02, cap=0.1)


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Collects the bot's log lines; puts back the root logger that run_bot configures."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    handler = Lines()
    logging.getLogger("bot").addHandler(handler)
    yield handler
    logging.getLogger("bot").removeHandler(handler)
    root.handlers[:], root.level = handlers, level


def configured(settings: Settings, fake: FakeDiscord | None = None, **overrides: object) -> Settings:
    guild = {"discord_guild_id": int(fake.guild.id)} if fake else {}
    return settings.model_copy(update={"discord_token": SecretStr(TOKEN), **guild, **overrides})


async def stop(task: asyncio.Task[int]) -> int:
    os.kill(os.getpid(), signal.SIGTERM)
    return await asyncio.wait_for(task, 15)


def problems(err: str) -> list[str]:
    """The lines logged above INFO."""
    return [line for line in err.splitlines() if line.strip() and " INFO " not in line]


def closed_port_url(pg_url: str, postgres: PostgresServer) -> tuple[str, int]:
    """The test's database URL on a port nobody listens on yet."""
    port = free_port()
    return pg_url.replace(f":{postgres.port}/", f":{port}/"), port


async def test_the_store_not_up_yet_is_retried_until_it_appears(
    fake_discord: FakeDiscord, settings: Settings, postgres: PostgresServer, pg_url: str, lines: Lines,
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    url, port = closed_port_url(pg_url, postgres)
    task = asyncio.create_task(run_bot(configured(settings, fake_discord, db=url), backoff=FAST))
    await lines.until(lambda found: len(found.starting("store unreachable")) >= 2)
    assert not task.done() and not fake_discord.sessions  # no Discord connection before the store is open
    async with forwarder(port, postgres.port):
        await lines.until(lambda found: bool(found.starting("connected as")))
        result = await fake_discord.slash("digest", {"topic": "hmc"})  # the seeds were loaded once it appeared
        assert result.original is not None and "Sabrina Singh" in str(result.original)
        assert await stop(task) == 0
    retries = lines.starting("store unreachable")
    assert all(
        line.startswith(f"store unreachable (cannot open the PostgreSQL store at 127.0.0.1:{port}/")
        and "Connect call failed" in line
        and "; retrying in " in line
        for line in retries
    ), retries
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err and "bot stopped cleanly" in err
    assert len([line for line in err.splitlines() if "store unreachable" in line]) == len(retries)  # one line each


async def test_sigterm_while_waiting_for_the_store_stops_cleanly(
    settings: Settings, lines: Lines, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    task = asyncio.create_task(run_bot(configured(settings, db=url), backoff=Backoff(base=30, cap=30)))
    await lines.until(lambda found: bool(found.starting("store unreachable")))
    assert await stop(task) == 0  # well before the 15–30 s wait is over
    err = capfd.readouterr().err
    assert "Traceback" not in err and "bot stopped cleanly" in err


async def test_sigterm_while_the_store_does_not_answer_stops_at_once(settings: Settings, lines: Lines) -> None:
    async with silent_store() as (url, accepted):
        task = asyncio.create_task(run_bot(configured(settings, db=url), backoff=FAST))
        await asyncio.wait_for(accepted.wait(), 15)
        assert await stop(task) == 0  # well before asyncpg's own 60 s connection timeout
    assert not lines.starting("store unreachable")


async def test_a_store_refusing_the_url_is_one_line_and_exit_code_2(
    settings: Settings, postgres: PostgresServer, lines: Lines, capfd: pytest.CaptureFixture[str]
) -> None:
    missing = postgres.database_url("no_such_database")
    assert await run_bot(configured(settings, db=missing), backoff=FAST) == 2
    (line,) = problems(capfd.readouterr().err)
    assert "ERROR" in line and 'database "no_such_database" does not exist' in line and "RELEASE_DIGEST_DB" in line
    nobody = missing.replace("postgres@", "nobody@").replace("no_such_database", "postgres")
    assert await run_bot(configured(settings, db=nobody), backoff=FAST) == 2
    (line,) = problems(capfd.readouterr().err)
    assert 'role "nobody" does not exist' in line and "RELEASE_DIGEST_DB" in line
    assert not lines.starting("store unreachable")


def test_a_store_newer_than_the_program_is_exit_code_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "future.db"

    async def from_the_future() -> None:
        db = await Database.open(path)
        await db.execute("PRAGMA user_version = 999")
        await db.close()

    asyncio.run(from_the_future())
    monkeypatch.chdir(tmp_path)  # no .env
    for name in [name for name in os.environ if name.startswith(("RELEASE_DIGEST_", "DISCORD_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("RELEASE_DIGEST_DB", str(path))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert main(["bot"]) == 1
    finally:
        root.handlers[:], root.level = handlers, level
    err = capsys.readouterr().err
    assert "error: the database is at schema version 999, newer than this program knows" in err
    assert "Traceback" not in err and "store unreachable" not in err


async def test_the_bot_process_waits_for_postgresql(
    fake_discord: FakeDiscord, postgres: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    url, port = closed_port_url(pg_url, postgres)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_DIGEST_", "DISCORD_"))}
    env |= {"PYTHONPATH": str(ROOT), "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake_discord.api_base}
    env |= {"RELEASE_DIGEST_DB": url, "RELEASE_DIGEST_ANALYSIS_WORKERS": "0"}
    env |= {"RELEASE_DIGEST_SEEDS_DIR": f"{ROOT}/seeds", "DISCORD_GUILD_ID": str(fake_discord.guild.id)}
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "bot", cwd=tmp_path, env=env, stdout=out, stderr=out
        )

    async def logged(text: str, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while text not in log.read_text(errors="replace"):
                assert process.returncode is None, log.read_text(errors="replace")
                await asyncio.sleep(0.05)

    try:
        await logged("store unreachable")
        async with forwarder(port, postgres.port):
            await logged("connected as")
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = log.read_text()
    retries = [line for line in output.splitlines() if "store unreachable" in line]
    assert retries and all(" WARNING bot.startup: store unreachable (" in line for line in retries), output
    assert all("retrying in 1 s" in line or "retrying in 0." in line for line in retries[:1]), output
    assert "Traceback" not in output and TOKEN not in output and "bot stopped cleanly" in output
