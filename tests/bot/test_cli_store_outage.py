"""The command line when PostgreSQL drops its connection mid-command (a restart, a failover): one line naming the
command and what failed, exit code 1, no traceback; nothing half-written is kept (each write is one transaction),
and the same command once the store is back does the rest.

The drop is made deterministic: the test holds a lock the command's statement waits for, then ends that
command's connection from the server's side (``pg_terminate_backend``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from digests.store.db import Database
from digests.store.sources import SourceRepository
from tests.e2e.processes import ROOT

WAITING = (
    "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
    "AND pid <> pg_backend_pid()"
)
QUOTED = "The Harbortest office said the harbor will reopen next week. “We expect ships by Monday,” said Ann Lee.\n"


async def release_digest(
    pg_url: str, cwd: Path, *args: str, cut_waiting_on: str | None = None, cuts: int = 1, store: str = ""
) -> tuple[int, str, str]:
    """Run ``release-digest ARGS`` on ``store`` (default ``pg_url``); with ``cut_waiting_on`` ("TABLE [IN … MODE]"),
    hold that lock in ``pg_url`` and end the command's connection once one of its statements waits for it, ``cuts``
    times (the statements are appended to the error output, one line). Its exit code and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_DIGEST_", "DISCORD_"))}
    env |= {"PYTHONPATH": str(ROOT), "RELEASE_DIGEST_DB": store or pg_url, "RELEASE_DIGEST_ANALYSIS_WORKERS": "0"}
    env |= {"RELEASE_DIGEST_ALLOW_PRIVATE_URLS": "true", "RELEASE_DIGEST_SEEDS_DIR": str(cwd / "none")}
    admin, watch = await asyncpg.connect(pg_url), await asyncpg.connect(pg_url)  # watch: fresh activity statistics
    cut = ""
    try:
        async with admin.transaction():
            if cut_waiting_on:
                mode = "" if " MODE" in cut_waiting_on else " IN ACCESS EXCLUSIVE MODE"
                await admin.execute(f"LOCK TABLE {cut_waiting_on}{mode}")
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                for _ in range(cuts if cut_waiting_on else 0):
                    async with asyncio.timeout(60):
                        while not (waiting := await watch.fetch(WAITING)):
                            assert process.returncode is None
                            await asyncio.sleep(0.05)
                    await watch.execute("SELECT pg_terminate_backend($1)", waiting[0]["pid"])
                    cut += f"[cut in: {waiting[0]['query']}]"
                    async with asyncio.timeout(60):  # gone: the next wait is another statement's
                        while await watch.fetchval(
                            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", waiting[0]["pid"]
                        ):
                            await asyncio.sleep(0.01)
            except BaseException:
                process.kill()
                raise
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await admin.close()
        await watch.close()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode().rstrip("\n") + (f"\n{cut}" if cut else "")


@contextlib.asynccontextmanager
async def opened(pg_url: str) -> AsyncIterator[Database]:
    db = await Database.open(pg_url)
    try:
        yield db
    finally:
        await db.close()


def one_error_line(err: str, command: str) -> None:
    lines = err.splitlines()[:-1]  # the last one is the statement cut off
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(f"error: {command}: the store became unavailable (terminating connection due to "), err
    assert lines[0].endswith("run the command again once the store is back"), err


async def test_a_read_command_cut_off_is_one_line_and_exit_1(pg_url: str, tmp_path: Path) -> None:
    code, out, err = await release_digest(pg_url, tmp_path, "releases", "--search", "x", cut_waiting_on="releases")
    assert code == 1 and out == ""
    one_error_line(err, "releases")


async def test_an_ingest_cut_off_mid_transaction_keeps_nothing_half_written(pg_url: str, tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(f"Harbor {name}\n\n{QUOTED}", encoding="utf-8")
    ingest = ("ingest", "a.txt", "b.txt")
    # Cut once: the batch's transaction is rolled back and its releases are saved again one by one.
    code, out, err = await release_digest(pg_url, tmp_path, *ingest, cut_waiting_on="quotes")
    assert code == 0 and out.endswith("2 file(s): 2 added, 0 updated, 0 metadata, 0 unchanged, 0 failed\n"), out
    async with opened(pg_url) as db:
        assert (await db.fetch_one("SELECT count(*) FROM releases"))[0] == 2  # type: ignore[index]
        await db.execute("DELETE FROM releases")
    # Cut twice (the store away for the second try too): the command stops with one line, nothing written.
    code, out, err = await release_digest(pg_url, tmp_path, *ingest, cut_waiting_on="quotes", cuts=2)
    assert code == 1 and out == "", out
    one_error_line(err, "ingest")
    assert err.splitlines()[-1].count("[cut in: INSERT INTO quotes") == 2  # after its release was written
    async with opened(pg_url) as db:
        assert (await db.fetch_one("SELECT count(*) FROM releases"))[0] == 0  # type: ignore[index]
    code, out, err = await release_digest(pg_url, tmp_path, *ingest)  # the store is back
    assert code == 0 and out.endswith("2 file(s): 2 added, 0 updated, 0 metadata, 0 unchanged, 0 failed\n"), out


async def test_a_migrate_store_cut_off_mid_copy_keeps_nothing(pg_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"Harbor a\n\n{QUOTED}", encoding="utf-8")
    old = str(tmp_path / "old.db")
    assert (await release_digest(pg_url, tmp_path, "ingest", "a.txt", store=old))[0] == 0
    move = ("migrate-store", old, pg_url)
    # EXCLUSIVE: the emptiness checks may read, the copy's writes wait (in its one transaction)
    code, out, err = await release_digest(pg_url, tmp_path, *move, cut_waiting_on="quotes IN EXCLUSIVE MODE")
    assert code == 1, out + err
    lines = err.splitlines()
    assert "Traceback" not in err and len(lines) == 2 and "[cut in: COPY " in lines[1], err
    assert lines[0].startswith("error: the PostgreSQL store became unavailable while copying (terminating "), err
    assert lines[0].endswith("nothing was kept: run migrate-store again once it is back"), err
    async with opened(pg_url) as db:
        assert (await db.fetch_one("SELECT count(*) FROM releases"))[0] == 0  # type: ignore[index]
    code, out, err = await release_digest(pg_url, tmp_path, *move)  # it is back: the copy into the empty store
    assert code == 0 and "every table's row count matches" in out, out + err


FEED = (
    '<rss version="2.0"><channel><title>Harbortest</title><item><title>Harbor reopens</title>'
    f"<link>https://example.gov/news/reopens</link><description>{QUOTED * 4}</description></item></channel></rss>"
)


@pytest.fixture
async def feed() -> AsyncIterator[str]:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=FEED.encode(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed.xml", serve)
    async with TestServer(app, host="127.0.0.1") as server:
        yield f"http://127.0.0.1:{server.port}/feed.xml"


async def test_a_poll_cut_off_blames_no_feed(pg_url: str, tmp_path: Path, feed: str) -> None:
    async with opened(pg_url) as db:
        await SourceRepository(db).add(feed, feed.removeprefix("http://"), datetime.now(UTC), is_global=True)
        code, out, err = await release_digest(pg_url, tmp_path, "poll", cut_waiting_on="release_sources")
        assert code == 1 and out == "", out
        one_error_line(err, "poll")
        row = await db.fetch_one("SELECT last_error, failures, etag, last_ok_at FROM sources")
        assert row is not None and tuple(row) == (None, 0, None, None)  # the feed is not blamed, nor marked polled
        code, out, err = await release_digest(pg_url, tmp_path, "poll")  # the store is back: the feed, whole
        assert code == 0 and "1 item(s) from " in out and ": 1 added," in out, out + err
