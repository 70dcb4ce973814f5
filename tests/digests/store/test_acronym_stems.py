"""An acronym that the stemmer makes another word ("ons" → "on") is found through the topic terms and its expansion,
not through the stemmed text; one that stems to itself ("imf") is also found in the text, as before. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.models import Analysis, ReleaseDraft, Sentence, Summary
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.topics import topic_terms
from tests.digests.store.test_answer_plans import plan

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
BODIES = (
    "The Office for National Statistics (ONS) said prices rose.",  # 0: defines ONS
    "The ONS published figures. The ONS said more would follow.",  # 1: uses ONS (a keyword, no definition)
    "Figures from the Office for National Statistics came out on Monday.",  # 2: the expansion only
    "The meeting went on until late, and on and on.",  # 3: only "on"
    "Prices went on rising, traders said.",  # 4: only "on"
    "The International Monetary Fund (IMF) said growth slowed.",  # 5: defines IMF
    "The IMF warned about debt on Friday.",  # 6: IMF once in the text (no topic term)
)


def analysis(body: str) -> Analysis:
    sentences = (Sentence(0, 0, body, 0, len(body)),)
    return Analysis(sentences, Summary((1.0,), (0,), "lead"), (), topic_terms(None, body))


@pytest.fixture
async def repo(db: Database) -> tuple[ReleaseRepository, list[int]]:
    repo, ids = ReleaseRepository(db), []
    for n, body in enumerate(BODIES):
        draft = ReleaseDraft(canonical_id=f"a{n}", body=body, title=None, published_at=NOW - timedelta(days=n))
        made = analysis(body)
        saved = await repo.save(draft, made, "lead", NOW, is_global=True, topics=made.topics)
        ids.append(saved.release_id)
    return repo, ids


async def test_engine_stems_the_acronyms(db: Database) -> None:
    stem = db.dialect.fts.stem
    stems = [await stem(db.fetch_one, word) for word in ("ons", "gms", "nhs", "imf", "wto", "sec")]
    assert stems == ["on", "gm", "nh", "imf", "wto", "sec"]


@pytest.mark.parametrize("name", ["by id", "each", "set", "listed"])
async def test_ons_is_found_by_terms_and_expansion_not_by_on(
    repo: tuple[ReleaseRepository, list[int]], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    store, ids = repo
    wanted = {
        "ons": [ids[0], ids[1], ids[2]],
        "office for national statistics": [ids[0], ids[1], ids[2]],
        "imf": [ids[5], ids[6]],  # unchanged: the text finds release 6, which has no IMF topic term
        # the word itself stays a plain topic, stemmed as before: "ONS" is "on" to the index
        "on": [ids[0], ids[1], ids[2], ids[3], ids[4], ids[6]],
    }
    with plan(monkeypatch, name):
        for topic, expected in wanted.items():
            for guild in (None, 1):
                total, first = await store.topic_page(topic, limit=2, guild_id=guild)
                _, rest = await store.topic_page(topic, limit=10, offset=2, guild_id=guild)
                assert total == len(expected), topic
                assert sorted(r.id for r in first + rest) == expected, topic
                assert [r.id for r in first + rest] == expected, topic  # newest first: the lowest id
            assert await store.has_topic(topic)
