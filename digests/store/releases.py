"""Releases, their versions, sentences, quotes and topic terms: plain SQL with ``?`` parameters."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from digests.models import Analysis, Quote, QuoteHit, Release, ReleaseDraft, Sentence, TopicTerms
from digests.store import counts, fts, stories
from digests.store.db import Database, Row, from_db_time, to_db_time, to_db_time_or_none
from digests.store.scope import visible_release
from digests.topics import STOP_WORDS, normalise, topic_terms
from digests.userinput import search_words

SaveStatus = Literal["added", "updated", "metadata", "unchanged"]

_RELEASE_COLUMNS = """
    r.id, r.canonical_id, r.title, r.url, r.source, r.published_at, r.tags, r.created_at, r.story_id,
    v.id AS version_id, v.version, v.ingested_at, v.sentence_count
"""
_QUOTE_COLUMNS = """
    q.id AS quote_id, q.text, q.speaker, q.speaker_title, q.sentence_idx, q.paragraph, q.start_pos, q.end_pos,
    q.score, q.rank
"""
_RELEASE_FROM = "releases r JOIN release_versions v ON v.id = r.current_version_id"
# Newest first: the publication date when known, else when we first stored it.
_NEWEST_FIRST = "r.sort_at DESC, r.id DESC"  # sort_at = COALESCE(published_at, created_at), indexed
# Above this many matches a topic's page is read in index order (newest first) instead of sorting the matches.
_DENSE_TOPIC = 2000


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What saving a release did: ``added`` (new), ``updated`` (new version), ``metadata`` or ``unchanged``."""

    status: SaveStatus
    release_id: int
    version: int


def body_hash(body: str) -> str:
    """The identity of a body's text, insensitive to trailing whitespace and line-ending style."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").strip().split("\n")]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _release(row: Row) -> Release:
    return Release(
        id=row["id"],
        canonical_id=row["canonical_id"],
        title=row["title"],
        url=row["url"],
        source=row["source"],
        published_at=from_db_time(row["published_at"]),
        tags=tuple(json.loads(row["tags"])),
        version=row["version"],
        version_id=row["version_id"],
        ingested_at=datetime.fromisoformat(row["ingested_at"]),
        sentence_count=row["sentence_count"],
        story_id=row["story_id"] or 0,
    )


def _metadata(draft: ReleaseDraft) -> tuple[Any, ...]:
    """A draft's title, link, source, date and tags as stored."""
    return (
        draft.title,
        draft.url,
        draft.source,
        to_db_time_or_none(draft.published_at),
        json.dumps(list(draft.tags)),
    )


def _quote(row: Row) -> Quote:
    return Quote(
        text=row["text"],
        speaker=row["speaker"],
        speaker_title=row["speaker_title"],
        sentence_idx=row["sentence_idx"],
        paragraph=row["paragraph"],
        start=row["start_pos"],
        end=row["end_pos"],
        score=row["score"],
        rank=row["rank"],
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _content_words(text: str) -> list[str]:
    """The words of user text without stop words (all of them if only stop words remain)."""
    words = search_words(text)
    return [word for word in words if word not in STOP_WORDS] or words


class ReleaseRepository:
    """Reads and writes releases."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._fts = db.dialect.fts
        self._plans = db.dialect.plans
        self._like = db.dialect.like
        self._all = db.fetch_all
        self._one = db.fetch_one

    async def save(
        self,
        draft: ReleaseDraft,
        analysis: Analysis | None,
        algorithm: str,
        now: datetime,
        *,
        source_id: int | None = None,
        is_global: bool = True,
        topics: TopicTerms | None = None,
    ) -> SaveResult:
        """Store a release: new, a new version of a stored one (changed body), new metadata, or nothing.

        ``analysis`` may be ``None`` only when the body is unchanged (callers check :meth:`with_body_hash`);
        ``topics`` are then the draft's topic terms if its metadata changed (worked out before, off the event loop;
        without them they are worked out here).
        ``source_id`` is the feed it came from (linked even when nothing else changed); ``is_global`` makes it
        visible in every server (files, pages and global sources) — a release once global stays global.
        """
        async with self._db.transaction():
            result = await self._save(draft, analysis, algorithm, now, body_hash(draft.body), is_global, topics)
            await self._scope(result.release_id, source_id, is_global)
            return result

    async def metadata_changed(self, draft: ReleaseDraft) -> bool:
        """Whether saving ``draft`` (same body as stored) would change the stored title, link, source, date or
        tags."""
        row = await self._one(
            "SELECT title, url, source, published_at, tags FROM releases WHERE canonical_id = ?", (draft.canonical_id,)
        )
        if row is None:
            return True
        return (row["title"], row["url"], row["source"], row["published_at"], row["tags"]) != _metadata(draft)

    async def save_many(
        self, items: Sequence[tuple[ReleaseDraft, Analysis | None, datetime]], algorithm: str
    ) -> list[SaveResult]:
        """Store several global releases (``(draft, analysis, now)`` each, as :meth:`save`) in one transaction."""
        async with self._db.transaction():
            results = []
            for draft, analysis, now in items:
                result = await self._save(draft, analysis, algorithm, now, body_hash(draft.body), True)
                await self._scope(result.release_id, None, True)
                results.append(result)
            return results

    async def _scope(self, release_id: int, source_id: int | None, is_global: bool) -> None:
        before = await counts.buckets_of(self._db, release_id)
        if source_id is not None:
            await self._db.execute(
                "INSERT INTO release_sources (release_id, source_id) VALUES (?, ?) "
                "ON CONFLICT (release_id, source_id) DO NOTHING",
                (release_id, source_id),
            )
        if is_global:
            await self._db.execute("UPDATE releases SET is_global = 1 WHERE id = ? AND is_global = 0", (release_id,))
        await counts.move_release(self._db, release_id, before, await counts.buckets_of(self._db, release_id))

    async def _save(
        self,
        draft: ReleaseDraft,
        analysis: Analysis | None,
        algorithm: str,
        now: datetime,
        digest: str,
        is_global: bool,
        topics: TopicTerms | None = None,
    ) -> SaveResult:
        row = await self._one(
            "SELECT r.id, r.title, r.url, r.source, r.published_at, r.tags, v.version, v.body_hash, v.id AS vid "
            f"FROM {_RELEASE_FROM} WHERE r.canonical_id = ?",
            (draft.canonical_id,),
        )
        metadata = _metadata(draft)
        if row is not None and row["body_hash"] == digest:
            stored = (row["title"], row["url"], row["source"], row["published_at"], row["tags"])
            if stored == metadata:
                return SaveResult("unchanged", row["id"], row["version"])
            await self._update_metadata(row["id"], metadata, now)
            await self._index_release(row["id"], draft.title, draft.body)
            await self._store_topics(row["id"], topics or topic_terms(draft.title, draft.body, draft.tags))
            return SaveResult("metadata", row["id"], row["version"])
        if analysis is None:
            raise ValueError("a new or changed release needs its analysis")
        if row is None:
            release_id = await self._db.insert(
                "INSERT INTO releases (canonical_id, title, url, source, published_at, tags, created_at, updated_at,"
                " is_global, sort_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.canonical_id,
                    *metadata,
                    to_db_time(now),
                    to_db_time(now),
                    int(is_global),
                    metadata[3] or to_db_time(now),
                ),
            )
            version, status = 1, "added"
        else:
            release_id, version, status = row["id"], row["version"] + 1, "updated"
            await self._update_metadata(release_id, metadata, now)
            await self._db.execute(self._fts.delete_version_quotes, (row["vid"],))
        speakers_before = await counts.release_speakers(self._db, release_id) if row is not None else Counter()
        version_id = await self._insert_version(release_id, version, draft.body, digest, algorithm, analysis, now)
        await self._db.execute("UPDATE releases SET current_version_id = ? WHERE id = ?", (version_id, release_id))
        speakers = Counter(quote.speaker for quote in analysis.quotes if quote.speaker)
        speakers.subtract(speakers_before)
        await counts.change_speakers(self._db, await counts.buckets_of(self._db, release_id), speakers)
        await self._index_release(release_id, draft.title, draft.body)
        await self._store_topics(release_id, analysis.topics)
        await stories.attach(self._db, release_id, analysis.fingerprint, new=status == "added", source=draft.source)
        return SaveResult(status, release_id, version)  # type: ignore[arg-type]

    async def _update_metadata(self, release_id: int, metadata: tuple[Any, ...], now: datetime) -> None:
        await self._db.execute(
            "UPDATE releases SET title = ?, url = ?, source = ?, published_at = ?, tags = ?, updated_at = ?, "
            "sort_at = COALESCE(?, created_at) WHERE id = ?",
            (*metadata, to_db_time(now), metadata[3], release_id),
        )

    async def _insert_version(
        self,
        release_id: int,
        version: int,
        body: str,
        digest: str,
        algorithm: str,
        analysis: Analysis,
        now: datetime,
    ) -> int:
        version_id = await self._db.insert(
            "INSERT INTO release_versions (release_id, version, body, body_hash, algorithm, sentence_count, "
            "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (release_id, version, body, digest, algorithm, len(analysis.sentences), to_db_time(now)),
        )
        rank = {idx: position for position, idx in enumerate(analysis.summary.order)}
        await self._db.executemany(
            "INSERT INTO sentences (version_id, idx, paragraph, text, start_pos, end_pos, score, rank) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    version_id,
                    s.idx,
                    s.paragraph,
                    s.text,
                    s.start,
                    s.end,
                    analysis.summary.scores[s.idx],
                    rank[s.idx],
                )
                for s in analysis.sentences
            ],
        )
        for quote in analysis.quotes:
            quote_id = await self._db.insert(
                "INSERT INTO quotes (version_id, release_id, text, speaker, speaker_title, sentence_idx, paragraph,"
                " start_pos, end_pos, score, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    version_id,
                    release_id,
                    quote.text,
                    quote.speaker,
                    quote.speaker_title,
                    quote.sentence_idx,
                    quote.paragraph,
                    quote.start,
                    quote.end,
                    quote.score,
                    quote.rank,
                ),
            )
            await self._db.execute(
                self._fts.index_quote, (quote_id, quote.text, quote.speaker or "", quote.speaker_title or "")
            )
        return version_id

    async def _index_release(self, release_id: int, title: str | None, body: str) -> None:
        await self._db.execute(self._fts.delete_release, (release_id,))
        await self._db.execute(self._fts.index_release, (release_id, title or "", body))

    async def _store_topics(self, release_id: int, topics: TopicTerms) -> None:
        old = await counts.release_terms(self._db, release_id)
        await self._db.execute("DELETE FROM topic_terms WHERE release_id = ?", (release_id,))
        terms: dict[str, tuple[str, str | None]] = {}
        for acronym, expansion in topics.acronyms.items():
            terms[normalise(acronym)] = ("acronym", normalise(expansion))
            terms.setdefault(normalise(expansion), ("expansion", normalise(acronym)))
        for keyword in topics.keywords:
            terms.setdefault(keyword, ("keyword", None))
        await self._db.executemany(
            "INSERT INTO topic_terms (release_id, term, kind, alias) VALUES (?, ?, ?, ?)",
            [(release_id, term, kind, alias) for term, (kind, alias) in terms.items() if term],
        )
        new = {term: kind for term, (kind, _) in terms.items() if term}
        await counts.change_topics(self._db, await counts.buckets_of(self._db, release_id), old, new)

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
            f"SELECT {_RELEASE_COLUMNS} FROM {_RELEASE_FROM} WHERE r.canonical_id = ? AND {visible}",
            (canonical_id, *params),
        )
        return _release(row) if row else None

    async def with_body_hash(self, canonical_id: str) -> tuple[Release, str] | None:
        """The release with this canonical id at its current version, and that version's body hash."""
        row = await self._one(
            f"SELECT {_RELEASE_COLUMNS}, v.body_hash FROM {_RELEASE_FROM} WHERE r.canonical_id = ?", (canonical_id,)
        )
        return (_release(row), row["body_hash"]) if row else None

    async def get(self, release_id: int, *, guild_id: int | None = None) -> Release | None:
        """The release with this id at its current version, if the server sees it."""
        visible, params = visible_release(guild_id)
        row = await self._one(
            f"SELECT {_RELEASE_COLUMNS} FROM {_RELEASE_FROM} WHERE r.id = ? AND {visible}", (release_id, *params)
        )
        return _release(row) if row else None

    async def get_many(self, release_ids: Sequence[int], *, guild_id: int | None = None) -> list[Release]:
        """The releases with these ids at their current versions, in the order given; missing ids (and those the
        server does not see) are left out."""
        placeholders = ", ".join("?" for _ in release_ids) or "NULL"
        visible, params = visible_release(guild_id)
        rows = await self._all(
            f"SELECT {_RELEASE_COLUMNS} FROM {_RELEASE_FROM} WHERE r.id IN ({placeholders}) AND {visible}",
            (*release_ids, *params),
        )
        found = {release.id: release for release in map(_release, rows)}
        return [found[release_id] for release_id in release_ids if release_id in found]

    async def story_members(self, story_ids: Sequence[int], *, guild_id: int | None = None) -> dict[int, list[Release]]:
        """Every copy of these stories the server sees, at its current version, oldest first, by story id."""
        placeholders = ", ".join("?" for _ in story_ids) or "NULL"
        visible, params = visible_release(guild_id)
        rows = await self._all(
            f"SELECT {_RELEASE_COLUMNS} FROM {_RELEASE_FROM} "
            f"WHERE (r.story_id IN ({placeholders}) OR r.id IN ({placeholders})) AND {visible} ORDER BY r.id",
            [*story_ids, *story_ids, *params],
        )
        found: dict[int, list[Release]] = {}
        for release in map(_release, rows):
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
        match = fts.match_all(_content_words(search)) if search else None
        if search and match is None:
            return []
        where, params = visible_release(guild_id)
        plan = ""
        if match:
            # Many matches: read newest first along the index, checking each release alone; few: by id, sorted.
            counted, count_params = self._fts.count_releases(match)
            row = await self._one(counted, count_params)
            if row is not None and int(row["n"]) > _DENSE_TOPIC:
                condition, match_params = self._fts.release_matches(match, "r.id")
                plan = self._plans.newest_first
            else:
                ids, match_params = self._fts.release_ids(match)
                condition, plan = f"r.id IN ({ids})", self._plans.by_id
            where += f" AND {condition}"
            params.extend(match_params)
        rows = await self._all(
            f"SELECT {_RELEASE_COLUMNS} FROM releases r {plan} JOIN release_versions v ON v.id = r.current_version_id "
            f"WHERE {where} ORDER BY {_NEWEST_FIRST} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_release(row) for row in rows]

    async def topic_aliases(self, term: str, *, guild_id: int | None = None) -> list[str]:
        """The other side of every acronym definition of ``term`` (normalised), from any release the server
        sees (another server's release must not change what a topic means here)."""
        visible, params = visible_release(guild_id)
        rows = await self._all(
            "SELECT DISTINCT t.alias FROM topic_terms t JOIN releases r ON r.id = t.release_id "
            f"WHERE t.term = ? AND t.alias IS NOT NULL AND {visible} ORDER BY t.alias",
            (term, *params),
        )
        return [row["alias"] for row in rows]

    async def _topic_match(self, topic: str, guild_id: int | None) -> tuple[fts.Match, list[str]] | None:
        """What finds the releases about ``topic``: its words (or an acronym/expansion of it) in the text, and the
        topic terms (the term and its aliases) stored for releases."""
        term = normalise(topic)
        if not term:
            return None
        phrases = [term, *await self.topic_aliases(term, guild_id=guild_id)]
        match = fts.match_any(p.split() for p in phrases)
        assert match is not None  # term is not empty
        return match, phrases

    async def _topic_ids(self, topic: str, guild_id: int | None) -> tuple[str, list[Any]] | None:
        """A subquery of the ids of the releases about ``topic``; the caller adds the visibility condition."""
        found = await self._topic_match(topic, guild_id)
        if found is None:
            return None
        match, phrases = found
        ids, match_params = self._fts.release_ids(match)
        placeholders = ", ".join("?" for _ in phrases)
        subquery = f"{ids} UNION SELECT release_id FROM topic_terms WHERE term IN ({placeholders})"
        return subquery, [*match_params, *phrases]

    async def for_topic(
        self,
        topic: str,
        since: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        *,
        guild_id: int | None = None,
    ) -> list[Release]:
        """Releases about ``topic`` that the server sees, newest first (``offset`` skips that many, to read them
        in pages)."""
        return (await self.topic_page(topic, since, limit, offset, guild_id=guild_id))[1]

    async def topic_page(
        self,
        topic: str,
        since: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        *,
        guild_id: int | None = None,
    ) -> tuple[int, list[Release]]:
        """How many releases about ``topic`` the server sees (since ``since``), and ``limit`` of them from
        ``offset``, newest first.

        A frequent topic is read along the newest-first index, each release checked on its own, until the page is
        full; a rare one is looked up by id and its few matches sorted. Same rows in the same order either way.
        """
        found = await self._topic_match(topic, guild_id)
        if found is None:
            return 0, []
        match, phrases = found
        placeholders = ", ".join("?" for _ in phrases)
        in_terms = f"r.id IN (SELECT release_id FROM topic_terms WHERE term IN ({placeholders}))"
        matches, match_params = self._fts.release_matches(match, "r.id")
        each = (f"({matches} OR {in_terms})", [*match_params, *phrases])
        ids, ids_params = self._fts.release_ids(match)
        by_id = (
            f"r.id IN ({ids} UNION SELECT release_id FROM topic_terms WHERE term IN ({placeholders}))",
            [*ids_params, *phrases],
        )
        visible, visible_params = visible_release(guild_id)
        window = (" AND r.sort_at >= ?", [to_db_time(since)]) if since else ("", [])
        total, dense = await self._count_topic(match, phrases, each, by_id, window, guild_id)
        if total <= offset:
            return total, []
        about, about_params = each if dense else by_id
        plan = self._plans.newest_first if dense else self._plans.by_id
        rows = await self._all(
            f"SELECT {_RELEASE_COLUMNS} FROM releases r {plan} JOIN release_versions v ON v.id = r.current_version_id "
            f"WHERE {about} AND {visible}{window[0]} ORDER BY {_NEWEST_FIRST} LIMIT ? OFFSET ?",
            [*about_params, *visible_params, *window[1], limit, offset],
        )
        return total, [_release(row) for row in rows]

    async def _count_topic(
        self,
        match: fts.Match,
        phrases: list[str],
        each: tuple[str, list[Any]],
        by_id: tuple[str, list[Any]],
        window: tuple[str, list[Any]],
        guild_id: int | None,
    ) -> tuple[int, bool]:
        """How many releases about a topic the server sees, and whether they are many (read them newest first).

        Counted along the full-text lists (no release read), plus the releases only the topic terms find; then,
        only when needed, the server's hidden releases are taken off or the ``since`` window counted.
        """
        counted, params = self._fts.count_releases(match)
        row = await self._one(counted, params)
        in_text = int(row["n"]) if row else 0
        placeholders = ", ".join("?" for _ in phrases)
        row = await self._one(f"SELECT COUNT(*) AS n FROM topic_terms WHERE term IN ({placeholders})", phrases)
        if row and row["n"]:  # releases the terms find that the text does not
            ids, ids_params = self._fts.release_ids(match)
            row = await self._one(
                f"SELECT COUNT(DISTINCT t.release_id) AS n FROM topic_terms t WHERE t.term IN ({placeholders}) "
                f"AND t.release_id NOT IN ({ids})",
                [*phrases, *ids_params],
            )
            in_text += int(row["n"]) if row else 0
        everywhere = in_text
        dense = everywhere > _DENSE_TOPIC
        if guild_id is None and not window[0]:
            return everywhere, dense
        visible, visible_params = visible_release(guild_id)
        if window[0] or not dense:
            about, about_params = each if dense else by_id
            plan = self._plans.newest_first if dense else self._plans.by_id
            row = await self._one(
                f"SELECT COUNT(*) AS n FROM releases r {plan} WHERE {about} AND {visible}{window[0]}",
                [*about_params, *visible_params, *window[1]],
            )
            return (int(row["n"]) if row else 0), dense
        # Many matches, no window: take off the server's hidden releases among them (non-global ones only).
        about, about_params = each
        row = await self._one(
            f"SELECT COUNT(*) AS n FROM releases r WHERE r.is_global = 0 AND NOT {visible} AND {about}",
            [*visible_params, *about_params],
        )
        return everywhere - (int(row["n"]) if row else 0), dense

    async def has_topic(self, topic: str, *, guild_id: int | None = None) -> bool:
        """Whether the server sees any release about ``topic``."""
        found = await self._topic_ids(topic, guild_id)
        if found is None:
            return False
        visible, params = visible_release(guild_id)
        row = await self._one(
            f"SELECT 1 FROM releases r WHERE r.id IN ({found[0]}) AND {visible} LIMIT 1", [*found[1], *params]
        )
        return row is not None

    async def known_topics(self, prefix: str = "", limit: int = 200, *, guild_id: int | None = None) -> list[str]:
        """Topic terms of the releases the server sees starting with ``prefix``, most widely used first; acronyms
        before other kinds among equals (from the counts kept at write time)."""
        buckets = await counts.viewer_buckets(self._db, guild_id)
        return await counts.top_topics(self._db, buckets, normalise(prefix) if prefix else "", limit)

    async def summary_sentences(self, version_ids: Sequence[int], count: int) -> dict[int, tuple[Sentence, ...]]:
        """The ``count`` best sentences of each version, in document order, in one query."""
        placeholders = ", ".join("?" for _ in version_ids) or "NULL"
        rows = await self._all(
            "SELECT version_id, idx, paragraph, text, start_pos, end_pos FROM sentences "
            f"WHERE version_id IN ({placeholders}) AND rank < ? ORDER BY version_id, idx",
            [*version_ids, count],
        )
        found: dict[int, list[Sentence]] = {version_id: [] for version_id in version_ids}
        for r in rows:
            found[r["version_id"]].append(Sentence(r["idx"], r["paragraph"], r["text"], r["start_pos"], r["end_pos"]))
        return {version_id: tuple(sentences) for version_id, sentences in found.items()}

    async def best_quotes(self, version_ids: Sequence[int], limit: int) -> dict[int, tuple[Quote, ...]]:
        """The ``limit`` best quotes of each version, best first, in one query."""
        placeholders = ", ".join("?" for _ in version_ids) or "NULL"
        rows = await self._all(
            f"SELECT * FROM (SELECT {_QUOTE_COLUMNS}, q.version_id, "
            "ROW_NUMBER() OVER (PARTITION BY q.version_id ORDER BY q.rank) AS n "
            f"FROM quotes q WHERE q.version_id IN ({placeholders})) AS ranked WHERE n <= ? ORDER BY version_id, rank",
            [*version_ids, limit],
        )
        found: dict[int, list[Quote]] = {version_id: [] for version_id in version_ids}
        for row in rows:
            found[row["version_id"]].append(_quote(row))
        return {version_id: tuple(quotes) for version_id, quotes in found.items()}

    async def quotes(
        self, version_id: int, limit: int | None = None, *, guild_id: int | None = None
    ) -> tuple[Quote, ...]:
        """A version's quotes, best first (all of them unless ``limit``); none if the server does not see it."""
        visible, params = visible_release(guild_id)
        sql = (
            f"SELECT {_QUOTE_COLUMNS} FROM quotes q JOIN releases r ON r.id = q.release_id "
            f"WHERE q.version_id = ? AND {visible} ORDER BY q.rank"
        )
        rows = (
            await self._all(f"{sql} LIMIT ?", (version_id, *params, limit))
            if limit
            else await self._all(sql, (version_id, *params))
        )
        return tuple(_quote(row) for row in rows)

    async def search_quotes(
        self,
        query: str,
        speaker: str | None = None,
        release_ids: Sequence[int] | None = None,
        limit: int = 10,
        *,
        guild_id: int | None = None,
        topic: str | None = None,
    ) -> list[QuoteHit]:
        """Quotes of current versions of the releases the server sees, ranked by full-text relevance to ``query``.

        Every word must match; when that finds nothing, any word may (stop words dropped), so a question like
        "what did Singh say about withdrawal" still finds the quote. ``topic`` keeps the releases about it.
        """
        about = await self._topic_ids(topic, guild_id) if topic else None
        if topic and about is None:
            return []
        words = search_words(query)
        for match in (fts.match_all(words), fts.match_any([w] for w in _content_words(query))):
            if match is None:
                continue
            hits = await self._search_quotes(match, speaker, release_ids, about, limit, guild_id)
            if hits:
                return hits
        return []

    async def _search_quotes(
        self,
        match: fts.Match,
        speaker: str | None,
        release_ids: Sequence[int] | None,
        about: tuple[str, list[Any]] | None,
        limit: int,
        guild_id: int | None,
    ) -> list[QuoteHit]:
        hits, params = self._fts.quote_hits(match)
        visible, visible_params = visible_release(guild_id)
        clauses = ["q.version_id = r.current_version_id", visible]
        params.extend(visible_params)
        if speaker:
            clauses.append(f"q.speaker {self._like} ? ESCAPE '\\'")
            params.append(_like(speaker.strip()))
        if release_ids is not None:
            clauses.append(f"q.release_id IN ({', '.join('?' for _ in release_ids) or 'NULL'})")
            params.extend(release_ids)
        if about is not None:
            # The topic's releases as a subquery: never one bound variable per release.
            clauses.append(f"q.release_id IN ({about[0]})")
            params.extend(about[1])
        rows = await self._all(
            f"SELECT {_QUOTE_COLUMNS}, {_RELEASE_COLUMNS} FROM ({hits}) AS hit "
            "JOIN quotes q ON q.id = hit.rowid JOIN releases r ON r.id = q.release_id "
            "JOIN release_versions v ON v.id = r.current_version_id "
            f"WHERE {' AND '.join(clauses)} ORDER BY hit.score DESC, q.rank LIMIT ?",
            [*params, limit],
        )
        return [QuoteHit(quote=_quote(row), quote_id=row["quote_id"], release=_release(row)) for row in rows]

    async def speakers(self, prefix: str = "", limit: int = 25, *, guild_id: int | None = None) -> list[str]:
        """Speakers of current quotes of the releases the server sees, most quoted first, whose name contains
        ``prefix`` (from the counts kept at write time)."""
        buckets = await counts.viewer_buckets(self._db, guild_id)
        return await counts.top_speakers(self._db, buckets, _like(prefix.strip()), limit, self._like)
