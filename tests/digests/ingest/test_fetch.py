"""The fetcher against a local server: bodies, conditional GET, redirects, limits, decompression, errors."""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from digests.ingest.fetch import (
    DEFAULT_USER_AGENT,
    FetchConnectionError,
    Fetcher,
    FetchTimeoutError,
    HTTPStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
)
from tests.digests.ingest import MapResolver

ETAG = '"v1"'
LAST_MODIFIED = "Tue, 07 May 2024 18:30:00 GMT"
SEEN_HEADERS = web.AppKey("seen_headers", list[dict[str, str]])


def gzip_bomb(size: int = 50 * 1024 * 1024) -> bytes:
    """``size`` zero bytes gzipped (about 1000:1), built in pieces so it never needs ``size`` of memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, compressor.flush()])


async def conditional(request: web.Request) -> web.Response:
    request.app[SEEN_HEADERS].append(dict(request.headers))
    headers = request.headers
    if headers.get("If-None-Match") == ETAG or headers.get("If-Modified-Since") == LAST_MODIFIED:
        return web.Response(status=304, headers={"ETag": ETAG})
    return web.Response(
        body="<rss>café</rss>".encode(),
        content_type="application/rss+xml",
        charset="utf-8",
        headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
    )


async def redirect(request: web.Request) -> web.Response:
    hops = int(request.match_info["hops"])
    raise web.HTTPFound("/conditional" if hops == 0 else f"../redirect/{hops - 1}")


async def loop(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/loop")


async def no_location(request: web.Request) -> web.Response:
    return web.Response(status=302)


async def bad_location(request: web.Request) -> web.Response:
    return web.Response(status=301, headers={"Location": "http://[not-an-address/"})


async def status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="nope")


async def big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 2000, content_type="text/plain")


async def big_streamed(request: web.Request) -> web.StreamResponse:
    # Chunked, no Content-Length: the limit must hold while streaming.
    response = web.StreamResponse()
    response.content_type = "text/plain"
    await response.prepare(request)
    for _ in range(100):
        await response.write(b"y" * 1000)
    await response.write_eof()
    return response


async def gzipped(request: web.Request) -> web.Response:
    return web.Response(
        body=gzip.compress("<p>déjà vu</p>".encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"},
    )


async def raw_deflate(request: web.Request) -> web.Response:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(b"raw deflate body") + compressor.flush()
    return web.Response(body=body, headers={"Content-Encoding": "deflate"})


async def bomb(request: web.Request) -> web.Response:
    headers = {"Content-Encoding": "gzip", "Content-Type": "text/html"}
    return web.Response(body=request.app[BOMB], headers=headers)


async def corrupt(request: web.Request) -> web.Response:
    return web.Response(body=b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})


async def truncated(request: web.Request) -> web.Response:
    return web.Response(body=gzip.compress(b"a" * 10_000)[:-20], headers={"Content-Encoding": "gzip"})


async def brotli(request: web.Request) -> web.Response:
    return web.Response(body=b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response(text="too late")


BOMB = web.AppKey("bomb", bytes)


@pytest.fixture(scope="module")
def bomb_body() -> bytes:
    return gzip_bomb()


@pytest.fixture
async def server(bomb_body: bytes) -> AsyncIterator[TestServer]:
    app = web.Application()
    app[SEEN_HEADERS] = []
    app[BOMB] = bomb_body
    routes = {
        "/conditional": conditional,
        "/redirect/{hops}": redirect,
        "/loop": loop,
        "/no-location": no_location,
        "/bad-location": bad_location,
        "/status/{code}": status,
        "/big": big,
        "/big-streamed": big_streamed,
        "/gzipped": gzipped,
        "/raw-deflate": raw_deflate,
        "/bomb": bomb,
        "/corrupt": corrupt,
        "/truncated": truncated,
        "/brotli": brotli,
        "/slow": slow,
    }
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    test_server = TestServer(app, host="127.0.0.1")
    async with test_server:
        yield test_server


def local(server: TestServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def fetcher(**options: Any) -> Fetcher:
    """A fetcher allowed to reach the local test server (and nothing else: no real DNS)."""
    return Fetcher(allow_private=True, resolver=MapResolver(), **options)


async def test_get_returns_body_type_charset_and_validators(server: TestServer) -> None:
    async with fetcher() as client:
        result = await client.get(local(server, "/conditional"))
    assert result.status == 200
    assert result.body.decode("utf-8") == "<rss>café</rss>"
    assert (result.content_type, result.charset) == ("application/rss+xml", "utf-8")
    assert (result.etag, result.last_modified) == (ETAG, LAST_MODIFIED)
    assert not result.not_modified
    sent = server.app[SEEN_HEADERS][0]
    assert sent["User-Agent"] == DEFAULT_USER_AGENT
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


async def test_user_agent_is_configurable(server: TestServer) -> None:
    async with fetcher(user_agent="ReleaseDigest-test/1.0") as client:
        await client.get(local(server, "/conditional"))
    assert server.app[SEEN_HEADERS][0]["User-Agent"] == "ReleaseDigest-test/1.0"


async def test_conditional_get_answers_not_modified(server: TestServer) -> None:
    async with fetcher() as client:
        by_etag = await client.get(local(server, "/conditional"), etag=ETAG)
        by_date = await client.get(local(server, "/conditional"), last_modified=LAST_MODIFIED)
    for result in (by_etag, by_date):
        assert result.not_modified and result.status == 304 and result.body == b""
        assert result.etag == ETAG
    assert by_date.last_modified == LAST_MODIFIED  # the server sent none: the caller's stays valid
    assert server.app[SEEN_HEADERS][0]["If-None-Match"] == ETAG
    assert server.app[SEEN_HEADERS][1]["If-Modified-Since"] == LAST_MODIFIED


async def test_redirects_are_followed_and_the_final_url_reported(server: TestServer) -> None:
    async with fetcher() as client:
        result = await client.get(local(server, "/redirect/4"))
    assert result.url == local(server, "/conditional")
    assert result.body.startswith(b"<rss>")


async def test_redirects_are_bounded(server: TestServer) -> None:
    # /redirect/N answers with N + 1 redirects.
    async with fetcher(max_redirects=3) as client:
        with pytest.raises(TooManyRedirectsError, match="more than 3 redirects"):
            await client.get(local(server, "/redirect/3"))
        assert (await client.get(local(server, "/redirect/2"))).status == 200
    async with fetcher() as client:
        with pytest.raises(TooManyRedirectsError, match="more than 5 redirects"):
            await client.get(local(server, "/loop"))


async def test_redirects_without_a_usable_location_are_errors(server: TestServer) -> None:
    async with fetcher() as client:
        with pytest.raises(HTTPStatusError, match="HTTP 302 redirect without Location"):
            await client.get(local(server, "/no-location"))
        with pytest.raises(
            FetchConnectionError, match=re.escape("bad redirect Location 'http://[not-an-address/'")
        ):
            await client.get(local(server, "/bad-location"))


@pytest.mark.parametrize("code", [404, 410, 500, 503])
async def test_error_statuses_raise_with_the_code(server: TestServer, code: int) -> None:
    async with fetcher() as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.get(local(server, f"/status/{code}"))
    assert caught.value.status == code
    assert str(caught.value).startswith(f"HTTP {code} ")
    assert str(caught.value).endswith(f"/status/{code}")


@pytest.mark.parametrize("path", ["/big", "/big-streamed"])
async def test_bodies_over_the_limit_are_refused(server: TestServer, path: str) -> None:
    async with fetcher(max_bytes=1000) as client:
        with pytest.raises(ResponseTooLargeError, match=re.escape("larger than 1,000 bytes")):
            await client.get(local(server, path))
    async with fetcher(max_bytes=100_000) as client:
        assert len((await client.get(local(server, path))).body) in {2000, 100_000}


async def test_gzip_and_raw_deflate_are_decoded(server: TestServer) -> None:
    async with fetcher() as client:
        html = await client.get(local(server, "/gzipped"))
        deflated = await client.get(local(server, "/raw-deflate"))
    assert html.body.decode() == "<p>déjà vu</p>"
    assert deflated.body == b"raw deflate body"


async def test_a_gzip_bomb_stops_at_the_decompressed_limit(server: TestServer, bomb_body: bytes) -> None:
    assert len(bomb_body) < 100_000  # small on the wire, 50 MB inflated
    started = time.monotonic()
    async with fetcher() as client:
        with pytest.raises(ResponseTooLargeError, match=re.escape("larger than 5,242,880 bytes")):
            await client.get(local(server, "/bomb"))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/corrupt", "corrupt gzip body"),
        ("/truncated", "truncated gzip body"),
        ("/brotli", "unsupported Content-Encoding 'br'"),
    ],
)
async def test_undecodable_bodies_are_connection_errors(server: TestServer, path: str, message: str) -> None:
    async with fetcher() as client:
        with pytest.raises(FetchConnectionError, match=message):
            await client.get(local(server, path))


async def test_the_timeout_covers_the_whole_fetch(server: TestServer) -> None:
    started = time.monotonic()
    async with fetcher(timeout=0.2) as client:
        with pytest.raises(FetchTimeoutError, match=re.escape("timed out after 0.2 s")):
            await client.get(local(server, "/slow"))
    assert time.monotonic() - started < 2


async def test_missing_content_type_is_none() -> None:
    # aiohttp's server always sends a Content-Type, so a bare asyncio server plays the old web server.
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n\x00\x01")
        await writer.drain()
        writer.close()

    bare = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = bare.sockets[0].getsockname()[1]
    async with bare, fetcher() as client:
        result = await client.get(f"http://127.0.0.1:{port}/")
    assert (result.content_type, result.charset, result.body) == (None, None, b"\x00\x01")


async def test_refused_connections_and_unknown_hosts_are_connection_errors() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with fetcher() as client:
        with pytest.raises(FetchConnectionError, match=re.escape(f"cannot fetch http://127.0.0.1:{port}/")):
            await client.get(f"http://127.0.0.1:{port}/")
        with pytest.raises(FetchConnectionError, match=re.escape("cannot fetch http://unknown.invalid/")):
            await client.get("http://unknown.invalid/")


async def test_error_messages_are_one_line(server: TestServer) -> None:
    async with fetcher(max_bytes=10, max_redirects=1) as client:
        for path in ("/big", "/redirect/3", "/status/500", "/corrupt"):
            with pytest.raises(Exception) as caught:
                await client.get(local(server, path))
            assert "\n" not in str(caught.value)


async def test_get_outside_the_context_manager_is_a_bug() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await Fetcher().get("https://example.gov/")
