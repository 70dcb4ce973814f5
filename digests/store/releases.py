"""Releases, their versions, sentences, quotes and topic terms: plain SQL with ``?`` parameters.

The repository is one class in parts: writes (:mod:`~digests.store.release_writes`), topic reads
(:mod:`~digests.store.release_topics`), summary and quote reads (:mod:`~digests.store.release_quotes`) and, here,
the reads by id, story and listing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager

from digests.models import Release, Sentence
from digests.store import fts, fts_merge, page_cache
from digests.store.due_reads import DueReads
from digests.store.release_quotes import QuoteReads
from digests.store.release_rows import (
    NEWEST_FIRST,
    RELEASE_COLUMNS,
    RELEASE_FROM,
    check_each,
    content_words,
    release_of,
    walk_newest,
)
from digests.store.release_rows import SaveResult as SaveResult
from digests.store.release_rows import SaveStatus as SaveStatus
from digests.store.release_rows import body_hash as body_hash
from digests.store.release_writes import ReleaseWrites
from digests.store.scope import visible_release


class ReleaseRepository(ReleaseWrites, QuoteReads, DueReads):
    """Reads and writes releases."""

    async def merge_full_text(self, steps: int = 8) -> bool:
        """Merge the full-text indexes' segments a bounded step at a time (SQLite; nothing on PostgreSQL); whether
        work is left for a later call (see :mod:`~digests.store.fts_merge`)."""
        return await fts_merge.merge_full_text(self._db, steps)

    def bulk_writes(self) -> AbstractAsyncContextManager[None]:
        """A block of many batched writes (a bulk ingest): SQLite keeps more of the store's pages meanwhile (see
        :mod:`~digests.store.page_cache`)."""
        return page_cache.larger_page_cache(self._db)

    async def canonical_ids_from(self, source_id: int) -> set[str]:
        """The canonical id of every release a source has carried."""
        rows = await self._all(
            "SELECT r.canonical_id FROM release_sources rs JOIN releases r ON r.id = rs.release_id "
            "WHERE rs.source_id = ?",
            (source_id,),
        )
        return {row["canonical_id"] for row in rows}

    async def shared_beyond(self, release_id: int, source_id: int) -> bool:
        """Whether others than a source's followers see a release: it is global or another source carried it."""
        row = await self._one(
            "SELECT 1 FROM releases r WHERE r.id = ? AND (r.is_global = 1 OR EXISTS "
            "(SELECT 1 FROM release_sources rs WHERE rs.release_id = r.id AND rs.source_id <> ?))",
            (release_id, source_id),
        )
        return row is not None

    async def by_canonical_id(self, canonical_id: str, *, guild_id: int | None = None) -> Release | None:
        """The release with this canonical id at its current version, if the server sees it."""
        visible, params = visible_release(guild_id)
        row = await self._one(
            f"SELECT {RELEASE_COLUMNS} FROM {RELEASE_FROM} WHERE r.canonical_id = ? AND {visible}",
            (canonical_id, *params),
        )
        return release_of(row) if row else None

    async def with_body_hash(self, canonical_id: str) -> tuple[Release, str] | None:
        """The release with this canonical id at its current version, and that version's body hash."""
        row = await self._one(
            f"SELECT {RELEASE_COLUMNS}, v.body_hash FROM {RELEASE_FROM} WHERE r.canonical_id = ?", (canonical_id,)
        )
        return (release_of(row), row["body_hash"]) if row else None

    async def get(self, release_id: int, *, guild_id: int | None = None) -> Release | None:
        """The release with this id at its current version, if the server sees it."""
        visible, params = visible_release(guild_id)
        row = await self._one(
            f"SELECT {RELEASE_COLUMNS} FROM {RELEASE_FROM} WHERE r.id = ? AND {visible}", (release_id, *params)
        )
        return release_of(row) if row else None

    async def get_many(self, release_ids: Sequence[int], *, guild_id: int | None = None) -> list[Release]:
        """The releases with these ids at their current versions, in the order given; missing ids (and those the
        server does not see) are left out."""
        placeholders = ", ".join("?" for _ in release_ids) or "NULL"
        visible, params = visible_release(guild_id)
        rows = await self._all(
            f"SELECT {RELEASE_COLUMNS} FROM {RELEASE_FROM} WHERE r.id IN ({placeholders}) AND {visible}",
            (*release_ids, *params),
        )
        found = {release.id: release for release in map(release_of, rows)}
        return [found[release_id] for release_id in release_ids if release_id in found]

    async def story_members(self, story_ids: Sequence[int], *, guild_id: int | None = None) -> dict[int, list[Release]]:
        """Every copy of these stories the server sees, at its current version, oldest first, by story id."""
        placeholders = ", ".join("?" for _ in story_ids) or "NULL"
        visible, params = visible_release(guild_id)
        rows = await self._all(
            f"SELECT {RELEASE_COLUMNS} FROM {RELEASE_FROM} "
            f"WHERE (r.story_id IN ({placeholders}) OR r.id IN ({placeholders})) AND {visible} ORDER BY r.id",
            [*story_ids, *story_ids, *params],
        )
        found: dict[int, list[Release]] = {}
        for release in map(release_of, rows):
            found.setdefault(release.story, []).append(release)
        return found

    async def story_quotes(self, story_ids: Sequence[int]) -> dict[int, list[str]]:
        """The quote texts of every copy of these stories (current versions), by release id."""
        placeholders = ", ".join("?" for _ in story_ids) or "NULL"
        rows = await self._all(
            "SELECT q.release_id, q.text FROM quotes q JOIN releases r ON q.version_id = r.current_version_id "
            f"WHERE r.story_id IN ({placeholders}) OR r.id IN ({placeholders})",
            [*story_ids, *story_ids],
        )
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row["release_id"], []).append(row["text"])
        return found

    async def count(self) -> int:
        """How many releases are stored."""
        row = await self._one("SELECT COUNT(*) AS n FROM releases")
        return int(row["n"]) if row else 0

    async def recent(
        self, search: str | None = None, limit: int = 50, offset: int = 0, *, guild_id: int | None = None
    ) -> list[Release]:
        """Stored releases the server sees, newest first, optionally only those whose title or body has every
        word of ``search`` (stop words aside)."""
        match = fts.match_all(content_words(search)) if search else None
        if search and match is None:
            return []
        where, params = visible_release(guild_id)
        plan = ""
        if match:
            # Many matches: read newest first along the index, checking each release alone or against the set of
            # matching ids (whichever reads less); few: by id, sorted.
            counted, count_params = self._fts.count_releases(match)
            row = await self._one(f"SELECT ({counted}) AS n, (SELECT MAX(id) FROM releases) AS stored", count_params)
            matches, stored = (int(row["n"]), int(row["stored"] or 0)) if row else (0, 0)
            walk = walk_newest(matches, stored, offset + limit)
            if walk and check_each(matches, stored, offset + limit, self._plans.seek_scale):
                condition, match_params = self._fts.release_matches(match, "r.id")
            else:
                ids, match_params = self._fts.release_ids(match)
                condition = f"r.id IN ({ids})"
            plan = self._plans.newest_first if walk else self._plans.by_id
            where += f" AND {condition}"
            params.extend(match_params)
        rows = await self._all(
            f"SELECT {RELEASE_COLUMNS} FROM releases r {plan} JOIN release_versions v ON v.id = r.current_version_id "
            f"WHERE {where} ORDER BY {NEWEST_FIRST} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [release_of(row) for row in rows]

    async def summary_sentences(self, version_ids: Sequence[int], count: int) -> dict[int, tuple[Sentence, ...]]:
        """The ``count`` best sentences of each version, in document order; their text is sliced from the body."""
        placeholders = ", ".join("?" for _ in version_ids) or "NULL"
        rows = await self._all(
            "SELECT version_id, idx, paragraph, start_pos, end_pos FROM sentences "
            f"WHERE version_id IN ({placeholders}) AND rank < ? ORDER BY version_id, idx",
            [*version_ids, count],
        )
        found: dict[int, list[Sentence]] = {version_id: [] for version_id in version_ids}
        wanted = list(dict.fromkeys(r["version_id"] for r in rows))
        in_wanted = ", ".join("?" for _ in wanted)
        body_rows = (
            await self._all(f"SELECT id, body FROM release_versions WHERE id IN ({in_wanted})", wanted)
            if wanted
            else []
        )
        texts = {row["id"]: self._db.dialect.read_body(row["body"]) for row in body_rows}
        for r in rows:
            text = texts[r["version_id"]][r["start_pos"] : r["end_pos"]]
            found[r["version_id"]].append(Sentence(r["idx"], r["paragraph"], text, r["start_pos"], r["end_pos"]))
        return {version_id: tuple(sentences) for version_id, sentences in found.items()}
