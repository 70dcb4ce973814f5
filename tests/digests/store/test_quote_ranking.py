"""The best quotes of a search are bm25's best of every match, whatever the engine reads to find them: on SQLite
the index is read in the order of its shape ranks and stops where no quote left can beat the cut (quote_ranking.py),
so these compare it with ranking every match, at ties, with several words, common words, updates and servers."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store import fts, quote_ranking, release_quotes
from digests.store.db import Database
from digests.store.fts_sqlite import expression, porter_stem
from digests.store.releases import ReleaseRepository
from tests.digests.store.scoped_releases import A, B, scoped_store

NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
FILLER = ["storm", "port", "vessel", "cargo", "board", "morning", "quay", "tide", "crane", "dock", "pilot"]
RELEASES = 30


def quote_texts(n: int) -> list[str]:
    """Quotes of release ``n``: a few words to many, "harbour" once to four times (some only common words), so
    short quotes, long ones and repeats all compete; many share their words exactly (equal scores)."""
    rng = random.Random(n)
    texts = []
    for i in range(6):
        length = rng.choice((2, 3, 5, 8, 13, 21, 40))
        words = [rng.choice(FILLER) for _ in range(length)]
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 4))):
            words.insert(rng.randrange(len(words) + 1), "harbour")
        if i == 5:
            words = ["the", "harbour", "is", "the", "port"] if n % 2 else ["it", "is", "the", "one"]
        texts.append(" ".join(words))
    return texts


def release(n: int) -> tuple[ReleaseDraft, Analysis]:
    texts = quote_texts(n)
    body = "\n".join(f'"{text}," said Ann Lee.' for text in texts)
    lines = body.split("\n")
    offsets = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    sentences = tuple(Sentence(i, i, line, offsets[i], offsets[i] + len(line)) for i, line in enumerate(lines))
    quotes = tuple(
        Quote(text, "Ann Lee" if i % 2 else None, None, i, i, offsets[i] + 1, offsets[i] + 1 + len(text), 1.0, i)
        for i, text in enumerate(texts)
    )
    summary = Summary(tuple(1.0 for _ in lines), tuple(range(len(lines))), "lead")
    topics = TopicTerms(acronyms={}, keywords=())
    analysis = Analysis(sentences=sentences, summary=summary, quotes=quotes, topics=topics)
    return ReleaseDraft(canonical_id=f"q{n}", body=body, title=f"Note {n}"), analysis


@pytest.fixture
async def repo(db: Database) -> ReleaseRepository:
    """Releases from server A's feed, server B's feed and global files, in turn."""
    return await scoped_store(db, (release(n) for n in range(RELEASES)), NOW)


async def every_match(db: Database, match: fts.Match) -> list[tuple[int, float]]:
    """Every match ranked at once, best first."""
    hits, params = db.dialect.fts.quote_hits(match)
    rows = await db.fetch_all(f"SELECT rowid, score FROM ({hits}) AS hit ORDER BY score DESC", params)
    return [(row["rowid"], row["score"]) for row in rows]


def above_cut(ranked: list[tuple[int, float]], limit: int) -> list[tuple[float, int]]:
    """What a search keeps of the best ``limit``: all of them if fewer matched, else those scoring above the
    ``limit``-th (ties at the cut may come in any order), by score then id."""
    best = ranked[:limit]
    kept = best if len(best) < limit else [hit for hit in best if hit[1] > best[-1][1]]
    return sorted((-score, quote_id) for quote_id, score in kept)


MATCHES = [
    fts.match_all(["harbour"]),
    fts.match_all(["harbour", "storm"]),
    fts.match_all(["harbours", "harbour"]),  # one word twice: two phrases of one stem
    fts.match_any([["harbour"], ["pilot"]]),
    fts.match_all(["the"]),  # only a common word: every match ranked
    fts.match_all(["the", "harbour"]),
    fts.match_any([["harbour", "storm"], ["quay"]]),  # a phrase of two words
]


@pytest.mark.parametrize("match", MATCHES, ids=lambda m: expression(m))
async def test_best_quotes_are_the_best_of_every_match(repo: ReleaseRepository, db: Database, match: fts.Match) -> None:
    ranked = await every_match(db, match)
    assert ranked
    for limit in (1, 2, 5, 8, 13, 40, len(ranked), len(ranked) + 5):
        best = await db.dialect.fts.best_quotes(db, match, limit)
        assert len(best) == min(limit, len(ranked))
        assert [score for _, score in best] == [score for _, score in ranked[:limit]]  # the same scores, in order
        assert above_cut(best, limit) == above_cut(ranked, limit)


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)  # SQLite's index order only: never a skip
async def test_sqlite_reads_only_what_can_reach_the_best(
    repo: ReleaseRepository, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert db.dialect.name == "sqlite"
    monkeypatch.setattr(quote_ranking, "READ_AT_ONCE", 4)  # rows stepped, a few at a time
    match = fts.match_all(["harbour"])
    total = len(await every_match(db, match))
    found, read = await db.engine.read_on_thread(  # type: ignore[attr-defined]
        lambda conn: quote_ranking.best_quotes(conn, match, expression, porter_stem, 5)
    )
    assert len(found) == 5 and read < total / 2, (read, total)
    common = fts.match_all(["the"])
    _, read = await db.engine.read_on_thread(  # type: ignore[attr-defined]
        lambda conn: quote_ranking.best_quotes(conn, common, expression, porter_stem, 5)
    )
    assert read == 5  # no bound: FTS5 ranked every match and returned the best


async def test_the_index_follows_new_versions(repo: ReleaseRepository, db: Database) -> None:
    """A changed release's quotes leave the index under the keys they entered it with; the new ones are ranked."""
    draft, made = release(3)
    longer = tuple(
        Quote(q.text + " harbour harbour", q.speaker, q.speaker_title, q.sentence_idx, q.paragraph, q.start, q.end,
              q.score, q.rank)
        for q in made.quotes
    )
    body = draft.body + "\nMore."
    changed = ReleaseDraft(canonical_id=draft.canonical_id, body=body, title=draft.title)
    new = Analysis(sentences=made.sentences, summary=made.summary, quotes=longer, topics=made.topics)
    assert (await repo.save(changed, new, "lead", NOW, is_global=True, topics=made.topics)).status == "updated"
    if db.dialect.name == "sqlite":
        await db.execute("INSERT INTO quotes_fts (quotes_fts) VALUES ('integrity-check')")
        row = await db.fetch_one(
            "SELECT COUNT(*) AS n FROM quotes q JOIN releases r ON r.current_version_id = q.version_id"
        )
        indexed = await db.fetch_one("SELECT COUNT(*) AS n FROM quotes_fts_docsize")
        assert row and indexed and row["n"] == indexed["n"]
    match = fts.match_all(["harbour"])
    ranked = await every_match(db, match)
    for limit in (1, 3, 10):
        best = await db.dialect.fts.best_quotes(db, match, limit)
        assert above_cut(best, limit) == above_cut(ranked, limit)
    hits = await repo.search_quotes("harbour", limit=6)
    assert {hit.quote.text for hit in hits} <= {q.text for q in longer} | {
        text for n in range(RELEASES) if n != 3 for text in quote_texts(n)
    }


@pytest.mark.parametrize("query", ["harbour", "harbour storm", "the harbour"])
async def test_a_server_never_sees_another_servers_quotes(repo: ReleaseRepository, query: str) -> None:
    every = await repo.search_quotes(query, limit=500)
    by_release = {hit.quote_id: hit.release.canonical_id for hit in every}
    for guild, hidden in ((A, 1), (B, 0)):  # server A never sees B's feed (n % 3 == 1), B never A's (n % 3 == 0)
        for limit in (3, 10, 500):
            hits = await repo.search_quotes(query, limit=limit, guild_id=guild)
            assert hits and all(int(by_release[hit.quote_id][1:]) % 3 != hidden for hit in hits)
            seen = [hit.quote_id for hit in every if int(by_release[hit.quote_id][1:]) % 3 != hidden]
            assert [hit.quote_id for hit in hits] == seen[:limit]


@pytest.mark.parametrize("step", [1, 3, 128])
async def test_candidates_checked_a_few_at_a_time_give_the_same_hits(
    repo: ReleaseRepository, monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    """Candidates are checked best first and the check stops once the best hits are certain: the same hits as
    joining every match at once, equal scores ordered by rank then id."""
    asked = [
        {"query": query, "limit": limit, "speaker": speaker}
        for query in ("harbour", "harbour storm", "the")
        for limit in (1, 4, 9, 30)
        for speaker in (None, "ann lee")
    ]
    monkeypatch.setattr(release_quotes, "CHECK_AT_ONCE", step)
    staged = [
        [hit.quote_id for hit in await repo.search_quotes(guild_id=guild, **one)]  # type: ignore[arg-type]
        for one in asked
        for guild in (None, A, B)
    ]
    monkeypatch.setattr(release_quotes, "QUOTE_CANDIDATES", 0)  # straight to joining every match
    every = [
        [hit.quote_id for hit in await repo.search_quotes(guild_id=guild, **one)]  # type: ignore[arg-type]
        for one in asked
        for guild in (None, A, B)
    ]
    assert staged == every and all(staged)
