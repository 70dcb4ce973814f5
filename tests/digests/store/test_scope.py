"""Per-server visibility in the repositories: a release is seen where it is global or a followed source carried it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosqlite
import pytest

from digests.models import Analysis, Quote, ReleaseDraft, Sentence, Summary, TopicTerms
from digests.store.db import Database, migrations
from digests.store.releases import ReleaseRepository
from digests.store.scope import NO_GUILD
from digests.store.sources import SourceRepository
from digests.store.sqlite_engine import migrate

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
A, B = 1001, 2002  # two servers


def analysis(body: str, speaker: str, acronyms: dict[str, str]) -> Analysis:
    lines = body.split("\n")
    offsets = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    sentences = tuple(Sentence(i, i, line, offsets[i], offsets[i] + len(line)) for i, line in enumerate(lines))
    quote = Quote(lines[-1], speaker, "spokesperson", len(lines) - 1, len(lines) - 1, 0, len(lines[-1]), 1.0, 0)
    return Analysis(
        sentences=sentences,
        summary=Summary(tuple(1.0 for _ in lines), tuple(range(len(lines))), "lead"),
        quotes=(quote,),
        topics=TopicTerms(acronyms=acronyms, keywords=()),
    )


HARBOR = ReleaseDraft(canonical_id="harbor", body="The Harbor Safety Board, or HSB, met.\nWe will reopen the harbor.")
HARBOR_ANALYSIS = analysis(HARBOR.body, "Ames", {"HSB": "Harbor Safety Board"})
SEED = ReleaseDraft(canonical_id="seed", body="The harbor pilots met.\nPilots will guide every harbor ship.")
SEED_ANALYSIS = analysis(SEED.body, "Pilot", {})


class World:
    """A store with server A following a feed that carried ``harbor``, and a global file release ``seed``."""

    def __init__(self, db: Database) -> None:
        self.releases = ReleaseRepository(db)
        self.sources = SourceRepository(db)
        self.feed_id = 0
        self.harbor_id = 0
        self.seed_id = 0

    async def build(self) -> World:
        feed, _ = await self.sources.add("https://a.test/rss", "https://a.test/rss", NOW)
        await self.sources.follow(feed.id, A, 11, None, NOW)
        self.feed_id = feed.id
        harbor = await self.releases.save(HARBOR, HARBOR_ANALYSIS, "lead", NOW, source_id=feed.id, is_global=False)
        self.harbor_id = harbor.release_id
        self.seed_id = (await self.releases.save(SEED, SEED_ANALYSIS, "lead", NOW)).release_id
        return self


@pytest.fixture
async def world(db: Database) -> World:
    return await World(db).build()


async def visible_ids(world: World, guild_id: int | None) -> set[int]:
    return {release.id for release in await world.releases.recent(guild_id=guild_id)}


async def test_every_read_hides_another_servers_release(world: World) -> None:
    r = world.releases
    for guild, sees_harbor in ((None, True), (A, True), (B, False), (NO_GUILD, False)):
        expected = {world.seed_id} | ({world.harbor_id} if sees_harbor else set())
        assert await visible_ids(world, guild) == expected, guild
        assert {x.id for x in await r.recent("harbor", guild_id=guild)} == expected
        assert {x.id for x in await r.for_topic("harbor", guild_id=guild)} == expected
        total, page = await r.topic_page("harbor", guild_id=guild)
        assert total == len(expected) and {x.id for x in page} == expected
        assert await r.has_topic("harbor", guild_id=guild)
        hits = await r.search_quotes("harbor", guild_id=guild, topic="harbor")
        assert ("Ames" in {hit.quote.speaker for hit in hits}) is sees_harbor
        assert ("hsb" in await r.known_topics(guild_id=guild)) is sees_harbor
        assert (await r.topic_aliases("hsb", guild_id=guild) == ["harbor safety board"]) is sees_harbor
        assert ("Ames" in await r.speakers(guild_id=guild)) is sees_harbor
        speakers = {hit.quote.speaker for hit in await r.search_quotes("harbor", guild_id=guild)}
        assert ("Ames" in speakers) is sees_harbor and "Pilot" in speakers
        assert (await r.get(world.harbor_id, guild_id=guild) is not None) is sees_harbor
        assert {x.id for x in await r.get_many([world.harbor_id, world.seed_id], guild_id=guild)} == expected
        assert (await r.by_canonical_id("harbor", guild_id=guild) is not None) is sees_harbor
        harbor = await r.get(world.harbor_id)
        assert harbor is not None
        assert bool(await r.quotes(harbor.version_id, guild_id=guild)) is sees_harbor


async def test_a_topic_defined_only_elsewhere_means_nothing_here(world: World) -> None:
    # B's own release says "HSB" without spelling it out; only A's release defines the acronym.
    feed, _ = await world.sources.add("https://b.test/rss", "https://b.test/rss", NOW)
    await world.sources.follow(feed.id, B, 22, None, NOW)
    draft = ReleaseDraft(canonical_id="b1", body="The Harbor Safety Board met in B.\nNothing more.")
    await world.releases.save(draft, analysis(draft.body, "Bee", {}), "lead", NOW, source_id=feed.id, is_global=False)
    assert [x.canonical_id for x in await world.releases.for_topic("hsb", guild_id=B)] == []
    assert {x.canonical_id for x in await world.releases.for_topic("hsb", guild_id=None)} == {"harbor", "b1"}


async def test_a_release_from_two_sources_is_seen_by_both_followers(world: World) -> None:
    other, _ = await world.sources.add("https://b.test/rss", "https://b.test/rss", NOW)
    await world.sources.follow(other.id, B, 22, None, NOW)
    result = await world.releases.save(HARBOR, None, "lead", NOW, source_id=other.id, is_global=False)
    assert result.status == "unchanged" and result.release_id == world.harbor_id  # stored once, linked twice
    assert world.harbor_id in await visible_ids(world, B)
    assert await world.releases.canonical_ids_from(other.id) == {"harbor"}
    # A stops following its feed: B still sees the release through its own; A no longer does.
    assert await world.sources.unfollow(world.feed_id, A)
    assert world.harbor_id in await visible_ids(world, B)
    assert world.harbor_id not in await visible_ids(world, A)
    assert await world.releases.count() == 2  # nothing stored was lost


async def test_a_release_becomes_global_from_a_file_and_stays_global(world: World) -> None:
    assert "hsb" not in await world.releases.known_topics(guild_id=B)
    await world.releases.save(HARBOR, None, "lead", NOW)  # the operator ingests the same release from a file
    assert world.harbor_id in await visible_ids(world, B)
    assert "hsb" in await world.releases.known_topics(guild_id=B) and "Ames" in await world.releases.speakers(
        guild_id=B
    )
    await world.releases.save(HARBOR, None, "lead", NOW, source_id=world.feed_id, is_global=False)
    assert world.harbor_id in await visible_ids(world, B)


async def test_the_operator_adding_a_feed_makes_it_and_its_releases_global(world: World) -> None:
    again, created = await world.sources.add("https://a.test/rss", "https://a.test/rss", NOW, is_global=True)
    assert not created and again.is_global and again.followers == 1
    assert world.harbor_id in await visible_ids(world, B)
    assert "hsb" in await world.releases.known_topics(guild_id=B) and "Ames" in await world.releases.speakers(
        guild_id=B
    )
    # A server following a global feed later does not narrow it.
    kept, _ = await world.sources.add("https://a.test/rss", "https://a.test/rss", NOW)
    assert kept.is_global


async def test_sources_listed_polled_and_unfollowed_per_server(world: World) -> None:
    s = world.sources
    shared, _ = await s.add("https://g.test/rss", "https://g.test/rss", NOW, is_global=True)
    assert [x.url for x in await s.all(A)] == ["https://a.test/rss"]
    assert [x.url for x in await s.all(A, with_global=True)] == ["https://a.test/rss", "https://g.test/rss"]
    assert [x.url for x in await s.all(B, with_global=True)] == ["https://g.test/rss"]
    assert len(await s.all()) == 2
    assert await s.follows(world.feed_id, A) and not await s.follows(world.feed_id, B)
    assert {x.id for x in await s.due(NOW)} == {world.feed_id, shared.id}
    assert not await s.unfollow(world.feed_id, B)  # B never followed it: nothing happens
    assert await s.unfollow(world.feed_id, A)
    left = await s.get(world.feed_id)
    assert left is not None and left.followers == 0  # kept (with its links), just no longer polled
    assert {x.id for x in await s.due(NOW + timedelta(days=1))} == {shared.id}


async def test_fetch_history_is_scoped_to_the_servers_sources(world: World) -> None:
    s = world.sources
    shared, _ = await s.add("https://g.test/rss", "https://g.test/rss", NOW, is_global=True)
    await s.log(world.feed_id, "https://a.test/h", "harbor", "added", "new release stored", NOW)
    await s.log(shared.id, "https://a.test/h", "harbor", "unchanged", "duplicate", NOW + timedelta(minutes=1))
    await s.log(None, "https://a.test/h", "harbor", "failed", "operator page", NOW + timedelta(minutes=2))
    assert [e.outcome for e in await s.history("https://a.test/h", "harbor")] == ["failed", "unchanged", "added"]
    assert [e.outcome for e in await s.history("https://a.test/h", "harbor", guild_id=A)] == [
        "failed",
        "unchanged",
        "added",
    ]
    assert [e.outcome for e in await s.history("https://a.test/h", "harbor", guild_id=B)] == ["failed", "unchanged"]


async def test_migration_keeps_old_releases_global_and_links_them_from_the_fetch_log() -> None:
    conn = await aiosqlite.connect(":memory:")
    try:
        conn.row_factory = aiosqlite.Row
        for number, _, sql in migrations()[:4]:
            await conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        at = NOW.isoformat()
        await conn.executescript(
            f"""
            INSERT INTO releases (id, canonical_id, created_at, updated_at) VALUES (1, 'old', '{at}', '{at}');
            INSERT INTO sources (id, url, key, created_at) VALUES (1, 'https://s/1', 'k1', '{at}'),
                (2, 'https://s/2', 'k2', '{at}');
            INSERT INTO source_follows (source_id, guild_id, channel_id, created_at) VALUES (1, {A}, 11, '{at}');
            INSERT INTO fetch_log (source_id, url, canonical_id, outcome, detail, at) VALUES
                (1, 'u', 'old', 'added', 'x', '{at}'), (1, 'u', 'old', 'unchanged', 'x', '{at}'),
                (2, 'u', 'old', 'failed', 'x', '{at}');
            """
        )
        await conn.commit()
        assert await migrate(conn) == len(migrations())
        async with conn.execute("SELECT is_global FROM releases") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == [1]
        async with conn.execute("SELECT id, is_global FROM sources ORDER BY id") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [(1, 0), (2, 1)]
        async with conn.execute("SELECT release_id, source_id FROM release_sources") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [(1, 1)]
    finally:
        await conn.close()
