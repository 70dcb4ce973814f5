"""What per-server visibility costs the answers when 100,000 releases are stored (SQLite).

Builds a synthetic store (default N = 100,000 releases; kept in a cache file between runs): three sentences and
one quote each (speakers from a pool of 300), two topic terms (acronyms from a pool of 2,000), bodies of made-up
words so full text matches a few hundred releases per word. 90% of the releases are global (files); the other
10% come from 20 per-server feeds, each followed by its own server. Then runs each read of ReleaseRepository
(what /digest, /releases, /quote and the autocompletes ask) as three viewers: the operator (``guild_id=None``,
no filter), a server following one feed (about 500 own releases) and a server following nothing (global only),
``--repeat`` times each, interleaved, and prints the median and p99 wall time per query and viewer.

Run: python bench/scope_cost.py [--stored N] [--repeat R]
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digests.store.db import Database
from digests.store.releases import ReleaseRepository

CACHE = Path(tempfile.gettempdir()) / "release-digest-scope-cost"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
FEEDS = 20
FOLLOWER = 1  # follows feed 1
NOBODY = 999  # follows nothing


def vocabulary(rng: random.Random, size: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(size)]


async def build(path: Path, stored: int) -> None:
    rng = random.Random(11)
    words = vocabulary(rng, 3000)
    speakers = [f"{w.title()} {v.title()}" for w, v in zip(vocabulary(rng, 300), vocabulary(rng, 300), strict=True)]
    acronyms = ["".join(rng.choices(string.ascii_lowercase, k=4)) for _ in range(2000)]
    db = await Database.open(path)
    at = NOW.isoformat()
    async with db.transaction():
        await db.executemany(
            "INSERT INTO sources (id, url, key, created_at) VALUES (?, ?, ?, ?)",
            [(s, f"https://feed{s}.test/rss", f"feed{s}", at) for s in range(1, FEEDS + 1)],
        )
        await db.executemany(
            "INSERT INTO source_follows (source_id, guild_id, channel_id, created_at) VALUES (?, ?, ?, ?)",
            [(s, s, 100 + s, at) for s in range(1, FEEDS + 1)],
        )
    for start in range(1, stored + 1, 2000):
        rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in ("r", "v", "s", "q", "t", "rf", "qf", "rs")}
        for i in range(start, min(start + 2000, stored + 1)):
            sentences = [" ".join(rng.choices(words, k=12)) + "." for _ in range(3)]
            body = "\n".join(sentences)
            published = (NOW - timedelta(minutes=i)).isoformat()
            source = (i // 10) % FEEDS + 1 if i % 10 == 0 else None  # 10%: 20 feeds, 500 releases each
            rows["r"].append((i, f"r{i}", f"T{i}", published, at, at, i, 0 if source else 1, i))
            rows["v"].append((i, i, 1, body, f"h{i}", "lead", 3, at))
            offset = 0
            for n, sentence in enumerate(sentences):
                rows["s"].append((i, n, n, sentence, offset, offset + len(sentence), 1.0, n))
                offset += len(sentence) + 1
            quote = sentences[1][:-1]
            speaker = rng.choice(speakers)
            rows["q"].append((i, i, i, quote, speaker, "spokesperson", 1, 1, 0, len(quote), 1.0, 0))
            acronym = rng.choice(acronyms)
            rows["t"] += [(i, acronym, "acronym", None), (i, rng.choice(words), "keyword", None)]
            rows["rf"].append((i, f"T{i}", body))
            rows["qf"].append((i, quote, speaker, "spokesperson"))
            if source:
                rows["rs"].append((i, source))
        async with db.transaction():
            await db.executemany(
                "INSERT INTO releases (id, canonical_id, title, published_at, created_at, updated_at, "
                "current_version_id, is_global, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows["r"],
            )
            await db.executemany(
                "INSERT INTO release_versions (id, release_id, version, body, body_hash, algorithm, sentence_count, "
                "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows["v"],
            )
            await db.executemany(
                "INSERT INTO sentences (version_id, idx, paragraph, text, start_pos, end_pos, score, rank) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows["s"],
            )
            await db.executemany(
                "INSERT INTO quotes (id, version_id, release_id, text, speaker, speaker_title, sentence_idx, "
                "paragraph, start_pos, end_pos, score, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows["q"],
            )
            await db.executemany(
                "INSERT OR IGNORE INTO topic_terms (release_id, term, kind, alias) VALUES (?, ?, ?, ?)", rows["t"]
            )
            await db.executemany("INSERT INTO releases_fts (rowid, title, body) VALUES (?, ?, ?)", rows["rf"])
            await db.executemany(
                "INSERT INTO quotes_fts (rowid, text, speaker, speaker_title) VALUES (?, ?, ?, ?)", rows["qf"]
            )
            await db.executemany("INSERT INTO release_sources (release_id, source_id) VALUES (?, ?)", rows["rs"])
        print(f"\rbuilding: {min(start + 1999, stored):,} stored", end="", flush=True)
    await db.execute("ANALYZE")
    print()
    await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"stored-{args.stored}.db"
    if not path.exists():
        await build(path, args.stored)
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
    print(f"{args.stored:,} releases (10% from 20 per-server feeds); {args.repeat} runs per cell; ms median / p99")
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
