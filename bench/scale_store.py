"""Building the benchmark store: 100,000 realistic releases from the shared BBC and PolNeAR texts.

Each of the ~3,100 texts is analysed once (both cores, cached); the releases cycle through them with varied
titles, dates (2015-2026, some undated), sources and tags, so topic and word frequencies look like a long-running
bot's store. The built store is kept under the cache folder (not in git) and reused while its recipe is unchanged.
"""

from __future__ import annotations

import asyncio
import pickle
import random
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digests.analyse import analyse
from digests.ingest.files import ReleaseFileError, read_release
from digests.models import Analysis, ReleaseDraft, TopicTerms
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.topics import normalise

# ../shared/data beside the project (one level further up from a worktree under wt/)
DATA = next(
    (p / "shared" / "data" for p in Path(__file__).resolve().parents[2:4] if (p / "shared" / "data").is_dir()),
    Path("../shared/data"),
)
RECIPE = 2  # bump when the way releases are made changes: the cached store is rebuilt
ANALYSIS = 2  # bump when Analysis changes: the cached analyses are redone
SOURCES = (
    "U.S. Department of Defense",
    "Prime Minister's Office",
    "HM Treasury",
    "Department of State",
    "European Commission",
    "Ministry of Health",
    "The White House",
    "Home Office",
    "Federal Reserve",
    "Department of Education",
    "Ministry of Justice",
    "Office of the Governor",
)
TAGS = (
    "Economy",
    "Elections",
    "Health",
    "Defense",
    "Trade",
    "Technology",
    "Sport",
    "Culture",
    "Energy",
    "Justice",
    "Education",
    "Budget",
    "Foreign Affairs",
    "NATO",
    "EU",
    "HMC",
)
TITLE_PREFIXES = ("", "", "", "", "Statement: ", "Readout: ", "Update: ", "Press release: ")


def texts() -> list[ReleaseDraft]:
    """The shared corpus as drafts (title from the first line), sorted by path; unreadable files skipped."""
    paths = sorted((DATA / "bbc-news-summary" / "articles").rglob("*.txt"))
    paths += sorted((DATA / "polnear").glob("*/text/*.txt"))
    found = []
    for path in paths:
        try:
            found.append(read_release(path, 2_000_000))
        except ReleaseFileError:
            continue
    return found


def _analyse(draft: ReleaseDraft) -> Analysis:
    return analyse(draft.body, draft.title, ())


def analyses(cache: Path, drafts: list[ReleaseDraft]) -> list[Analysis]:
    """Each text's analysis (tags aside: tags only add topic terms, added per release), cached in ``cache``."""
    path = cache / f"analyses-a{ANALYSIS}-{len(drafts)}.pickle"
    if path.exists():
        loaded: list[Analysis] = pickle.loads(path.read_bytes())
        return loaded
    started = time.monotonic()
    with ProcessPoolExecutor(2) as pool:
        done = list(pool.map(_analyse, drafts, chunksize=16))
    print(f"analysed {len(drafts)} texts in {time.monotonic() - started:.0f} s", flush=True)
    path.write_bytes(pickle.dumps(done))
    return done


def releases(count: int, corpus: list[ReleaseDraft]) -> Iterator[tuple[int, ReleaseDraft, datetime]]:
    """``(text index, draft, ingest time)`` of every benchmark release, the same at every run."""
    rng = random.Random(11)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 11, 30, tzinfo=UTC) - start).total_seconds())
    for n in range(count):
        index = rng.randrange(len(corpus))
        text = corpus[index]
        published = start + timedelta(seconds=rng.randrange(span))
        ingested = published + timedelta(minutes=rng.randrange(5, 600))
        tags = tuple(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3))))
        yield (
            index,
            ReleaseDraft(
                canonical_id=f"scale-{n}",
                body=text.body,
                title=f"{rng.choice(TITLE_PREFIXES)}{text.title or 'Untitled'}",
                url=f"https://news.example.gov/releases/{n}",
                source=rng.choice(SOURCES),
                published_at=None if rng.random() < 0.08 else published,
                tags=tags,
                origin=f"scale-{n}",
            ),
            ingested,
        )


async def build(path: Path, count: int, cache: Path) -> None:
    """Create the store at ``path`` with ``count`` releases (batched transactions)."""
    corpus = texts()
    done = analyses(cache, corpus)
    db = await Database.open(path)
    repo = ReleaseRepository(db)
    conn = db.engine.conn  # type: ignore[attr-defined]  # the SQLite engine's connection
    await conn.execute("PRAGMA synchronous = NORMAL")
    started = time.monotonic()
    batch: list[tuple[ReleaseDraft, Analysis, datetime]] = []
    for n, (index, draft, ingested) in enumerate(releases(count, corpus), 1):
        analysis = done[index]
        if draft.tags:
            extra = tuple(normalise(tag) for tag in draft.tags)
            topics = TopicTerms(analysis.topics.acronyms, tuple(dict.fromkeys(extra + analysis.topics.keywords)))
            analysis = replace(analysis, topics=topics)
        batch.append((draft, analysis, ingested))
        if len(batch) == 500 or n == count:
            await repo.save_many(batch, "news")
            batch.clear()
        if n % 10_000 == 0:
            print(f"built {n:,} of {count:,} ({n / (time.monotonic() - started):.0f}/s)", flush=True)
    await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await conn.execute("ANALYZE")
    await db.close()


async def ensure(cache: Path, count: int) -> Path:
    """The cached store of ``count`` releases, built first if missing."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"scale-{count}-r{RECIPE}.db"
    if not path.exists():
        partial = path.with_suffix(".building")
        for leftover in cache.glob(partial.name + "*"):
            leftover.unlink()
        await build(partial, count, cache)
        partial.rename(path)
    return path


if __name__ == "__main__":
    asyncio.run(ensure(Path(".cache/scale"), 2000))
