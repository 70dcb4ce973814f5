"""``release-digest worker`` starting while the store or Discord cannot be reached yet: one line per attempt, no
traceback, a retry after a backoff, then it polls; a set-up error is one line and exit code 2.

"PostgreSQL not up yet" is a URL whose port nobody listens on; the server "appears" when a TCP forwarder to the
session's throw-away PostgreSQL starts listening on that port.
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

from bot.startup import Backoff
from bot.worker import run_worker
from digests.config import Settings
from tests.e2e.outages import Lines, forwarder, silent_store
from tests.e2e.processes import ROOT
from tests.fake_discord.server import FakeDiscord
from tests.pg_server import PostgresServer, free_port

TOKEN = "worker-token-SECRET-789"
FAST = Backoff(base=0.02, cap=0.1)


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Collects the worker's log lines; puts back the root logger that run_worker configures."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    handler = Lines()
    logging.getLogger("bot").addHandler(handler)
    yield handler
    logging.getLogger("bot").removeHandler(handler)
    root.handlers[:], root.level = handlers, level


def with_token(settings: Settings, **overrides: object) -> Settings:
    return settings.model_copy(update={"discord_token": SecretStr(TOKEN), **overrides})


async def stop(task: asyncio.Task[int]) -> int:
    os.kill(os.getpid(), signal.SIGTERM)
    return await asyncio.wait_for(task, 15)


def problems(err: str) -> list[str]:
    """The lines logged above INFO."""
    return [line for line in err.splitlines() if line.strip() and " INFO " not in line]


def started(lines: Lines) -> bool:
    return bool(lines.starting("worker ") and any("started: polling feeds" in line for line in lines.lines))


async def test_the_store_not_up_yet_is_retried_until_it_appears(
    fake_discord: FakeDiscord, settings: Settings, postgres: PostgresServer, pg_url: str, lines: Lines,
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    port = free_port()
    url = pg_url.replace(f":{postgres.port}/", f":{port}/")
    task = asyncio.create_task(run_worker(with_token(settings, db=url), backoff=FAST))
    await lines.until(lambda found: len(found.starting("store unreachable")) >= 2)
    async with forwarder(port, postgres.port):
        await lines.until(started)
        assert await stop(task) == 0
    retries = lines.starting("store unreachable")
    assert all(
        line.startswith(f"store unreachable (cannot open the PostgreSQL store at 127.0.0.1:{port}/")
        and "Connect call failed" in line
        and "; retrying in " in line
        for line in retries
    ), retries
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err and "worker stopped cleanly" in err
    assert len([line for line in err.splitlines() if "store unreachable" in line]) == len(retries)  # one line each


async def test_discord_unreachable_at_start_is_retried(
    fake_discord: FakeDiscord, settings: Settings, lines: Lines, capfd: pytest.CaptureFixture[str]
) -> None:
    await fake_discord.go_down()
    task = asyncio.create_task(run_worker(with_token(settings), backoff=FAST))
    await lines.until(lambda found: len(found.starting("Discord unreachable")) >= 2)
    await fake_discord.come_up()
    await lines.until(started)
    assert await stop(task) == 0
    refused = f"Discord unreachable (logging in: cannot connect to 127.0.0.1:{fake_discord.port}: Connection refused)"
    assert all(line.startswith(refused) for line in lines.starting("Discord unreachable")), lines.lines
    err = capfd.readouterr().err
    assert "Traceback" not in err and TOKEN not in err


async def test_sigterm_while_waiting_to_retry_stops_cleanly(settings: Settings, lines: Lines) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    task = asyncio.create_task(run_worker(with_token(settings, db=url), backoff=Backoff(base=30, cap=30)))
    await lines.until(lambda found: bool(found.starting("store unreachable")))
    assert await stop(task) == 0  # well before the 15–30 s wait is over


async def test_sigterm_while_the_store_does_not_answer_stops_at_once(settings: Settings, lines: Lines) -> None:
    async with silent_store() as (url, accepted):
        task = asyncio.create_task(run_worker(with_token(settings, db=url), backoff=FAST))
        await asyncio.wait_for(accepted.wait(), 15)
        assert await stop(task) == 0  # well before asyncpg's own 60 s connection timeout
    assert not lines.starting("store unreachable")


async def test_setup_errors_are_one_line_and_exit_code_2(
    settings: Settings, postgres: PostgresServer, lines: Lines, capfd: pytest.CaptureFixture[str]
) -> None:
    missing = postgres.database_url("no_such_database")
    assert await run_worker(with_token(settings, db=missing), backoff=FAST) == 2
    (line,) = problems(capfd.readouterr().err)
    assert "ERROR" in line and 'database "no_such_database" does not exist' in line and "RELEASE_DIGEST_DB" in line
    nobody = missing.replace("postgres@", "nobody@").replace("no_such_database", "postgres")
    assert await run_worker(with_token(settings, db=nobody), backoff=FAST) == 2
    (line,) = problems(capfd.readouterr().err)
    assert 'role "nobody" does not exist' in line and "RELEASE_DIGEST_DB" in line
    async with FakeDiscord(token="the-right-token") as fake:
        with fake.patched():
            assert await run_worker(with_token(settings), backoff=FAST) == 2
    (line,) = problems(capfd.readouterr().err)
    assert "Discord rejected DISCORD_TOKEN (401 Unauthorized)" in line and TOKEN not in line
    assert not lines.starting("store unreachable") and not lines.starting("Discord unreachable")


async def test_the_worker_process_waits_for_postgresql(
    fake_discord: FakeDiscord, postgres: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = pg_url.replace(f":{postgres.port}/", f":{port}/")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_DIGEST_", "DISCORD_"))}
    env |= {"PYTHONPATH": str(ROOT), "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake_discord.api_base}
    env |= {"RELEASE_DIGEST_DB": url, "RELEASE_DIGEST_ANALYSIS_WORKERS": "0"}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "worker", cwd=tmp_path, env=env, stdout=out, stderr=out
        )

    async def logged(text: str, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while text not in log.read_text(errors="replace"):
                assert process.returncode is None, log.read_text(errors="replace")
                await asyncio.sleep(0.05)

    try:
        await logged("store unreachable")
        async with forwarder(port, postgres.port):
            await logged("started: polling feeds")
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = log.read_text()
    retries = [line for line in output.splitlines() if "store unreachable" in line]
    assert retries and all(" WARNING bot.worker: store unreachable (" in line for line in retries), output
    assert all("retrying in 1 s" in line or "retrying in 0." in line for line in retries[:1]), output
    assert "Traceback" not in output and TOKEN not in output and "worker stopped cleanly" in output
