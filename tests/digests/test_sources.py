"""Following feeds end to end: a local feed server, the real fetcher (private addresses allowed), SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from digests.ingest.fetch import Fetcher
from digests.service import DigestService
from digests.sources import SourceService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository
from tests.digests.ingest import DATA

ARTICLE = "/News/Releases/Release/Article/3657212/secretary-announces-new-coastal-resilience-grants/"
BODY = "The Harbortest office said the harbor will reopen. " * 12 + "“We will reopen the harbor next week,” Ames said."


@dataclass
class FeedState:
    """What the local server answers; tests change it between polls."""

    items: list[str] = field(default_factory=list)
    status: int = 200
    hits: int = 0


def item(title: str, link: str, text: str) -> str:
    return f"<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"


STATE = web.AppKey("state", FeedState)
GATE = web.AppKey("gate", asyncio.Event)  # /slow.xml answers once it is set


async def feed(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.hits += 1
    if state.status != 200:
        return web.Response(status=state.status)
    body = f'<rss version="2.0"><channel><title>Harbortest News</title>{"".join(state.items)}</channel></rss>'
    etag = f'"{hash(body)}"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(body=body.encode(), headers={"Content-Type": "application/rss+xml", "ETag": etag})


async def slow_feed(request: web.Request) -> web.Response:
    await request.app[GATE].wait()
    return await feed(request)


async def article(request: web.Request) -> web.Response:
    return web.Response(body=(DATA / "article.html").read_bytes(), content_type="text/html", charset="utf-8")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app[STATE] = FeedState()
    app[GATE] = asyncio.Event()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/slow.xml", slow_feed)
    app.router.add_get(ARTICLE, article)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sources(clock: Clock, db: Database) -> SourceService:
    digests = DigestService(ReleaseRepository(db), clock=clock)
    return SourceService(
        SourceRepository(db),
        digests,
        lambda: Fetcher(allow_private=True),
        max_failures=3,
        allow_private=True,
        clock=clock,
    )


def feed_url(server: TestServer) -> str:
    return f"http://127.0.0.1:{server.port}/feed.xml"


async def test_add_polls_at_once_then_not_modified(server: TestServer, sources: SourceService) -> None:
    state = server.app[STATE]
    state.items = [item("Harbortest reopens", "https://example.gov/news/harbor-reopens", BODY)]
    _, created, first = await sources.add(feed_url(server), guild_id=1, channel_id=2)
    assert created and first.count("added") == 1 and first.error is None
    assert first.source.title == "Harbortest News" and first.source.item_count == 1
    again = await sources.poll(first.source)
    assert again.not_modified
    digest = await sources.digests.digest("harbortest")
    assert digest.items[0].quotes[0].speaker == "Ames"
    _, created_again, _ = await sources.add(feed_url(server) + "#fragment", guild_id=1, channel_id=2)
    assert not created_again  # the same canonical URL


async def test_teaser_items_are_completed_from_their_page(server: TestServer, sources: SourceService) -> None:
    link = f"http://127.0.0.1:{server.port}{ARTICLE}"
    server.app[STATE].items = [item("Grants", link, "Short teaser…")]
    _, _, result = await sources.add(feed_url(server))
    assert result.count("added") == 1
    release = (await sources.digests.releases())[0]
    assert release.canonical_id == "article:3657212" and release.sentence_count > 3


async def test_an_edit_is_a_new_version_and_why_tells_the_story(server: TestServer, sources: SourceService) -> None:
    state = server.app[STATE]
    link = "https://example.gov/news/harbor-reopens?utm_source=rss"
    state.items = [item("Harbortest reopens", link, BODY)]
    source, _, _ = await sources.add(feed_url(server))
    state.items = [item("Harbortest reopens", link, BODY + " The reopening was moved to Monday.")]
    result = await sources.poll(source)
    assert result.count("updated") == 1
    report = await sources.why("http://example.gov/news/harbor-reopens")
    assert report.release is not None and report.release.version == 2
    assert [event.outcome for event in report.events] == ["updated", "added"]
    unknown = await sources.why("https://example.gov/never")
    assert unknown.release is None and unknown.events == []


async def test_failures_back_off_then_pause_once(server: TestServer, sources: SourceService, clock: Clock) -> None:
    state = server.app[STATE]
    state.items = [item("Harbortest reopens", "https://example.gov/news/h", BODY)]
    await sources.add(feed_url(server))
    state.status = 500
    paused = []
    for _ in range(4):
        clock.now += timedelta(days=1)  # always past the backoff
        results = await sources.poll_due()
        paused += [r for r in results if r.paused_now]
        if results:
            assert results[0].error is not None and "500" in results[0].error
    assert len(paused) == 1 and "3 failed polls in a row" in (paused[0].source.paused_reason or "")
    assert await sources.poll_due() == []  # paused sources are not polled
    # nothing already stored was lost
    assert await sources.digests.repo.count() == 1
    state.status = 200
    resumed, created, result = await sources.add(feed_url(server))
    assert not created and resumed.paused_reason is None and result.error is None


async def test_backoff_delays_the_next_poll(server: TestServer, sources: SourceService, clock: Clock) -> None:
    server.app[STATE].status = 503
    _, _, first = await sources.add(feed_url(server))
    assert first.error and first.source.next_poll_at is not None
    assert first.source.next_poll_at - clock.now == timedelta(minutes=30)
    assert await sources.poll_due() == []
    clock.now += timedelta(minutes=31)
    assert len(await sources.poll_due()) == 1


async def test_unsafe_and_broken_urls_are_refused(server: TestServer, clock: Clock, db: Database) -> None:
    strict = SourceService(SourceRepository(db), DigestService(ReleaseRepository(db)), lambda: Fetcher(), clock=clock)
    for bad in (feed_url(server), "ftp://example.org/feed", "http://169.254.169.254/latest", "not a url"):
        with pytest.raises(ValueError):
            await strict.add(bad)
    assert await strict.repo.all() == []
    failed = await strict.ingest_url("http://10.0.0.1/page")
    assert failed.status == "failed" and "10.0.0.1" in failed.detail


async def test_single_page_ingest(server: TestServer, sources: SourceService) -> None:
    outcome = await sources.ingest_url(f"http://127.0.0.1:{server.port}{ARTICLE}?utm_campaign=x")
    assert outcome.status == "added"
    again = await sources.ingest_url(f"http://127.0.0.1:{server.port}{ARTICLE}")
    assert again.status == "unchanged"
    missing = await sources.ingest_url(f"http://127.0.0.1:{server.port}/nope")
    assert missing.status == "failed" and "404" in missing.detail


async def test_unchanged_items_are_logged_once(server: TestServer, sources: SourceService, clock: Clock) -> None:
    state = server.app[STATE]
    state.items = [item("Harbortest reopens", "https://example.gov/news/once", BODY)]
    source, _, _ = await sources.add(feed_url(server))
    for minutes in (1, 2, 3):
        state.items = [item("Harbortest reopens", "https://example.gov/news/once", BODY + " " * minutes)]
        clock.now += timedelta(minutes=30 * minutes)
        await sources.poll(source)
    report = await sources.why("https://example.gov/news/once")
    assert [event.outcome for event in report.events] == ["unchanged", "added"]


async def test_links_are_stored_and_shown_as_published(server: TestServer, sources: SourceService) -> None:
    from digests.render import digest_json, release_json, render_digest

    published = "http://www.harbortest.example/news/reopens/?ref=home&source=press&utm_source=rss#top"
    shown = "http://www.harbortest.example/news/reopens/?ref=home&source=press#top"  # only the utm_ click tag goes
    server.app[STATE].items = [item("Harbortest reopens", published.replace("&", "&amp;"), BODY)]
    _, _, result = await sources.add(feed_url(server))
    (outcome,) = result.outcomes
    release = await sources.digests.repo.get(outcome.release_id or 0)
    assert release is not None and release.url == shown
    assert release.canonical_id == "harbortest.example/news/reopens"  # identity keeps its canonical form
    digest = await sources.digests.digest("harbortest")
    assert shown in render_digest(digest, UTC)
    assert digest_json(digest)["releases"][0]["url"] == shown and release_json(release)["url"] == shown


async def test_a_stop_between_items_leaves_the_rest_for_the_next_poller(
    server: TestServer, sources: SourceService, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = server.app[STATE]
    _, _, first = await sources.add(feed_url(server))  # an empty feed at first: its ETag is recorded
    source = first.source
    assert source.etag and source.last_ok_at
    links = [f"https://example.gov/news/item-{n}" for n in range(3)]
    state.items = [item(f"Harbortest item {n}", link, f"{BODY} Item {n}.") for n, link in enumerate(links)]
    clock.now += timedelta(hours=1)
    stop = asyncio.Event()
    ingest = sources.digests.ingest_draft

    async def lose_the_lease_after_one(*args: Any, **kwargs: Any) -> Any:
        saved = await ingest(*args, **kwargs)
        stop.set()  # as a renewal that found the lease taken would, while the first item was being stored
        return saved

    monkeypatch.setattr(sources.digests, "ingest_draft", lose_the_lease_after_one)
    (result,) = await sources.poll_due(stop)
    assert result.stopped and [o.status for o in result.outcomes] == ["added"]
    assert (result.source.etag, result.source.last_ok_at) == (source.etag, source.last_ok_at)  # nothing recorded
    monkeypatch.setattr(sources.digests, "ingest_draft", ingest)
    (taken_over,) = await sources.poll_due()  # the next holder: the whole feed again, not a 304
    assert [o.status for o in taken_over.outcomes] == ["unchanged", "added", "added"] and not taken_over.stopped
    assert await sources.digests.repo.count() == 3  # each stored once, none lost


async def test_a_stop_during_a_fetch_abandons_it_and_fetches_no_other_feed(
    server: TestServer, sources: SourceService, clock: Clock
) -> None:
    state = server.app[STATE]
    state.items = [item("Harbortest reopens", "https://example.gov/news/h", BODY)]
    for path in ("/slow.xml", "/feed.xml"):
        await sources.repo.add(f"http://127.0.0.1:{server.port}{path}", f"127.0.0.1{path}", clock.now, is_global=True)
    stop = asyncio.Event()
    polling = asyncio.create_task(sources.poll_due(stop))
    await asyncio.sleep(0.2)  # the slow feed's request is under way
    assert not polling.done()
    stop.set()
    assert await asyncio.wait_for(polling, 5) == []  # at once: the slow feed never answered
    assert state.hits == 0  # the other feed was never fetched
    assert await sources.digests.repo.count() == 0
    assert all(s.last_ok_at is None and s.last_error is None for s in await sources.repo.all())
    server.app[GATE].set()
    assert [r.count("added") for r in await sources.poll_due()] == [1, 0]  # the next holder polls both
