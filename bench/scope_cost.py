"""What per-server visibility costs the answers when 100,000 releases are stored (SQLite).

Builds a synthetic store through ReleaseRepository.save (default N = 100,000 releases; kept in a cache file between
runs): three sentences and one quote each (speakers from a pool of 300), an acronym (pool of 2,000) with its
expansion and a keyword, bodies of made-up words so full text matches a few hundred releases per word. By default
90% of the releases are global (files) and the other 10% come from 20 per-server feeds, each followed by its own
server (``--global-percent``, a multiple of 10, changes the share). Then runs each read of ReleaseRepository (what
/digest, /releases, /quote and the autocompletes ask) as three viewers: the operator (``guild_id=None``, no filter),
a server following one feed (1/20 of the feeds' releases) and a server following nothing (global only), ``--repeat``
times each, interleaved, and prints the median and p99 wall time per query and viewer.

Run: python bench/scope_cost.py [--stored N] [--repeat R] [--global-percent P]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository

CACHE = Path(tempfile.gettempdir()) / "release-digest-scope-cost-2"  # -2: built through the repository
NOW = datetime(2026, 12, 1, tzinfo=UTC)
FEEDS = 20
FOLLOWER = 1  # follows feed 1
NOBODY = 999  # follows nothing


def vocabulary(rng: random.Random, size: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(size)]


def analysis(sentences: list[str], speaker: str, acronym: str, keyword: str) -> Analysis:
    built, offset = [], 0
    for n, sentence in enumerate(sentences):
        built.append(Sentence(n, n, sentence, offset, offset + len(sentence)))
        offset += len(sentence) + 1
    quote_at = built[1].start
    quote = Quote(sentences[1][:-1], speaker, "spokesperson", 1, 1, quote_at, quote_at + len(sentences[1]) - 1, 1.0, 0)
    return Analysis(
        sentences=tuple(built),
        summary=Summary(tuple(1.0 for _ in built), tuple(range(len(built))), "lead"),
        quotes=(quote,),
        topics=TopicTerms(acronyms={acronym.upper(): f"{keyword} {acronym}"}, keywords=(keyword,)),
    )


async def build(path: Path, stored: int, global_percent: int) -> None:
    """Every release is stored through ReleaseRepository.save, so links and every count the reads use are kept
    exactly as the bot keeps them."""
    rng = random.Random(11)
    words = vocabulary(rng, 3000)
    speakers = [f"{w.title()} {v.title()}" for w, v in zip(vocabulary(rng, 300), vocabulary(rng, 300), strict=True)]
    acronyms = ["".join(rng.choices(string.ascii_lowercase, k=4)) for _ in range(2000)]
    db = await Database.open(path)
    sources = SourceRepository(db)
    for feed in range(1, FEEDS + 1):
        source, _ = await sources.add(f"https://feed{feed}.test/rss", f"feed{feed}", NOW)
        await sources.follow(source.id, feed, 100 + feed, None, NOW)  # server n follows feed n
    repo = ReleaseRepository(db)
    for start in range(1, stored + 1, 1000):
        async with db.transaction():  # the saves of a thousand releases commit together
            for i in range(start, min(start + 1000, stored + 1)):
                sentences = [" ".join(rng.choices(words, k=12)) + "." for _ in range(3)]
                body = "\n".join(sentences)
                draft = ReleaseDraft(f"r{i}", body, title=f"T{i}", published_at=NOW - timedelta(minutes=i))
                found = analysis(sentences, rng.choice(speakers), rng.choice(acronyms), rng.choice(words))
                # in every ten, the first (100 - global_percent) / 10 go round the feeds, the rest are global
                source = (i // 10) % FEEDS + 1 if i % 10 < (100 - global_percent) // 10 else None
                await repo.save(draft, found, "lead", NOW, source_id=source, is_global=source is None)
        print(f"\rbuilding: {min(start + 999, stored):,} stored", end="", flush=True)
    await db.execute("ANALYZE")
    print()
    await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--global-percent",
        type=int,
        default=90,
        choices=range(0, 101, 10),
        help="share of global releases (the rest: feeds)",
    )
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"stored-{args.stored}-{args.global_percent}.db"
    if not path.exists():
        await build(path, args.stored, args.global_percent)
    db = await Database.open(path)
    repo = ReleaseRepository(db)
    rng = random.Random(5)
    topics = [row["term"] for row in await db.fetch_all("SELECT term FROM topic_terms WHERE kind = 'acronym' LIMIT 50")]
    own = await db.fetch_one(
        "SELECT t.term FROM topic_terms t JOIN release_sources rs ON rs.release_id = t.release_id "
        "WHERE rs.source_id = ? AND t.kind = 'keyword' LIMIT 1",
        (FOLLOWER,),
    )
    assert own is not None
    word = own["term"]
    queries: dict[str, Callable[[int | None], Awaitable[object]]] = {
        "for_topic (/digest)": lambda g: repo.for_topic(rng.choice(topics), None, 50, guild_id=g),
        "recent (/releases)": lambda g: repo.recent(None, 100, guild_id=g),
        "recent search": lambda g: repo.recent(word, 100, guild_id=g),
        "search_quotes (/quote)": lambda g: repo.search_quotes(word, guild_id=g),
        "known_topics (autocomplete)": lambda g: repo.known_topics(rng.choice(topics)[:2], 25, guild_id=g),
        "speakers (autocomplete)": lambda g: repo.speakers(rng.choice(string.ascii_lowercase), 25, guild_id=g),
        "get (Quotes button)": lambda g: repo.get(rng.randrange(1, args.stored + 1), guild_id=g),
    }
    viewers = {"operator": None, "follower": FOLLOWER, "no feeds": NOBODY}
    shown = f"{args.stored:,} releases, {args.global_percent}% global, the rest from 20 per-server feeds"
    print(f"{shown}; {args.repeat} runs per cell; ms median / p99")
    print(f"{'query':<30}" + "".join(f"{name:>20}" for name in viewers))
    for name, query in queries.items():
        times: dict[str, list[float]] = {v: [] for v in viewers}
        for _ in range(args.repeat):
            for viewer, guild in viewers.items():
                started = time.perf_counter()
                await query(guild)
                times[viewer].append((time.perf_counter() - started) * 1000)
        cells = []
        for viewer in viewers:
            ordered = sorted(times[viewer])
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            cells.append(f"{statistics.median(ordered):>9.2f} / {p99:>7.2f}")
        print(f"{name:<30}" + "".join(f"{cell:>20}" for cell in cells))
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
