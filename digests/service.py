"""The operations users ask for — ingest, digest, quote search, listings — over a release repository.

Both the command line and the Discord bot call these; neither talks to the store directly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from digests.analysers import Analyser, ThreadAnalyser
from digests.ingest.dates import DateRangeError, checked
from digests.ingest.files import ReleaseFileError
from digests.models import Digest, DigestItem, Quote, QuoteHit, Release, ReleaseDraft
from digests.store.releases import ReleaseRepository, SaveResult, body_hash
from digests.store.scope import NO_GUILD
from digests.topics import closest, topic_terms
from digests.userinput import MAX_NAME_CHARS, MAX_QUERY_CHARS, bounded, encodable, partial

log = logging.getLogger(__name__)


DIGEST_PAGE = 10  # releases per digest page


class UnknownTopicError(LookupError):
    """No release matches a topic; ``suggestions`` are the closest known topics."""

    def __init__(self, topic: str, suggestions: Sequence[str], since: datetime | None = None) -> None:
        self.topic = topic
        self.suggestions = list(suggestions)
        self.since = since
        window = f" since {since:%Y-%m-%d %H:%M %Z}" if since else ""
        hint = f" Closest known topics: {', '.join(self.suggestions)}." if self.suggestions else ""
        super().__init__(f"No releases match {topic!r}{window}.{hint}")


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What happened to one input: ``added``, ``updated``, ``metadata``, ``unchanged`` or ``failed``."""

    origin: str
    status: str
    detail: str
    release_id: int | None = None


def count_status(outcomes: Iterable[IngestOutcome], status: str) -> int:
    """How many of ``outcomes`` ended with ``status``."""
    return sum(outcome.status == status for outcome in outcomes)


@dataclass(slots=True)
class IngestReport:
    """The outcomes of one ingest run, in input order."""

    outcomes: list[IngestOutcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether any input failed."""
        return any(outcome.status == "failed" for outcome in self.outcomes)

    def count(self, status: str) -> int:
        """How many inputs ended with ``status``."""
        return count_status(self.outcomes, status)


def describe_save(result: SaveResult, draft: ReleaseDraft) -> str:
    """One line saying what saving a release did."""
    name = draft.title or draft.canonical_id
    return {
        "added": f"added {name!r}",
        "updated": f"updated {name!r}: body changed, stored as version {result.version}",
        "metadata": f"updated {name!r}: same body, new title/date/link/tags",
        "unchanged": f"skipped {name!r}: already stored, unchanged",
    }[result.status]


def server_scope(guild_id: int | None) -> int:
    """Whose releases someone asking from Discord sees: their server's, or outside any server (a DM) only the
    global ones. Never ``None``, which is the operator's view of everything."""
    return NO_GUILD if guild_id is None else guild_id


FORK_MARK = "#via-source-"


def forked_id(canonical_id: str, source_id: int) -> str:
    """The id under which a server's source keeps its own text of a release that others see differently."""
    return f"{canonical_id}{FORK_MARK}{source_id}"


def unforked_id(canonical_id: str) -> str:
    """The release id a (possibly forked) stored id stands for."""
    return canonical_id.split(FORK_MARK, 1)[0]


def keep_known_metadata(draft: ReleaseDraft, stored: Release) -> ReleaseDraft:
    """Fill what a draft lacks from the stored release: a feed item without tags or a page without a date must not
    wipe what a richer source (a file with front matter) already gave the same release."""
    return replace(
        draft,
        title=draft.title or stored.title,
        url=draft.url or stored.url,
        source=draft.source or stored.source,
        published_at=draft.published_at or stored.published_at,
        tags=draft.tags or stored.tags,
    )


def _quote_key(text: str) -> str:
    """A quotation's identity across copies: case and spacing aside."""
    return " ".join(text.casefold().split())


class DigestService:
    """Release Digest's use cases. ``clock`` returns the current aware time (tests control it)."""

    def __init__(
        self,
        repo: ReleaseRepository,
        *,
        algorithm: str = "news",
        summary_sentences: int = 3,
        key_quotes: int = 3,
        max_release_bytes: int = 2_000_000,
        tz: tzinfo = UTC,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        analyser: Analyser | None = None,
    ) -> None:
        self.repo = repo
        self.analyser: Analyser = analyser or ThreadAnalyser()
        self.algorithm = algorithm
        self.summary_sentences = summary_sentences
        self.key_quotes = key_quotes
        self.max_release_bytes = max_release_bytes
        self.tz = tz
        self.clock = clock

    async def ingest_draft(
        self, draft: ReleaseDraft, *, source_id: int | None = None, is_global: bool = True
    ) -> SaveResult:
        """Store one release, analysing it (in a worker thread) only when its body is new or changed.

        ``source_id`` is the feed it came from; ``is_global`` makes it visible in every server (files, pages and
        the operator's feeds); otherwise only the servers following one of its sources see it.

        A server's feed never rewrites what others see: when a release is global or carried by another source
        too, a non-global source with the same text is only linked to it (its title, date and link stay), and
        one with a different text gets its own copy (:func:`forked_id`), seen only by its followers.
        """
        draft, needs_analysis = await self.prepare(draft, source_id=source_id, is_global=is_global)
        analysis = topics = None
        if needs_analysis:
            analysis = await self.analyser.analyse(draft.body, draft.title, draft.tags, self.algorithm)
        elif await self.repo.metadata_changed(draft):  # new title or tags: new topic terms, worked out off the loop
            topics = await self.analyser.run(topic_terms, draft.title, draft.body, draft.tags)
        return await self.repo.save(
            draft, analysis, self.algorithm, self.clock(), source_id=source_id, is_global=is_global, topics=topics
        )

    async def prepare(
        self, draft: ReleaseDraft, *, source_id: int | None = None, is_global: bool = True
    ) -> tuple[ReleaseDraft, bool]:
        """A draft checked and completed as it will be saved (see :meth:`ingest_draft`), and whether its body is
        new or changed (so it needs analysing); :class:`ReleaseFileError` when it cannot be stored."""
        # Lone surrogates (from escapes in a feed or page) cannot be stored as UTF-8: they become U+FFFD.
        draft = replace(draft, body=encodable(draft.body), title=encodable(draft.title) if draft.title else None)
        if len(draft.body.encode("utf-8")) > self.max_release_bytes:
            raise ReleaseFileError(f"{draft.origin or draft.canonical_id}: release too large")
        if draft.published_at is not None:
            try:
                checked(draft.published_at)
            except DateRangeError as exc:  # every reader checks; this guards any other source of drafts
                raise ReleaseFileError(f"{draft.origin or draft.canonical_id}: date {exc}") from exc
        stored = await self.repo.with_body_hash(draft.canonical_id)
        if stored is not None and source_id is not None and not is_global:
            draft, stored = await self._scoped(draft, stored, source_id)
        if stored is not None:
            draft = keep_known_metadata(draft, stored[0])
        return draft, stored is None or stored[1] != body_hash(draft.body)

    async def _scoped(
        self, draft: ReleaseDraft, stored: tuple[Release, str], source_id: int
    ) -> tuple[ReleaseDraft, tuple[Release, str] | None]:
        """What a non-global source may store of a release already stored (see :meth:`ingest_draft`)."""
        release, stored_hash = stored
        if not await self.repo.shared_beyond(release.id, source_id):
            return draft, stored
        if stored_hash == body_hash(draft.body):
            same = replace(
                draft,
                title=release.title,
                url=release.url,
                source=release.source,
                published_at=release.published_at,
                tags=release.tags,
            )
            return same, stored
        forked = replace(draft, canonical_id=forked_id(draft.canonical_id, source_id))
        return forked, await self.repo.with_body_hash(forked.canonical_id)

    async def ingest_paths(self, paths: Iterable[Path]) -> IngestReport:
        """Ingest files and folders; a bad file is reported and the rest of the batch still goes in.

        Any exception from one file (a parser's RecursionError, a MemoryError in analysis, ...) is that file's
        one-line failure; only cancellation, KeyboardInterrupt and SystemExit stop the batch.
        """
        from digests.bulk import ingest_files  # the bulk pipeline builds on this service

        return IngestReport([outcome async for outcome in ingest_files(self, paths)])

    async def load_seeds_if_empty(self, seeds_dir: Path) -> IngestReport | None:
        """On a fresh database, ingest the shipped seeds so ``/digest hmc`` works out of the box."""
        if await self.repo.count() or not seeds_dir.is_dir():
            return None
        return await self.ingest_paths([seeds_dir])

    async def stories(
        self, releases: Sequence[Release], *, guild_id: int | None = None
    ) -> list[tuple[Release, tuple[Release, ...]]]:
        """One entry per story, in the order its first copy appears in ``releases``: the fullest copy the server
        sees (most sentences; the earliest stored among equals) and the story's other copies it sees, oldest
        first."""
        story_ids = sorted({release.story for release in releases})
        members = await self.repo.story_members(story_ids, guild_id=guild_id)
        groups: list[tuple[Release, tuple[Release, ...]]] = []
        seen: set[int] = set()
        for release in releases:
            if release.story in seen:
                continue
            seen.add(release.story)
            copies = members.get(release.story) or [release]
            fullest = max(copies, key=lambda copy: (copy.sentence_count, -copy.id))
            groups.append((fullest, tuple(copy for copy in copies if copy.id != fullest.id)))
        return groups

    async def items(
        self, releases: Sequence[Release], sentences: int | None = None, *, guild_id: int | None = None
    ) -> list[DigestItem]:
        """One digest entry per story of ``releases``: the fullest copy's best sentences in document order and
        best quotes, and the other copies as "also published by" (three queries for any number of releases).

        A quote the summary already shows whole is passed over for the next best, so nothing is said twice.
        """
        count = sentences or self.summary_sentences
        groups = await self.stories(releases, guild_id=guild_id)
        version_ids = [release.version_id for release, _ in groups]
        summaries = await self.repo.summary_sentences(version_ids, count)
        candidates = await self.repo.best_quotes(version_ids, self.key_quotes + count)
        items = []
        for release, also in groups:
            summary = summaries[release.version_id]
            shown = [
                q
                for q in candidates[release.version_id]
                if not any(s.start <= q.start and q.end <= s.end for s in summary)
            ]
            items.append(
                DigestItem(release=release, summary=summary, quotes=tuple(shown[: self.key_quotes]), also=also)
            )
        return items

    async def digest(
        self,
        topic: str,
        since: datetime | None = None,
        sentences: int | None = None,
        *,
        page: int = 1,
        per_page: int = DIGEST_PAGE,
        guild_id: int | None = None,
    ) -> Digest:
        """Page ``page`` (from 1) of the digest of the releases about ``topic`` that the server sees, newest first,
        with how many match in all; :class:`UnknownTopicError` if none does. A page past the end has no items.
        ``guild_id=None`` (the operator) sees every release; see :mod:`digests.store.scope`."""
        topic = bounded(topic, "topic", MAX_NAME_CHARS)
        offset = (max(page, 1) - 1) * per_page
        total, releases = await self.repo.topic_page(topic, since, per_page, offset, guild_id=guild_id)
        if not total:
            raise UnknownTopicError(topic, await self.suggest(topic, guild_id=guild_id), since)
        items = tuple(await self.items(releases, sentences, guild_id=guild_id))
        return Digest(topic=topic, items=items, since=since, total=total, offset=offset, shown=len(releases))

    async def whole_digest(
        self,
        topic: str,
        since: datetime | None = None,
        sentences: int | None = None,
        per_page: int = 50,
        *,
        guild_id: int | None = None,
    ) -> AsyncIterator[Digest]:
        """Every page of a digest in turn (the first raises :class:`UnknownTopicError` if nothing matches)."""
        page = 1
        while True:
            digest = await self.digest(topic, since, sentences, page=page, per_page=per_page, guild_id=guild_id)
            yield digest
            if not digest.more_follow or not digest.shown:
                return
            page += 1

    async def suggest(self, topic: str, *, guild_id: int | None = None) -> list[str]:
        """The known topics (of the releases the server sees) closest to ``topic``."""
        return closest(topic, await self.repo.known_topics(guild_id=guild_id))

    async def topics(self, prefix: str = "", limit: int = 25, *, guild_id: int | None = None) -> list[str]:
        """Known topics starting with ``prefix`` (for autocomplete), most used first."""
        return await self.repo.known_topics(partial(prefix), limit, guild_id=guild_id)

    async def search_quotes(
        self,
        query: str,
        speaker: str | None = None,
        topic: str | None = None,
        release_ids: Sequence[int] | None = None,
        limit: int = 5,
        *,
        guild_id: int | None = None,
    ) -> list[QuoteHit]:
        """Quotes of the releases the server sees, ranked by relevance, optionally by one speaker, about one topic,
        or from given releases. :class:`~digests.userinput.InputTooLongError` for over-long text."""
        query = bounded(query, "query", MAX_QUERY_CHARS)
        speaker = bounded(speaker, "speaker name", MAX_NAME_CHARS) if speaker else None
        topic = bounded(topic, "topic", MAX_NAME_CHARS) if topic else None
        if topic and not await self.repo.has_topic(topic, guild_id=guild_id):
            raise UnknownTopicError(topic, await self.suggest(topic, guild_id=guild_id))
        hits = await self.repo.search_quotes(query, speaker, release_ids, limit * 2, guild_id=guild_id, topic=topic)
        return (await self._quote_once_per_story(hits, guild_id))[:limit]

    async def _quote_once_per_story(self, hits: Sequence[QuoteHit], guild_id: int | None) -> list[QuoteHit]:
        """Each quotation once per story (its best hit), with the story's other copies (that the server sees)
        that carry it too."""
        story_ids = sorted({hit.release.story for hit in hits})
        members = await self.repo.story_members(story_ids, guild_id=guild_id)
        carried = {
            release_id: {_quote_key(text) for text in texts}
            for release_id, texts in (await self.repo.story_quotes(story_ids)).items()
        }
        kept: list[QuoteHit] = []
        seen: set[tuple[int, str]] = set()
        for hit in hits:
            key = (hit.release.story, _quote_key(hit.quote.text))
            if key in seen:
                continue
            seen.add(key)
            others = tuple(
                copy
                for copy in members.get(hit.release.story, ())
                if copy.id != hit.release.id and key[1] in carried.get(copy.id, ())
            )
            kept.append(replace(hit, also=others))
        return kept

    async def releases(
        self, search: str | None = None, limit: int = 50, offset: int = 0, *, guild_id: int | None = None
    ) -> list[Release]:
        """Stored releases the server sees, newest first."""
        return await self.repo.recent(search, limit, offset, guild_id=guild_id)

    async def release_quotes(
        self, release_id: int, *, guild_id: int | None = None
    ) -> tuple[Release, Sequence[Quote]] | None:
        """A release with every one of its quotes, best first; ``None`` if it is not stored or the server does
        not see it."""
        release = await self.repo.get(release_id, guild_id=guild_id)
        if release is None:
            return None
        return release, await self.repo.quotes(release.version_id, guild_id=guild_id)

    async def speakers(self, prefix: str = "", limit: int = 25, *, guild_id: int | None = None) -> list[str]:
        """Quoted speakers (in the releases the server sees) whose name contains ``prefix``."""
        return await self.repo.speakers(partial(prefix), limit, guild_id=guild_id)
