"""Topic and speaker counts kept at write time answer like grouping every topic term and quote would."""

import pytest

from digests.models import Quote
from digests.store import counts
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from tests.digests.store.test_releases import BODY, NOW, analysis_of, draft, quote


@pytest.fixture
def repo(db: Database) -> ReleaseRepository:
    return ReleaseRepository(db)


async def grouped_topics(repo: ReleaseRepository, where: str = "1 = 1") -> list[tuple[str, int, int]]:
    """What the counts must equal: the topic terms of some releases grouped (the query autocomplete ran before)."""
    rows = await repo._all(
        "SELECT term, COUNT(*) AS n, MIN(CASE kind WHEN 'acronym' THEN 0 WHEN 'expansion' THEN 1 ELSE 2 END) AS k"
        f" FROM topic_terms t JOIN releases r ON r.id = t.release_id WHERE {where} GROUP BY term ORDER BY term"
    )
    return sorted((r["term"], r["n"], r["k"]) for r in rows)


async def counted_topics(repo: ReleaseRepository, bucket: int = -1) -> list[tuple[str, int, int]]:
    rows = await repo._all(
        "SELECT term, releases, kind_rank FROM topic_counts WHERE bucket = ? ORDER BY term", (bucket,)
    )
    return sorted((r["term"], r["releases"], r["kind_rank"]) for r in rows)


async def save(
    repo: ReleaseRepository, body: str, quotes: tuple[Quote, ...], acronyms: dict[str, str], **fields: object
) -> None:
    await repo.save(draft(body, **fields), analysis_of(body, quotes, acronyms), "lead", NOW)


async def test_topic_counts_follow_adds_edits_and_metadata(repo: ReleaseRepository) -> None:
    hmc = {"HMC": "Higher Military Commission"}
    await save(repo, BODY, (quote("one"),), hmc)
    await save(repo, "The HMC met. Other words.", (quote("two", speaker="Pat Ryder"),), hmc, canonical_id="r2")
    assert await counted_topics(repo) == await grouped_topics(repo)
    assert (await repo.known_topics())[:2] == ["hmc", "higher military commission"]
    # a new version without the acronym, then new tags on the same body
    await save(repo, "A body about Iraq only.", (), {}, canonical_id="r2")
    await save(repo, "A body about Iraq only.", (), {}, canonical_id="r2", tags=("Budget", "HMC"))
    assert await counted_topics(repo) == await grouped_topics(repo)
    assert await counted_topics(repo, 0) == await grouped_topics(repo, "r.is_global = 1")
    assert await repo.known_topics("bud") == ["budget"]
    assert await repo.known_topics("zz") == []


async def test_speaker_counts_count_current_versions_only(repo: ReleaseRepository) -> None:
    await save(repo, BODY, (quote("a"), quote("b", rank=1), quote("c", speaker="Pat Ryder", rank=2)), {})
    await save(repo, BODY, (quote("d", speaker="Pat Ryder"),), {}, canonical_id="r2")
    assert await repo.speakers() == ["Pat Ryder", "Sabrina Singh"]
    await save(repo, BODY + "\nNew line.", (quote("e", speaker="Pat Ryder"),), {})  # r1's second version
    assert await repo.speakers() == ["Pat Ryder"]
    assert await repo.speakers("sab") == []


async def test_counts_follow_visibility(repo: ReleaseRepository) -> None:
    db = repo._db
    await db.execute("INSERT INTO sources (id, url, key, created_at) VALUES (7, 'u', 'k', 'now')")
    await db.execute("INSERT INTO source_follows (source_id, guild_id, channel_id, created_at) VALUES (7, 1, 1, 'now')")
    body = "The HMC met. Other words."
    analysis = analysis_of(body, (quote("two", speaker="Pat Ryder"),), {"HMC": "Higher Military Commission"})
    await repo.save(draft(body, canonical_id="r9"), analysis, "lead", NOW, source_id=7, is_global=False)
    assert await repo.known_topics("hm", guild_id=1) == ["hmc"]
    assert await repo.known_topics("hm", guild_id=2) == [] and await repo.speakers(guild_id=2) == []
    assert await repo.speakers(guild_id=1) == ["Pat Ryder"] and await repo.speakers() == ["Pat Ryder"]
    assert await counted_topics(repo, 7) == await grouped_topics(repo, "r.is_global = 0")
    # the operator adds the same feed: its releases become global, and their counts move with them
    from digests.store.sources import SourceRepository

    await SourceRepository(db).add("u", "k", NOW, is_global=True)
    assert await counted_topics(repo, 7) == []
    assert await counted_topics(repo, 0) == await grouped_topics(repo, "r.is_global = 1")
    assert await repo.speakers(guild_id=2) == ["Pat Ryder"]


async def count_rows(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    topics = await db.fetch_all("SELECT * FROM topic_counts ORDER BY bucket, term")
    speakers = await db.fetch_all("SELECT * FROM speaker_counts ORDER BY bucket, speaker")
    return [tuple(r) for r in topics], [tuple(r) for r in speakers]


async def test_changes_gathered_over_a_batch_count_as_written_one_by_one(db: Database) -> None:
    """Adds, a term whose count reaches zero (deleted) and one that does and comes back with another kind, an
    acronym becoming a keyword, a speaker losing every quote: the same rows either way."""
    hmc = {"hmc": "acronym", "higher military commission": "expansion"}
    steps: list[tuple[list[int], dict[str, str], dict[str, str], dict[str, int]]] = [
        ([-1, 0], {}, {**hmc, "harbour": "keyword"}, {"Jane Doe": 2}),
        ([-1, 0], {}, {"hmc": "keyword", "storm": "keyword"}, {"Jane Doe": 1, "Ali Khan": 1}),
        ([-1, 3], {}, {"harbour": "keyword"}, {"Ali Khan": 2}),
        ([-1, 0], {"hmc": "keyword", "storm": "keyword"}, {"tide": "keyword"}, {"Ali Khan": -1, "Jane Doe": -1}),
        ([-1, 0], {}, {"storm": "acronym"}, {}),
        ([-1, 0], {**hmc, "harbour": "keyword"}, {"harbour": "keyword"}, {"Jane Doe": -2}),
    ]
    await db.executemany(
        "INSERT INTO topic_counts (bucket, term, releases, acronyms, expansions, kind_rank) VALUES (?, ?, ?, ?, ?, ?)",
        [(-1, "tide", 1, 0, 0, 2), (0, "tide", 1, 0, 0, 2)],
    )
    start = await count_rows(db)
    for buckets, old, new, speakers in steps:
        await counts.change_topics(db, buckets, old, new)
        await counts.change_speakers(db, buckets, speakers)
    one_by_one = await count_rows(db)
    await db.execute("DELETE FROM topic_counts")
    await db.execute("DELETE FROM speaker_counts")
    await db.executemany(
        "INSERT INTO topic_counts (bucket, term, releases, acronyms, expansions, kind_rank) VALUES (?, ?, ?, ?, ?, ?)",
        [(-1, "tide", 1, 0, 0, 2), (0, "tide", 1, 0, 0, 2)],
    )
    assert await count_rows(db) == start
    gathered = counts.CountChanges()
    for buckets, old, new, speakers in steps:
        gathered.topics(buckets, old, new)
        gathered.speakers(buckets, speakers)
    await gathered.write(db)
    assert await count_rows(db) == one_by_one
    assert one_by_one == (
        [
            (-1, "harbour", 2, 0, 0, 2),
            (-1, "storm", 1, 1, 0, 0),
            (-1, "tide", 2, 0, 0, 2),
            (0, "harbour", 1, 0, 0, 2),
            (0, "storm", 1, 1, 0, 0),
            (0, "tide", 2, 0, 0, 2),
            (3, "harbour", 1, 0, 0, 2),
        ],
        [(-1, "Ali Khan", 2), (3, "Ali Khan", 2)],
    )
