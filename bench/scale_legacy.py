"""The store's queries as they were before issue 11 (commit 29f9302), kept to check that the indexed answers are
the same releases in the same order, and to time them as the baseline in the same run."""

from __future__ import annotations

from typing import Any

from digests.store import fts
from digests.store.db import Database
from digests.store.fts_sqlite import expression
from digests.topics import STOP_WORDS, closest, normalise
from digests.userinput import search_words

_NEWEST_FIRST = "COALESCE(r.published_at, r.created_at) DESC, r.id DESC"
_RELEASE_FROM = "releases r JOIN release_versions v ON v.id = r.current_version_id"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _content_words(text: str) -> list[str]:
    words = search_words(text)
    return [word for word in words if word not in STOP_WORDS] or words


async def _topic_filter(db: Database, topic: str) -> tuple[str, list[Any]] | None:
    term = normalise(topic)
    if not term:
        return None
    rows = await db.fetch_all(
        "SELECT DISTINCT alias FROM topic_terms WHERE term = ? AND alias IS NOT NULL ORDER BY alias", (term,)
    )
    phrases = [term, *(row["alias"] for row in rows)]
    placeholders = ", ".join("?" for _ in phrases)
    condition = (
        "(r.id IN (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?) "
        f"OR r.id IN (SELECT release_id FROM topic_terms WHERE term IN ({placeholders})))"
    )
    match = fts.match_any(p.split() for p in phrases)
    assert match is not None
    return condition, [expression(match), *phrases]


async def for_topic(db: Database, topic: str, limit: int = 50) -> list[int]:
    """Release ids of the old ``for_topic`` (newest first, cut at ``limit``)."""
    found = await _topic_filter(db, topic)
    if found is None:
        return []
    condition, params = found
    rows = await db.fetch_all(
        f"SELECT r.id FROM {_RELEASE_FROM} WHERE {condition} ORDER BY {_NEWEST_FIRST} LIMIT ?", [*params, limit]
    )
    return [row["id"] for row in rows]


async def topic_release_ids(db: Database, topic: str) -> list[int]:
    found = await _topic_filter(db, topic)
    if found is None:
        return []
    condition, params = found
    return [row["id"] for row in await db.fetch_all(f"SELECT r.id FROM releases r WHERE {condition}", params)]


async def known_topics(db: Database, prefix: str = "", limit: int = 200) -> list[str]:
    rows = await db.fetch_all(
        "SELECT term, COUNT(*) AS n, MIN(CASE kind WHEN 'acronym' THEN 0 WHEN 'expansion' THEN 1 ELSE 2 END)"
        " AS k FROM topic_terms WHERE term LIKE ? ESCAPE '\\' GROUP BY term ORDER BY n DESC, k, term LIMIT ?",
        (_like(normalise(prefix))[1:] if prefix else "%", limit),
    )
    return [row["term"] for row in rows]


async def suggest(db: Database, topic: str) -> list[str]:
    """The old unknown-topic path: an empty topic look-up, then the closest of the 200 most used topics."""
    await for_topic(db, topic)
    return closest(topic, await known_topics(db))


async def speakers(db: Database, prefix: str = "", limit: int = 25) -> list[str]:
    rows = await db.fetch_all(
        "SELECT q.speaker, COUNT(*) AS n FROM quotes q JOIN releases r ON q.version_id = r.current_version_id "
        "WHERE q.speaker IS NOT NULL AND q.speaker LIKE ? ESCAPE '\\' GROUP BY q.speaker "
        "ORDER BY n DESC, q.speaker LIMIT ?",
        (_like(prefix.strip()), limit),
    )
    return [row["speaker"] for row in rows]


async def _search_quotes(db: Database, match: str, release_ids: list[int] | None, limit: int) -> list[int]:
    clauses = ["quotes_fts MATCH ?", "q.version_id = r.current_version_id"]
    params: list[Any] = [match]
    if release_ids is not None:
        clauses.append(f"q.release_id IN ({', '.join('?' for _ in release_ids) or 'NULL'})")
        params.extend(release_ids)
    rows = await db.fetch_all(
        # The index's rowid holds the quote id in its low 32 bits (migration 0014; the same before it). Equal
        # scores and ranks were read in quote id order then: said here, as the index is now read in another order.
        "SELECT q.id FROM quotes_fts JOIN quotes q ON q.id = quotes_fts.rowid & 4294967295 "
        "JOIN releases r ON r.id = q.release_id JOIN release_versions v ON v.id = r.current_version_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY bm25(quotes_fts), q.rank, q.id LIMIT ?",
        [*params, limit],
    )
    return [row["id"] for row in rows]


async def search_quotes(db: Database, query: str, topic: str | None = None, limit: int = 5) -> list[int]:
    """Quote ids of the old quote search (a topic becomes one bound variable per matching release)."""
    release_ids = await topic_release_ids(db, topic) if topic else None
    words = search_words(query)
    for match in (fts.match_all(words), fts.match_any([w] for w in _content_words(query))):
        if match is None:
            continue
        hits = await _search_quotes(db, expression(match), release_ids, limit)
        if hits:
            return hits
    return []


async def recent(db: Database, search: str | None = None, limit: int = 50) -> list[int]:
    match = fts.match_all(_content_words(search)) if search else None
    where = "WHERE r.id IN (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?)" if match else ""
    params: list[Any] = [expression(match)] if match else []
    rows = await db.fetch_all(
        f"SELECT r.id FROM {_RELEASE_FROM} {where} ORDER BY {_NEWEST_FIRST} LIMIT ?", [*params, limit]
    )
    return [row["id"] for row in rows]
