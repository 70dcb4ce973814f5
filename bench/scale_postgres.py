"""Answers at scale on PostgreSQL: bench/scale.py's store moved into a PostgreSQL 15 server with
``release-digest migrate-store``'s copy, then the same answers timed there and compared with SQLite's.

Run from the project root: ``.venv/bin/python -m bench.scale_postgres [--releases 100000] [--calls 200]``
(``make bench-postgres``). The SQLite store is bench/scale_store.py's (built once under ``--cache``); it is copied
to a temporary file first, so the cache is never touched. The server (bench/kept_postgres.py, with the settings of
:data:`SETTINGS`, printed) keeps its data directory under ``--cache``, so the copied database is reused by the next
run (brought to the current schema first); ``--reload`` copies it again and times the copy. Prints p50/p95/p99/max
in ms per answer on PostgreSQL (as server ``--guild`` asks, after one untimed warm-up call per input), the load
average while each kind ran, and how many inputs give the same answer as on SQLite: the same releases / quotes /
terms in the same order as the service shows them, and (digests, quote searches) the same store answer behind
them (a topic's count and pages 1 and 5, a quote search's ranking; bench/scale.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.kept_postgres import database_with, kept_server
from bench.scale import acronyms, kinds, percentiles, timed
from bench.scale_store import RECIPE, ensure
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

# A small dedicated database machine's settings instead of the defaults (shared_buffers=128MB, jit on): the plans
# timed here are index scans and nested loops, which JIT compilation only slows down. No durability (fsync off):
# the database is a throw-away copy and the answers timed are reads.
SETTINGS = {
    "shared_buffers": "256MB",
    "effective_cache_size": "2GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "random_page_cost": "1.1",
    "jit": "off",
    "max_wal_size": "4GB",
    "synchronous_commit": "off",
}


async def load(server_url: str, name: str, sqlite_file: Path, reload: bool) -> str:
    """The URL of the database ``name`` holding the SQLite store (copied when missing or ``reload``)."""
    if reload:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        finally:
            await admin.close()
    started = time.monotonic()
    url = await database_with(server_url, name, sqlite_file)
    print(f"ready in {time.monotonic() - started:.0f} s; load average {os.getloadavg()}", flush=True)
    return url


async def run(args: argparse.Namespace, server_url: str, sqlite_file: Path) -> int:
    started = time.monotonic()
    await (await Database.open(sqlite_file)).close()  # brought to this program's schema first, timed apart
    print(f"SQLite copy migrated to the current schema in {time.monotonic() - started:.0f} s", flush=True)
    url = await load(server_url, f"scale_{args.releases}_r{RECIPE}", sqlite_file, args.reload)
    pg, lite = await Database.open(url), await Database.open(sqlite_file)
    mismatches = 0
    try:
        version = await pg.fetch_one("SHOW server_version")
        count = await pg.fetch_one("SELECT COUNT(*) AS n FROM releases")
        print(f"PostgreSQL {version[0] if version else '?'}: {count['n'] if count else 0:,} releases")
        print("settings: fsync=off, full_page_writes=off, " + ", ".join(f"{k}={v}" for k, v in SETTINGS.items()))
        service, reference = DigestService(ReleaseRepository(pg)), DigestService(ReleaseRepository(lite))
        topics = await acronyms(lite)
        guild = None if args.guild < 0 else args.guild
        on_sqlite = kinds(reference, lite, topics, guild)
        head = f"{'answer on PostgreSQL (ms)':30} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"
        print(f"{head}  load avg  same: shown / store")
        for name, (inputs, new, _old, *compared) in kinds(service, pg, topics, guild).items():
            if args.only and args.only not in name:
                continue
            load_before = os.getloadavg()[0]
            samples = await timed(args.calls, inputs, new)
            load_after = os.getloadavg()[0]
            theirs = on_sqlite[name]
            pairs = [(new, theirs[1])] + ([(compared[0], theirs[3])] if compared else [])
            same = []
            for mine_call, their_call in pairs:
                same.append(0)
                for value in inputs:
                    mine, expected = await mine_call(value), await their_call(value)
                    same[-1] += mine == expected
                    if mine != expected and args.verbose:
                        print(f"   differs for {value!r}:\n     postgresql {mine}\n     sqlite     {expected}")
            mismatches += sum(len(inputs) - n for n in same)
            loads = f"{min(load_before, load_after):4.1f}-{max(load_before, load_after):4.1f}"
            counted = " / ".join(f"{n}/{len(inputs)}" for n in same)
            print(f"{name:30} {percentiles(samples)}  {loads:9} {counted}", flush=True)
        print(f"answers differing from SQLite's: {mismatches}")
    finally:
        await pg.close()
        await lite.close()
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--cache", default=".cache/scale")
    parser.add_argument("--guild", type=int, default=1, help="ask as this server (-1: the operator, unscoped)")
    parser.add_argument("--reload", action="store_true", help="copy the store into PostgreSQL again")
    parser.add_argument("--only", help="only the kinds whose name contains this")
    parser.add_argument("--verbose", action="store_true", help="print the answers that differ")
    args = parser.parse_args()
    cache = Path(args.cache)
    cached = asyncio.run(ensure(cache, args.releases))
    with tempfile.TemporaryDirectory(dir=cache) as folder:
        sqlite_file = Path(folder) / cached.name
        shutil.copyfile(cached, sqlite_file)  # opening a store migrates it: never the cached one
        with kept_server(cache / "postgresql", SETTINGS) as server_url:
            asyncio.run(run(args, server_url, sqlite_file))


if __name__ == "__main__":
    main()
