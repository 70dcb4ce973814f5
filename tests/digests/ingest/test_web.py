"""Feed and page ingestion end to end against a local server serving the fixtures in tests/data/web."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from digests.ingest.feeds import FeedError
from digests.ingest.fetch import Fetcher, HTTPStatusError
from digests.ingest.pages import PageError
from digests.ingest.web import FeedFetch, fetch_feed_releases, fetch_page_release
from tests.digests.ingest import DATA, MapResolver

ARTICLE_PATH = "/News/Releases/Release/Article/3657212/secretary-announces-new-coastal-resilience-grants/"
EDITED_PATH = "/News/Releases/Release/Article/3657555/grants-update/"
SOURCE = "Department of Examples"

PAGE_HITS = web.AppKey("page_hits", list[str])
INLINE = web.AppKey("inline", list[bytes])  # the last body set by a test is served
_TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml", ".rdf": "application/rdf+xml"}


def base_url(request: web.Request) -> bytes:
    return f"http://{request.host}".encode()


async def feed(request: web.Request) -> web.Response:
    """A fixture feed, with conditional GET on its ETag; ``{base}`` becomes this server's address."""
    name = request.match_info["name"]
    etag = f'"{name}-v1"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    path = DATA / name
    if not path.is_file():
        raise web.HTTPNotFound()
    body = path.read_bytes().replace(b"{base}", base_url(request))
    content_type = _TYPES.get(path.suffix, "text/html")
    return web.Response(body=body, headers={"Content-Type": content_type, "ETag": etag})


async def inline_feed(request: web.Request) -> web.Response:
    return web.Response(body=request.app[INLINE][-1], content_type="application/rss+xml")


def page_handler(name: str, charset: str | None = None) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        request.app[PAGE_HITS].append(request.path)
        content_type = f"text/html; charset={charset}" if charset else "text/html"
        return web.Response(body=(DATA / name).read_bytes(), headers={"Content-Type": content_type})

    return page


async def edited(request: web.Request) -> web.Response:
    """The same release, edited after its first fetch."""
    hits = request.app[PAGE_HITS]
    hits.append(request.path)
    name = "article.html" if hits.count(request.path) == 1 else "article_edited.html"
    return web.Response(body=(DATA / name).read_bytes(), content_type="text/html", charset="utf-8")


async def gone(request: web.Request) -> web.Response:
    request.app[PAGE_HITS].append(request.path)
    raise web.HTTPNotFound()


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app[PAGE_HITS] = []
    app[INLINE] = []
    app.router.add_get("/feeds/{name}", feed)
    app.router.add_get("/inline", inline_feed)
    app.router.add_get(ARTICLE_PATH, page_handler("article.html"))
    app.router.add_get("/news/harbor-dredging-resumes", page_handler("harbor.html", "utf-8"))
    app.router.add_get("/News/Releases/Release/Article/3657300/gone/", gone)
    app.router.add_get(EDITED_PATH, edited)
    app.router.add_get("/pages/latin1", page_handler("latin1_declared_utf8.html", "utf-8"))
    app.router.add_get("/pages/utf8", page_handler("utf8_declared_latin1.html", "iso-8859-1"))
    app.router.add_get("/pages/not-an-article", page_handler("not_a_feed.html"))
    test_server = TestServer(app, host="127.0.0.1")
    async with test_server:
        yield test_server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    # The fixtures live on 127.0.0.1, so private addresses are allowed here (and only here).
    async with Fetcher(allow_private=True, resolver=MapResolver()) as client:
        yield client


def url(server: TestServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def poll(fetcher: Fetcher, server: TestServer, name: str, etag: str | None = None) -> FeedFetch:
    return await fetch_feed_releases(fetcher, url(server, f"/feeds/{name}"), etag, None, SOURCE)


async def test_full_text_rss_needs_no_page_fetches(server: TestServer, fetcher: Fetcher) -> None:
    result = await poll(fetcher, server, "rss2.xml")
    assert not result.not_modified and result.errors == []
    assert result.etag == '"rss2.xml-v1"'
    grants, report = result.drafts
    assert grants.canonical_id == "article:3657212"
    # The link as published (www. and the trailing slash kept), without the reader-tracking utm_ parameters.
    assert grants.url == (
        "https://www.example.gov/News/Releases/Release/Article/3657212/secretary-announces-new-coastal-resilience-grants/"
    )
    assert grants.title == "Secretary Announces New Coastal Resilience Grants"
    assert grants.source == SOURCE
    assert grants.published_at == datetime(2024, 5, 7, 18, 30, tzinfo=UTC)
    assert grants.body.startswith("WASHINGTON — The Secretary of Examples announced today $40 million")
    assert len(grants.body.splitlines()) == 4
    assert grants.origin.startswith("https://www.example.gov/News/Releases/Release/Article/3657212/")
    assert report.canonical_id == "article:3657199"
    assert server.app[PAGE_HITS] == []


async def test_atom_and_rss1_feeds(server: TestServer, fetcher: Fetcher) -> None:
    atom = await poll(fetcher, server, "atom.xml")
    assert [draft.canonical_id for draft in atom.drafts] == [
        "article:88231",
        "ministry.example/releases/consultation-on-water-charges-closes",
    ]
    # The Atom link is relative: resolved against the feed's URL (http, as the feed was served).
    assert atom.drafts[0].url == f"http://127.0.0.1:{server.port}/releases/88231/minister-opens-new-rail-link"
    rss1 = await poll(fetcher, server, "rss1.rdf")
    (only,) = rss1.drafts
    assert only.canonical_id == "agency.example/news/2024/agency-awards-research-contracts"
    assert only.published_at == datetime(2024, 5, 9, 13, 0, tzinfo=UTC)
    assert server.app[PAGE_HITS] == []


async def test_unchanged_feed_answers_not_modified(server: TestServer, fetcher: Fetcher) -> None:
    first = await poll(fetcher, server, "rss2.xml")
    second = await poll(fetcher, server, "rss2.xml", etag=first.etag)
    assert second == FeedFetch(not_modified=True, etag=first.etag, last_modified=None)


async def test_teasers_are_completed_from_their_pages(server: TestServer, fetcher: Fetcher) -> None:
    result = await poll(fetcher, server, "teaser.xml")
    grants, harbor = result.drafts
    assert grants.canonical_id == "article:3657212"
    assert "WASHINGTON — The Secretary of Examples announced today $40 million" in grants.body
    assert "Read more" not in grants.body
    assert grants.title == "Secretary Announces New Coastal Resilience Grants"
    assert grants.published_at == datetime(2024, 5, 7, 18, 30, tzinfo=UTC)
    assert grants.origin == url(server, ARTICLE_PATH)
    assert harbor.canonical_id == f"127.0.0.1:{server.port}/news/harbor-dredging-resumes"
    assert harbor.body.splitlines()[0].startswith("Dredging of the main harbor channel resumed on Wednesday")
    # The third page is gone: one error line for it, the others unaffected.
    (problem,) = result.errors
    error = str(problem)
    assert problem.where.endswith("/Article/3657300/gone/")
    assert "/Article/3657300/gone/" in error and "HTTP 404" in error and "\n" not in error
    hits: list[str] = server.app[PAGE_HITS]
    assert sorted(hits) == sorted(
        [ARTICLE_PATH, "/news/harbor-dredging-resumes", "/News/Releases/Release/Article/3657300/gone/"]
    )


async def test_known_teasers_are_not_fetched_again(server: TestServer, fetcher: Fetcher) -> None:
    first = await poll(fetcher, server, "teaser.xml")
    known = {draft.canonical_id for draft in first.drafts}
    server.app[PAGE_HITS].clear()
    feed_url = url(server, "/feeds/teaser.xml")
    again = await fetch_feed_releases(fetcher, feed_url, None, None, SOURCE, known_ids=known)
    assert again.drafts == [] and len(again.errors) == 1  # only the still-missing page is retried
    assert server.app[PAGE_HITS] == ["/News/Releases/Release/Article/3657300/gone/"]
    # Full-text entries are always returned, known or not, so an edited release is noticed.
    full = await poll(fetcher, server, "rss2.xml")
    known_full = {draft.canonical_id for draft in full.drafts}
    rss2_url = url(server, "/feeds/rss2.xml")
    assert (
        await fetch_feed_releases(fetcher, rss2_url, None, None, SOURCE, known_ids=known_full)
    ).drafts == full.drafts


async def test_changed_guids_keep_release_ids(server: TestServer, fetcher: Fetcher) -> None:
    before = await poll(fetcher, server, "guids_v1.xml")
    after = await poll(fetcher, server, "guids_v2.xml")
    ids = [draft.canonical_id for draft in before.drafts]
    assert ids == ["news.example.gov/releases/2024/05/ministry-signs-accord", "article:48213"]
    assert [draft.canonical_id for draft in after.drafts] == ids
    # One release, shown with each link as the feed published it at the time.
    assert before.drafts[0].url == "https://news.example.gov/releases/2024/05/ministry-signs-accord"
    assert after.drafts[0].url == "http://www.news.example.gov/releases/2024/05/ministry-signs-accord/#main"


async def test_a_site_moving_domain_keeps_release_ids(server: TestServer, fetcher: Fetcher) -> None:
    old = await poll(fetcher, server, "defense_old.xml")
    new = await poll(fetcher, server, "war_new.xml")
    assert old.drafts[0].canonical_id == new.drafts[0].canonical_id == "article:3657212"
    assert old.drafts[0].url != new.drafts[0].url


async def test_malformed_feed_gives_entries_and_a_warning(server: TestServer, fetcher: Fetcher) -> None:
    result = await poll(fetcher, server, "broken.xml")
    (only,) = result.drafts
    assert only.canonical_id == "broken.example/news/office-reopens"
    (problem,) = result.errors
    warning = str(problem)
    assert warning.startswith(url(server, "/feeds/broken.xml") + ": recovered from a malformed feed")


async def test_wrongly_encoded_feed(server: TestServer, fetcher: Fetcher) -> None:
    result = await poll(fetcher, server, "feed_latin1_declared_utf8.xml")
    (only,) = result.drafts
    assert only.title == "Plan côtier : 40 millions d'euros"
    assert "« Nous protégerons les communes les plus exposées en priorité »" in only.body


async def test_empty_feed(server: TestServer, fetcher: Fetcher) -> None:
    result = await poll(fetcher, server, "empty.xml")
    assert (result.drafts, result.errors, result.not_modified) == ([], [], False)


async def test_feed_level_failures_raise(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(FeedError, match="not a usable feed"):
        await poll(fetcher, server, "not_a_feed.html")
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        await poll(fetcher, server, "missing.xml")


async def test_duplicate_and_unidentifiable_entries(server: TestServer, fetcher: Fetcher) -> None:
    text = "The office published its plan on Monday. " * 12
    item = "<item><title>{title}</title>{link}<description>{text}</description></item>"
    items = [
        item.format(title="First", link="<link>https://dup.example/news/plan?utm_source=a</link>", text=text),
        item.format(title="Again", link="<link>http://www.dup.example/news/plan/</link>", text=text),
        item.format(title="Nameless", link="", text=text),
        item.format(title="Linkless", link='<guid isPermaLink="false">x-1</guid>', text="Short."),
        item.format(title="Text-only", link='<guid isPermaLink="false">x-2</guid>', text=text),
    ]
    body = f'<rss version="2.0"><channel><title>T</title>{"".join(items)}</channel></rss>'
    server.app[INLINE].append(body.encode())
    result = await fetch_feed_releases(fetcher, url(server, "/inline"), None, None, SOURCE)
    assert [(draft.title, draft.canonical_id) for draft in result.drafts] == [
        ("First", "dup.example/news/plan"),
        ("Text-only", "guid:x-2"),
    ]
    assert result.drafts[1].url is None
    nameless, linkless = map(str, result.errors)
    assert "'Nameless' skipped: a release needs a link or a GUID" in nameless
    assert linkless == "guid:x-1: only a teaser, and no link to the full release"


async def test_page_release_and_its_edit_share_an_id(server: TestServer, fetcher: Fetcher) -> None:
    first = await fetch_page_release(fetcher, url(server, EDITED_PATH), SOURCE)
    second = await fetch_page_release(fetcher, url(server, EDITED_PATH + "?utm_source=newsletter"), SOURCE)
    assert first.canonical_id == second.canonical_id == "article:3657555"
    assert "$40 million" in first.body and "$45 million" in second.body
    assert first.title == "Secretary Announces New Coastal Resilience Grants"
    assert first.published_at == datetime(2024, 5, 7, 18, 30, tzinfo=UTC)
    assert first.source == SOURCE
    assert first.url == url(server, EDITED_PATH)  # its declared canonical link is on another host: not trusted
    assert first.origin == url(server, EDITED_PATH)


async def test_page_release_id_matches_the_feed_entry(server: TestServer, fetcher: Fetcher) -> None:
    from_feed = (await poll(fetcher, server, "teaser.xml")).drafts[0]
    from_page = await fetch_page_release(fetcher, url(server, ARTICLE_PATH), SOURCE)
    assert from_page.canonical_id == from_feed.canonical_id
    assert from_page.body == from_feed.body


async def test_page_release_url_is_the_declared_canonical_on_the_same_host(
    server: TestServer, fetcher: Fetcher
) -> None:
    draft = await fetch_page_release(fetcher, url(server, "/news/harbor-dredging-resumes?session=42"), SOURCE)
    assert draft.url == f"http://127.0.0.1:{server.port}/news/harbor-dredging-resumes"  # http stays http


@pytest.mark.parametrize("path", ["/pages/latin1", "/pages/utf8"])
async def test_page_release_with_a_wrong_charset(server: TestServer, fetcher: Fetcher, path: str) -> None:
    draft = await fetch_page_release(fetcher, url(server, path), SOURCE)
    assert draft.title == "Le Ministère annonce un plan pour les côtes"
    assert "Zürich et de São Paulo" in draft.body


async def test_page_release_failures_raise(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(PageError, match=re.escape(url(server, "/pages/not-an-article"))):
        await fetch_page_release(fetcher, url(server, "/pages/not-an-article"), SOURCE)
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        await fetch_page_release(fetcher, url(server, "/News/Releases/Release/Article/3657300/gone/"), SOURCE)


async def test_a_teaser_page_that_breaks_its_parser_fails_alone(
    server: TestServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digests.ingest import web as web_module

    real = web_module.extract_article

    def fragile(html: bytes | str, page_url: str, charset: str | None = None) -> object:
        if "harbor" in page_url:  # fault injection: whatever a hostile page provokes in a parser
            raise RecursionError("maximum recursion depth exceeded")
        return real(html, page_url, charset=charset)

    monkeypatch.setattr(web_module, "extract_article", fragile)
    result = await poll(fetcher, server, "teaser.xml")
    assert [d.canonical_id for d in result.drafts] == ["article:3657212"]  # the good entry is still there
    problems = {p.where.rstrip("/").rsplit("/", 1)[-1]: p.message for p in result.errors}
    assert problems["harbor-dredging-resumes"].startswith("nested too deeply to read (RecursionError")
    assert "HTTP 404" in problems["gone"]
