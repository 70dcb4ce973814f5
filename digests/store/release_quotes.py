"""Reading summaries and quotes: a version's best sentences and quotes, quote search, speakers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from digests.models import Quote, QuoteHit
from digests.store import counts, fts
from digests.store.db import Row
from digests.store.release_rows import (
    QUOTE_COLUMNS,
    RELEASE_COLUMNS,
    content_words,
    like_pattern,
    quote_of,
    release_of,
)
from digests.store.release_topics import TopicReads
from digests.store.scope import visible_release
from digests.userinput import search_words

# Past this many ranked candidates, a quote search joins every match at once.
QUOTE_CANDIDATES = 4096
# Up to this many candidates, each one's release is checked against the topic on its own (about 5 µs at 100,000
# releases); past it, against the topic's set of releases, built once (8 ms for "economy").
CHECK_EACH = 1024
# The first ranking of a search with a topic or a speaker.
FILTERED_START = 256
# Candidates checked at a time, best first: the check stops once the best hits are certain.
CHECK_AT_ONCE = 128
# The candidates drive the join (SQLite keeps CROSS JOIN's order): else a topic's release set can drive it, and
# every quote of every release about the topic is read to find the few candidates among them.
CANDIDATES_FROM = "quotes q CROSS JOIN releases r CROSS JOIN release_versions v"


def _hit(row: Row) -> QuoteHit:
    return QuoteHit(quote=quote_of(row), quote_id=row["quote_id"], release=release_of(row))


class QuoteReads(TopicReads):
    """Quotes and summary sentences of stored versions, as a server sees them."""

    async def best_quotes(self, version_ids: Sequence[int], limit: int) -> dict[int, tuple[Quote, ...]]:
        """The ``limit`` best quotes of each version, best first, in one query."""
        placeholders = ", ".join("?" for _ in version_ids) or "NULL"
        rows = await self._all(
            f"SELECT * FROM (SELECT {QUOTE_COLUMNS}, q.version_id, "
            "ROW_NUMBER() OVER (PARTITION BY q.version_id ORDER BY q.rank) AS n "
            f"FROM quotes q WHERE q.version_id IN ({placeholders})) AS ranked WHERE n <= ? ORDER BY version_id, rank",
            [*version_ids, limit],
        )
        found: dict[int, list[Quote]] = {version_id: [] for version_id in version_ids}
        for row in rows:
            found[row["version_id"]].append(quote_of(row))
        return {version_id: tuple(quotes) for version_id, quotes in found.items()}

    async def quotes(
        self, version_id: int, limit: int | None = None, *, guild_id: int | None = None
    ) -> tuple[Quote, ...]:
        """A version's quotes, best first (all of them unless ``limit``); none if the server does not see it."""
        visible, params = visible_release(guild_id)
        sql = (
            f"SELECT {QUOTE_COLUMNS} FROM quotes q JOIN releases r ON r.id = q.release_id "
            f"WHERE q.version_id = ? AND {visible} ORDER BY q.rank"
        )
        rows = (
            await self._all(f"{sql} LIMIT ?", (version_id, *params, limit))
            if limit
            else await self._all(sql, (version_id, *params))
        )
        return tuple(quote_of(row) for row in rows)

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
        about = await self._topic_match(topic, guild_id) if topic else None
        if topic and about is None:
            return []
        words = search_words(query)
        for match in (fts.match_all(words), fts.match_any([w] for w in content_words(query))):
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
        about: tuple[fts.Match, list[str]] | None,
        limit: int,
        guild_id: int | None,
    ) -> list[QuoteHit]:
        """The ``limit`` best visible hits, ordered by score (best first), then quote rank, then quote id.

        The full-text index ranks every match, but only its best ``wanted`` are joined to their releases: every
        match scoring above the ``wanted``-th one is among them, so when those hold ``limit`` visible hits they
        are the answer; else ``wanted`` grows (ties at the cut are never split). Past ``QUOTE_CANDIDATES`` the
        matches are joined all at once.
        """
        # A topic or a speaker keeps a few of the best: rank more at first (ranking 256 costs little more than 64
        # here, and the candidates are checked best first, only as many as needed).
        wanted = max(4 * limit, FILTERED_START if about is not None or speaker else 64)
        checked: dict[int, int | None] = {}  # candidate quote id → its rank if it passed the filters, else None
        while wanted <= QUOTE_CANDIDATES:
            # A few candidates' releases are each checked against the topic; more, against its set of releases.
            each = wanted <= CHECK_EACH
            filters, filter_params = self._quote_filters(speaker, release_ids, about, guild_id, each)
            ranked = await self._fts.best_quotes(self._db, match, wanted)
            complete = len(ranked) < wanted
            cut = None if complete else ranked[-1][1]
            scores = {quote_id: score for quote_id, score in ranked if cut is None or score > cut}
            order = list(scores)  # best first
            # Checked best first, a slice at a time: once ``limit`` hits score above every candidate left, those
            # left cannot be among the best (a candidate of equal score could, by rank: it is checked first).
            step = CHECK_AT_ONCE if each else max(len(order), 1)
            hits: list[tuple[int, int]] = []
            for start in range(0, max(len(order), 1), step):
                await self._check(order[start : start + step], checked, filters, filter_params)
                seen = order[: start + step]
                hits = [(quote_id, rank) for quote_id in seen if (rank := checked[quote_id]) is not None]
                hits.sort(key=lambda hit: (-scores[hit[0]], hit[1], hit[0]))
                left = order[start + step : start + step + 1]
                if len(hits) >= limit and (not left or scores[left[0]] < scores[hits[limit - 1][0]]):
                    return await self._quote_hits([quote_id for quote_id, _ in hits[:limit]])
            if complete:
                return await self._quote_hits([quote_id for quote_id, _ in hits[:limit]])
            # Each pass ranks every match again: grow at least ×4, or to twice what the share of wanted
            # candidates so far says is needed.
            wanted = max(4 * wanted, -(-2 * limit * len(scores) // len(hits)) if hits else 0)
        filters, filter_params = self._quote_filters(speaker, release_ids, about, guild_id, each=False)
        matching, params = self._fts.quote_hits(match)
        rows = await self._all(
            f"SELECT {QUOTE_COLUMNS}, {RELEASE_COLUMNS} FROM ({matching}) AS hit JOIN quotes q ON q.id = hit.rowid "
            "JOIN releases r ON r.id = q.release_id JOIN release_versions v ON v.id = r.current_version_id "
            f"WHERE {' AND '.join(filters)} ORDER BY hit.score DESC, q.rank, q.id LIMIT ?",
            [*params, *filter_params, limit],
        )
        return [_hit(row) for row in rows]

    async def _check(
        self, quote_ids: list[int], checked: dict[int, int | None], filters: list[str], params: list[Any]
    ) -> None:
        """Note in ``checked`` which of these candidates pass the filters (their rank) and which do not (None);
        those checked before are not checked again."""
        unchecked = [quote_id for quote_id in quote_ids if quote_id not in checked]
        if not unchecked:
            return
        candidates, candidate_params = self._db.dialect.id_list(unchecked)
        # (the version row is not read: the filters keep quotes of the current version, which exists)
        passed = await self._all(
            f"SELECT q.id, q.rank FROM quotes q CROSS JOIN releases r WHERE q.id IN ({candidates}) "
            f"AND r.id = q.release_id AND {' AND '.join(filters)}",
            [*candidate_params, *params],
        )
        checked.update(dict.fromkeys(unchecked))
        checked.update((row["id"], row["rank"]) for row in passed)

    async def _quote_hits(self, quote_ids: list[int]) -> list[QuoteHit]:
        """These quotes with their releases, in the order given."""
        ids, params = self._db.dialect.id_list(quote_ids)
        rows = await self._all(
            f"SELECT {QUOTE_COLUMNS}, {RELEASE_COLUMNS} FROM {CANDIDATES_FROM} WHERE q.id IN ({ids}) "
            "AND r.id = q.release_id AND v.id = r.current_version_id",
            params,
        )
        found = {row["quote_id"]: _hit(row) for row in rows}
        return [found[quote_id] for quote_id in quote_ids]

    def _quote_filters(
        self,
        speaker: str | None,
        release_ids: Sequence[int] | None,
        about: tuple[fts.Match, list[str]] | None,
        guild_id: int | None,
        each: bool,
    ) -> tuple[list[str], list[Any]]:
        """The conditions a hit must meet besides matching: a current version the server sees, and the filters."""
        visible, params = visible_release(guild_id)
        clauses = ["q.version_id = r.current_version_id", visible]
        if speaker:
            clauses.append(f"q.speaker {self._like} ? ESCAPE '\\'")
            params.append(like_pattern(speaker.strip()))
        if release_ids is not None:
            clauses.append(f"q.release_id IN ({', '.join('?' for _ in release_ids) or 'NULL'})")
            params.extend(release_ids)
        if about is not None:
            # The topic's releases as a condition: never one bound variable per release.
            condition, about_params = self._about(*about, each, "q.release_id")
            clauses.append(condition)
            params.extend(about_params)
        return clauses, params

    async def speakers(self, prefix: str = "", limit: int = 25, *, guild_id: int | None = None) -> list[str]:
        """Speakers of current quotes of the releases the server sees, most quoted first, whose name contains
        ``prefix`` (from the counts kept at write time)."""
        buckets = await counts.viewer_buckets(self._db, guild_id)
        return await counts.top_speakers(self._db, buckets, like_pattern(prefix.strip()), limit, self._like)
