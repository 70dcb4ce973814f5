"""Answers at scale: every answer of issue 11's table timed in-process through the service layer on a big store.

Run by hand from the project root: ``.venv/bin/python -m bench.scale [--releases 100000] [--calls 200]``
(``make bench-scale``). The store is built once from ../shared/data (see bench/scale_store.py) and kept under
``.cache/scale/`` between runs.

For each kind of answer it makes ``--calls`` calls, cycling through a fixed list of inputs, after one untimed
warm-up call per input, and prints p50/p95/p99/max in ms. Calls are made as server ``--guild`` asks (default 1,
the bot's scoped path; every benchmark release is global, so it sees all of them). In the same run it times the
pre-issue-11 queries (bench/scale_legacy.py) ``--legacy-calls`` times a kind as the baseline, and checks on every
input that the new answer is the same releases / quotes / terms in the same order as the old query's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from bench import scale_legacy as legacy
from bench.scale_inputs import (
    FREQUENT,
    QUOTE_TOPICS,
    QUOTE_WORDS,
    SEARCH_WORDS,
    SPEAKER_PREFIXES,
    TOPIC_PREFIXES,
    UNKNOWN,
)
from bench.scale_store import ensure
from digests.service import DigestService, UnknownTopicError
from digests.store.db import Database
from digests.store.fts_sqlite import porter_stem
from digests.store.releases import ReleaseRepository

PAGE = 10  # the first page of a digest, as /digest shows it
QUOTE_HITS = 10  # the ranked hits /quote asks the store for (twice the 5 it shows, before one per story)


def percentiles(samples: Sequence[float]) -> str:
    """p50/p95/p99/max of millisecond samples."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"{cuts[49]:8.1f} {cuts[94]:8.1f} {cuts[98]:8.1f} {max(samples):8.1f}"


async def timed(calls: int, inputs: Sequence[Any], call: Callable[[Any], Awaitable[Any]]) -> list[float]:
    """Milliseconds of ``calls`` calls cycling through ``inputs`` (one untimed warm-up call per input first)."""
    for value in inputs:
        await call(value)
    samples = []
    for n in range(calls):
        started = time.perf_counter()
        await call(inputs[n % len(inputs)])
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def acronyms(db: Database) -> tuple[str, ...]:
    """The ten most used acronyms with an expansion (several hold a stop word such as "for" or "of")."""
    rows = await db.fetch_all(
        "SELECT term FROM topic_terms WHERE kind = 'acronym' GROUP BY term ORDER BY COUNT(*) DESC, term LIMIT 10"
    )
    return tuple(row["term"] for row in rows)


def decided_change(topic: Any) -> str | None:
    """Why a topic's answer differs from the old query's on purpose, if it does: an acronym that the porter
    stemmer makes another word ("ons" → "on") is no longer matched through the stemmed text (the lead's decision,
    docs/performance.md), only through the topic terms and its expansions."""
    if isinstance(topic, str) and " " not in topic and porter_stem(topic) != topic:
        return f"acronym {topic!r} stems to {porter_stem(topic)!r}: matched by topic terms and expansions only"
    return None


def kinds(
    service: DigestService, db: Database, acronym_topics: tuple[str, ...], guild: int | None
) -> dict[str, tuple[Any, ...]]:
    """Each kind: (inputs, new call, old call returning comparable values[, new and old answers compared instead]);
    new calls as server ``guild`` asks (``None``: the operator). Every benchmark release is global, so every server
    sees all of them. A digest and a quote search are timed as /digest and /quote ask (the service, which shows
    each story once) and compared on the store's answer, which the old queries gave without the story step: a
    topic's count and its pages 1 and 5, a quote search's ranking."""

    async def digest_ids(topic: str) -> list[int] | list[str]:
        try:
            digest = await service.digest(topic, per_page=PAGE, guild_id=guild)
        except UnknownTopicError as exc:
            return exc.suggestions
        return [item.release.id for item in digest.items]

    async def old_digest(topic: str) -> list[int] | list[str]:
        found = await legacy.for_topic(db, topic)
        return found[:PAGE] if found else await legacy.suggest(db, topic)

    async def topic_pages(topic: str) -> tuple[int, list[int], list[int]]:
        # The store's answer behind /digest (before it shows each story once): the count, pages 1 and 5.
        total, first = await service.repo.topic_page(topic, limit=PAGE, guild_id=guild)
        _, fifth = await service.repo.topic_page(topic, limit=PAGE, offset=4 * PAGE, guild_id=guild)
        return total, [release.id for release in first], [release.id for release in fifth]

    async def old_topic_pages(topic: str) -> tuple[int, list[int], list[int]]:
        found = await legacy.for_topic(db, topic)
        return len(await legacy.topic_release_ids(db, topic)), found[:PAGE], found[4 * PAGE : 5 * PAGE]

    async def quote_ids(args: tuple[str, str | None]) -> list[int]:
        return [hit.quote_id for hit in await service.search_quotes(args[0], topic=args[1], guild_id=guild)]

    async def ranked_quote_ids(args: tuple[str, str | None]) -> list[int]:
        # The ranking itself (before /quote shows each quotation once per story), as the old query ranked.
        hits = await service.repo.search_quotes(args[0], limit=QUOTE_HITS, guild_id=guild, topic=args[1])
        return [hit.quote_id for hit in hits]

    async def old_quote_ids(args: tuple[str, str | None]) -> list[int]:
        return await legacy.search_quotes(db, args[0], args[1], QUOTE_HITS)

    return {
        "digest frequent topic": (FREQUENT, digest_ids, old_digest, topic_pages, old_topic_pages),
        "digest acronym topic": (acronym_topics, digest_ids, old_digest, topic_pages, old_topic_pages),
        "digest unknown topic": (UNKNOWN, digest_ids, old_digest),
        "topic autocomplete": (
            TOPIC_PREFIXES,
            lambda p: service.topics(p, 25, guild_id=guild),
            lambda p: legacy.known_topics(db, p, 25),
        ),
        "speaker autocomplete": (
            SPEAKER_PREFIXES,
            lambda p: service.speakers(p, 25, guild_id=guild),
            lambda p: legacy.speakers(db, p, 25),
        ),
        "quote common word": (
            [(w, None) for w in QUOTE_WORDS],
            quote_ids,
            lambda a: legacy.search_quotes(db, a[0], a[1]),
            ranked_quote_ids,
            old_quote_ids,
        ),
        "quote with frequent topic": (
            QUOTE_TOPICS,
            quote_ids,
            lambda a: legacy.search_quotes(db, a[0], a[1]),
            ranked_quote_ids,
            old_quote_ids,
        ),
        "releases newest 100": (
            [None],
            lambda s: _ids(service.releases(s, 100, guild_id=guild)),
            lambda s: legacy.recent(db, s, 100),
        ),
        "releases search common word": (
            SEARCH_WORDS,
            lambda s: _ids(service.releases(s, 100, guild_id=guild)),
            lambda s: legacy.recent(db, s, 100),
        ),
    }


async def _ids(releases: Awaitable[Sequence[Any]]) -> list[int]:
    return [release.id for release in await releases]


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(args: argparse.Namespace) -> None:
    path = await ensure(Path(args.cache), args.releases)
    db = await Database.open(path)
    service = DigestService(ReleaseRepository(db))
    count = await service.repo.count()
    print(f"store: {path} ({count:,} releases, {path.stat().st_size / 1e6:.0f} MB); load average {os.getloadavg()}")
    acronym_topics = await acronyms(db)
    print(f"acronym topics: {', '.join(acronym_topics)}")
    mismatches = expected = 0
    print(f"{'answer (ms)':30} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}   old p50 / p99 (calls)  same answers")
    for name, (inputs, new, old, *compared) in kinds(
        service, db, acronym_topics, None if args.guild < 0 else args.guild
    ).items():
        if args.only and args.only not in name:
            continue
        new_answer, old_answer = compared or (new, old)
        samples = await timed(args.calls, inputs, new)
        baseline = await timed(args.legacy_calls, inputs, old) if args.legacy_calls else []
        same = [await new_answer(value) == await old_answer(value) for value in inputs]
        decided = [
            (value, why)
            for value, ok in zip(inputs, same, strict=True)
            if not ok and "acronym" in name and (why := decided_change(value))
        ]
        mismatches += same.count(False) - len(decided)
        expected += len(decided)
        old_cols = f"{statistics.median(baseline):8.1f} / {max(baseline):7.1f} ({len(baseline)})" if baseline else ""
        note = f" (+{len(decided)} changed as decided)" if decided else ""
        print(f"{name:30} {percentiles(samples)}   {old_cols:22}  {sum(same)}/{len(same)}{note}", flush=True)
        for value, why in decided:
            new_count, old_count = (await new_answer(value))[0], (await old_answer(value))[0]
            print(f"   changed as decided for {value!r}: {new_count:,} matches, old {old_count:,} ({why})")
        if not all(same) and args.verbose:
            for value, ok in zip(inputs, same, strict=True):
                if not ok and not decided_change(value):
                    print(f"   differs for {value!r}: new {await new_answer(value)} old {await old_answer(value)}")
    print(
        f"RSS after the answers: {rss_mb():.0f} MB; answers differing from the old queries: {mismatches} "
        f"(and {expected} changed as decided, listed above)"
    )
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--legacy-calls", type=int, default=20, help="calls a kind of the old queries (0: none)")
    parser.add_argument("--cache", default=".cache/scale")
    parser.add_argument("--guild", type=int, default=1, help="ask as this server (-1: the operator, unscoped)")
    parser.add_argument("--only", help="only the kinds whose name contains this")
    parser.add_argument("--verbose", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
