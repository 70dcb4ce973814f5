"""Turning feeds and pages into release drafts: fetch, parse, read teaser entries' pages. No storage here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from digests.failures import describe
from digests.ingest.feeds import FeedEntry, ParsedFeed, is_teaser, parse_feed
from digests.ingest.fetch import Fetcher, FetchError
from digests.ingest.identity import canonical_or_raw, published_url, release_key
from digests.ingest.pages import PageError, extract_article
from digests.models import ReleaseDraft

# Pages of one feed fetched at once: quick enough, and gentle with the publisher's server.
PAGE_CONCURRENCY = 4

log = logging.getLogger(__name__)

# Runs a pure CPU-heavy function with picklable arguments away from the event loop (a thread, or a worker process).
Offload = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """Something in a feed that could not be read: ``where`` is the entry's link (or release key, or the feed)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """The outcome of polling one feed.

    ``etag``/``last_modified`` are the validators to store for the next poll. ``drafts`` are in feed order,
    one per distinct release; ``errors`` has one line per entry that could not be read (the other entries
    are unaffected) and a warning if the feed was malformed but recovered.
    """

    not_modified: bool
    etag: str | None
    last_modified: str | None
    title: str | None = None
    drafts: list[ReleaseDraft] = field(default_factory=list)
    errors: list[FeedProblem] = field(default_factory=list)


def _feed_draft(entry: FeedEntry, key: str, url: str | None, source_name: str) -> ReleaseDraft:
    """The draft of an entry whose feed gives its whole text (``url``: its :func:`published_url`)."""
    return ReleaseDraft(
        canonical_id=key,
        body=entry.summary_text,
        title=entry.title,
        url=url,  # identity has the canonical form; people get the real link
        source=source_name,
        published_at=entry.published_at,
        origin=entry.link or entry.guid or key,
    )


async def _page_draft(
    fetcher: Fetcher, entry: FeedEntry, key: str, url: str | None, source_name: str, *, offload: Offload
) -> ReleaseDraft:
    """The draft of an entry the feed gives only a teaser of: its page is read."""
    link = entry.link
    if not link:
        raise PageError("only a teaser, and no link to the full release")
    page = await fetcher.get(link)
    article = await offload(extract_article, page.body, page.url, page.charset)
    return replace(
        _feed_draft(entry, key, url, source_name),
        title=entry.title or article.title,
        body=article.text,
        published_at=entry.published_at or article.published_at,
        origin=page.url,
    )


_Facts = tuple[str | None, str | None, bool, str | None]


def _entry_facts(entries: list[FeedEntry]) -> list[_Facts]:
    """Per entry: its release key (or why it has none), whether it is only a teaser
    (:func:`~digests.ingest.feeds.is_teaser`) and its link as shown (:func:`published_url`)."""
    facts: list[_Facts] = []
    for entry in entries:
        try:
            key = release_key(entry.link, entry.guid)
        except ValueError as exc:
            facts.append((None, str(exc), False, None))
            continue
        facts.append((key, None, is_teaser(entry), published_url(entry.link) if entry.link else None))
    return facts


def _read_feed(body: bytes, url: str, content_type: str | None) -> tuple[ParsedFeed, list[_Facts]]:
    """The parsed feed and its :func:`_entry_facts`, in one trip to a worker (entries are not sent back and
    forth)."""
    feed = parse_feed(body, url, content_type)
    return feed, _entry_facts(feed.entries)


async def fetch_feed_releases(
    fetcher: Fetcher,
    feed_url: str,
    etag: str | None,
    last_modified: str | None,
    source_name: str,
    *,
    known_ids: Container[str] = frozenset(),
    offload: Offload = asyncio.to_thread,
) -> FeedFetch:
    """Poll a feed and build a draft for each of its releases.

    A conditional GET with ``etag``/``last_modified`` may answer ``not_modified``. Entries whose text is a
    teaser (:func:`~digests.ingest.feeds.is_teaser`) get their body from their page; a failing page is
    reported in ``errors`` and skipped, the other entries still come through. Teaser entries whose release
    key is in ``known_ids`` (already stored) are left out rather than re-fetching their page at every poll;
    full-text entries always come back, so edits are seen. Entries repeating an earlier entry's release key
    are dropped. Raises :class:`~digests.ingest.fetch.FetchError` if the feed itself cannot be fetched and
    :class:`~digests.ingest.feeds.FeedError` if it is not a feed.
    """
    result = await fetcher.get(feed_url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return FeedFetch(not_modified=True, etag=result.etag, last_modified=result.last_modified)
    content_type = result.content_type
    if content_type and result.charset:
        content_type = f"{content_type}; charset={result.charset}"
    # Parsing is CPU work: ``offload`` runs it elsewhere (a worker process in the bot: a thread would still hold
    # the GIL through long regular-expression scans), so the event loop never waits on it.
    # So is keying the entries and telling teasers (splitting each entry's text into sentences): thousands of
    # entries take a second at load.
    feed, facts = await offload(_read_feed, result.body, result.url, content_type)
    errors = [FeedProblem(feed_url, f"recovered from a malformed feed ({feed.bozo_error})")] if feed.bozo_error else []
    if source_name == feed_url and feed.title:  # first poll: the feed's own name, not its address
        source_name = feed.title

    keyed: list[tuple[str, FeedEntry, bool, str | None]] = []  # (release key, entry, only a teaser?, link shown)
    seen: set[str] = set()
    for entry, (key, problem, teaser, shown) in zip(feed.entries, facts, strict=True):
        if key is None:
            errors.append(FeedProblem(feed_url, f"entry {entry.title or '(untitled)'!r} skipped: {problem}"))
            continue
        if key in seen:
            continue
        if key in known_ids and teaser:
            continue
        seen.add(key)
        keyed.append((key, entry, teaser, shown))

    limit = asyncio.Semaphore(PAGE_CONCURRENCY)

    async def build(key: str, entry: FeedEntry, shown: str | None) -> ReleaseDraft | FeedProblem:
        async with limit:
            try:
                return await _page_draft(fetcher, entry, key, shown, source_name, offload=offload)
            except (FetchError, PageError) as exc:
                return FeedProblem(entry.link or key, str(exc))
            except Exception as exc:  # one hostile teaser page is that entry's problem, never the feed's
                log.debug("reading the page of %s failed", entry.link or key, exc_info=True)
                return FeedProblem(entry.link or key, describe(exc))

    # Only teasers wait for pages: a task each. Whole entries are drafts at once, without a task each (thousands
    # of tasks run in one turn of the loop and hold it for a tenth of a second at load).
    pages = iter(await asyncio.gather(*(build(key, entry, shown) for key, entry, teaser, shown in keyed if teaser)))
    drafts: list[ReleaseDraft] = []
    built = (
        next(pages) if teaser else _feed_draft(entry, key, shown, source_name) for key, entry, teaser, shown in keyed
    )
    for outcome in built:
        if isinstance(outcome, FeedProblem):
            errors.append(outcome)
        else:
            drafts.append(outcome)
    return FeedFetch(
        not_modified=False,
        etag=result.etag,
        last_modified=result.last_modified,
        title=feed.title,
        drafts=drafts,
        errors=errors,
    )


async def fetch_page_release(
    fetcher: Fetcher, url: str, source_name: str, *, offload: Offload = asyncio.to_thread
) -> ReleaseDraft:
    """Fetch one release page and extract it.

    The release key comes from the URL as given, like a feed entry's link, so a page ingested by hand and the
    same release arriving through a feed are one release; ``url`` is the page's declared canonical link if
    it is on the same host, else the final URL after redirects, as the site spells it (http stays http, ``www.``
    and parameters stay: the canonical form is for matching only, and would break http-only sites). Raises
    :class:`~digests.ingest.fetch.FetchError` or :class:`~digests.ingest.pages.PageError`.
    """
    page = await fetcher.get(url)
    article = await offload(extract_article, page.body, page.url, page.charset)
    same_host = urlsplit(canonical_or_raw(article.canonical_url)).netloc == urlsplit(canonical_or_raw(page.url)).netloc
    return ReleaseDraft(
        canonical_id=release_key(url),
        body=article.text,
        title=article.title,
        # The page's own canonical link drops session and tracking noise, but only trusted on the same host.
        url=published_url(article.canonical_url if same_host else page.url),
        source=source_name,
        published_at=article.published_at,
        origin=page.url,
    )
