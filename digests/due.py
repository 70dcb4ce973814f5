"""Look-ups shared by the daily-digest runs due together, so that 10,000 subscriptions due at the same minute do
not each read and lay out the same releases.

What a run reads splits in two. Its own part is small: its ledger (what it has posted). The large part is the
same for every subscription with the same topic whose server sees the same releases (the same followed sources,
see :mod:`digests.store.scope`): every release about the topic, newest first; the releases mentioning its
include/exclude words; the releases it will post and their digest entries. That part is computed once and kept in
a :class:`DueLookups` for the runs that follow.

Exact: a shared answer is the answer a run computing it alone would have got at the moment it was computed, never
one adapted from another server or topic (keys are the normalised topic and the followed sources, which is all
those answers depend on). Bounded: at most ``max_entries`` answers of each kind, each kept at most ``max_age``
seconds, so a release stored meanwhile is seen by the runs that start after that (and, as ever, an undelivered
release stays due: it goes out in a later run, never lost).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from digests.models import DigestItem, Release
from digests.service import DigestService
from digests.store.due_reads import TopicListing
from digests.topics import normalise

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_MAX_AGE = 300.0  # seconds an answer is shared: a 10,000-subscription minute posts in about 200 s
DEFAULT_MAX_ENTRIES = 256  # answers of each kind (topic listings are ids only: about 1 MB for 40,000 releases)
Scope = tuple[int, ...]  # the sources a server follows: all that decides which releases it sees


class SharedAnswers(Generic[K, V]):
    """Answers by key, each computed once however many callers ask at the same time (they await the same task),
    kept ``max_age`` seconds and at most ``max_entries`` of them (least recently used dropped first). A failed
    computation is not kept: the next caller tries again."""

    def __init__(self, max_entries: int, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self.clock = clock
        self.computed = 0  # how many answers were computed (the rest were shared)
        self._entries: OrderedDict[K, tuple[float, asyncio.Future[V]]] = OrderedDict()

    def fresh(self, key: K) -> bool:
        """Whether a fresh answer for ``key`` is kept (or being computed)."""
        entry = self._entries.get(key)
        return entry is not None and self.clock() - entry[0] <= self.max_age

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The answer for ``key``: shared if a fresh one exists or is being computed, else computed now."""
        now = self.clock()
        entry = self._entries.get(key)
        if entry is None or now - entry[0] > self.max_age:
            task = asyncio.ensure_future(compute())
            self.computed += 1
            entry = (now, task)
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        try:
            # Shielded: a caller cancelled while it waits must not cancel the answer the others wait for.
            return await asyncio.shield(entry[1])
        except Exception:
            if self._entries.get(key) is entry:
                del self._entries[key]
            raise


class DueLookups:
    """The shared part of what daily-digest runs read (see the module's documentation)."""

    def __init__(
        self,
        digests: DigestService,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.digests = digests
        self.repo = digests.repo
        self._scopes: SharedAnswers[int, Scope] = SharedAnswers(max_entries * 64, max_age, clock)
        self._listings: SharedAnswers[tuple[str, Scope], TopicListing] = SharedAnswers(max_entries, max_age, clock)
        self._words: SharedAnswers[tuple[str, ...], frozenset[int]] = SharedAnswers(max_entries, max_age, clock)
        # Per release: up to MAX_RELEASES_PER_RUN of them a run.
        self._releases: SharedAnswers[int, Release | None] = SharedAnswers(max_entries * 64, max_age, clock)
        self._items: SharedAnswers[tuple[Scope, int, int, int], DigestItem | None] = SharedAnswers(
            max_entries * 64, max_age, clock
        )

    @property
    def computed(self) -> dict[str, int]:
        """How many answers of each kind were computed (not shared), for benchmarks and tests."""
        return {
            "scopes": self._scopes.computed,
            "listings": self._listings.computed,
            "words": self._words.computed,
            "releases": self._releases.computed,
            "items": self._items.computed,
        }

    async def scope(self, guild_id: int) -> Scope:
        """The sources a server follows."""
        return await self._scopes.get(guild_id, lambda: self.repo.followed_sources(guild_id))

    async def listing(self, topic: str, guild_id: int) -> TopicListing:
        """Every release about ``topic`` the server sees, newest first."""
        key = (normalise(topic), await self.scope(guild_id))
        return await self._listings.get(key, lambda: self.repo.topic_listing(topic, guild_id=guild_id))

    async def mentioning(self, words: Sequence[str]) -> frozenset[int]:
        """The releases whose text contains any of ``words``."""
        key = tuple(sorted(words))
        return await self._words.get(key, lambda: self.repo.mentioning_any(key))

    async def releases(self, ids: Sequence[int]) -> list[Release]:
        """The releases with these ids at their current versions, in this order, those gone left out; one query
        for all those not read already. Whether a server sees them is for the caller (they come from its
        :meth:`listing`)."""

        async def read(wanted: list[int]) -> dict[int, Release]:
            return {release.id: release for release in await self.repo.get_many(wanted)}

        batch = _Batch(self._releases, ids, lambda release_id: release_id, read)
        found = [await self._releases.get(i, batch.reader(i)) for i in ids]
        return [release for release in found if release is not None]

    async def items(self, releases: Sequence[Release], sentences: int | None, guild_id: int) -> list[DigestItem]:
        """The digest entries of ``releases`` as :meth:`DigestService.items` lays them out for the server
        (``releases`` of distinct stories, as a run's new releases are: one entry each, in order)."""
        if len({release.story for release in releases}) != len(releases):
            raise ValueError("the releases of one digest must be of distinct stories")
        scope = await self.scope(guild_id)
        count = sentences or self.digests.summary_sentences
        by_id = {release.id: release for release in releases}

        def key(release_id: int) -> tuple[Scope, int, int, int]:
            return (scope, release_id, by_id[release_id].version_id, count)

        async def lay_out(wanted: list[int]) -> dict[int, DigestItem]:
            items = await self.digests.items([by_id[i] for i in wanted], count, guild_id=guild_id)
            return dict(zip(wanted, items, strict=True))

        batch = _Batch(self._items, [r.id for r in releases], key, lay_out)
        found = [await self._items.get(key(r.id), batch.reader(r.id)) for r in releases]
        return [item for item in found if item is not None]


class _Batch(Generic[K, V]):
    """Reads the answers missing from ``answers`` for ``ids`` in one call, the first time one of them is asked."""

    def __init__(
        self,
        answers: SharedAnswers[K, V | None],
        ids: Sequence[int],
        key: Callable[[int], K],
        read: Callable[[list[int]], Awaitable[dict[int, V]]],
    ) -> None:
        self.missing = [i for i in ids if not answers.fresh(key(i))]
        self.read = read
        self._task: asyncio.Future[dict[int, V]] | None = None

    def reader(self, item: int) -> Callable[[], Awaitable[V | None]]:
        async def one() -> V | None:
            if item not in self.missing:  # it went stale since: on its own
                return (await self.read([item])).get(item)
            if self._task is None:
                self._task = asyncio.ensure_future(self.read(self.missing))
            return (await asyncio.shield(self._task)).get(item)

        return one


