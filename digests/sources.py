"""Releases from the web: following feeds, polling them with backoff, single pages, and "why" look-ups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from digests.failures import describe
from digests.ingest.feeds import FeedError
from digests.ingest.fetch import Fetcher, FetchError
from digests.ingest.files import ReleaseFileError
from digests.ingest.identity import canonical_or_raw, canonical_url, release_key_or_none
from digests.ingest.pages import PageError
from digests.ingest.safety import ensure_safe_url
from digests.ingest.web import fetch_feed_releases, fetch_page_release
from digests.models import Release, ReleaseDraft
from digests.service import DigestService, IngestOutcome, count_status, forked_id, unforked_id
from digests.stopping import Stopped, unless_set
from digests.store.db import store_outage
from digests.store.sources import FetchEvent, Source, SourceRepository

MAX_BACKOFF = timedelta(hours=6)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollResult:
    """One poll of one source: what each article became, or why the feed failed."""

    source: Source
    outcomes: list[IngestOutcome] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    paused_now: bool = False
    stopped: bool = False  # abandoned after ``outcomes`` when the poll's ``stop`` was set (nothing else recorded)

    def count(self, status: str) -> int:
        """How many articles ended with ``status``."""
        return count_status(self.outcomes, status)


@dataclass(frozen=True, slots=True)
class WhyReport:
    """Everything known about one article URL."""

    url: str
    canonical_id: str | None
    release: Release | None
    events: list[FetchEvent]


class SourceService:
    """Feeds and pages in, through the same ingest as files. ``fetcher`` builds a fresh :class:`Fetcher`."""

    def __init__(
        self,
        repo: SourceRepository,
        digests: DigestService,
        fetcher: Callable[[], Fetcher],
        *,
        poll_interval: timedelta = timedelta(minutes=15),
        max_failures: int = 5,
        allow_private: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self.digests = digests
        self.fetcher = fetcher
        self.poll_interval = poll_interval
        self.max_failures = max_failures
        self.allow_private = allow_private
        self.clock = clock

    async def add(
        self, url: str, *, guild_id: int | None = None, channel_id: int | None = None, user_id: int | None = None
    ) -> tuple[Source, bool, PollResult]:
        """Follow a feed (resuming it if paused) and poll it at once; ``ValueError`` for an unusable URL.

        With a ``guild_id`` (``/source add``) that server follows it and sees its releases; the same feed
        followed by several servers is fetched and stored once. Without one (the operator, on the command line)
        the source is global: its releases are seen in every server. Returns the source, whether it is new (to
        the server, with ``guild_id``) and the first poll's result.
        """
        if guild_id is not None and channel_id is None:
            raise ValueError("a server follows a source from a channel: give channel_id with guild_id")
        safe = await ensure_safe_url(url, allow_private=self.allow_private)
        source, created = await self.repo.add(
            str(safe.with_fragment(None)), canonical_url(url), self.clock(), is_global=guild_id is None
        )
        if guild_id is not None and channel_id is not None:
            created = not await self.repo.follows(source.id, guild_id)
            await self.repo.follow(source.id, guild_id, channel_id, user_id, self.clock())
            source = await self._reload(source)
        return source, created, await self.poll(source)

    async def sources(self, guild_id: int | None = None) -> list[Source]:
        """Every source (the operator), or those a server sees: the ones it follows and the global ones."""
        return await self.repo.all(guild_id, with_global=True)

    async def followed(self, guild_id: int) -> list[Source]:
        """The sources a server follows (what it can remove)."""
        return await self.repo.all(guild_id)

    async def remove(self, source_id: int, guild_id: int) -> Source | None:
        """Stop a server following a source; the source, or ``None`` if the server did not follow it.

        Nothing stored is lost: a source nobody follows (and not global) is no longer polled, and its releases
        are seen only by servers that follow another source that carried them.
        """
        found = await self.repo.get(source_id)
        if found is None or not await self.repo.unfollow(source_id, guild_id):
            return None
        return found

    async def poll_due(self, stop: asyncio.Event | None = None) -> list[PollResult]:
        """Poll every active source whose backoff has expired (and that is global or followed), one after the
        other; one source's unexpected failure is recorded as its error and never stops the others. The store
        going out of reach is raised (no feed is blamed for it): whoever polls next fetches the unfinished feed whole.

        Once ``stop`` is set (the poller's lease was lost: another process polls now) no further feed is fetched
        and the current one is abandoned (see :meth:`poll`); a feed abandoned before storing anything has no result.
        """
        results = []
        for source in await self.repo.due(self.clock()):
            if stop is not None and stop.is_set():
                break
            try:
                result = await self.poll(source, stop)
            except Exception as exc:
                if store_outage(exc) is not None:
                    raise  # the store's failure, not the feed's: nothing is recorded against it
                log.exception("polling %s failed unexpectedly", source.url)
                result = await self._failed(source, f"internal error: {exc}")
            if not result.stopped or result.outcomes:
                results.append(result)
        if any(result.outcomes for result in results):
            await self.digests.repo.merge_full_text()  # a bounded step: whatever is left, after the next poll
        return results

    async def poll(self, source: Source, stop: asyncio.Event | None = None) -> PollResult:
        """Fetch a feed, ingest its releases and record the source's health; never raises for feed problems.

        A teaser item whose page this source already brought is not fetched again. The releases this source has
        not carried yet are (even when another source stored them): that links them to this source, so the
        servers following it see them.

        When ``stop`` is set the poll is abandoned: a fetch under way is cancelled (it writes nothing), and
        between two items the rest are left. Nothing about the feed is recorded then — no ETag, no success — so
        whoever polls it next fetches it whole: the items stored here come out unchanged, the others are stored.
        """
        known = {unforked_id(key) for key in await self.digests.repo.canonical_ids_from(source.id)}
        try:
            async with self.fetcher() as fetcher:
                fetching = fetch_feed_releases(
                    fetcher,
                    source.url,
                    source.etag,
                    source.last_modified,
                    source.name,
                    known_ids=known,
                    offload=self.digests.analyser.run,
                )
                feed = await (unless_set(stop, fetching) if stop is not None else fetching)
        except Stopped:
            return PollResult(source, stopped=True)
        except (FetchError, FeedError, ValueError) as exc:
            return await self._failed(source, str(exc))
        except Exception as exc:  # a hostile feed is this source's failed poll, never the caller's crash
            log.debug("polling %s failed", source.url, exc_info=True)
            return await self._failed(source, describe(exc))
        now = self.clock()
        if feed.not_modified:
            await self.repo.record_success(
                source.id, now, title=None, etag=feed.etag, last_modified=feed.last_modified, added=0, warning=None
            )
            return PollResult(await self._reload(source), not_modified=True)
        outcomes: list[IngestOutcome] = []
        for draft in feed.drafts:
            if stop is not None and stop.is_set():
                return PollResult(await self._reload(source), outcomes, stopped=True)
            outcomes.append(await self._ingest(source, draft))  # one transaction: finished, never cut short
        for problem in feed.errors:
            await self.repo.log(source.id, problem.where, None, "failed", problem.message, now)
            outcomes.append(IngestOutcome(problem.where, "failed", str(problem)))
        await self.repo.record_success(
            source.id,
            now,
            title=feed.title,
            etag=feed.etag,
            last_modified=feed.last_modified,
            added=count_status(outcomes, "added"),
            warning=str(feed.errors[-1]) if feed.errors else None,
        )
        return PollResult(await self._reload(source), outcomes)

    async def ingest_url(self, url: str) -> IngestOutcome:
        """Fetch one release page and store it; a failure is an outcome, not an exception."""
        try:
            async with self.fetcher() as fetcher:
                draft = await fetch_page_release(
                    fetcher, url, source_name=_host(url), offload=self.digests.analyser.run
                )
        except Exception as exc:  # FetchError, PageError, ValueError, or anything a hostile page provokes
            if not isinstance(exc, (FetchError, PageError)):
                log.debug("reading %s failed", url, exc_info=True)
            message = str(exc) if isinstance(exc, FetchError) else describe(exc)
            where = canonical_or_raw(url)
            await self.repo.log(None, where, release_key_or_none(url), "failed", message, self.clock())
            return IngestOutcome(url, "failed", f"{url}: {message}")
        return await self._ingest(None, draft)

    async def why(self, url: str, *, guild_id: int | None = None) -> WhyReport:
        """Was this article fetched, a duplicate, an edit, a failure — and when; and is it stored now. A server
        sees only what its own sources, global sources and the operator's pages did, and only releases it sees."""
        key = release_key_or_none(url)
        events = await self.repo.history(canonical_or_raw(url), key, guild_id=guild_id)
        release = await self.digests.repo.by_canonical_id(key, guild_id=guild_id) if key else None
        if release is None and key and guild_id is not None:  # maybe kept as this server's own copy
            for source in await self.repo.all(guild_id):
                release = await self.digests.repo.by_canonical_id(forked_id(key, source.id), guild_id=guild_id)
                if release is not None:
                    break
        return WhyReport(url=url, canonical_id=key, release=release, events=events)

    async def _ingest(self, source: Source | None, draft: ReleaseDraft) -> IngestOutcome:
        """Store one release from ``source`` (``None``: the operator's single page, global)."""
        where = draft.url or draft.origin or draft.canonical_id
        source_id = source.id if source else None
        try:
            result = await self.digests.ingest_draft(
                draft, source_id=source_id, is_global=source is None or source.is_global
            )
        except Exception as exc:  # one bad article (or an analysis bug) must not stop the rest of the feed
            if store_outage(exc) is not None:
                raise  # not the article's failure: the poll stops, and the next one fetches the feed whole
            message = str(exc) if isinstance(exc, ReleaseFileError) else describe(exc)
            if not isinstance(exc, ReleaseFileError):
                log.debug("ingesting %s failed", where, exc_info=True)
            await self.repo.log(source_id, where, draft.canonical_id, "failed", message, self.clock())
            return IngestOutcome(where, "failed", f"{where}: {message}")
        detail = {
            "added": "new release stored",
            "updated": f"edited: stored as version {result.version}",
            "metadata": "same text, new title/date/link",
            "unchanged": "duplicate of a stored release",
        }[result.status]
        await self.repo.log(source_id, where, draft.canonical_id, result.status, detail, self.clock())
        return IngestOutcome(where, result.status, f"{draft.title or where}: {detail}", result.release_id)

    async def _failed(self, source: Source, error: str) -> PollResult:
        now = self.clock()
        failures = source.failures + 1
        backoff = min(self.poll_interval * 2 ** min(failures, 16), MAX_BACKOFF)
        pause = None
        if failures >= self.max_failures and source.paused_reason is None:
            pause = f"{failures} failed polls in a row; last error: {error}"
        await self.repo.log(source.id, source.url, None, "failed", error, now)
        updated = await self.repo.record_failure(source.id, now, error, now + backoff, pause)
        return PollResult(updated, error=error, paused_now=pause is not None)

    async def _reload(self, source: Source) -> Source:
        return await self.repo.get(source.id) or source


def _host(url: str) -> str:
    return urlsplit(url).hostname or url
