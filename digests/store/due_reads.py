"""What daily-digest runs read in bulk: every release about a topic as a server sees it (ids only, newest first),
the releases mentioning some words, and what decides which releases a server sees (the sources it follows).

A run needs *every* undelivered release about its topic (it posts the newest and counts the rest), so it reads
the topic's matches once as ``(id, version, story)`` triples instead of whole rows in pages; the runs due at the
same time share those lists (see :mod:`digests.due`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from digests.store import fts
from digests.store.release_rows import NEWEST_FIRST
from digests.store.release_topics import TopicReads
from digests.store.scope import visible_release


@dataclass(frozen=True, slots=True)
class TopicListing:
    """The releases about a topic that one server sees, newest first: parallel tuples of ids, current version
    numbers and stories (a release's story is its own id when it is the first or only copy)."""

    ids: tuple[int, ...]
    versions: tuple[int, ...]
    stories: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.ids)


class DueReads(TopicReads):
    """Bulk reads for daily-digest runs."""

    async def topic_listing(self, topic: str, *, guild_id: int | None = None) -> TopicListing:
        """Every release about ``topic`` the server sees, newest first (the order and matches of
        :meth:`~digests.store.release_topics.TopicReads.for_topic`), as ids, versions and stories."""
        found = await self._topic_match(topic, guild_id)
        if found is None:
            return TopicListing((), (), ())
        # All matches are wanted: looked up by id and sorted (reading the whole newest-first index would visit
        # every release to keep a fraction of them).
        about, about_params = self._about(*found, each=False)
        visible, params = visible_release(guild_id)
        rows = await self._all(
            f"SELECT r.id, v.version, COALESCE(r.story_id, r.id) AS story FROM releases r {self._plans.by_id} "
            f"JOIN release_versions v ON v.id = r.current_version_id WHERE {about} AND {visible} "
            f"ORDER BY {NEWEST_FIRST}",
            [*about_params, *params],
        )
        return TopicListing(
            tuple(int(row[0]) for row in rows), tuple(int(row[1]) for row in rows), tuple(int(row[2]) for row in rows)
        )

    async def mentioning_any(self, words: Sequence[str]) -> frozenset[int]:
        """The releases whose title or body (current version) contains any of ``words`` (any word form)."""
        match = fts.match_any([word] for word in words)
        if match is None:
            return frozenset()
        ids, params = self._fts.release_ids(match)
        return frozenset(int(row[0]) for row in await self._all(ids, params))

    async def followed_sources(self, guild_id: int) -> tuple[int, ...]:
        """The sources a server follows: with :func:`~digests.store.scope.visible_release`, all that decides
        which releases it sees (two servers following the same sources see the same releases)."""
        rows = await self._all(
            "SELECT source_id FROM source_follows WHERE guild_id = ? ORDER BY source_id", (guild_id,)
        )
        return tuple(int(row[0]) for row in rows)
