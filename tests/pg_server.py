"""A throw-away PostgreSQL server for the tests: initdb + pg_ctl on a temporary directory, 127.0.0.1, a free port.

initdb refuses to run as root, so as root the server runs as the ``postgres`` user (``runuser``) on a directory
it owns. A test that needs PostgreSQL and cannot start it fails with the reason; it is never skipped.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import pytest

from digests.store.db import Database

SEARCHED = "/usr/lib/postgresql/*/bin"
TEMPLATE = "release_digest_template"
# Emptying a used database is much faster than copying the template again (no checkpoint, no new files).
_EMPTY = """
DO $$
DECLARE name text;
BEGIN
    SET LOCAL session_replication_role = replica;  -- no foreign-key checks: any order will do
    FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_version' LOOP
        EXECUTE format('DELETE FROM %I', name);
    END LOOP;
    FOR name IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER SEQUENCE %I RESTART', name);
    END LOOP;
END $$
"""


def bin_dir() -> Path:
    """The folder of initdb and pg_ctl: the newest /usr/lib/postgresql/N/bin, else the PATH."""
    found = sorted(glob.glob(f"{SEARCHED}/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail(
        f"PostgreSQL is needed for these tests but initdb was found neither in {SEARCHED} nor on the PATH: "
        "install it (apt-get install -y postgresql)",
        pytrace=False,
    )


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One server for the whole test session."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="release-digest-pg-"))
        self.data = self.base / "data"
        self.port = 0
        self._numbers = itertools.count(1)
        self._free: list[str] = []

    @property
    def url(self) -> str:
        """The server's maintenance database."""
        return self.database_url("postgres")

    def _run(self, *args: str, fail: bool = True) -> bool:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 and fail:
            pytest.fail(
                f"PostgreSQL could not be started ({' '.join(command)} exited {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-2000:]}",
                pytrace=False,
            )
        return done.returncode == 0

    def start(self) -> None:
        """initdb (trust authentication, no fsync) and start listening on 127.0.0.1 only."""
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        log = str(self.base / "log")
        for attempt in range(3):  # another program may take the free port before the server binds it
            self.port = free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.base} -F -c full_page_writes=off -c max_connections=200"
            command = ("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", "60", "start")
            if self._run(*command, fail=attempt == 2):
                break
        asyncio.run(self._sql(self.url, f"CREATE DATABASE {TEMPLATE}"))
        asyncio.run(self._migrate(self.database_url(TEMPLATE)))

    @staticmethod
    async def _sql(url: str, statement: str) -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    @staticmethod
    async def _migrate(url: str) -> None:
        await (await Database.open(url)).close()

    def acquire(self) -> str:
        """The URL of an empty, migrated database that no test is using."""
        if self._free:
            return self.database_url(self._free.pop())
        name = f"test_{next(self._numbers)}"
        asyncio.run(self._sql(self.url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        return self.database_url(name)

    async def create_empty(self) -> str:
        """The URL of a new database with no schema at all (for migration tests)."""
        name = f"empty_{next(self._numbers)}"
        await self._sql(self.url, f"CREATE DATABASE {name}")
        return self.database_url(name)

    def release(self, url: str) -> None:
        """Empty a database a test used and keep it for the next test."""
        asyncio.run(self._sql(url, _EMPTY))
        self._free.append(url.rsplit("/", 1)[1])

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it runs, and remove its files."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def database_url(self, name: str) -> str:
        """The URL of one database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"
