"""PostgreSQL's own plans for full-text answers give the same releases in the same order as SQLite's.

The same small store is built on both engines; every answer is asked on both, through each plan of a topic's page
and a release search (newest first checking each release alone, which PostgreSQL does with its own per-release
check; newest first against the set of matching ids; by id then sorted), page by page, as the operator, as a server
that sees every release and as one that sees few. Ties in the newest-first order (same date) and
undated releases (ordered by when they were stored) are part of the data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from digests.models import Analysis, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store import release_topics, releases
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
FOLLOWER, STRANGER = 1001, 2002  # FOLLOWER follows the feed that carried the non-global releases
BODIES = (
    "The Harbor Safety Board, or HSB, met on Monday about the harbor.",
    "Harbor pilots will guide every ship; the board agreed.",
    "Markets rose as the government's budget passed.",
    "The government said harbors and markets would reopen.",
    "News from the U.S.-Iraq commission: talks go on.",
    "Nothing about ports here, only weather and rain.",
)
TOPICS = ("harbor", "hsb", "government", "markets", "weather", "board", "nothing-matches")
SEARCHES = ("harbor", "government markets", "talks", "rain", "absent")


def analysis(body: str, acronyms: dict[str, str]) -> Analysis:
    sentence = Sentence(0, 0, body, 0, len(body))
    return Analysis(
        sentences=(sentence,),
        summary=Summary((1.0,), (0,), "lead"),
        quotes=(),
        topics=TopicTerms(acronyms=acronyms, keywords=("harbor",) if "harbor" in body.lower() else ()),
    )


async def build(db: Database) -> None:
    """36 releases: six bodies, two releases on each date (ties), every fifth one undated; every fourth one
    carried by a feed only FOLLOWER follows (not global)."""
    repo, sources = ReleaseRepository(db), SourceRepository(db)
    feed, _ = await sources.add("https://a.test/rss", "https://a.test/rss", NOW)
    await sources.follow(feed.id, FOLLOWER, 11, None, NOW)
    for n in range(36):
        body = BODIES[n % len(BODIES)]
        published = None if n % 5 == 4 else NOW - timedelta(days=n // 2)
        draft = ReleaseDraft(canonical_id=f"r{n}", body=body, title=f"Release {n}", published_at=published)
        acronyms = {"HSB": "Harbor Safety Board"} if "HSB" in body else {}
        scoped = n % 4 == 1
        stored_at = NOW - timedelta(hours=n * 7)
        await repo.save(
            draft,
            analysis(body, acronyms),
            "lead",
            stored_at,
            source_id=feed.id if scoped else None,
            is_global=not scoped,
        )


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[tuple[ReleaseRepository, ReleaseRepository]]:
    """The same store on SQLite and on PostgreSQL."""
    lite, pg = await Database.open(":memory:"), await Database.open(pg_url)
    await build(lite)
    await build(pg)
    yield ReleaseRepository(lite), ReleaseRepository(pg)
    await lite.close()
    await pg.close()


async def topic_pages(repo: ReleaseRepository, topic: str, guild: int | None) -> list[tuple[int, list[str]]]:
    """Every page of 4 of a topic (and one past the end), as (total, canonical ids)."""
    pages = []
    for offset in range(0, 40, 4):
        total, page = await repo.topic_page(topic, limit=4, offset=offset, guild_id=guild)
        pages.append((total, [release.canonical_id for release in page]))
    return pages


async def search_pages(repo: ReleaseRepository, words: str, guild: int | None) -> list[list[str]]:
    return [
        [release.canonical_id for release in await repo.recent(words, limit=5, offset=offset, guild_id=guild)]
        for offset in range(0, 40, 5)
    ]


@contextmanager
def plan(monkeypatch: pytest.MonkeyPatch, name: str) -> Iterator[None]:
    """Force one plan: ``by id``, ``each`` (newest first, each release checked alone) or ``set`` (newest first,
    against the set of matching ids); or ``listed`` (a topic with aliases matched once, its ids listed)."""
    with monkeypatch.context() as patch:
        patch.setattr(release_topics, "LISTED_TOPIC", 10**9 if name == "listed" else -1)
        if name == "listed":
            yield
            return
        patch.setattr(release_topics, "DENSE_TOPIC", 10**9 if name == "by id" else 0)
        for module in (release_topics, releases):
            patch.setattr(module, "walk_newest", lambda *_: name != "by id")
            patch.setattr(module, "check_each", lambda *_: name == "each")
        patch.setattr(release_topics, "SEEK_COST", 0 if name == "each" else 10**9)
        yield


@pytest.mark.parametrize("name", ["each", "set", "by id", "listed"])
async def test_topic_pages_and_searches_are_the_same_on_both_engines(
    engines: tuple[ReleaseRepository, ReleaseRepository], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lite, pg = engines
    with plan(monkeypatch, name):
        for guild in (None, FOLLOWER, STRANGER):
            for topic in TOPICS:
                assert await topic_pages(pg, topic, guild) == await topic_pages(lite, topic, guild), (topic, guild)
            for words in SEARCHES:
                assert await search_pages(pg, words, guild) == await search_pages(lite, words, guild), (words, guild)
        # the data holds what the test is about: several pages, and a server that sees fewer releases
        harbor = await topic_pages(lite, "harbor", None)
        assert harbor[0][0] > 8 and len(harbor[2][1]) == 4
        assert 0 < (await topic_pages(lite, "harbor", STRANGER))[0][0] < harbor[0][0]


@pytest.mark.parametrize("name", ["each", "set", "by id"])
async def test_the_order_is_newest_first_with_ties_by_id(
    engines: tuple[ReleaseRepository, ReleaseRepository], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pg = engines
    with plan(monkeypatch, name):
        everything = await pg.recent(limit=100)
        # newest first: the date (publication, else when stored), then the higher id first among equal dates
        key = {r.id: (r.published_at or r.ingested_at, r.id) for r in everything}
        assert [r.id for r in everything] == sorted(key, key=lambda i: key[i], reverse=True)
        assert len({r.published_at for r in everything}) < len(everything)  # ties
        about = {i for i, body in enumerate(BODIES) if "harbor" in body.lower()}  # "harbors" too: the same stem
        harbor = [r.canonical_id for r in everything if int(r.canonical_id[1:]) % len(BODIES) in about]
        total, page = await pg.topic_page("harbor", limit=100)
        assert total == len(harbor) and [r.canonical_id for r in page] == harbor
