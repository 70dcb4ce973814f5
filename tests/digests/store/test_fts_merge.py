"""Merging the full-text segments in bounded steps: SQLite ends with one segment per index and the same answers;
PostgreSQL has nothing to merge."""

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


async def test_merging_in_steps_leaves_one_segment_and_the_same_answers(db: Database) -> None:
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
        assert max(await segments(db)) > 1
        assert await fts_merge.merge_full_text(db, steps=1, pages=1)  # one tiny step: work is left
        while await repo.merge_full_text():
            pass
        assert await segments(db) == [1, 1]
        for table in fts_merge.TABLES:
            await db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
    else:
        assert not await repo.merge_full_text()  # GIN indexes have no segments
    assert await answers(repo) == before
    assert before[0] == 24 and len(before[1]) == 5 and len(before[2]) == 12 and len(before[3]) == 20  # type: ignore[arg-type]
