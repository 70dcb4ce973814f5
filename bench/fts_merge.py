"""Full-text segment merging (digests/store/fts_merge.py): how long each bounded step holds the store, and what it
buys a one-release full-text seek.

Run from the project root: ``.venv/bin/python -m bench.fts_merge [--releases 10000]``. It builds (once, cached
under ``.cache/scale/``) a benchmark store of ``--releases`` releases as bench/scale_store.py does — saved 500 a
transaction, so FTS5 leaves it in many segments, as an ingest does — copies it, and on the copy prints the segments
of each index, the time of a one-release seek (``MATCH 'people' AND rowid = ?``, ``--seeks`` of them in one
statement), then merges with ``ReleaseRepository.merge_full_text`` until nothing is left, timing every step (one
'merge' of 200 pages: the time the write lock is held), and prints the segments and seek time again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.scale_store import ensure
from digests.store import fts_merge
from digests.store.db import Database
from digests.store.releases import ReleaseRepository


async def segments(db: Database) -> list[int]:
    found = []
    for table in fts_merge.TABLES:
        row = await db.fetch_one(f"SELECT COUNT(DISTINCT segid) AS n FROM {table}_idx")
        found.append(int(row["n"]) if row else 0)
    return found


async def seek_us(db: Database, stored: int, seeks: int) -> float:
    """µs a one-release full-text seek costs inside SQLite: ``seeks`` random ids (the same at every call) checked
    in one statement (so the hand-over to aiosqlite's thread is not counted), the median of 5 such statements
    divided by ``seeks``."""
    rng = random.Random(5)
    ids = json.dumps([rng.randrange(1, stored + 1) for _ in range(seeks)])
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        await db.fetch_one(
            "SELECT COUNT(*) FROM json_each(?) AS j WHERE EXISTS "
            "(SELECT 1 FROM releases_fts WHERE releases_fts MATCH 'people' AND rowid = j.value)",
            (ids,),
        )
        samples.append((time.perf_counter() - started) * 1e6 / seeks)
    return statistics.median(samples)


async def run(args: argparse.Namespace) -> None:
    built = await ensure(Path(args.cache), args.releases)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "merge.db"
        shutil.copy(built, path)
        db = await Database.open(path)
        repo = ReleaseRepository(db)
        stored = await repo.count()
        print(f"store: {stored:,} releases; segments (releases_fts, quotes_fts): {await segments(db)}")
        seek = await seek_us(db, stored, args.seeks)
        print(f"one-release seek before: {seek:.1f} µs (a statement of {args.seeks}, median of 5)")
        steps: list[float] = []
        original = fts_merge._step

        async def timed_step(db: Database, table: str, pages: int) -> bool:
            started = time.perf_counter()
            try:
                return await original(db, table, pages)
            finally:
                steps.append((time.perf_counter() - started) * 1000)

        fts_merge._step = timed_step  # type: ignore[assignment]
        started = time.perf_counter()
        calls = 1
        while await repo.merge_full_text():
            calls += 1
        total = time.perf_counter() - started
        cuts = statistics.quantiles(steps, n=100, method="inclusive") if len(steps) > 1 else steps * 99
        print(
            f"merged in {total:.1f} s: {calls} calls, {len(steps)} steps; a step p50 {cuts[49]:.1f} ms, "
            f"p99 {cuts[98]:.1f} ms, max {max(steps):.1f} ms"
        )
        print(f"segments after: {await segments(db)}")
        seek = await seek_us(db, stored, args.seeks)
        print(f"one-release seek after: {seek:.1f} µs (a statement of {args.seeks}, median of 5)")
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--seeks", type=int, default=2000)
    parser.add_argument("--cache", default=".cache/scale")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
