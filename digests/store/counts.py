"""Topic and speaker counts kept at write time, so autocomplete and suggestions read the top of an index.

``topic_counts`` holds, per visibility bucket and topic term, how many releases use the term and as which kinds;
``speaker_counts`` how many quotes of current versions each speaker has. Buckets (see migration 0008): ``EVERY``
counts every release (the operator's view), ``GLOBAL`` the global releases, a source id the non-global releases
that source carried. A server sees bucket ``GLOBAL`` plus the buckets of the sources it follows; a non-global
release carried by two sources one server follows counts twice in that server's ordering (only the order of
suggestions can differ from an exact count, never which releases a topic finds).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from digests.store.db import Database

EVERY = -1
GLOBAL = 0
# At most this many of a bucket's most used terms are scanned for a prefix before reading the prefix's key range.
_TOP_SCAN = 5000
_TOPIC_ORDER = "ORDER BY releases DESC, kind_rank, term"


def _kind_rank(acronyms: int, expansions: int) -> int:
    return 0 if acronyms > 0 else 1 if expansions > 0 else 2


async def buckets_of(db: Database, release_id: int) -> list[int]:
    """The buckets a release counts in now."""
    row = await db.fetch_one("SELECT is_global FROM releases WHERE id = ?", (release_id,))
    if row is None:
        return []
    if row["is_global"]:
        return [EVERY, GLOBAL]
    rows = await db.fetch_all("SELECT source_id FROM release_sources WHERE release_id = ?", (release_id,))
    return [EVERY, *(r["source_id"] for r in rows)]


class CountChanges:
    """Count changes gathered over one transaction's writes and written once at its end: the releases of a batch
    share many terms and speakers, and each upsert also moves the row in its rank index. The counts come out the
    same as written release by release (sums; a row whose count reaches zero is deleted either way)."""

    def __init__(self) -> None:
        # in the order release-by-release writes would first reach each row, so new rows are inserted in that order
        self._topics: dict[tuple[int, str], list[int]] = {}
        self._speakers: dict[tuple[int, str], int] = {}

    def topics(self, buckets: Iterable[int], old: Mapping[str, str], new: Mapping[str, str]) -> None:
        """Move a release's counts in ``buckets`` from its ``old`` terms to its ``new`` ones (``term → kind``)."""
        delta: dict[str, list[int]] = {}
        for terms, sign in ((old, -1), (new, 1)):
            for term, kind in terms.items():
                total = delta.setdefault(term, [0, 0, 0])
                total[0] += sign
                total[1] += sign if kind == "acronym" else 0
                total[2] += sign if kind == "expansion" else 0
        changed = [(term, counts) for term, counts in delta.items() if any(counts)]
        for bucket in buckets:
            for term, (n, a, e) in changed:
                total = self._topics.setdefault((bucket, term), [0, 0, 0])
                total[0] += n
                total[1] += a
                total[2] += e

    def speakers(self, buckets: Iterable[int], delta: Mapping[str, int]) -> None:
        """Add ``delta`` (speaker → quotes gained, negative when lost) to the speaker counts of ``buckets``."""
        for bucket in buckets:
            for speaker, n in delta.items():
                if n:
                    self._speakers[(bucket, speaker)] = self._speakers.get((bucket, speaker), 0) + n

    async def write(self, db: Database) -> None:
        """Apply the gathered changes (and forget them)."""
        topics, self._topics = self._topics, {}
        speakers, self._speakers = self._speakers, {}
        rows = [
            (bucket, term, n, a, e, _kind_rank(a, e)) for (bucket, term), (n, a, e) in topics.items() if n or a or e
        ]
        if rows:
            await db.executemany(
                "INSERT INTO topic_counts (bucket, term, releases, acronyms, expansions, kind_rank) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (bucket, term) DO UPDATE SET releases = topic_counts.releases + excluded.releases, "
                "acronyms = topic_counts.acronyms + excluded.acronyms, "
                "expansions = topic_counts.expansions + excluded.expansions, "
                "kind_rank = CASE WHEN topic_counts.acronyms + excluded.acronyms > 0 THEN 0 "
                "WHEN topic_counts.expansions + excluded.expansions > 0 THEN 1 ELSE 2 END",
                rows,
            )
            gone = [(bucket, term) for bucket, term, n, *_ in rows if n < 0]
            if gone:
                await db.executemany("DELETE FROM topic_counts WHERE bucket = ? AND term = ? AND releases <= 0", gone)
        quoted = [(bucket, speaker, n) for (bucket, speaker), n in speakers.items() if n]
        if quoted:
            await db.executemany(
                "INSERT INTO speaker_counts (bucket, speaker, quotes) VALUES (?, ?, ?) "
                "ON CONFLICT (bucket, speaker) DO UPDATE SET quotes = speaker_counts.quotes + excluded.quotes",
                quoted,
            )
            gone = [(bucket, speaker) for bucket, speaker, n in quoted if n < 0]
            if gone:
                await db.executemany(
                    "DELETE FROM speaker_counts WHERE bucket = ? AND speaker = ? AND quotes <= 0", gone
                )


async def change_topics(
    db: Database, buckets: Iterable[int], old: Mapping[str, str], new: Mapping[str, str]
) -> None:
    """Move a release's counts in ``buckets`` from its ``old`` terms to its ``new`` ones (``term → kind`` each)."""
    changes = CountChanges()
    changes.topics(buckets, old, new)
    await changes.write(db)


async def change_speakers(db: Database, buckets: Iterable[int], delta: Mapping[str, int]) -> None:
    """Add ``delta`` (speaker → quotes gained, negative when lost) to the speaker counts of ``buckets``."""
    changes = CountChanges()
    changes.speakers(buckets, delta)
    await changes.write(db)


async def release_terms(db: Database, release_id: int) -> dict[str, str]:
    """A release's topic terms and their kinds."""
    rows = await db.fetch_all("SELECT term, kind FROM topic_terms WHERE release_id = ?", (release_id,))
    return {row["term"]: row["kind"] for row in rows}


async def release_speakers(db: Database, release_id: int) -> Counter[str]:
    """How many quotes each speaker has in a release's current version."""
    rows = await db.fetch_all(
        "SELECT q.speaker, COUNT(*) AS n FROM quotes q JOIN releases r ON q.version_id = r.current_version_id "
        "WHERE r.id = ? AND q.speaker IS NOT NULL GROUP BY q.speaker",
        (release_id,),
    )
    return Counter({row["speaker"]: row["n"] for row in rows})


async def move_release(db: Database, release_id: int, before: Sequence[int], after: Sequence[int]) -> None:
    """Move a release's counts from the buckets ``before`` to the buckets ``after`` (its visibility changed)."""
    leaving = [b for b in before if b not in after]
    arriving = [b for b in after if b not in before]
    if not leaving and not arriving:
        return
    terms = await release_terms(db, release_id)
    speakers = await release_speakers(db, release_id)
    await change_topics(db, leaving, terms, {})
    await change_topics(db, arriving, {}, terms)
    await change_speakers(db, leaving, Counter({s: -n for s, n in speakers.items()}))
    await change_speakers(db, arriving, speakers)


async def viewer_buckets(db: Database, guild_id: int | None) -> list[int]:
    """The buckets a server sees (``None``: the operator, every release)."""
    if guild_id is None:
        return [EVERY]
    rows = await db.fetch_all("SELECT source_id FROM source_follows WHERE guild_id = ?", (guild_id,))
    return [GLOBAL, *sorted(row["source_id"] for row in rows)]


def _prefix_end(prefix: str) -> str:
    """The smallest string above every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def _ranked_terms(db: Database, bucket: int, prefix: str, limit: int) -> list[Any]:
    """The first ``limit`` terms of one bucket starting with ``prefix``, in rank order.

    The bucket's most used terms are scanned in order first: when ``limit`` of them start with the prefix, those
    are the answer. Otherwise the prefix is rare among them and its key range is read and sorted.
    """
    columns = "term, releases, kind_rank"
    if not prefix:
        return await db.fetch_all(
            f"SELECT {columns} FROM topic_counts WHERE bucket = ? {_TOPIC_ORDER} LIMIT ?", (bucket, limit)
        )
    bounds = (prefix, _prefix_end(prefix))
    rows = await db.fetch_all(
        f"SELECT {columns} FROM (SELECT {columns} FROM topic_counts WHERE bucket = ? {_TOPIC_ORDER} LIMIT ?) AS top "
        f"WHERE term >= ? AND term < ? {_TOPIC_ORDER} LIMIT ?",
        (bucket, _TOP_SCAN, *bounds, limit),
    )
    if len(rows) < limit:
        rows = await db.fetch_all(
            f"SELECT {columns} FROM topic_counts WHERE bucket = ? AND term >= ? AND term < ? {_TOPIC_ORDER} LIMIT ?",
            (bucket, *bounds, limit),
        )
    return rows


def _merge(rows: Iterable[tuple[str, int, int]], limit: int) -> list[str]:
    """Sum counts of the same name over buckets and keep the ``limit`` best (most, then lowest rank, then name)."""
    counts: dict[str, list[int]] = {}
    for name, n, rank in rows:
        found = counts.setdefault(name, [0, rank])
        found[0] += n
        found[1] = min(found[1], rank)
    ordered = sorted(counts.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    return [name for name, _ in ordered[:limit]]


async def top_topics(db: Database, buckets: Sequence[int], prefix: str, limit: int) -> list[str]:
    """Terms starting with ``prefix`` (normalised) in ``buckets``, most used first; acronyms first among equals.

    With several buckets the first is the big one (``GLOBAL``): every row of the others is read (``m`` distinct
    terms), and only the first ``limit + m`` of the first, which always hold the answer: a term outside both has
    at least ``limit`` terms above it that no other bucket adds to.
    """
    first, others = buckets[0], buckets[1:]
    small: list[Any] = []
    if others:
        marks = ", ".join("?" for _ in others)
        where = "AND term >= ? AND term < ?" if prefix else ""
        small = await db.fetch_all(
            f"SELECT term, releases, kind_rank FROM topic_counts WHERE bucket IN ({marks}) {where}",
            (*others, *((prefix, _prefix_end(prefix)) if prefix else ())),
        )
    big = await _ranked_terms(db, first, prefix, limit + len({row["term"] for row in small}))
    return _merge(((r["term"], r["releases"], r["kind_rank"]) for r in [*big, *small]), limit)


async def top_speakers(
    db: Database, buckets: Sequence[int], pattern: str, limit: int, like: str = "LIKE"
) -> list[str]:
    """Speakers matching the ``like`` (the dialect's case-insensitive LIKE) ``pattern`` in ``buckets``, most quoted
    first (see :func:`top_topics`)."""
    first, others = buckets[0], buckets[1:]
    small: list[Any] = []
    if others:
        marks = ", ".join("?" for _ in others)
        small = await db.fetch_all(
            f"SELECT speaker, quotes FROM speaker_counts WHERE bucket IN ({marks}) AND speaker {like} ? ESCAPE '\\'",
            (*others, pattern),
        )
    big = await db.fetch_all(
        f"SELECT speaker, quotes FROM speaker_counts WHERE bucket = ? AND speaker {like} ? ESCAPE '\\' "
        "ORDER BY quotes DESC, speaker LIMIT ?",
        (first, pattern, limit + len({row["speaker"] for row in small})),
    )
    return _merge(((r["speaker"], r["quotes"], 0) for r in [*big, *small]), limit)
