"""PostgreSQL keeps the releases of each learned phrase (migration 0016): exactly those the index finds for it.

An acronym's expansion is learned after the release that defines it is stored (releases stored before it are found
then); from there every change of the full text keeps its releases current, and a topic's answers are those of
matching every phrase through the index. A release written while a phrase is learned, by another connection, is
never missed, whichever of the two takes the lock first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from digests.models import Analysis, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store import fts
from digests.store.db import Database
from digests.store.fts_postgres import PostgresFullText, tsquery
from digests.store.releases import ReleaseRepository

NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
PHRASE = "harbor safety board"
WITH = "The Harbor Safety Board met on Monday about the pier."
NEAR = "The board met on Monday about harbor safety."  # the words, not the phrase
WITHOUT = "Crews left the pier at dawn."


def analysis(body: str, acronyms: dict[str, str]) -> Analysis:
    return Analysis(
        sentences=(Sentence(0, 0, body, 0, len(body)),),
        summary=Summary((1.0,), (0,), "lead"),
        quotes=(),
        topics=TopicTerms(acronyms=acronyms, keywords=()),
    )


async def save(
    repo: ReleaseRepository, n: int, body: str, *, title: str = "", acronyms: dict[str, str] | None = None
) -> None:
    draft = ReleaseDraft(canonical_id=f"r{n}", body=body, title=title or f"Release {n}", published_at=NOW)
    await repo.save(draft, analysis(body, acronyms or {}), "lead", NOW + timedelta(minutes=n), is_global=True)


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[Database]:
    db = await Database.open(pg_url)
    yield db
    await db.close()


async def kept(db: Database, phrase: str) -> set[int]:
    rows = await db.fetch_all("SELECT release_id FROM release_phrase_matches WHERE phrase = ?", [phrase])
    return {row["release_id"] for row in rows}


async def assert_phrases_exact(db: Database) -> int:
    """Every learned phrase's kept releases are the index's matches of that phrase; how many phrases."""
    phrases = [row["phrase"] for row in await db.fetch_all("SELECT phrase FROM release_phrases")]
    for phrase in phrases:
        match = fts.match_any([phrase.split()])
        assert match is not None
        query, params = tsquery(match)
        found = await db.fetch_all(f"SELECT rowid FROM releases_fts WHERE doc @@ {query}", params)
        assert await kept(db, phrase) == {row["rowid"] for row in found}, phrase
    return len(phrases)


async def topic_answers(db: Database) -> list[object]:
    """A topic's counts and pages, as an acronym and as its expansion, and the full-text module's own answers."""
    repo = ReleaseRepository(db)
    answers: list[object] = []
    for topic in ("hsb", PHRASE):
        for offset in (0, 2, 50):
            total, page = await repo.topic_page(topic, limit=2, offset=offset)
            answers.append((topic, offset, total, [release.id for release in page]))
        answers.append(await repo.has_topic(topic))
    match = fts.match_any([["hsb"], PHRASE.split()])
    assert match is not None
    fulltext = PostgresFullText()
    ids, params = fulltext.release_ids(match)
    answers.append(sorted(row["rowid"] for row in await db.fetch_all(ids, params)))
    counted, params = fulltext.count_releases(match)
    row = await db.fetch_one(counted, params)
    answers.append(row and row["n"])
    each, params = fulltext.release_matches(match, "r.id")
    answers.append([row["id"] for row in await db.fetch_all(f"SELECT r.id FROM releases r WHERE {each}", params)])
    return answers


async def test_a_phrase_keeps_exactly_the_releases_the_index_finds(pg: Database) -> None:
    repo = ReleaseRepository(pg)
    for n, body in enumerate((WITH, NEAR, WITHOUT, WITH)):  # stored before any release defines the acronym
        await save(repo, n, body)
    assert await assert_phrases_exact(pg) == 0
    await save(repo, 4, WITH + " The HSB said so.", acronyms={"HSB": "Harbor Safety Board"})
    assert await assert_phrases_exact(pg) == 1
    assert await kept(pg, PHRASE) == {1, 4, 5}  # ids start at 1: r0, r3 and r4
    await save(repo, 5, WITH)  # stored after: kept as it is written
    await save(repo, 0, NEAR)  # a new version without the phrase
    await save(repo, 2, WITHOUT, title="Harbor Safety Board news")  # the phrase in a new title only
    assert await assert_phrases_exact(pg) == 1
    assert await kept(pg, PHRASE) == {3, 4, 5, 6}
    await save(repo, 6, "The Don't Panic Club met.", acronyms={"DPC": "Don't Panic Club", "X": "apostrophe's"})
    learned = await pg.fetch_all("SELECT phrase FROM release_phrases ORDER BY phrase")
    assert [row["phrase"] for row in learned] == ["don't panic club", PHRASE]  # not a single word
    assert await assert_phrases_exact(pg) == 2

    with_learned = await topic_answers(pg)
    await pg.execute("DELETE FROM release_phrase_matches")
    await pg.execute("DELETE FROM release_phrases")  # every phrase through the index again
    assert await topic_answers(pg) == with_learned
    assert with_learned[0] == ("hsb", 0, 4, [6, 5])  # r2, r3, r4, r5; the same time, so the highest ids first


async def test_a_release_written_while_a_phrase_is_learned_is_kept(pg_url: str) -> None:
    writer, learner = await Database.open(pg_url), await Database.open(pg_url)
    fulltext = PostgresFullText()
    try:
        repo = ReleaseRepository(writer)
        await save(repo, 0, WITH)
        # The writer's transaction first: the learner waits for it, then finds its release.
        async with writer.transaction():
            await save(repo, 1, WITH)
            learning = asyncio.create_task(fulltext.learn_phrases(learner, [PHRASE]))
            await asyncio.sleep(0.3)
            assert not learning.done()
        await learning
        assert await kept(learner, PHRASE) == {1, 2}
        # The learner first (another phrase): the writer waits for it, then keeps its release for that phrase.
        async with learner.transaction():
            await fulltext.learn_phrases(learner, ["monday about the pier"])
            writing = asyncio.create_task(save(repo, 2, WITH))
            await asyncio.sleep(0.3)
            assert not writing.done()
        await writing
        assert await kept(learner, "monday about the pier") == {1, 2, 3}
        assert await assert_phrases_exact(learner) == 2
    finally:
        await writer.close()
        await learner.close()
