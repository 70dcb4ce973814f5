"""Store size: the benchmark store before and after migration 0010 (issue 11: ≤ 2.5× the body text, same answers).

Run by hand from the project root: ``.venv/bin/python -m bench.store_size [--releases 100000] [--store PATH]``. It
needs a scale store built before 0010 (by default the cached ``.cache/scale/scale-N-r2.db``, see
bench/scale_store.py; at schema 9 or lower — opening it with bench/scale.py migrates it in place, so keep a copy)
and never changes it: it works on a copy in the cache folder, removed at the end.

1. The copy is vacuumed; it prints the bytes of the stored bodies (UTF-8, every version), the file's bytes and the
   bytes of every table and index (``dbstat``), and reads a sample of answers with the old schema.
2. The copy is migrated to this program's schema (0010 and any later migrations; timed) and vacuumed again; the
   same figures are printed.
3. Same answers: the sample — the scale benchmark's inputs through the pre-issue-11 queries (bench/scale_legacy.py,
   plain SQL over the full-text and topic tables, which read the same before and after): digests of frequent,
   acronym and unknown topics, quote searches with and without a topic, topic and speaker autocomplete, the newest
   100 and release searches — is read again after the migration and compared exactly; so are the summary
   sentences (3, the old stored text against today's repository) and best quotes (3) of every release in those
   answers, and every sentence of the store (the stored text before, the body's slice after). It prints how many
   are identical. Today's service then answers the same inputs on the migrated store (it groups story copies, so
   its lists differ from the pre-issue-11 queries by design; bench/scale.py times and compares those).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import shutil
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bench import scale_legacy as legacy
from bench.scale import PAGE, acronyms
from bench.scale_inputs import (
    FREQUENT,
    QUOTE_TOPICS,
    QUOTE_WORDS,
    SEARCH_WORDS,
    SPEAKER_PREFIXES,
    TOPIC_PREFIXES,
    UNKNOWN,
)
from digests.models import Sentence
from digests.service import DigestService, UnknownTopicError
from digests.store.bodies import unpack
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.sqlite_engine import SQLiteEngine

MIGRATION = 10
SUMMARY, QUOTES = 3, 3


def sizes(path: Path) -> tuple[int, dict[str, int]]:
    """The file's bytes after VACUUM, and the bytes of each table with its indexes (an FTS5 table with its shadow
    tables, its copy of the text apart)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("VACUUM")
        pages = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
        virtual = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")}
    finally:
        conn.close()
    tables: dict[str, int] = {}
    for name, size in pages:
        owner = owners.get(name, name)
        fts = next((v for v in virtual if name.startswith(f"{v}_")), None)
        if fts is not None:
            owner = f"{fts} (its copy of the text)" if name == f"{fts}_content" else f"{fts} (its index)"
        tables[owner] = tables.get(owner, 0) + size
    return path.stat().st_size, tables


def body_bytes(path: Path, packed: bool) -> tuple[int, int]:
    """Versions stored and the UTF-8 bytes of their bodies' text."""
    conn = sqlite3.connect(path)
    try:
        count, total = 0, 0
        for (body,) in conn.execute("SELECT body FROM release_versions"):
            count += 1
            total += len(_text(body, packed).encode("utf-8"))
    finally:
        conn.close()
    return count, total


def _text(body: Any, packed: bool) -> str:
    return unpack(body) if packed else str(body)


def sentence_digest(path: Path, packed: bool) -> tuple[int, str]:
    """How many sentences are stored, and a hash of all of them (version, idx, text) in key order: the stored
    text before 0010, the body's slice after."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    count = 0
    try:
        for version_id, body in conn.execute("SELECT id, body FROM release_versions ORDER BY id"):
            if packed:
                text = _text(body, True)
                rows = conn.execute(
                    "SELECT idx, start_pos, end_pos FROM sentences WHERE version_id = ? ORDER BY idx", (version_id,)
                ).fetchall()
                pieces = [(idx, text[start:end]) for idx, start, end in rows]
            else:
                pieces = conn.execute(
                    "SELECT idx, text FROM sentences WHERE version_id = ? ORDER BY idx", (version_id,)
                ).fetchall()
            for idx, piece in pieces:
                digest.update(f"{version_id}\x00{idx}\x00{piece}\x01".encode())
                count += 1
    finally:
        conn.close()
    return count, digest.hexdigest()


async def old_summaries(db: Database, version_ids: Sequence[int]) -> dict[int, tuple[Sentence, ...]]:
    """Summary sentences as the code before 0010 read them (the stored text)."""
    found: dict[int, list[Sentence]] = {v: [] for v in version_ids}
    for start in range(0, len(version_ids), 500):
        part = version_ids[start : start + 500]
        rows = await db.fetch_all(
            "SELECT version_id, idx, paragraph, text, start_pos, end_pos FROM sentences "
            f"WHERE version_id IN ({', '.join('?' for _ in part)}) AND rank < ? ORDER BY version_id, idx",
            [*part, SUMMARY],
        )
        for r in rows:
            found[r[0]].append(Sentence(r[1], r[2], r[3], r[4], r[5]))
    return {v: tuple(s) for v, s in found.items()}


async def legacy_answers(db: Database, topics: Sequence[str]) -> dict[str, Any]:
    """The sample through the pre-issue-11 queries (plain SQL that reads the same tables before and after)."""
    found: dict[str, Any] = {}
    for topic in topics:
        ids = await legacy.for_topic(db, topic)
        found[f"digest {topic}"] = ids[:PAGE] if ids else await legacy.suggest(db, topic)
    for word in QUOTE_WORDS:
        found[f"quote {word}"] = await legacy.search_quotes(db, word)
    for word, topic in QUOTE_TOPICS:
        found[f"quote {word} / {topic}"] = await legacy.search_quotes(db, word, topic)
    for prefix in TOPIC_PREFIXES:
        found[f"topics {prefix!r}"] = await legacy.known_topics(db, prefix, 25)
    for prefix in SPEAKER_PREFIXES:
        found[f"speakers {prefix!r}"] = await legacy.speakers(db, prefix, 25)
    found["newest 100"] = await legacy.recent(db, None, 100)
    for word in SEARCH_WORDS:
        found[f"search {word}"] = await legacy.recent(db, word, 100)
    return found


async def service_answers(db: Database, topics: Sequence[str]) -> dict[str, Any]:
    """The same sample through today's service (as the operator asks: every benchmark release is global)."""
    service = DigestService(ReleaseRepository(db))
    found: dict[str, Any] = {}
    for topic in topics:
        try:
            digest = await service.digest(topic, per_page=PAGE)
            found[f"digest {topic}"] = [item.release.id for item in digest.items]
        except UnknownTopicError as exc:
            found[f"digest {topic}"] = exc.suggestions
    for word in QUOTE_WORDS:
        found[f"quote {word}"] = [h.quote_id for h in await service.search_quotes(word, limit=5)]
    for word, topic in QUOTE_TOPICS:
        found[f"quote {word} / {topic}"] = [h.quote_id for h in await service.search_quotes(word, topic=topic, limit=5)]
    for prefix in TOPIC_PREFIXES:
        found[f"topics {prefix!r}"] = await service.topics(prefix, 25)
    for prefix in SPEAKER_PREFIXES:
        found[f"speakers {prefix!r}"] = await service.speakers(prefix, 25)
    found["newest 100"] = [r.id for r in await service.releases(None, 100)]
    for word in SEARCH_WORDS:
        found[f"search {word}"] = [r.id for r in await service.releases(word, 100)]
    return found


async def current_versions(db: Database, release_ids: Sequence[int]) -> list[int]:
    rows = await db.fetch_all(
        f"SELECT current_version_id FROM releases WHERE id IN ({', '.join('?' for _ in release_ids)}) ORDER BY id",
        list(release_ids),
    )
    return [row[0] for row in rows]


def released_ids(answers: dict[str, Any]) -> list[int]:
    """Every release id in the sample's digests, listings and searches."""
    ids = {i for key, value in answers.items() if key.split()[0] in ("digest", "newest", "search") for i in value}
    return sorted(i for i in ids if isinstance(i, int))


async def quotes_of(db: Database, version_ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
    """The best quotes of each version as stored (the quotes table is the same before and after)."""
    rows = await db.fetch_all(
        "SELECT version_id, id, text, speaker, speaker_title, start_pos, end_pos, rank FROM quotes "
        f"WHERE version_id IN ({', '.join('?' for _ in version_ids)}) AND rank < ? ORDER BY version_id, rank",
        [*version_ids, QUOTES],
    )
    found: dict[int, list[tuple[Any, ...]]] = {v: [] for v in version_ids}
    for row in rows:
        found[row[0]].append(tuple(row[1:]))
    return found


def table(before: dict[str, int], after: dict[str, int]) -> None:
    print(f"{'table (with its indexes)':44} {'before':>15} {'after':>15}")
    for name in sorted(set(before) | set(after), key=lambda n: (-before.get(n, 0), -after.get(n, 0), n)):
        print(f"{name:44} {before.get(name, 0):>15,} {after.get(name, 0):>15,}")


async def run(args: argparse.Namespace) -> None:
    cache = Path(args.cache)
    source = Path(args.store) if args.store else cache / f"scale-{args.releases}-r2.db"
    if not source.exists():
        raise SystemExit(f"{source}: no cached store built before migration 0010 (see bench/scale_store.py)")
    probe = sqlite3.connect(f"file:{source}?immutable=1", uri=True)  # leaves no -wal/-shm beside the cache
    try:
        version = probe.execute("PRAGMA user_version").fetchone()[0]
        releases = probe.execute("SELECT COUNT(*) FROM releases").fetchone()[0]
    finally:
        probe.close()
    if version >= MIGRATION:
        raise SystemExit(f"{source} is at schema {version}: this benchmark needs a store from before {MIGRATION}")
    work = cache / f"store-size-{args.releases}.db"
    shutil.copyfile(source, work)
    try:
        versions, text_bytes = body_bytes(work, packed=False)
        file_before, tables_before = sizes(work)
        sentences_before = sentence_digest(work, packed=False)
        conn = await aiosqlite.connect(work)
        conn.row_factory = aiosqlite.Row
        old = Database(SQLiteEngine(conn))  # not migrated: the schema before 0010
        try:
            topics = (*FREQUENT, *await acronyms(old), *UNKNOWN)
            before = await legacy_answers(old, topics)
            sample = released_ids(before)
            sample_versions = await current_versions(old, sample)
            summaries_before = await old_summaries(old, sample_versions)
            quotes_before = await quotes_of(old, sample_versions)
        finally:
            await old.close()

        started = time.monotonic()
        new = await Database.open(work)
        migrated_in = time.monotonic() - started
        reached = await new.engine.schema_version()
        try:
            legacy_after = await legacy_answers(new, topics)
            service_after = await service_answers(new, topics)
            repo = ReleaseRepository(new)
            summaries_after = await repo.summary_sentences(sample_versions, SUMMARY)
            quotes_after = await quotes_of(new, sample_versions)
            best = await repo.best_quotes(sample_versions, QUOTES)
        finally:
            await new.close()
        versions_after, text_after = body_bytes(work, packed=True)
        file_after, tables_after = sizes(work)
        sentences_after = sentence_digest(work, packed=True)
    finally:
        for leftover in cache.glob(work.name + "*"):
            leftover.unlink()

    print(f"store: {source} ({releases:,} releases, {versions:,} versions); migrations {version + 1}-{reached} "
          f"took {migrated_in:.0f} s")  # fmt: skip
    print(f"body text (UTF-8 bytes of every stored version's body): {text_bytes:,} before, {text_after:,} after")
    print(f"{'file after VACUUM':44} {file_before:>15,} {file_after:>15,}")
    print(f"{'× body text':44} {file_before / text_bytes:>15.2f} {file_after / text_bytes:>15.2f}")
    print(f"{'bytes per release':44} {file_before / releases:>15,.0f} {file_after / releases:>15,.0f}")
    table(tables_before, tables_after)
    same = [key for key in before if before[key] == legacy_after[key]]
    print(f"answers identical (the pre-issue-11 queries, before and after): {len(same)} of {len(before)}")
    for key in before:
        if key not in same:
            print(f"   differs: {key}: before {before[key]} / after {legacy_after[key]}")
    served = sum(1 for value in service_after.values() if value)
    print(f"today's service after the migration: {served} of {len(service_after)} answers non-empty")
    sentences_same = sum(summaries_before[v] == summaries_after[v] for v in sample_versions)
    quotes_same = sum(
        quotes_before[v] == quotes_after[v]
        and [(q.text, q.speaker, q.speaker_title, q.start, q.end, q.rank) for q in best[v]]
        == [(q[1], q[2], q[3], q[4], q[5], q[6]) for q in quotes_before[v]]
        for v in sample_versions
    )
    print(f"summaries ({SUMMARY} sentences) identical: {sentences_same} of {len(sample_versions)} releases in the "
          f"sample; best {QUOTES} quotes identical: {quotes_same} of {len(sample_versions)}")  # fmt: skip
    print(
        f"every stored sentence (version, idx, text): {sentences_before[0]:,} before, {sentences_after[0]:,} after; "
        f"{'identical' if sentences_before == sentences_after else 'DIFFERENT'} (sha256 {sentences_after[1][:16]})"
    )
    if versions != versions_after or text_bytes != text_after:
        print("bodies DIFFER after the migration")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--cache", default=".cache/scale", help="where the working copy goes (and the store is)")
    parser.add_argument("--store", help="the store from before 0010 to measure (default: the cached scale store)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
