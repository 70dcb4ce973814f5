"""The plans chosen by size give the same answers: a topic page or a release search read newest first (each
release checked alone, or against the set of matching ids) or by id and sorted; a quote search from the full-text
index's best candidates or from every match. Small stores reach each plan by lowering the thresholds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store import release_quotes, release_topics, releases
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.scope import NO_GUILD
from tests.digests.store.scoped_releases import A, B, scoped_store

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GUILDS = (None, A, B, NO_GUILD)
COUNT = 36


def analysis(body: str, quotes: tuple[Quote, ...], topics: TopicTerms) -> Analysis:
    lines = body.split("\n")
    offsets = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    sentences = tuple(Sentence(i, i, line, offsets[i], offsets[i] + len(line)) for i, line in enumerate(lines))
    summary = Summary(tuple(1.0 for _ in lines), tuple(range(len(lines))), "lead")
    return Analysis(sentences=sentences, summary=summary, quotes=quotes, topics=topics)


def release(n: int) -> tuple[ReleaseDraft, Analysis]:
    """Release ``n``: most mention the harbour, every fourth defines HSB, every fifth is only tagged harbour (a
    topic term the text lacks); pairs share a date (ties broken by id), every seventh is undated. Three quotes
    each, mostly the same words in every release (equal scores: ties at any cut)."""
    tagged = n % 5 == 0
    body = "\n".join(
        [
            f"Release {n} from the port." if tagged else f"Release {n} about the harbour.",
            "The Harbour Safety Board, or HSB, met." if n % 4 == 0 else "The board met.",
            '"The harbour reopens," said Ann Lee.',
        ]
    )
    quotes = tuple(
        Quote(text, speaker, None, 2, 2, 0, len(text), 1.0, (i + n) % 3)  # ranks rotate: ties differ in rank
        for i, (text, speaker) in enumerate(
            (
                ("The harbour reopens", "Ann Lee"),
                ("The harbour reopens on Monday after the long storm", "Bo Ray" if n % 2 else "Ann Lee"),
                (f"Harbour news number {n % 3}", None),
            )
        )
    )
    acronyms = {"HSB": "Harbour Safety Board"} if n % 4 == 0 else {}
    topics = TopicTerms(acronyms=acronyms, keywords=("harbour",) if tagged else ())
    published = None if n % 7 == 0 else NOW - timedelta(days=n // 2)
    draft = ReleaseDraft(canonical_id=f"r{n}", body=body, title=f"Note {n}", published_at=published)
    return draft, analysis(body, quotes, topics)


@pytest.fixture
async def repo(db: Database) -> ReleaseRepository:
    """Releases from server A's feed (every third), server B's feed (every third) and global files (the rest)."""
    return await scoped_store(db, (release(n) for n in range(COUNT)), NOW)


@contextmanager
def plan(monkeypatch: pytest.MonkeyPatch, name: str) -> Iterator[None]:
    """Force one plan: ``by id`` (never dense), ``each`` (dense, every release checked alone) or ``set`` (dense,
    against the set of matching ids); or ``listed`` (a topic with aliases matched once, its ids listed), or
    ``listed past the cap`` (too many matches to list: the dense plans, as they are chosen by size)."""
    with monkeypatch.context() as patch:
        listed = {"listed": 10**9, "listed past the cap": 2}
        patch.setattr(release_topics, "LISTED_TOPIC", listed.get(name, -1))
        if name == "listed":
            yield
            return
        patch.setattr(release_topics, "DENSE_TOPIC", 10**9 if name == "by id" else 0)
        for module in (release_topics, releases):
            patch.setattr(module, "walk_newest", lambda *_: name != "by id")
            patch.setattr(module, "check_each", lambda *_: name == "each")
        patch.setattr(release_topics, "SEEK_COST", 0 if name == "each" else 10**9)
        yield


async def all_pages(repo: ReleaseRepository, topic: str, guild: int | None, since: datetime | None) -> list[object]:
    """Every page of 4, and one past the end, with the count each page reports."""
    found: list[object] = []
    for offset in range(0, COUNT + 8, 4):
        total, page = await repo.topic_page(topic, since, 4, offset, guild_id=guild)
        found.append((total, [r.id for r in page]))
    return found


@pytest.mark.parametrize("topic", ["harbour", "hsb", "harbour safety board", "port"])
async def test_topic_pages_are_the_same_whichever_plan(
    repo: ReleaseRepository, monkeypatch: pytest.MonkeyPatch, topic: str
) -> None:
    since = NOW - timedelta(days=9)
    answers = {}
    for name in ("by id", "each", "set", "listed", "listed past the cap"):
        with plan(monkeypatch, name):
            answers[name] = [await all_pages(repo, topic, guild, when) for guild in GUILDS for when in (None, since)]
    assert answers["each"] == answers["by id"] == answers["set"] == answers["listed"] == answers["listed past the cap"]
    # The pages hold every counted release once, newest first, and the scoped servers see fewer.
    for pages in answers["by id"]:
        ids = [i for _, page in pages for i in page]  # type: ignore[misc]
        assert len(ids) == len(set(ids)) == pages[0][0]  # type: ignore[index]
    counts = [pages[0][0] for pages in answers["by id"]]  # type: ignore[index]
    assert counts[0] > counts[2] > 0 and counts[6] < counts[2]  # operator > server A > outside any server


async def test_release_search_is_the_same_whichever_plan(
    repo: ReleaseRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {}
    for name in ("by id", "each", "set"):
        with plan(monkeypatch, name):
            answers[name] = [
                [r.id for r in await repo.recent(words, limit, offset, guild_id=guild)]
                for words in ("harbour", "harbour board", "port")
                for guild in GUILDS
                for limit, offset in ((5, 0), (5, 5), (50, 0), (3, 30))
            ]
    assert answers["each"] == answers["by id"] == answers["set"]
    # Every release mentions the harbour: the operator's page of 50 holds all 36, the page of 3 from 30 is full.
    assert len(answers["by id"][2]) == COUNT and len(answers["by id"][3]) == 3


async def hits(repo: ReleaseRepository, guild: int | None, **asked: object) -> list[tuple[int, str | None]]:
    found = await repo.search_quotes(guild_id=guild, **asked)  # type: ignore[arg-type]
    return [(hit.quote_id, hit.quote.speaker) for hit in found]


@pytest.mark.parametrize(
    "asked",
    [
        {"query": "harbour reopens", "limit": 1},
        {"query": "harbour", "limit": 10},
        {"query": "harbour", "limit": 48},  # the 64th candidate's score is shared by quotes past it
        {"query": "harbour", "limit": 70},  # more than the first 64 candidates
        {"query": "harbour", "limit": 200},  # more than every match
        {"query": "harbour", "limit": 10, "topic": "hsb"},  # few of the best are about the topic: the cut grows
        {"query": "harbour", "limit": 5, "speaker": "bo ray"},
        {"query": "news number", "limit": 4, "topic": "port"},
    ],
)
async def test_quote_search_from_candidates_equals_every_match(
    repo: ReleaseRepository, monkeypatch: pytest.MonkeyPatch, asked: dict[str, object]
) -> None:
    staged = [await hits(repo, guild, **asked) for guild in GUILDS]
    monkeypatch.setattr(release_quotes, "QUOTE_CANDIDATES", 0)  # straight to joining every match
    assert staged == [await hits(repo, guild, **asked) for guild in GUILDS]
    assert staged[0] and len(staged[0]) >= len(staged[1]) >= len(staged[3])
    if asked.get("speaker"):
        assert {speaker for found in staged for _, speaker in found} == {"Bo Ray"}


async def test_quote_ties_are_ordered_by_rank_then_id(repo: ReleaseRepository) -> None:
    found = await repo.search_quotes("harbour reopens", limit=200)
    tied = [(hit.quote.rank, hit.quote_id) for hit in found if hit.quote.text == "The harbour reopens"]
    assert len(tied) == COUNT and tied == sorted(tied) and tied[0][0] < tied[-1][0]
