"""The URL policy: schemes, address classes, the connect-time resolver check, redirects to private hosts."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.abc import ResolveResult
from aiohttp.test_utils import TestServer

from digests.ingest import safety
from digests.ingest.fetch import Fetcher, FetchError, UnsafeFetchError
from digests.ingest.safety import (
    SafeResolver,
    UnsafeURLError,
    address_problem,
    check_address,
    check_url,
    ensure_safe_url,
)
from tests.digests.ingest import MapResolver

LOOPBACK = ipaddress.ip_address("127.0.0.1")
HITS = web.AppKey("hits", list[str])


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "private"),
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("192.0.2.10", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "private"),
        ("::ffff:127.0.0.1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("::ffff:10.0.0.1", "private (IPv4 10.0.0.1 inside IPv6)"),
        ("::ffff:169.254.169.254", "link-local (IPv4 169.254.169.254 inside IPv6)"),
        ("2002:7f00:1::1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("64:ff9b::a9fe:a9fe", "link-local (IPv4 169.254.169.254 inside IPv6)"),
    ],
)
def test_non_public_addresses_are_named(address: str, problem: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None
    check_address(address)


def test_check_address_message_names_host_address_and_setting() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_address("169.254.169.254", host="metadata.internal")
    message = str(caught.value)
    assert "metadata.internal resolves to 169.254.169.254, a link-local address" in message
    assert "RELEASE_DIGEST_ALLOW_PRIVATE_URLS" in message
    assert "\n" not in message


def test_unsafe_url_error_is_a_value_error() -> None:
    assert issubclass(UnsafeURLError, ValueError)
    assert issubclass(UnsafeFetchError, FetchError) and issubclass(UnsafeFetchError, UnsafeURLError)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.gov/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://example.gov/",
        "example.gov/no-scheme",
        "http:///no-host",
        "http://127.0.0.1/",
        "http://127.0.0.1:8080/admin",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://100.64.1.1/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://017700000001/",
        "http://127.1/",
    ],
)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url)


def test_check_url_accepts_public_urls() -> None:
    assert check_url("https://www.defense.gov/News/Releases/").host == "www.defense.gov"
    assert check_url("http://93.184.216.34/page").host == "93.184.216.34"


def test_allow_private_lifts_only_the_address_rule() -> None:
    check_url("http://127.0.0.1:8080/", allow_private=True)
    check_url("http://[::1]/", allow_private=True)
    with pytest.raises(UnsafeURLError, match="only http and https"):
        check_url("file:///etc/passwd", allow_private=True)


async def test_safe_resolver_refuses_a_name_with_any_private_address() -> None:
    base = MapResolver({"public.example": "93.184.216.34", "sneaky.example": "10.0.0.7"})
    resolver = SafeResolver(base)
    answers = await resolver.resolve("public.example", 443)
    assert [answer["host"] for answer in answers] == ["93.184.216.34"]
    with pytest.raises(UnsafeURLError, match=re.escape("sneaky.example resolves to 10.0.0.7, a private")):
        await resolver.resolve("sneaky.example", 443)
    assert await SafeResolver(base, allow_private=True).resolve("sneaky.example", 443)


async def test_safe_resolver_checks_every_answer() -> None:
    class TwoAnswers(MapResolver):
        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> list[ResolveResult]:
            public, private = await super().resolve("a", port), await super().resolve("b", port)
            return public + private

    resolver = SafeResolver(TwoAnswers({"a": "93.184.216.34", "b": "::1"}))
    with pytest.raises(UnsafeURLError, match="::1, a loopback address"):
        await resolver.resolve("mixed.example")


async def test_ensure_safe_url_resolves_names() -> None:
    base = MapResolver({"news.example": "93.184.216.34", "intranet.example": "192.168.0.10"})
    assert (await ensure_safe_url("https://news.example/feed", resolver=base)).host == "news.example"
    with pytest.raises(UnsafeURLError, match=re.escape("intranet.example resolves to 192.168.0.10")):
        await ensure_safe_url("https://intranet.example/feed", resolver=base)
    with pytest.raises(UnsafeURLError):
        await ensure_safe_url("http://127.0.0.1/", resolver=base)
    with pytest.raises(UnsafeURLError, match=r"cannot resolve unknown\.example"):
        await ensure_safe_url("https://unknown.example/", resolver=base)


# --- through the fetcher, against a local server, with allow_private off ------------------------------------


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app[HITS] = []

    async def page(request: web.Request) -> web.Response:
        request.app[HITS].append(request.path)
        return web.Response(text="hello", content_type="text/plain")

    async def redirect(request: web.Request) -> web.Response:
        request.app[HITS].append(request.path)
        raise web.HTTPFound(request.query["to"])

    app.router.add_get("/page", page)
    app.router.add_get("/redirect", redirect)
    test_server = TestServer(app, host="127.0.0.1")
    async with test_server:
        yield test_server


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make 127.0.0.1 (the test server) count as public, so a fake host name can stand for a public site."""
    real = safety.address_problem
    monkeypatch.setattr(safety, "address_problem", lambda ip: None if ip == LOOPBACK else real(ip))


async def test_loopback_url_is_refused_before_any_request(server: TestServer) -> None:
    async with Fetcher(resolver=MapResolver()) as fetcher:
        with pytest.raises(UnsafeFetchError, match=re.escape("127.0.0.1 is a loopback address")):
            await fetcher.get(f"http://127.0.0.1:{server.port}/page")
    assert server.app[HITS] == []


async def test_a_name_resolving_to_loopback_is_refused(server: TestServer) -> None:
    async with Fetcher(resolver=MapResolver({"localhost": "127.0.0.1"})) as fetcher:
        with pytest.raises(UnsafeFetchError, match=re.escape("localhost resolves to 127.0.0.1")):
            await fetcher.get(f"http://localhost:{server.port}/page")
    assert server.app[HITS] == []


@pytest.mark.usefixtures("loopback_is_public")
async def test_redirect_from_a_public_host_to_the_metadata_address_is_refused(server: TestServer) -> None:
    resolver = MapResolver({"news.example": "127.0.0.1", "metadata.internal": "169.254.169.254"})
    async with Fetcher(resolver=resolver) as fetcher:
        ok = await fetcher.get(f"http://news.example:{server.port}/page")
        assert ok.body == b"hello"
        for target in (
            "http://169.254.169.254/latest/meta-data/",
            "http://metadata.internal/latest/meta-data/",
        ):
            with pytest.raises(UnsafeFetchError, match=re.escape("169.254.169.254")) as caught:
                await fetcher.get(f"http://news.example:{server.port}/redirect?to={target}")
            assert "link-local" in str(caught.value)
    assert server.app[HITS] == ["/page", "/redirect", "/redirect"]


@pytest.mark.usefixtures("loopback_is_public")
async def test_dns_rebinding_is_caught_at_connect_time(server: TestServer) -> None:
    # The first lookup (a pre-check) sees the "public" address, the next (the connection) a private one.
    resolver = MapResolver({"rebind.example": ["127.0.0.1", "10.0.0.1"]})
    url = f"http://rebind.example:{server.port}/page"
    await ensure_safe_url(url, resolver=resolver)
    async with Fetcher(resolver=resolver) as fetcher:
        with pytest.raises(UnsafeFetchError, match=re.escape("rebind.example resolves to 10.0.0.1")):
            await fetcher.get(url)
    assert resolver.lookups == ["rebind.example", "rebind.example"]
    assert server.app[HITS] == []


async def test_redirect_to_a_non_http_scheme_is_refused(server: TestServer) -> None:
    async with Fetcher(allow_private=True, resolver=MapResolver()) as fetcher:
        with pytest.raises(UnsafeFetchError, match="only http and https"):
            await fetcher.get(f"http://127.0.0.1:{server.port}/redirect?to=file:///etc/passwd")
