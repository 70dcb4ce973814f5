"""The smaller store (migration 0010): bodies stored once, sentences sliced from them, full text without copies.

A store written by the code before 0010 (rows as that code wrote them) must give, once migrated, the answers a
store written by today's code gives; and the full-text index must follow new versions and new titles exactly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

from digests.analyse import analyse
from digests.models import Analysis, ReleaseDraft
from digests.service import DigestService
from digests.store import bodies
from digests.store.db import Database, to_db_time
from digests.store.engine import migrations
from digests.store.postgres_engine import placeholders
from digests.store.release_rows import body_hash
from digests.store.releases import ReleaseRepository
from digests.topics import normalise
from tests.digests.store.test_releases import NOW
from tests.pg_server import PostgresServer

DATA = Path(__file__).resolve().parents[2] / "data"
BEFORE = 7  # written at schema version 7, so 0008's counts are backfilled as for any store of that age
HARBOR = (
    "The harbor reopened on Monday after the storm.\n"
    '"We are glad the ships are back," said Mayor Ana Lopez, the harbor\'s chair.\n'
    "Repairs cost 2 million dollars."
)
HARBOR_V2 = HARBOR + '\nShips came back in numbers.\n"Trade is up again and the port is busy," said Mayor Ana Lopez.'

# The statements of the code before 0010, per dialect: full text kept as copies (SQLite) or tsvectors.
_OLD_FTS = {
    "sqlite": (
        "INSERT INTO releases_fts (rowid, title, body) VALUES (?, ?, ?)",
        "INSERT INTO quotes_fts (rowid, text, speaker, speaker_title) VALUES (?, ?, ?, ?)",
    ),
    "postgresql": (
        "INSERT INTO releases_fts (rowid, doc) VALUES (?, to_tsvector('release_digest', ?) "
        "|| to_tsvector('release_digest', ?))",
        "INSERT INTO quotes_fts (rowid, doc) VALUES (?, to_tsvector('release_digest', ?) "
        "|| to_tsvector('release_digest', ?) || to_tsvector('release_digest', ?))",
    ),
}


def releases() -> list[tuple[ReleaseDraft, Analysis]]:
    """The seed release, and the harbor release in two versions (the second one current)."""
    items = [
        ReleaseDraft(canonical_id="hmc", title="HMC talks", body=(DATA / "seed_hmc.txt").read_text(encoding="utf-8")),
        ReleaseDraft(canonical_id="harbor", title="Harbor news", body=HARBOR, source="City"),
        ReleaseDraft(canonical_id="harbor", title="Harbor news again", body=HARBOR_V2, source="City"),
    ]
    return [(d, analyse(d.body, d.title, d.tags)) for d in items]


async def write_old(run: Any, dialect: str, items: Sequence[tuple[ReleaseDraft, Analysis]]) -> None:
    """The rows the code before 0010 wrote for these releases (``run(sql, params)`` executes one statement)."""
    index_release, index_quote = _OLD_FTS[dialect]
    ids: dict[str, int] = {}
    current: dict[int, tuple[int, int]] = {}  # release id: (version, version id)
    quote_id = 0
    at = to_db_time(NOW)
    for version_id, (draft, analysis) in enumerate(items, 1):
        release_id = ids.setdefault(draft.canonical_id, len(ids) + 1)
        metadata = (draft.title, draft.url, draft.source, None, json.dumps(list(draft.tags)))
        if release_id not in current:
            await run(
                "INSERT INTO releases (id, canonical_id, title, url, source, published_at, tags, created_at, "
                "updated_at, is_global) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (release_id, draft.canonical_id, *metadata, at, at),
            )
            version = 1
        else:
            version = current[release_id][0] + 1
            await run(
                "UPDATE releases SET title = ?, url = ?, source = ?, published_at = ?, tags = ? WHERE id = ?",
                (*metadata, release_id),
            )
            await run(
                "DELETE FROM quotes_fts WHERE rowid IN (SELECT id FROM quotes WHERE version_id = ?)",
                (current[release_id][1],),
            )
        await run(
            "INSERT INTO release_versions (id, release_id, version, body, body_hash, algorithm, sentence_count, "
            "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (version_id, release_id, version, draft.body, body_hash(draft.body), "news", len(analysis.sentences), at),
        )
        rank = {idx: position for position, idx in enumerate(analysis.summary.order)}
        for s in analysis.sentences:
            await run(
                "INSERT INTO sentences (version_id, idx, paragraph, text, start_pos, end_pos, score, rank) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (version_id, s.idx, s.paragraph, s.text, s.start, s.end, analysis.summary.scores[s.idx], rank[s.idx]),
            )
        for q in analysis.quotes:
            quote_id += 1
            await run(
                "INSERT INTO quotes (id, version_id, release_id, text, speaker, speaker_title, sentence_idx, "
                "paragraph, start_pos, end_pos, score, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (quote_id, version_id, release_id, q.text, q.speaker, q.speaker_title, q.sentence_idx, q.paragraph,
                 q.start, q.end, q.score, q.rank),
            )  # fmt: skip
            await run(index_quote, (quote_id, q.text, q.speaker or "", q.speaker_title or ""))
        await run("UPDATE releases SET current_version_id = ? WHERE id = ?", (version_id, release_id))
        current[release_id] = (version, version_id)
        await run("DELETE FROM releases_fts WHERE rowid = ?", (release_id,))
        await run(index_release, (release_id, draft.title or "", draft.body))
        await run("DELETE FROM topic_terms WHERE release_id = ?", (release_id,))
        terms: dict[str, tuple[str, str | None]] = {}
        for acronym, expansion in analysis.topics.acronyms.items():
            terms[normalise(acronym)] = ("acronym", normalise(expansion))
            terms.setdefault(normalise(expansion), ("expansion", normalise(acronym)))
        for keyword in analysis.topics.keywords:
            terms.setdefault(keyword, ("keyword", None))
        for term, (kind, alias) in terms.items():
            if term:
                await run(
                    "INSERT INTO topic_terms (release_id, term, kind, alias) VALUES (?, ?, ?, ?)",
                    (release_id, term, kind, alias),
                )


async def old_sqlite_store(path: Path, items: Sequence[tuple[ReleaseDraft, Analysis]]) -> str:
    conn = await aiosqlite.connect(path)
    try:
        for number, _, sql in migrations("sqlite")[:BEFORE]:
            await conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")

        async def run(sql: str, params: Sequence[Any]) -> None:
            await conn.execute(sql, params)

        await write_old(run, "sqlite", items)
        await conn.commit()
    finally:
        await conn.close()
    return str(path)


async def old_postgres_store(server: PostgresServer, items: Sequence[tuple[ReleaseDraft, Analysis]]) -> str:
    url = await server.create_empty()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            'CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT COLLATE "C" NOT NULL)'
        )
        for number, _, sql in migrations("postgresql")[:BEFORE]:
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_version VALUES ($1, 'then')", number)

        async def run(sql: str, params: Sequence[Any]) -> None:
            await conn.execute(placeholders(sql), *params)

        await write_old(run, "postgresql", items)
    finally:
        await conn.close()
    return url


async def answers(db: Database) -> tuple[object, ...]:
    """What readers see: digests with summaries and quotes, every version's summary, searches, topics, speakers."""
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    repo = service.repo
    digests = []
    for topic in ("hmc", "harbor", "iraq"):
        digest = await service.digest(topic)
        digests.append([(i.release.id, i.release.title, i.summary, i.quotes) for i in digest.items])
    version_ids = [row["id"] for row in await db.fetch_all("SELECT id FROM release_versions ORDER BY id")]
    return (
        digests,
        await repo.summary_sentences(version_ids, 3),
        await repo.summary_sentences(version_ids, 1000),
        [(h.quote_id, h.quote, h.release.id) for q in ("withdrawal", "glad ships", "trade", "lopez") for h in
         await service.search_quotes(q)],
        [[r.id for r in await repo.recent(search=s)] for s in ("harbor", "numbers", "storm", "Iraq", "again")],
        [r.id for r in await repo.recent()],
        await repo.known_topics(limit=50),
        await repo.speakers(),
    )  # fmt: skip


async def test_migration_keeps_every_answer(db: Database, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    items = releases()
    repo = ReleaseRepository(db)
    for draft, analysis in items:  # today's code, from scratch
        await repo.save(draft, analysis, "news", NOW)
    if db.dialect.name == "sqlite":
        target = await old_sqlite_store(tmp_path / "old.db", items)
    else:
        target = await old_postgres_store(request.getfixturevalue("postgres"), items)
    migrated = await Database.open(target)
    try:
        assert await migrated.engine.schema_version() == len(migrations())
        expected, got = await answers(db), await answers(migrated)
        assert got == expected
        # and the sentences are the analysis's own, text included
        every = got[2]
        assert isinstance(every, dict)
        for version_id, (_, analysis) in enumerate(items, 1):
            by_rank = sorted(analysis.sentences, key=lambda s: analysis.summary.order.index(s.idx))
            assert every[version_id] == tuple(sorted(by_rank[:1000], key=lambda s: s.idx))
    finally:
        await migrated.close()


async def vocabulary(db: Database, table: str) -> list[tuple[Any, ...]]:
    """Every (term, document, column, offset) of an FTS5 table's index."""
    await db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab_{table} USING fts5vocab(main, {table}, instance)")
    rows = await db.fetch_all(f'SELECT term, doc, col, "offset" FROM temp.vocab_{table} ORDER BY 1, 2, 3, 4')
    return [tuple(row) for row in rows]


async def test_full_text_follows_new_versions_and_titles(db: Database) -> None:
    repo = ReleaseRepository(db)
    service = DigestService(repo, clock=lambda: NOW)
    (first, first_analysis), (second, second_analysis) = releases()[1:]
    await repo.save(first, first_analysis, "news", NOW)
    assert [r.id for r in await repo.recent(search="storm")] == [1]
    assert len(await service.search_quotes("glad")) == 1
    await repo.save(second, second_analysis, "news", NOW)  # a new version, with a new title
    assert [r.id for r in await repo.recent(search="numbers again")] == [1]
    assert len(await service.search_quotes("trade")) == 1
    # the old version's quotes are out of the index, the new version's (the same words again) in
    old_quotes = len(first_analysis.quotes)
    assert [h.quote_id > old_quotes for h in await service.search_quotes("glad")] == [True]
    retitled = ReleaseDraft(canonical_id="harbor", title="Port bulletin", body=HARBOR_V2, source="City")
    assert (await repo.save(retitled, None, "news", NOW)).status == "metadata"
    assert [r.id for r in await repo.recent(search="bulletin")] == [1]
    assert [r.id for r in await repo.recent(search="numbers")] == [1]
    assert await repo.recent(search="news") == []
    if db.dialect.name == "sqlite":
        # the index built change by change is exactly the one built from scratch from the stored rows
        kept = (await vocabulary(db, "releases_fts"), await vocabulary(db, "quotes_fts"))
        for statement in db.dialect.fts.rebuild:
            await db.execute(statement)
        assert (await vocabulary(db, "releases_fts"), await vocabulary(db, "quotes_fts")) == kept
        assert kept[0] and kept[1]


async def test_sqlite_keeps_bodies_compressed_and_reads_them_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "store.db")
    try:
        draft, analysis = releases()[1]
        await ReleaseRepository(db).save(draft, analysis, "news", NOW)
        row = await db.fetch_one("SELECT body, rd_inflate(body) AS text FROM release_versions")
        assert row is not None and isinstance(row["body"], bytes) and len(row["body"]) < len(HARBOR.encode())
        assert bodies.unpack(row["body"]) == row["text"] == HARBOR
        # the conversion never packs a packed body twice
        again = await db.fetch_one("SELECT rd_deflate(body) = body AS same FROM release_versions")
        assert again is not None and again["same"] == 1
    finally:
        await db.close()
