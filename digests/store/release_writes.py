"""Writing releases: new releases, new versions, metadata, their sentences, quotes, topic terms and story."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from digests.models import Analysis, ReleaseDraft, TopicTerms
from digests.store import counts, stories
from digests.store.db import Database, to_db_time
from digests.store.release_rows import (
    RELEASE_FROM,
    RepositoryBase,
    SaveResult,
    body_hash,
    metadata_of,
)
from digests.topics import normalise, topic_terms


class ReleaseWrites(RepositoryBase):
    """Saving releases (one or a batch, in one transaction)."""

    _counts: counts.CountChanges | None = None  # a batch gathers its topic and speaker count changes here
    _expansions: set[str] | None = None  # and the acronym expansions it stored, learned after it (learn_phrases)

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
        digest = body_hash(draft.body)

        expansions: set[str] = set()

        async def save(db: Database) -> SaveResult:
            writes = ReleaseWrites(db)
            await writes._begin(expansions)
            result = await writes._save(draft, analysis, algorithm, now, digest, is_global, topics)
            await writes._scope(result.release_id, source_id, is_global)
            return result

        result = await self._db.batch(save)
        await self._fts.learn_phrases(self._db, expansions)
        return result

    async def metadata_changed(self, draft: ReleaseDraft) -> bool:
        """Whether saving ``draft`` (same body as stored) would change the stored title, link, source, date or
        tags."""
        row = await self._one(
            "SELECT title, url, source, published_at, tags FROM releases WHERE canonical_id = ?", (draft.canonical_id,)
        )
        if row is None:
            return True
        return (row["title"], row["url"], row["source"], row["published_at"], row["tags"]) != metadata_of(draft)

    async def save_many(
        self,
        items: Sequence[tuple[ReleaseDraft, Analysis | None, datetime]],
        algorithm: str,
        topics: Sequence[TopicTerms | None] | None = None,
    ) -> list[SaveResult]:
        """Store several global releases (``(draft, analysis, now)`` each, as :meth:`save`) in one transaction;
        ``topics[i]`` is item i's ``topics`` argument of :meth:`save` (worked out before, off the event loop)."""
        each_topics = topics if topics is not None else [None] * len(items)
        hashed = [
            (draft, analysis, now, body_hash(draft.body), terms)
            for (draft, analysis, now), terms in zip(items, each_topics, strict=True)
        ]

        expansions: set[str] = set()

        async def save(db: Database) -> list[SaveResult]:
            writes = ReleaseWrites(db)
            await writes._begin(expansions)
            writes._counts = counts.CountChanges()  # the batch's count changes, written once at its end
            results = []
            for draft, analysis, now, digest, terms in hashed:
                result = await writes._save(draft, analysis, algorithm, now, digest, True, terms)
                await writes._scope(result.release_id, None, True)
                results.append(result)
            await writes._counts.write(db)
            return results

        results = await self._db.batch(save)
        await self._fts.learn_phrases(self._db, expansions)
        return results

    async def _begin(self, expansions: set[str]) -> None:
        """The start of a transaction that writes releases: the engine's writer lock first, if it has one; the
        acronym expansions stored are gathered in ``expansions``."""
        if self._fts.release_writer_lock:
            await self._db.execute(self._fts.release_writer_lock)
        self._expansions = expansions

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
            f"FROM {RELEASE_FROM} WHERE r.canonical_id = ?",
            (draft.canonical_id,),
        )
        metadata = metadata_of(draft)
        if row is not None and row["body_hash"] == digest:
            stored = (row["title"], row["url"], row["source"], row["published_at"], row["tags"])
            if stored == metadata:
                return SaveResult("unchanged", row["id"], row["version"])
            await self._db.execute(self._fts.unindex_release, (row["id"],))  # before the title changes
            await self._update_metadata(row["id"], metadata, now)
            await self._db.execute(self._fts.index_release, (row["id"],))
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
            # out of the index before the title or current version changes
            await self._db.execute(self._fts.unindex_release, (release_id,))
            await self._db.execute(self._fts.delete_version_quotes, (row["vid"],))
            await self._update_metadata(release_id, metadata, now)
        speakers_before = await counts.release_speakers(self._db, release_id) if row is not None else Counter()
        version_id = await self._insert_version(release_id, version, draft.body, digest, algorithm, analysis, now)
        await self._db.execute("UPDATE releases SET current_version_id = ? WHERE id = ?", (version_id, release_id))
        speakers = Counter(quote.speaker for quote in analysis.quotes if quote.speaker)
        speakers.subtract(speakers_before)
        buckets = await counts.buckets_of(self._db, release_id)
        if self._counts is not None:
            self._counts.speakers(buckets, speakers)
        else:
            await counts.change_speakers(self._db, buckets, speakers)
        await self._db.execute(self._fts.index_release, (release_id,))
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
            f"ingested_at) VALUES (?, ?, {self._db.dialect.body_param}, ?, ?, ?, ?)",
            (release_id, version, body, digest, algorithm, len(analysis.sentences), to_db_time(now)),
        )
        rank = {idx: position for position, idx in enumerate(analysis.summary.order)}
        await self._db.executemany(
            "INSERT INTO sentences (version_id, idx, paragraph, start_pos, end_pos, score, rank) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    version_id,
                    s.idx,
                    s.paragraph,
                    s.start,
                    s.end,
                    analysis.summary.scores[s.idx],
                    rank[s.idx],
                )
                for s in analysis.sentences
            ],
        )
        await self._db.executemany(
            "INSERT INTO quotes (version_id, release_id, text, speaker, speaker_title, sentence_idx, paragraph,"
            " start_pos, end_pos, score, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
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
                )
                for quote in analysis.quotes
            ],
        )
        for statement in self._fts.index_version_quotes:
            await self._db.execute(statement, (version_id,))
        return version_id

    async def _store_topics(self, release_id: int, topics: TopicTerms) -> None:
        old = await counts.release_terms(self._db, release_id)
        await self._db.execute("DELETE FROM topic_terms WHERE release_id = ?", (release_id,))
        terms: dict[str, tuple[str, str | None]] = {}
        for acronym, expansion in topics.acronyms.items():
            terms[normalise(acronym)] = ("acronym", normalise(expansion))
            if self._expansions is not None:
                self._expansions.add(normalise(expansion))
            terms.setdefault(normalise(expansion), ("expansion", normalise(acronym)))
        for keyword in topics.keywords:
            terms.setdefault(keyword, ("keyword", None))
        await self._db.executemany(
            "INSERT INTO topic_terms (release_id, term, kind, alias) VALUES (?, ?, ?, ?)",
            [(release_id, term, kind, alias) for term, (kind, alias) in terms.items() if term],
        )
        new = {term: kind for term, (kind, _) in terms.items() if term}
        buckets = await counts.buckets_of(self._db, release_id)
        if self._counts is not None:
            self._counts.topics(buckets, old, new)
        else:
            await counts.change_topics(self._db, buckets, old, new)
