"""A PostgreSQL server for benchmarks whose data directory is kept between runs (under ``.cache/``), holding a copy
of a large SQLite store made once with ``release-digest migrate-store``'s copy (``digests.store.copy``).

Run it alone to make the copy ahead of a benchmark:
``.venv/bin/python -m bench.kept_postgres .cache/scale/scale-100000-r2.db`` (prints the time and row counts).
The server runs as user ``postgres`` on 127.0.0.1 and a free port (tests/pg_server.py's binaries, no fsync), and is
stopped when the block ends; the copy stays in ``--folder`` for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import asyncpg

from digests.store.copy import copy_store, counts_table
from digests.store.db import Database
from tests.pg_server import bin_dir, free_port

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT / ".cache" / "postgres-delivery"


def _run(*args: str) -> None:
    command = [str(bin_dir() / args[0]), *args[1:]]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)


@contextlib.contextmanager
def kept_server(folder: Path = DEFAULT_FOLDER, settings: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start the server on ``folder`` (initdb the first time), with these server ``settings`` (``-c name=value``)
    besides the defaults; yields the URL of its ``postgres`` database."""
    data = folder / "data"
    if not data.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        _run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    sockets = Path(tempfile.mkdtemp(prefix="rd-pg-sock-"))
    if os.geteuid() == 0:
        shutil.chown(sockets, "postgres", "postgres")
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {sockets} -F -c full_page_writes=off -c max_connections=200"
    options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
    _run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "-t", "120", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(sockets, ignore_errors=True)


async def database_with(server_url: str, name: str, sqlite_file: Path) -> str:
    """The URL of database ``name``, a copy of ``sqlite_file`` made the first time (the source file is migrated
    in place by the copy: pass a copy) and migrated to this program's schema since; an unfinished copy from an
    interrupted run is made again."""
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            done = await _copied(url)
            if done:
                started = time.monotonic()
                await (await Database.open(url)).close()  # brought to this program's schema (once, then a no-op)
                print(f"{name}: migrated to the current schema in {time.monotonic() - started:.0f} s", flush=True)
                await _settled(url)
                return url
            await conn.execute(f'DROP DATABASE "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    started = time.monotonic()
    counts = await copy_store(sqlite_file, url, progress=lambda line: print(f"  {line}", flush=True))
    print(counts_table(counts))
    print(f"copied into PostgreSQL in {time.monotonic() - started:.0f} s")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ANALYZE")
        await conn.execute("CREATE TABLE bench_copy_done (at timestamptz)")
    finally:
        await conn.close()
    return url


async def _settled(url: str) -> None:
    """``VACUUM ANALYZE`` the copy, as autovacuum keeps a live store: after a migration's writes the pages it
    touched are all-visible again (index-only scans skip the table) and the planner's statistics are current.
    Quick when nothing changed."""
    started = time.monotonic()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    print(f"vacuumed in {time.monotonic() - started:.0f} s", flush=True)


async def _copied(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return bool(await conn.fetchval("SELECT to_regclass('bench_copy_done') IS NOT NULL"))
    finally:
        await conn.close()


def main() -> None:
    """Make the kept copy of an SQLite store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--name", default="scale100k")
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.store.parent) as scratch:
        source = Path(scratch) / args.store.name
        shutil.copyfile(args.store, source)  # the copy migrates its source in place: never the cached store
        with kept_server(args.folder) as server:
            print(asyncio.run(database_with(server, args.name, source)))


if __name__ == "__main__":
    main()
