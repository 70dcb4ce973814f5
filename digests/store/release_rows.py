"""What the release repository's parts share: the connection, the dialect's SQL, the row mappers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from digests.models import Quote, Release, ReleaseDraft
from digests.store.db import Database, Row, from_db_time, to_db_time_or_none
from digests.topics import STOP_WORDS
from digests.userinput import search_words

SaveStatus = Literal["added", "updated", "metadata", "unchanged"]

RELEASE_COLUMNS = """
    r.id, r.canonical_id, r.title, r.url, r.source, r.published_at, r.tags, r.created_at, r.story_id,
    v.id AS version_id, v.version, v.ingested_at, v.sentence_count
"""
QUOTE_COLUMNS = """
    q.id AS quote_id, q.text, q.speaker, q.speaker_title, q.sentence_idx, q.paragraph, q.start_pos, q.end_pos,
    q.score, q.rank
"""
RELEASE_FROM = "releases r JOIN release_versions v ON v.id = r.current_version_id"
# Newest first: the publication date when known, else when we first stored it.
NEWEST_FIRST = "r.sort_at DESC, r.id DESC"  # sort_at = COALESCE(published_at, created_at), indexed
# Above this many matches a topic is counted along the newest-first index (with a ``since`` window) instead of by id.
DENSE_TOPIC = 2000
# A page of matches is read either newest first along the index, stopping once it is full (about ``wanted ×
# stored / matches`` index entries read, about 0.2 µs each), or by id and sorted (about 10 µs a match): reading one
# match by id costs as much as this many index entries (SQLite, 100,000 releases). Same rows either way.
BY_ID_COST = 50
# Reading newest first, each release can be checked alone (a full-text seek: about 60 µs in SQLite at 100,000
# releases) or against the set of every matching id (built once: about 0.2 µs a match): a seek costs as much as
# this many matches in the set. Either way the answer is the same; only the cost differs.
SEEK_COST = 300


def walk_newest(matches: int, stored: int, wanted: int) -> bool:
    """Whether the first ``wanted`` of ``matches`` (of ``stored`` releases) are cheaper read along the newest-first
    index than by id and sorted."""
    return wanted * stored < BY_ID_COST * matches * matches


def check_each(matches: int, stored: int, wanted: int, seek_scale: float = 1.0) -> bool:
    """Whether to check releases one by one along the newest-first index (else against the set of matching ids):
    the walk reads about ``wanted × stored / matches`` releases before it has ``wanted`` matches. ``seek_scale``:
    the engine's cost of a seek relative to SQLite's (the dialect's ``Plans.seek_scale``)."""
    return wanted * stored * SEEK_COST * seek_scale < matches * matches


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


def release_of(row: Row) -> Release:
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


def metadata_of(draft: ReleaseDraft) -> tuple[Any, ...]:
    """A draft's title, link, source, date and tags as stored."""
    return (
        draft.title,
        draft.url,
        draft.source,
        to_db_time_or_none(draft.published_at),
        json.dumps(list(draft.tags)),
    )


def quote_of(row: Row) -> Quote:
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


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def content_words(text: str) -> list[str]:
    """The words of user text without stop words (all of them if only stop words remain)."""
    words = search_words(text)
    return [word for word in words if word not in STOP_WORDS] or words


class RepositoryBase:
    """The database and the dialect's SQL, for each part of :class:`~digests.store.releases.ReleaseRepository`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._fts = db.dialect.fts
        self._plans = db.dialect.plans
        self._like = db.dialect.like
        self._all = db.fetch_all
        self._one = db.fetch_one
