"""What story detection adds to ingest when 100,000 releases are stored (SQLite).

Builds a store holding N stored releases with fingerprints and band keys (bodies: 15 sentences drawn at random
from the BBC articles, so common sentences collide in band keys as real news does; default N = 100,000; kept in
a cache file between runs), then ingests the same 200 BBC articles (as new releases from a new source) twice
per round, once with story detection and once without (no signature computed, so no band look-up and no writes),
alternating the order, each round into a fresh copy of the store. Prints the median wall and CPU time per release
of each and the overhead (CPU time is the steadier figure on a shared machine; wall time includes fsync waits).

Run: python bench/stories_cost.py [--stored N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests import analyse as analyse_module
from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.stories.fingerprint import fingerprint

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbc-news-summary" / "articles"
CACHE = Path(tempfile.gettempdir()) / "release-digest-stories-cost"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def articles() -> list[str]:
    return [p.read_bytes().decode("utf-8", "replace") for p in sorted(DATA.glob("*/*.txt"))]


async def build(path: Path, stored: int) -> None:
    rng = random.Random(7)
    pool = [s for text in articles() for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 40]
    db = await Database.open(path)
    created = NOW.isoformat()
    for start in range(0, stored, 2000):
        releases, prints, bands = [], [], []
        for i in range(start + 1, min(start + 2000, stored) + 1):
            body = " ".join(rng.sample(pool, 15))
            print_ = fingerprint(body)
            releases.append((i, f"stored-{i}", f"source-{i % 50}", created, created, i))
            prints.append((i, print_.shingles, print_.signature))
            bands += [(key, i) for key in print_.band_keys()]
        async with db.transaction():
            await db.executemany(
                "INSERT INTO releases (id, canonical_id, source, created_at, updated_at, story_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                releases,
            )
            await db.executemany(
                "INSERT INTO release_fingerprints (release_id, shingles, signature) VALUES (?, ?, ?)", prints
            )
            await db.executemany("INSERT OR IGNORE INTO story_bands (key, release_id) VALUES (?, ?)", bands)
        print(f"\rbuilding: {min(start + 2000, stored):,} stored", end="", flush=True)
    print()
    await db.close()


async def ingest(path: Path, texts: list[str], detect: bool) -> tuple[float, float]:
    """Wall and CPU seconds per release (CPU: this process, the store's thread included)."""
    if not detect:  # no signature computed, so no band look-up and no fingerprint written either
        analyse_module.fingerprint = lambda body: None  # type: ignore[assignment,return-value]
    db = await Database.open(path)
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for n, text in enumerate(texts):
            draft = ReleaseDraft(canonical_id=f"new-{n}", body=text, title=f"new {n}", source="Bench Wire")
            await service.ingest_draft(draft)
        return (time.perf_counter() - wall) / len(texts), (time.process_time() - cpu) / len(texts)
    finally:
        analyse_module.fingerprint = fingerprint
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    base = CACHE / f"stored-{args.stored}-v3.db"
    if not base.exists():
        await build(base, args.stored)
    texts = articles()[:200]
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for round_ in range(args.rounds):
        for detect in (True, False) if round_ % 2 == 0 else (False, True):
            copy = CACHE / "run.db"
            shutil.copy(base, copy)
            for suffix in ("-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            results[detect].append(await ingest(copy, texts, detect))
            wall, cpu = results[detect][-1]
            label = "with" if detect else "without"
            print(f"round {round_ + 1}: {label} story detection {wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU")
    print(f"\n{args.stored:,} stored; 200 BBC articles ingested as new releases; median of {args.rounds} rounds")
    for index, kind in ((0, "wall"), (1, "CPU")):
        with_ = statistics.median(r[index] for r in results[True])
        without = statistics.median(r[index] for r in results[False])
        print(
            f"{kind}: with story detection {with_ * 1000:.2f} ms/release, without {without * 1000:.2f} ms/release, "
            f"overhead {100 * (with_ - without) / without:+.1f}%"
        )


if __name__ == "__main__":
    asyncio.run(main())
