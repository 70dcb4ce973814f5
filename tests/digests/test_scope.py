"""Per-server visibility through the services: sources a server adds, global ones, digests, quotes, why, deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from digests.ingest.fetch import Fetcher
from digests.service import DigestService, UnknownTopicError, server_scope
from digests.sources import SourceService
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.scope import NO_GUILD
from digests.store.sources import SourceRepository
from digests.store.subscriptions import SubscriptionRepository
from digests.subscriptions import SubscriptionService

ROOT = Path(__file__).resolve().parents[2]
A, B = 1001, 2002  # two servers, each with one channel
CHANNEL = {A: 11, B: 22}
HARBOR = "The Harbortest office said the harbor will reopen soon. " * 12 + "“We will reopen the harbor,” Ames said."
FERRY = "The Ferrytest board said the ferries will sail again. " * 12 + "“The ferries sail on Monday,” Bo said."
FEEDS = web.AppKey("feeds", dict[str, list[tuple[str, str, str]]])


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{b}</description></item>" for t, link, b in items
    )
    return f'<rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'.encode()


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    async def feed(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        return web.Response(body=rss(name, request.app[FEEDS][name]), content_type="application/rss+xml")

    app = web.Application()
    app[FEEDS] = {
        "harbor": [("Harbortest reopens", "https://example.gov/news/harbor", HARBOR)],
        "ferry": [("Ferrytest sails", "https://example.gov/news/ferry", FERRY)],
    }
    app.router.add_get("/{name}.xml", feed)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


@dataclass
class World:
    server: TestServer
    sources: SourceService
    subscriptions: SubscriptionService

    @property
    def digests(self) -> DigestService:
        return self.sources.digests

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.port}/{name}.xml"

    async def add(self, name: str, guild: int | None) -> tuple[bool, int]:
        """``/source add`` in ``guild`` (or the operator's ``ingest --feed``): (new?, source id)."""
        channel = CHANNEL[guild] if guild else None
        source, created, result = await self.sources.add(self.url(name), guild_id=guild, channel_id=channel)
        assert result.error is None, result.error
        assert all(o.status != "failed" for o in result.outcomes), result.outcomes
        return created, source.id

    async def titles(self, guild: int | None) -> set[str]:
        return {r.display_title for r in await self.digests.releases(guild_id=guild)}


NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(server: TestServer, db: Database) -> World:
    digests = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    await digests.ingest_paths([ROOT / "seeds"])  # the operator's global release
    sources = SourceService(
        SourceRepository(db), digests, lambda: Fetcher(allow_private=True), allow_private=True, clock=lambda: NOW
    )
    subscriptions = SubscriptionService(SubscriptionRepository(db), DeliveryLedger(db), digests, lambda: NOW)
    return World(server, sources, subscriptions)


SEED = "Change in ISIS Threat Means Evolution in Long-Term U.S.-Iraq Relationship"


async def test_a_servers_feed_is_seen_only_there(world: World) -> None:
    created, _ = await world.add("harbor", A)
    assert created
    assert await world.titles(A) == {SEED, "Harbortest reopens"}
    assert await world.titles(B) == {SEED}
    assert server_scope(None) == NO_GUILD and server_scope(A) == A
    assert await world.titles(server_scope(None)) == {SEED}  # direct messages: global releases only
    assert await world.titles(None) == {SEED, "Harbortest reopens"}  # the operator
    d = world.digests
    assert [i.release.title for i in (await d.digest("harbortest", guild_id=A)).items] == ["Harbortest reopens"]
    with pytest.raises(UnknownTopicError) as unknown:
        await d.digest("harbortest", guild_id=B)
    assert not any("harbor" in s for s in unknown.value.suggestions)  # suggestions don't leak A's topics
    assert "harbortest" in await d.topics("harb", guild_id=A) and await d.topics("harb", guild_id=B) == []
    assert [h.quote.speaker for h in await d.search_quotes("reopen harbor", guild_id=A)] == ["Ames"]
    assert await d.search_quotes("reopen harbor", guild_id=B) == []
    with pytest.raises(UnknownTopicError):
        await d.search_quotes("reopen", topic="harbortest", guild_id=B)
    assert "Ames" in await d.speakers(guild_id=A) and "Ames" not in await d.speakers(guild_id=B)
    (harbor,) = await d.releases("harbortest", guild_id=A)
    assert await d.release_quotes(harbor.id, guild_id=A) is not None
    assert await d.release_quotes(harbor.id, guild_id=B) is None
    seed = (await d.releases(guild_id=B))[0]
    assert await d.release_quotes(seed.id, guild_id=A) is not None  # the global release is seen in both
    assert (await d.digest("hmc", guild_id=B)).items[0].release.title == SEED


async def test_why_and_source_lists_are_per_server(world: World) -> None:
    _, harbor = await world.add("harbor", A)
    _, ferry = await world.add("ferry", None)  # the operator's feed: global
    mine = await world.sources.why("https://example.gov/news/harbor", guild_id=A)
    theirs = await world.sources.why("https://example.gov/news/harbor", guild_id=B)
    assert mine.release is not None and [e.outcome for e in mine.events] == ["added"]
    assert theirs.release is None and theirs.events == []
    assert (await world.sources.why("https://example.gov/news/ferry", guild_id=B)).release is not None
    assert [(s.id, s.is_global) for s in await world.sources.sources(A)] == [(ferry, True), (harbor, False)]
    assert [s.id for s in await world.sources.sources(B)] == [ferry]
    assert [s.id for s in await world.sources.followed(A)] == [harbor]
    assert await world.sources.followed(B) == []
    assert "Ferrytest sails" in await world.titles(B)


async def test_two_servers_share_one_feed_and_remove_it_separately(world: World) -> None:
    _, first = await world.add("harbor", A)
    created, second = await world.add("harbor", B)
    assert created and second == first  # new to B, but the same source: fetched and stored once
    assert await world.digests.repo.count() == 2
    assert "Harbortest reopens" in await world.titles(B)
    assert await world.sources.remove(first, A) is not None
    assert await world.sources.remove(first, A) is None  # A no longer follows it
    assert "Harbortest reopens" not in await world.titles(A)
    assert "Harbortest reopens" in await world.titles(B)  # B's follow is untouched
    assert [r.source.id for r in await world.sources.poll_due()] == [first]
    assert await world.sources.remove(first, B) is not None
    assert await world.sources.poll_due() == []  # nobody follows it and it is not global: not polled
    assert await world.digests.repo.count() == 2  # nothing stored was lost
    assert "Harbortest reopens" in await world.titles(None)
    again, _ = await world.add("harbor", A)
    assert again and "Harbortest reopens" in await world.titles(A)


async def test_a_release_carried_by_two_feeds_is_seen_by_both_followers(world: World) -> None:
    world.server.app[FEEDS]["ferry"].append(("Harbortest reopens", "https://example.gov/news/harbor", HARBOR))
    await world.add("harbor", A)
    await world.add("ferry", B)
    assert await world.titles(B) == {SEED, "Ferrytest sails", "Harbortest reopens"}
    assert await world.titles(A) == {SEED, "Harbortest reopens"}
    assert await world.digests.repo.count() == 3  # the shared release is stored once


async def test_a_servers_feed_never_rewrites_what_others_see(world: World) -> None:
    await world.add("ferry", None)  # global
    feeds = world.server.app[FEEDS]
    feeds["harbor"] = [("Ferry sails (ours)", "https://example.gov/news/ferry", FERRY)]  # same text, its own title
    _, mine = await world.add("harbor", A)
    assert await world.titles(A) == await world.titles(B) == {SEED, "Ferrytest sails"}  # linked; title kept
    feeds["harbor"] = [("Fake ferry news", "https://example.gov/news/ferry", "Ferries are cancelled forever. " * 20)]
    source = await world.sources.repo.get(mine)
    assert source is not None and (await world.sources.poll(source)).count("added") == 1
    assert await world.titles(B) == {SEED, "Ferrytest sails"}  # the global release kept its text
    (global_ferry,) = await world.digests.releases("ferries sail", guild_id=B)
    assert global_ferry.version == 1
    assert await world.titles(A) == {SEED, "Ferrytest sails", "Fake ferry news"}  # A's own copy, A's alone
    feeds["harbor"] = [("Fake ferry news", "https://example.gov/news/ferry", "Ferries are cancelled again. " * 20)]
    assert (await world.sources.poll(source)).count("updated") == 1  # A's feed edits its own copy


async def test_two_servers_feeds_with_different_texts_keep_their_own(world: World) -> None:
    await world.add("ferry", B)
    world.server.app[FEEDS]["harbor"] = [("Ferry (A)", "https://example.gov/news/ferry", "Ferries stop here. " * 30)]
    await world.add("harbor", A)
    assert "Ferry (A)" in await world.titles(A) and "Ferry (A)" not in await world.titles(B)
    assert "Ferrytest sails" in await world.titles(B) and "Ferrytest sails" not in await world.titles(A)
    why_a, why_b = [await world.sources.why("https://example.gov/news/ferry", guild_id=g) for g in (A, B)]
    assert why_a.release is not None and why_a.release.title == "Ferry (A)"
    assert why_b.release is not None and why_b.release.title == "Ferrytest sails"
    assert (await world.sources.why("https://example.gov/news/ferry", guild_id=NO_GUILD)).release is None


async def test_the_operator_adding_a_servers_feed_makes_it_global(world: World) -> None:
    await world.add("harbor", A)
    created, _ = await world.add("harbor", None)
    assert not created and "Harbortest reopens" in await world.titles(B)


async def test_deliveries_use_the_subscriptions_server(world: World) -> None:
    await world.add("harbor", A)
    subs = world.subscriptions
    kwargs = {"topic": "harbor", "time_of_day": "09:00", "timezone": "UTC", "created_by": 5}
    in_a = await subs.create(guild_id=A, channel_id=CHANNEL[A], **kwargs)  # type: ignore[arg-type]
    in_b = await subs.create(guild_id=B, channel_id=CHANNEL[B], **kwargs)  # type: ignore[arg-type]
    assert [i.release.title for i in (await subs.due(in_a)).new] == ["Harbortest reopens"]
    assert not await subs.due(in_b)
    shared = subs.lookups()  # runs due together share look-ups, never across what servers see
    assert [i.release.title for i in (await subs.due(in_a, shared)).new] == ["Harbortest reopens"]
    assert not await subs.due(in_b, shared)
    # Claimed for A, then A unfollows the feed before it is posted: the leftover is not posted there.
    (harbor,) = await world.digests.releases("harbortest", guild_id=A)
    await subs.claim(in_a.id, [Claim(harbor.id, harbor.version, "digest", "n1")])
    (pending,) = await subs.pending(in_a.id)
    assert (await subs.pending_content(in_a, pending))[0][0].release.id == harbor.id
    await world.sources.remove((await world.sources.followed(A))[0].id, A)
    assert await subs.pending_content(in_a, pending) == ([], [])
    assert not await subs.due(in_a)
