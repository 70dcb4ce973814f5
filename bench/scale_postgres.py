"""Answers at scale on PostgreSQL: bench/scale.py's store moved into a throw-away PostgreSQL server with
``release-digest migrate-store``'s copy, then the same answers timed there and compared with SQLite's.

Run by hand from the project root: ``.venv/bin/python -m bench.scale_postgres [--releases 100000] [--calls 200]``.
The SQLite store is bench/scale_store.py's (built once under ``--cache``); it is copied to a temporary file first,
so the cache is never touched. Prints the copy's time and row counts, then p50/p95/p99/max in ms per answer on
PostgreSQL (as server ``--guild`` asks, after one untimed warm-up call per input), and whether every input gives
the same releases / quotes / terms in the same order as on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.scale import acronyms, kinds, percentiles, timed
from bench.scale_store import ensure
from digests.service import DigestService
from digests.store.copy import copy_store, counts_table
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from tests.pg_server import PostgresServer


async def run(args: argparse.Namespace, sqlite_file: Path, url: str) -> None:
    started = time.monotonic()
    counts = await copy_store(sqlite_file, url)
    seconds = time.monotonic() - started
    rows = sum(c.postgresql for c in counts)
    print(counts_table(counts))
    print(f"copied {rows:,} rows in {seconds:.0f} s ({rows / seconds:,.0f} rows/s); load average {os.getloadavg()}")
    pg, lite = await Database.open(url), await Database.open(sqlite_file)
    try:
        await pg.execute("ANALYZE")  # fresh statistics after a bulk load, as an operator would run
        service, reference = DigestService(ReleaseRepository(pg)), DigestService(ReleaseRepository(lite))
        topics = await acronyms(lite)
        guild = None if args.guild < 0 else args.guild
        on_sqlite = kinds(reference, lite, topics, guild)
        print(f"{'answer on PostgreSQL (ms)':30} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}   same as SQLite")
        for name, (inputs, new, _old) in kinds(service, pg, topics, guild).items():
            samples = await timed(args.calls, inputs, new)
            same = [await new(value) == await on_sqlite[name][1](value) for value in inputs]
            print(f"{name:30} {percentiles(samples)}   {sum(same)}/{len(same)}", flush=True)
    finally:
        await pg.close()
        await lite.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--cache", default=".cache/scale")
    parser.add_argument("--guild", type=int, default=1, help="ask as this server (-1: the operator, unscoped)")
    args = parser.parse_args()
    cached = asyncio.run(ensure(Path(args.cache), args.releases))
    server = PostgresServer()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_file = Path(folder) / cached.name
        shutil.copyfile(cached, sqlite_file)
        try:
            server.start()
            asyncio.run(run(args, sqlite_file, server.acquire()))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
