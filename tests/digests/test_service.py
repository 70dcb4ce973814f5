import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.models import Quote, ReleaseDraft, Sentence
from digests.service import DigestService, UnknownTopicError
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.sqlite_engine import SQLiteEngine
from digests.store.state import StateRepository

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(db: Database) -> DigestService:
    return DigestService(ReleaseRepository(db), clock=lambda: NOW)


async def test_seeds_load_once_into_an_empty_database(service: DigestService) -> None:
    report = await service.load_seeds_if_empty(ROOT / "seeds")
    assert report is not None and report.count("added") == 1 and not report.failed
    assert await service.load_seeds_if_empty(ROOT / "seeds") is None


async def test_digest_of_the_seed(service: DigestService) -> None:
    await service.ingest_paths([ROOT / "seeds"])
    digest = await service.digest("HMC")
    (item,) = digest.items
    assert item.coverage == "3 of 24 sentences"
    assert [s.idx for s in item.summary] == sorted(s.idx for s in item.summary)
    assert len(item.quotes) == 3 and item.quotes[0].text.startswith("Let me be clear")
    assert (await service.digest("hmc", sentences=6)).items[0].coverage == "6 of 24 sentences"


async def test_unknown_topic_suggests(service: DigestService) -> None:
    await service.ingest_paths([ROOT / "seeds"])
    with pytest.raises(UnknownTopicError) as info:
        await service.digest("hmx")
    assert "hmc" in info.value.suggestions
    with pytest.raises(UnknownTopicError):
        await service.search_quotes("withdrawal", topic="submarines")


async def test_concurrent_ingests_do_not_share_a_transaction(service: DigestService, db: Database) -> None:
    import asyncio

    drafts = [ReleaseDraft(canonical_id=f"r{i}", body=f"Release number {i} says the HMC met.") for i in range(8)]
    state = StateRepository(db)
    results = await asyncio.gather(*(service.ingest_draft(d) for d in drafts), state.set("k", "v"))
    assert [r.status for r in results[:-1]] == ["added"] * 8  # type: ignore[union-attr]
    assert await service.repo.count() == 8 and await state.get("k") == "v"


async def test_release_quotes_and_speakers(service: DigestService) -> None:
    await service.ingest_paths([ROOT / "seeds"])
    release = (await service.releases())[0]
    found = await service.release_quotes(release.id)
    assert found is not None and len(found[1]) == 5
    assert await service.release_quotes(12345) is None
    assert await service.speakers("sab") == ["Sabrina Singh"]
    assert "hmc" in await service.topics("hm")


def shown_whole(quote: Quote, summary: tuple[Sentence, ...]) -> bool:
    return any(s.start <= quote.start and quote.end <= s.end for s in summary)


async def test_a_quote_the_summary_shows_is_not_repeated(service: DigestService) -> None:
    await service.ingest_paths([ROOT / "seeds"])
    release = (await service.releases())[0]
    found = await service.release_quotes(release.id)
    assert found is not None
    for count in range(1, 11):
        (item,) = (await service.digest("hmc", sentences=count)).items
        assert not any(shown_whole(quote, item.summary) for quote in item.quotes)
        assert len(item.quotes) == min(3, sum(not shown_whole(quote, item.summary) for quote in found[1]))


async def test_a_poorer_source_keeps_known_metadata_and_tags_update_topics(service: DigestService) -> None:
    rich = ReleaseDraft(
        canonical_id="k",
        body="The Zoo office met today. It met again.",
        title="Zoo news",
        url="https://zoo.example/1",
        source="Zoo",
        published_at=NOW,
        tags=("oldtag",),
    )
    await service.ingest_draft(rich)
    poor = ReleaseDraft(canonical_id="k", body=rich.body, url="https://zoo.example/1")
    assert (await service.ingest_draft(poor)).status == "unchanged"
    (kept,) = await service.releases()
    assert (kept.title, kept.source, kept.published_at, kept.tags) == ("Zoo news", "Zoo", NOW, ("oldtag",))
    assert (await service.ingest_draft(replace(rich, tags=("zebra",)))).status == "metadata"
    assert [r.canonical_id for r in await service.repo.for_topic("zebra")] == ["k"]
    assert await service.repo.for_topic("oldtag") == []


async def test_digest_says_how_many_match_and_pages_newest_first(service: DigestService) -> None:
    for n in range(25):
        published = datetime(2024, 1, 1 + n, tzinfo=UTC)
        body = f"Release {n}: the harbour authority met. It met again."
        await service.ingest_draft(ReleaseDraft(canonical_id=f"h{n}", body=body, published_at=published))
    first = await service.digest("harbour")
    assert first.total == 25 and first.count_line == "25 releases match, showing 1–10"
    assert [item.release.canonical_id for item in first.items] == [f"h{n}" for n in range(24, 14, -1)]
    third = await service.digest("harbour", page=3)
    assert third.count_line == "25 releases match, showing 21–25"
    assert [item.release.canonical_id for item in third.items] == ["h4", "h3", "h2", "h1", "h0"]
    assert (await service.digest("harbour", page=4)).items == ()
    pages = [page async for page in service.whole_digest("harbour", per_page=7)]
    assert [len(page.items) for page in pages] == [7, 7, 7, 4]
    since = await service.digest("harbour", since=datetime(2024, 1, 20, tzinfo=UTC))
    assert since.total == 6


async def test_quote_search_about_a_topic_binds_no_variable_per_release(service: DigestService, db: Database) -> None:
    for n in range(30):
        body = f'Release {n} about the harbour. "The harbour reopens on day {n}," said Ann Lee, the harbour master.'
        await service.ingest_draft(ReleaseDraft(canonical_id=f"h{n}", body=body))
    # SQLite's default build allows 32,766 variables; with a limit of 20 a 30-release topic must still work.
    # (PostgreSQL's limit is 65,535 parameters: the same query is checked there as it is.)
    engine = db.engine
    if isinstance(engine, SQLiteEngine):
        conn = engine.conn
        await conn._execute(conn._conn.setlimit, sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 20)  # aiosqlite's own thread
    hits = await service.search_quotes("reopens", topic="harbour", limit=5)
    assert len(hits) == 5 and all(hit.quote.speaker == "Ann Lee" for hit in hits)
