"""HTTP GET for feeds and pages: safe hosts only, bounded redirects, size and time limits, conditional GET.

One :class:`Fetcher` owns one aiohttp session; use it as an async context manager::

    async with Fetcher(allow_private=settings.allow_private_urls) as fetcher:
        result = await fetcher.get(url, etag=stored_etag, last_modified=stored_last_modified)
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from digests.ingest.safety import SafeResolver, UnsafeURLError, check_url

DEFAULT_USER_AGENT = "ReleaseDigest/0.1 (news-release digest bot; set RELEASE_DIGEST_USER_AGENT to add a contact)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_COMPRESSED = frozenset({"gzip", "x-gzip", "deflate"})  # Content-Encodings we decode


class FetchError(Exception):
    """A URL that could not be fetched; the message is one line naming the URL and the reason."""


class UnsafeFetchError(FetchError, UnsafeURLError):
    """The URL, a redirect target, or an address its host resolves to is refused by the URL policy."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (or a redirect without a Location)."""

    def __init__(self, url: str, status: int, reason: str | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"HTTP {status}{f' {reason}' if reason else ''} from {url}")


class TooManyRedirectsError(FetchError):
    """More redirects than the fetcher allows."""


class ResponseTooLargeError(FetchError):
    """The body (after decompression) is larger than the fetcher allows."""


class FetchTimeoutError(FetchError):
    """The whole fetch, redirects included, took longer than the fetcher allows."""


class FetchConnectionError(FetchError):
    """DNS failure, refused connection, broken transfer or undecodable content."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The final response of a fetch.

    ``url`` is the URL after redirects; ``content_type`` the lower-cased media type without parameters
    (``None`` if the server sent none); ``charset`` the Content-Type charset parameter. On a 304,
    ``not_modified`` is true, ``body`` is empty, and ``etag``/``last_modified`` are the server's new
    validators or, when it sent none, the ones given to :meth:`Fetcher.get`.
    """

    url: str
    status: int
    body: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


class _Decoder:
    """Incremental Content-Encoding decoder whose output per call is bounded, so a gzip bomb never inflates
    beyond the size limit in memory."""

    def __init__(self, encoding: str, url: str) -> None:
        self._url = url
        self._encoding = encoding
        # wbits 47 = zlib or gzip header, detected automatically.
        self._zlib = zlib.decompressobj(47) if encoding in _COMPRESSED else None
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``, producing at most ``limit`` bytes (more input remaining means too large)."""
        if self._zlib is None:
            return data[:limit]
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if self._encoding != "deflate" or self._started:
                raise FetchConnectionError(f"corrupt {self._encoding} body from {self._url}") from None
            # Some servers send "deflate" as a raw deflate stream without the zlib header.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data, limit)
        self._started = True
        return out

    def finish(self) -> None:
        """Fail if a compressed stream ended early."""
        if self._zlib is not None and not self._zlib.eof:
            raise FetchConnectionError(f"truncated {self._encoding} body from {self._url}")


class Fetcher:
    """Fetches http(s) URLs with the project's safety and resource limits.

    ``allow_private`` lets URLs reach loopback, private and other non-public addresses (the
    ``RELEASE_DIGEST_ALLOW_PRIVATE_URLS`` setting, passed in by the caller). ``timeout`` (seconds) covers the
    whole fetch including redirects and the body; ``max_bytes`` caps the decompressed body; ``resolver``
    replaces the DNS resolver (still wrapped by the safety check).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        connector = aiohttp.TCPConnector(
            resolver=SafeResolver(self._resolver, allow_private=self.allow_private),
            # No DNS cache: every connection resolves and checks afresh.
            use_dns_cache=False,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            # Decompression is done by _Decoder, which bounds it; aiohttp's would not.
            auto_decompress=False,
            # The deadline is enforced over the whole redirect chain in get(), not per request.
            timeout=aiohttp.ClientTimeout(total=None),
            trust_env=False,  # never route through a proxy from the environment, which would bypass checks
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url``, following redirects; send ``etag``/``last_modified`` as conditional headers.

        Raises a :class:`FetchError` subclass on any failure; a 304 is a success with ``not_modified``.
        """
        if self._session is None:
            raise RuntimeError("Fetcher.get() called outside 'async with Fetcher(...)'")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(self._session, url, headers, etag, last_modified)
        except TimeoutError:
            raise FetchTimeoutError(f"timed out after {self.timeout:g} s fetching {url}") from None

    async def _follow(
        self,
        session: aiohttp.ClientSession,
        url: str,
        headers: dict[str, str],
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        current: str | URL = url
        for _hop in range(self.max_redirects + 1):
            try:
                target = check_url(current, allow_private=self.allow_private)
            except UnsafeURLError as exc:
                raise UnsafeFetchError(str(exc)) from None
            try:
                async with session.get(target, headers=headers, allow_redirects=False) as response:
                    outcome = await self._outcome(response, target, etag, last_modified)
            except UnsafeURLError as exc:  # from SafeResolver, at connect time
                raise UnsafeFetchError(f"refusing {target}: {exc}") from None
            except (aiohttp.ClientError, OSError) as exc:
                if isinstance(exc, TimeoutError):
                    raise
                reason = str(exc) or type(exc).__name__
                raise FetchConnectionError(f"cannot fetch {target}: {reason}") from None
            if isinstance(outcome, FetchResult):
                return outcome
            current = outcome
        raise TooManyRedirectsError(f"more than {self.max_redirects} redirects fetching {url}")

    async def _outcome(
        self, response: aiohttp.ClientResponse, target: URL, etag: str | None, last_modified: str | None
    ) -> FetchResult | URL:
        """The result of one response, or the URL it redirects to."""
        if response.status in _REDIRECTS:
            location = response.headers.get("Location")
            if not location:
                raise HTTPStatusError(str(target), response.status, "redirect without Location")
            try:
                return target.join(URL(location))
            except ValueError:
                raise FetchConnectionError(f"bad redirect Location {location!r} from {target}") from None
        if response.status == 304:
            return FetchResult(
                url=str(target),
                status=304,
                body=b"",
                content_type=None,
                charset=None,
                etag=response.headers.get("ETag") or etag,
                last_modified=response.headers.get("Last-Modified") or last_modified,
                not_modified=True,
            )
        if not 200 <= response.status < 300:
            raise HTTPStatusError(str(target), response.status, response.reason)
        return FetchResult(
            url=str(target),
            status=response.status,
            body=await self._read_body(response, str(target)),
            content_type=response.content_type if "Content-Type" in response.headers else None,
            charset=response.charset,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    async def _read_body(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        """The body, decompressed, failing as soon as it exceeds ``max_bytes``."""
        too_large = ResponseTooLargeError(f"response from {url} is larger than {self.max_bytes:,} bytes")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in _COMPRESSED | {"identity", ""}:
            raise FetchConnectionError(f"unsupported Content-Encoding {encoding!r} from {url}")
        decoder = _Decoder(encoding, url)
        parts: list[bytes] = []
        received = size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            received += len(chunk)
            if received > self.max_bytes:  # compressed bytes count too: no endless no-output streams
                raise too_large
            out = decoder.feed(chunk, self.max_bytes - size + 1)
            size += len(out)
            if size > self.max_bytes:
                raise too_large
            parts.append(out)
        decoder.finish()
        return b"".join(parts)
