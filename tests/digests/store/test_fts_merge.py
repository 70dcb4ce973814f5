"""Merging the full-text segments in bounded, leveled steps: SQLite ends with fewer segments (at most one a level)
and the same answers; PostgreSQL has nothing to merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store import fts_merge
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


async def segments(db: Database) -> list[int]:
    """How many segments each full-text index has (SQLite)."""
    found = []
    for table in fts_merge.TABLES:
        row = await db.fetch_one(f"SELECT COUNT(DISTINCT segid) AS n FROM {table}_idx")
        found.append(int(row["n"]) if row else 0)
    return found


async def answers(repo: ReleaseRepository) -> list[object]:
    total, page = await repo.topic_page("harbour", limit=5, offset=3)
    found = await repo.recent(search="storm", limit=50)
    hits = await repo.search_quotes("harbour", limit=20)
    return [total, [r.id for r in page], [r.id for r in found], [h.quote_id for h in hits]]


async def test_merging_in_steps_leaves_few_segments_and_the_same_answers(db: Database) -> None:
    repo = ReleaseRepository(db)
    for n in range(24):  # each save is its own transaction: a new segment each, automerge keeps a few
        body = f"Release {n}: the harbour {'reopens after the storm' if n % 2 else 'is closed'}."
        quote = f"The harbour news number {n}"
        analysis = Analysis(
            (Sentence(0, 0, body, 0, len(body)),),
            Summary((1.0,), (0,), "lead"),
            (Quote(quote, "Ann Lee", None, 0, 0, 0, len(quote), 1.0, 0),),
            TopicTerms(acronyms={}, keywords=("harbour",) if n % 3 == 0 else ()),
        )
        published = NOW - timedelta(hours=n)
        draft = ReleaseDraft(canonical_id=f"m{n}", body=body, title=f"Note {n}", published_at=published)
        await repo.save(draft, analysis, "lead", NOW, is_global=True, topics=analysis.topics)
    before = await answers(repo)
    if db.dialect.name == "sqlite":
        unmerged = await segments(db)
        assert min(unmerged) > 2
        assert await fts_merge.merge_full_text(db, steps=1, pages=1)  # one tiny step: work is left
        while await repo.merge_full_text():
            pass
        merged = await segments(db)
        # Leveled: at most one segment a level is left, about log2(24 writes) levels; never a whole-index merge.
        assert all(after < before for after, before in zip(merged, unmerged, strict=True))
        assert max(merged) <= 5
        for table in fts_merge.TABLES:
            await db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
    else:
        assert not await repo.merge_full_text()  # GIN indexes have no segments
    assert await answers(repo) == before
    assert before[0] == 24 and len(before[1]) == 5 and len(before[2]) == 12 and len(before[3]) == 20  # type: ignore[arg-type]


async def segment_ids(db: Database, table: str) -> set[int]:
    rows = await db.fetch_all(f"SELECT DISTINCT segid FROM {table}_idx")
    return {int(row["segid"]) for row in rows}


async def test_a_merged_index_is_not_rewritten_after_a_small_ingest(db: Database) -> None:
    """One new release's segment is not merged into the big segment of every stored release (a whole-index merge
    would cost what the store holds, not what was added); leveled merges join segments of one level only."""
    if db.dialect.name != "sqlite":
        return
    repo = ReleaseRepository(db)

    async def save(n: int) -> None:
        # Long bodies: a merged index of many pages, as a real store's is (a tiny one stays on level 0 with the new).
        body = f"Release {n}: the harbour is open. " + " ".join(f"word{n}x{k}" for k in range(4000))
        analysis = Analysis(
            (Sentence(0, 0, body, 0, len(body)),), Summary((1.0,), (0,), "lead"), (), TopicTerms(acronyms={})
        )
        draft = ReleaseDraft(canonical_id=f"s{n}", body=body, title=f"Note {n}", published_at=NOW)
        await repo.save(draft, analysis, "lead", NOW, is_global=True, topics=analysis.topics)

    for n in range(12):
        await save(n)
    await db.execute("INSERT INTO releases_fts (releases_fts) VALUES ('optimize')")
    (big,) = await segment_ids(db, "releases_fts")
    await save(12)
    while await repo.merge_full_text():
        pass
    after = await segment_ids(db, "releases_fts")
    assert big in after and len(after) == 2
    total, _ = await repo.topic_page("harbour", limit=5)
    assert total == 13
