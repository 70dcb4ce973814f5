"""PostgreSQL's counts kept at write time (migration 0015) answer as the full-text index does.

A one-word count comes from ``release_words`` plus the changes not folded yet; the best quotes for one word come
from ``quote_best_words`` when it holds enough of them. Both are checked against counting and ranking every match
through the index, after new releases, a new version that drops a word, a metadata change and a fold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store import fts
from digests.store.db import Database
from digests.store.fts_merge import fold_word_counts
from digests.store.fts_postgres import PostgresFullText, tsquery
from digests.store.releases import ReleaseRepository

NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
# Quotes of many lengths holding "harbor" once or more: the short ones rank at 0.015 or more for it, the long ones
# below, so a search that wants few reads the kept best and one that wants many ranks every match.
FILLER = "ships sail past the old grey pier every single morning before dawn breaks"
QUOTES = tuple(
    " ".join(["harbor"] * (1 + n % 3) + FILLER.split()[: n % 13] + ["crews"] * (n // 13 * 9)) for n in range(40)
)
WORDS = ("harbor", "crews", "ships", "pier", "dawn", "absent", "board")


def analysis(body: str, quotes: tuple[str, ...]) -> Analysis:
    sentence = Sentence(0, 0, body, 0, len(body))
    found = tuple(
        Quote(text, "A Speaker", None, 0, 0, 0, len(text), score=1.0, rank=rank) for rank, text in enumerate(quotes)
    )
    return Analysis(
        sentences=(sentence,),
        summary=Summary((1.0,), (0,), "lead"),
        quotes=found,
        topics=TopicTerms(acronyms={}, keywords=()),
    )


async def save(repo: ReleaseRepository, n: int, body: str, quotes: tuple[str, ...], title: str = "") -> None:
    draft = ReleaseDraft(canonical_id=f"r{n}", body=body, title=title or f"Release {n}", published_at=NOW)
    await repo.save(draft, analysis(body, quotes), "lead", NOW + timedelta(minutes=n), is_global=True)


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[Database]:
    db = await Database.open(pg_url)
    yield db
    await db.close()


async def counted(db: Database, match: fts.Match) -> tuple[int, int]:
    """(the count the store gives, the count through the index)."""
    sql, params = PostgresFullText().count_releases(match)
    row = await db.fetch_one(sql, params)
    query, query_params = tsquery(match)
    direct = await db.fetch_one(f"SELECT COUNT(*) AS n FROM releases_fts WHERE doc @@ {query}", query_params)
    assert row is not None and direct is not None
    return int(row["n"]), int(direct["n"])


async def assert_counts(db: Database) -> None:
    for word in WORDS:
        match = fts.match_all([word])
        assert match is not None
        mine, direct = await counted(db, match)
        assert mine == direct, word
    for phrases in ([["harbor", "board"]], [["harbor"], ["ships"]]):  # a phrase, two words: through the index
        match = fts.match_any(phrases)
        assert match is not None
        mine, direct = await counted(db, match)
        assert mine == direct


async def test_word_counts_follow_every_write_and_fold(pg: Database) -> None:
    repo = ReleaseRepository(pg)
    for n in range(12):
        body = "The harbor board met. " * (1 + n % 2) + ("Crews left the pier." if n % 3 else "Ships sail at dawn.")
        await save(repo, n, body, ())
    await assert_counts(pg)
    harbor = fts.match_all(["harbor"])
    assert harbor is not None
    assert (await counted(pg, harbor))[0] == 12
    await save(repo, 3, "Only weather today, rain and wind.", ())  # a new version drops every word it had
    await save(repo, 4, "Crews left the pier.", (), title="Harbor news")  # a new title and body
    await assert_counts(pg)
    assert (await counted(pg, harbor))[0] == 11
    unfolded = await pg.fetch_one("SELECT COUNT(*) AS n FROM release_word_changes")
    assert unfolded is not None and unfolded["n"] > 0
    assert await fold_word_counts(pg) > 0
    assert await repo.merge_full_text() is False  # the same fold, nothing left to do
    left = await pg.fetch_one("SELECT COUNT(*) AS n FROM release_word_changes")
    assert left is not None and left["n"] == 0
    await assert_counts(pg)
    gone = await pg.fetch_one("SELECT COUNT(*) AS n FROM release_words WHERE releases <= 0")
    assert gone is not None and gone["n"] == 0
    weather = fts.match_all(["weather"])
    assert weather is not None
    assert await counted(pg, weather) == (1, 1)


async def ranked(db: Database, match: fts.Match, wanted: int, kept: bool) -> dict[int, float]:
    """The best ``wanted`` quotes above the cut (the caller's rule: ties at the last score are never split), from
    the store's query or (``kept`` false) by ranking every match."""
    fulltext = PostgresFullText()
    if kept:
        rows = await fulltext.best_quotes(db, match, wanted)
    else:
        hits, params = fulltext.quote_hits(match)
        every = f"SELECT rowid, score FROM ({hits}) AS hit ORDER BY score DESC LIMIT ?"
        rows = [(row["rowid"], row["score"]) for row in await db.fetch_all(every, [*params, wanted])]
    cut = rows[-1][1] if len(rows) == wanted else None
    return {quote_id: score for quote_id, score in rows if cut is None or score > cut}


async def assert_best_quotes(db: Database) -> None:
    for word in WORDS:
        match = fts.match_all([word])
        assert match is not None
        for wanted in (1, 2, 3, 5, 8, 13, 40, 200):
            assert await ranked(db, match, wanted, True) == await ranked(db, match, wanted, False), (word, wanted)
    match = fts.match_all(["harbor", "crews"])
    assert match is not None
    assert await ranked(db, match, 5, True) == await ranked(db, match, 5, False)


async def test_best_quotes_are_every_match_ranked(pg: Database) -> None:
    repo = ReleaseRepository(pg)
    for n in range(4):
        await save(repo, n, f"The harbor report number {n}.", QUOTES[n * 10 : n * 10 + 10])
    kept = await pg.fetch_one("SELECT COUNT(*) AS n, MIN(score) AS low FROM quote_best_words WHERE word = 'harbor'")
    assert kept is not None and 3 <= kept["n"] < len(QUOTES) and kept["low"] >= 0.015  # both ways get used
    await assert_best_quotes(pg)
    await save(repo, 0, "The harbor report, revised.", (*QUOTES[30:], "harbor"))  # a new version's quotes
    await assert_best_quotes(pg)
    stale = await pg.fetch_one(
        "SELECT COUNT(*) AS n FROM quote_best_words b WHERE NOT EXISTS (SELECT 1 FROM quotes_fts f "
        "WHERE f.rowid = b.quote_id)"
    )
    assert stale is not None and stale["n"] == 0
