from datetime import UTC, datetime

import pytest

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store.db import Database
from digests.store.releases import ReleaseRepository, body_hash

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def analysis_of(body: str, quotes: tuple[Quote, ...] = (), acronyms: dict[str, str] | None = None) -> Analysis:
    """A hand-built analysis: one sentence per line, ranked in document order."""
    sentences, offset = [], 0
    for idx, line in enumerate(body.split("\n")):
        sentences.append(Sentence(idx, idx, line, offset, offset + len(line)))
        offset += len(line) + 1
    n = len(sentences)
    return Analysis(
        sentences=tuple(sentences),
        summary=Summary(scores=tuple(float(n - i) for i in range(n)), order=tuple(range(n)), algorithm="lead"),
        quotes=quotes,
        topics=TopicTerms(acronyms=acronyms or {}, keywords=("iraq",)),
    )


def quote(text: str, speaker: str | None = "Sabrina Singh", rank: int = 0) -> Quote:
    return Quote(text, speaker, "Deputy Pentagon Press Secretary", 0, 0, 0, len(text), 1.0, rank)


BODY = "The Higher Military Commission, or HMC, will meet.\nSingh spoke about it.\nA third line."
QUOTES = (quote("Let me be clear, this is not a negotiation about the withdrawal of forces"),)


@pytest.fixture
def repo(db: Database) -> ReleaseRepository:
    return ReleaseRepository(db)


def draft(body: str = BODY, **changes: object) -> ReleaseDraft:
    fields: dict[str, object] = {
        "canonical_id": "r1",
        "body": body,
        "title": "HMC talks",
        "url": "https://x.test/1",
    }
    fields.update(changes)
    return ReleaseDraft(**fields)  # type: ignore[arg-type]


async def save(repo: ReleaseRepository, d: ReleaseDraft, quotes: tuple[Quote, ...] = QUOTES) -> str:
    result = await repo.save(d, analysis_of(d.body, quotes, {"HMC": "Higher Military Commission"}), "lead", NOW)
    return result.status


async def test_same_release_twice_is_stored_once(repo: ReleaseRepository) -> None:
    assert await save(repo, draft()) == "added"
    assert await save(repo, draft()) == "unchanged"
    assert await repo.count() == 1


async def test_changed_body_is_a_new_version(repo: ReleaseRepository) -> None:
    await save(repo, draft())
    assert await save(repo, draft(BODY + "\nA fourth line.")) == "updated"
    releases = await repo.recent()
    assert len(releases) == 1 and releases[0].version == 2 and releases[0].sentence_count == 4
    # only the current version's quotes are searchable, once
    hits = await repo.search_quotes("withdrawal")
    assert len(hits) == 1 and hits[0].release.version == 2


async def test_new_metadata_with_same_body(repo: ReleaseRepository) -> None:
    await save(repo, draft())
    assert await save(repo, draft(title="HMC talks, corrected")) == "metadata"
    assert (await repo.recent())[0].title == "HMC talks, corrected"
    stored = await repo.with_body_hash("r1")
    assert stored is not None and stored[1] == body_hash(BODY + "  \n")


async def test_topic_matches_acronym_and_expansion_both_ways(repo: ReleaseRepository) -> None:
    await save(repo, draft())
    await save(repo, draft("Only the HMC is named here.\nNothing else.", canonical_id="r2", title="Other"))
    assert {r.canonical_id for r in await repo.for_topic("hmc")} == {"r1", "r2"}
    # r2 never spells the commission out, but r1 defined the acronym
    assert {r.canonical_id for r in await repo.for_topic("Higher Military Commission")} == {"r1", "r2"}
    assert await repo.for_topic("submarines") == []
    assert "hmc" in await repo.known_topics()


async def test_since_filters_and_order_is_newest_first(repo: ReleaseRepository) -> None:
    await save(repo, draft(published_at=datetime(2024, 1, 25, tzinfo=UTC)))
    await save(repo, draft("The HMC met again.", canonical_id="r2", published_at=datetime(2024, 3, 1, tzinfo=UTC)))
    assert [r.canonical_id for r in await repo.for_topic("hmc")] == ["r2", "r1"]
    assert [r.canonical_id for r in await repo.for_topic("hmc", datetime(2024, 2, 1, tzinfo=UTC))] == ["r2"]


@pytest.mark.parametrize(
    "hostile",
    [
        '"HMC AND (',
        "*",
        "NEAR(",
        "hmc OR",
        '"',
        "withdrawal -",
        "a:b",
        "^x",
        "{text}: x",
        "'; DROP TABLE",
        "&|!:*()",
        "a <-> b",
        "!withdrawal",
        "\\",
        "withdrawal:*",
    ],
)
async def test_hostile_fts_input_never_crashes(repo: ReleaseRepository, hostile: str) -> None:
    await save(repo, draft())
    await repo.search_quotes(hostile)
    await repo.recent(search=hostile)
    await repo.for_topic(hostile)
    await repo.speakers(hostile)
    await repo.known_topics(hostile)


@pytest.mark.parametrize(
    "text", ["withdrawal &|!:*()", "!withdrawal-", "withdrawals:*", '"withdrawal"', "(withdrawals)"]
)
async def test_operator_characters_are_dropped_and_word_forms_match(repo: ReleaseRepository, text: str) -> None:
    await save(repo, draft())
    assert [hit.quote.text for hit in await repo.search_quotes(text)] == [QUOTES[0].text]


async def test_quote_search_ranks_and_filters(repo: ReleaseRepository) -> None:
    quotes = (
        quote("Let me be clear, this is not a negotiation about the withdrawal of forces", rank=0),
        quote("We are here at the invitation of the government to fight", speaker="Pat Ryder", rank=1),
    )
    await save(repo, draft(), quotes)
    assert (await repo.search_quotes('"withdrawal AND ('))[0].quote.text.startswith("Let me be clear")
    # a question falls back to any-word matching
    hits = await repo.search_quotes("what did Singh say about withdrawal?")
    assert hits[0].quote.speaker == "Sabrina Singh"
    assert await repo.search_quotes("invitation", speaker="singh") == []
    assert (await repo.search_quotes("invitation", speaker="ryder"))[0].quote.speaker == "Pat Ryder"
    assert await repo.search_quotes("invitation", release_ids=[]) == []
    assert await repo.speakers("ry") == ["Pat Ryder"]


async def test_summary_sentences_and_quotes_by_rank(repo: ReleaseRepository) -> None:
    await save(repo, draft())
    release = (await repo.recent())[0]
    assert [s.idx for s in (await repo.summary_sentences([release.version_id], 2))[release.version_id]] == [0, 1]
    assert len((await repo.best_quotes([release.version_id, 999], 5))[release.version_id]) == 1
    assert (await repo.best_quotes([release.version_id, 999], 5))[999] == ()
    assert len(await repo.quotes(release.version_id)) == 1
    assert await repo.get(release.id) == release
    assert await repo.get(999) is None


async def test_get_many_keeps_the_order_asked_and_skips_missing_ids(repo: ReleaseRepository) -> None:
    await save(repo, draft())
    await save(repo, draft(canonical_id="r2", url="https://x.test/2"))
    first, second = sorted(await repo.recent(), key=lambda r: r.id)
    assert await repo.get_many([second.id, 999, first.id]) == [second, first]
    assert await repo.get_many([]) == []
