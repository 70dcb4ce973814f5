"""What story detection adds to ingest when 100,000 releases are stored (SQLite), through the real bulk path.

The store holds N releases with fingerprints and band keys (bodies: 15 sentences drawn at random from the BBC
articles, so common sentences collide in band keys as real news does; default N = 100,000; built once and kept in
a cache folder). Each round ingests the same 1,000 BBC articles (release files from one new source) with
``DigestService.ingest_paths`` — the command line's bulk path: analysis in a process pool of two workers, saves
batched in transactions — into a fresh copy of the store, once with story detection and once without (the workers
compute no fingerprint, so there is no band look-up and nothing is written for stories), alternating the order.
Printed per run and as medians: releases/s (wall) and CPU seconds per release (this process, the store's thread
included, plus the analysis workers).

Run from the project root: python -m bench.stories_cost [--stored N] [--files N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import digests.analyse
from digests.analyse import analyse
from digests.analysers import ProcessAnalyser
from digests.models import Analysis
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.stories.fingerprint import fingerprint

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbc-news-summary" / "articles"
CACHE = Path(tempfile.gettempdir()) / "release-digest-stories-cost"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def articles() -> list[str]:
    return [p.read_bytes().decode("utf-8", "replace") for p in sorted(DATA.glob("*/*.txt"))]


def analyse_without_stories(body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
    """:func:`analyse` in a worker that computes no fingerprint (the baseline)."""
    digests.analyse.fingerprint = lambda body: None  # type: ignore[assignment,return-value]  # this worker only
    return analyse(body, title, tags, algorithm)


class PlainAnalyser(ProcessAnalyser):
    """The process pool, analysing without story fingerprints."""

    async def analyse(self, body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
        return await self.run(analyse_without_stories, body, title, tuple(tags), algorithm)


async def build(path: Path, stored: int) -> None:
    rng = random.Random(7)
    pool = [s for text in articles() for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 40]
    db = await Database.open(path)
    created = NOW.isoformat()
    for start in range(0, stored, 2000):
        releases, prints, bands = [], [], []
        for i in range(start + 1, min(start + 2000, stored) + 1):
            print_ = fingerprint(" ".join(rng.sample(pool, 15)))
            releases.append((i, f"stored-{i}", f"source-{i % 50}", created, created, created))
            prints.append((i, print_.shingles, print_.signature))
            bands += [(key, i) for key in print_.band_keys()]
        async with db.transaction():
            await db.executemany(
                "INSERT INTO releases (id, canonical_id, source, created_at, updated_at, sort_at) "
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def ingest(path: Path, folder: Path, detect: bool) -> tuple[float, float]:
    """Releases per second (wall) and CPU seconds per release of one bulk ingest."""
    analyser = ProcessAnalyser(2) if detect else PlainAnalyser(2)
    db = await Database.open(path)
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW, analyser=analyser)
    files = sorted(folder.iterdir())
    wall, cpu, child = time.perf_counter(), time.process_time(), children_cpu()
    try:
        report = await service.ingest_paths(files)
        assert report.count("added") == len(files), [o.detail for o in report.outcomes if o.status == "failed"][:3]
    finally:
        await analyser.close()  # the workers' CPU time is counted once they have exited
        await db.close()
    elapsed = time.perf_counter() - wall
    used = time.process_time() - cpu + children_cpu() - child
    return len(files) / elapsed, used / len(files)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    base = CACHE / f"synthetic-{args.stored}-v4.db"
    if not base.exists():
        await build(base, args.stored)
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        for n, text in enumerate(articles()[: args.files]):
            title, _, body = text.partition("\n")
            front = f"---\ntitle: {title.strip()!r}\nsource: Bench Wire\nid: bench-{n}\n---\n"
            (folder / f"{n:05d}.md").write_text(front + body.strip() + "\n", encoding="utf-8")
        for round_ in range(args.rounds):
            for detect in (True, False) if round_ % 2 == 0 else (False, True):
                copy = Path(tmp) / "run.db"
                shutil.copy(base, copy)
                results[detect].append(await ingest(copy, folder, detect))
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{copy}{suffix}").unlink(missing_ok=True)
                rate, cpu = results[detect][-1]
                label = "with" if detect else "without"
                print(f"round {round_ + 1}: {label:7} story detection {rate:6.1f} releases/s, {cpu * 1000:.2f} ms CPU")
    print(f"\n{args.stored:,} stored; {args.files} BBC articles bulk-ingested; median of {args.rounds} rounds")
    rate_with = statistics.median(r[0] for r in results[True])
    rate_without = statistics.median(r[0] for r in results[False])
    cpu_with = statistics.median(r[1] for r in results[True])
    cpu_without = statistics.median(r[1] for r in results[False])
    wall_cost = 100 * (rate_without / rate_with - 1)
    print(f"wall: {rate_with:.1f} vs {rate_without:.1f} releases/s with/without: {wall_cost:+.1f}% time")
    cpu_cost = 100 * (cpu_with / cpu_without - 1)
    print(f"CPU:  {cpu_with * 1000:.2f} vs {cpu_without * 1000:.2f} ms/release with/without: {cpu_cost:+.1f}%")


if __name__ == "__main__":
    asyncio.run(main())
