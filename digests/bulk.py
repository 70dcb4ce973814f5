"""Ingesting many release files fast, in bounded memory.

Files are read one by one; the ones whose body is new or changed are analysed several at a time (in a process
pool when there are many: analysis is pure Python, so only processes use every core), and so are the topic terms of
a release whose title or tags alone changed, never inside the write transaction; results are saved in input
order, ``BATCH`` releases to a transaction, and each file's outcome is handed on as soon as it is saved. A few
analyses per worker plus one batch's worth are in flight (at most ``AHEAD_BYTES`` body characters beyond the few),
so memory does not grow with the number of files.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from digests.analysers import Analyser, ProcessAnalyser
from digests.failures import describe
from digests.ingest.files import ReleaseFileError, collect, read_release
from digests.models import Analysis, ReleaseDraft, TopicTerms
from digests.service import DigestService, IngestOutcome, describe_save
from digests.store.db import store_outage
from digests.store.releases import SaveResult
from digests.topics import topic_terms

log = logging.getLogger(__name__)

BATCH = 100  # releases saved per transaction
IN_FLIGHT_PER_WORKER = 4  # analyses queued per worker: enough to keep it busy, few enough to bound memory
# While a batch is written (one transaction on the database's thread: this loop waits for it, 1-5 ms a release),
# the workers go on with the analyses already handed out. Four each last them about 20 ms, then they sat idle for
# the rest of the write; a batch's worth more keeps them busy through it. Bounded in body characters too, so that
# huge releases never pile up (beyond the few per worker).
AHEAD = BATCH
AHEAD_BYTES = 16_000_000
POOL_FROM = 50  # files: from this many on, analysis runs in a process pool of its own


@dataclass(slots=True)
class _Item:
    path: Path
    draft: ReleaseDraft | None = None
    analysis: asyncio.Future[Analysis] | None = None
    topics: asyncio.Future[TopicTerms] | None = None  # a metadata-only change's new topic terms
    error: str | None = None
    done: list[IngestOutcome] = field(default_factory=list)


def _failure(path: Path, exc: BaseException) -> str:
    """One file's failure line; the store out of reach is no file's failure: it stops the batch (raised again;
    nothing of the release being saved was written, each save being one transaction)."""
    if store_outage(exc) is not None:
        raise exc
    if isinstance(exc, ReleaseFileError):
        return str(exc)
    log.debug("ingesting %s failed", path, exc_info=exc)
    return f"{path}: {describe(exc)}"


class _Pipeline:
    def __init__(self, service: DigestService, analyser: Analyser) -> None:
        self.service = service
        self.analyser = analyser
        self.window: deque[_Item] = deque()
        self.batch: list[_Item] = []
        self.in_flight: set[str] = set()  # canonical ids read but not saved yet
        self.window_chars = 0  # body characters of the drafts in the window

    async def add(self, path: Path) -> list[IngestOutcome]:
        """Read one file and start its analysis; the outcomes of earlier files that are now saved."""
        ready: list[IngestOutcome] = []
        item = _Item(path)
        try:
            draft = read_release(path, self.service.max_release_bytes, self.service.tz)
            if draft.canonical_id in self.in_flight:  # the same release again: let the first be saved first
                ready += await self.drain()
            draft, needs_analysis = await self.service.prepare(draft)
            item.draft = draft
            self.in_flight.add(draft.canonical_id)
            if needs_analysis:
                item.analysis = asyncio.ensure_future(
                    self.analyser.analyse(draft.body, draft.title, draft.tags, self.service.algorithm)
                )
            elif await self.service.repo.metadata_changed(draft):  # new title or tags: terms worked out off the loop
                item.topics = asyncio.ensure_future(
                    self.analyser.run(topic_terms, draft.title, draft.body, draft.tags)
                )
        except Exception as exc:
            item.error = _failure(path, exc)
        self.window.append(item)
        self.window_chars += _chars(item)
        while self._full():
            ready += await self._next()
        return ready

    def _full(self) -> bool:
        """Whether the window holds more than it may: the few per worker, plus ``AHEAD`` while their bodies stay
        within ``AHEAD_BYTES``."""
        few = self.analyser.workers * IN_FLIGHT_PER_WORKER
        return len(self.window) > few + AHEAD or (len(self.window) > few and self.window_chars > AHEAD_BYTES)

    async def _next(self) -> list[IngestOutcome]:
        """Wait for the oldest file's analysis; save the batch when it is full."""
        item = self.window.popleft()
        self.window_chars -= _chars(item)
        self.batch.append(item)
        for pending in (item.analysis, item.topics):
            if pending is None:
                continue
            try:
                await pending
            except Exception as exc:
                item.error = _failure(item.path, exc)
        return await self._save() if len(self.batch) >= BATCH else []

    async def drain(self) -> list[IngestOutcome]:
        """Finish and save everything read so far."""
        ready: list[IngestOutcome] = []
        while self.window:
            ready += await self._next()
        return ready + await self._save()

    async def _save(self) -> list[IngestOutcome]:
        batch, self.batch = self.batch, []
        good = [item for item in batch if item.error is None and item.draft is not None]
        results: dict[int, SaveResult | str] = {}
        now = self.service.clock()
        try:
            saved = await self.service.repo.save_many(
                [(item.draft, _analysis(item), now) for item in good if item.draft],
                self.service.algorithm,
                [_topics(item) for item in good if item.draft],
            )
            results = {id(item): result for item, result in zip(good, saved, strict=True)}
        except Exception:  # one bad release (or a dropped connection) must not sink the batch: one by one then
            for item in good:
                assert item.draft is not None
                try:
                    results[id(item)] = await self.service.repo.save(
                        item.draft, _analysis(item), self.service.algorithm, now, topics=_topics(item)
                    )
                except Exception as exc:
                    results[id(item)] = _failure(item.path, exc)
        outcomes = []
        for item in batch:
            found = results.get(id(item), item.error or "")
            if isinstance(found, SaveResult) and item.draft is not None:
                outcomes.append(
                    IngestOutcome(str(item.path), found.status, describe_save(found, item.draft), found.release_id)
                )
            else:
                detail = found if isinstance(found, str) and found else f"{item.path}: not saved"
                outcomes.append(IngestOutcome(str(item.path), "failed", detail))
            if item.draft is not None:
                self.in_flight.discard(item.draft.canonical_id)
        return outcomes


def _chars(item: _Item) -> int:
    return len(item.draft.body) if item.draft is not None else 0


def _analysis(item: _Item) -> Analysis | None:
    return item.analysis.result() if item.analysis is not None else None


def _topics(item: _Item) -> TopicTerms | None:
    return item.topics.result() if item.topics is not None else None


async def ingest_files(service: DigestService, paths: Iterable[Path]) -> AsyncIterator[IngestOutcome]:
    """Ingest files and folders, yielding each file's outcome in input order as soon as it is saved.

    A bad file is its own one-line failure and the rest go on; nothing read is lost if one release of a batch
    cannot be saved (the batch is saved one by one then, which also gets over a connection the store dropped once).
    The store out of reach is raised: what was saved before stays (each save is one transaction), and ingesting the
    same files again stores the rest.
    """
    files = collect(paths)
    owned = ProcessAnalyser() if len(files) >= POOL_FROM else None
    pipeline = _Pipeline(service, owned or service.analyser)
    try:
        async with service.repo.bulk_writes():
            for path in files:
                for outcome in await pipeline.add(path):
                    yield outcome
            for outcome in await pipeline.drain():
                yield outcome
            while await service.repo.merge_full_text():  # the new segments, merged in short steps (fts_merge)
                pass
    finally:
        for item in pipeline.window:
            for pending in (item.analysis, item.topics):
                if pending is not None:
                    pending.cancel()
        if owned is not None:
            await owned.close()
