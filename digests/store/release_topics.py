"""Reading releases by topic: acronyms and expansions, pages newest first with a count, known topics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digests.models import Release
from digests.store import counts, fts
from digests.store.db import to_db_time
from digests.store.release_rows import (
    DENSE_TOPIC,
    NEWEST_FIRST,
    RELEASE_COLUMNS,
    SEEK_COST,
    RepositoryBase,
    check_each,
    release_of,
    walk_newest,
)
from digests.store.scope import visible_release
from digests.topics import normalise

# An acronym or expansion (a topic with aliases) matching at most this many releases in the text is matched once:
# its matching ids are read, then the server's visible ones ordered newest first, instead of matching its phrases
# again for each count and page (an expansion such as "office for national statistics" reads the long position
# lists of "for"; done four times it was most of an acronym digest). Above it, the plans below (same answers).
LISTED_TOPIC = 2000


class TopicReads(RepositoryBase):
    """Which releases a topic finds, as a server sees them."""

    async def topic_aliases(self, term: str, *, guild_id: int | None = None) -> list[str]:
        """The other side of every acronym definition of ``term`` (normalised), from any release the server
        sees (another server's release must not change what a topic means here)."""
        visible, params = visible_release(guild_id)
        # Each distinct alias (a few) is kept if one release the server sees carries it: the first found will do,
        # instead of checking every release that defines the term (hundreds for a common acronym).
        rows = await self._all(
            "SELECT a.alias FROM (SELECT DISTINCT alias FROM topic_terms WHERE term = ? AND alias IS NOT NULL) a "
            "WHERE EXISTS (SELECT 1 FROM topic_terms t JOIN releases r ON r.id = t.release_id "
            f"WHERE t.term = ? AND t.alias = a.alias AND {visible}) ORDER BY a.alias",
            (term, term, *params),
        )
        return [row["alias"] for row in rows]

    async def _topic_match(self, topic: str, guild_id: int | None) -> tuple[fts.Match, list[str]] | None:
        """What finds the releases about ``topic``: its words (or an acronym/expansion of it) in the text, and the
        topic terms (the term and its aliases) stored for releases. An acronym that the stemmer turns into another
        word is left out of the text match (see :meth:`_stems_away`)."""
        term = normalise(topic)
        if not term:
            return None
        aliases = await self.topic_aliases(term, guild_id=guild_id)
        phrases = [term, *aliases]
        in_text = [p for p in phrases if not await self._stems_away(p)] if aliases else phrases
        match = fts.match_any(p.split() for p in in_text)
        assert match is not None  # an acronym's expansion has several words: it is never dropped
        return match, phrases

    async def _stems_away(self, phrase: str) -> bool:
        """Whether ``phrase``, one side of an acronym definition, is an acronym the stemmed full-text index would
        take for another word ("ons" is stored as "on", "gms" as "gm"): such an acronym is found through the
        topic terms and its expansions only, not through the text (which would find every release with "on").
        An expansion always has two words or more; an acronym that stems to itself ("imf") stays in the text."""
        return " " not in phrase and await self._fts.stem(self._one, phrase) != phrase

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
        visible, visible_params = visible_release(guild_id)
        window = (" AND r.sort_at >= ?", [to_db_time(since)]) if since else ("", [])
        if len(phrases) > 1:
            listed = await self._listed_page(match, phrases, window, limit, offset, guild_id)
            if listed is not None:
                return listed
        total, matches, stored = await self._count_topic(match, phrases, window, guild_id)
        if total <= offset:
            return total, []
        walk = walk_newest(matches, stored, offset + limit)
        each = walk and check_each(matches, stored, offset + limit, self._plans.seek_scale)
        about, about_params = self._about(match, phrases, each)
        plan = self._plans.newest_first if walk else self._plans.by_id
        rows = await self._all(
            f"SELECT {RELEASE_COLUMNS} FROM releases r {plan} JOIN release_versions v ON v.id = r.current_version_id "
            f"WHERE {about} AND {visible}{window[0]} ORDER BY {NEWEST_FIRST} LIMIT ? OFFSET ?",
            [*about_params, *visible_params, *window[1], limit, offset],
        )
        return total, [release_of(row) for row in rows]

    async def _listed_page(
        self,
        match: fts.Match,
        phrases: list[str],
        window: tuple[str, list[Any]],
        limit: int,
        offset: int,
        guild_id: int | None,
    ) -> tuple[int, list[Release]] | None:
        """:meth:`topic_page` with the full text matched once, or ``None`` when more than :data:`LISTED_TOPIC`
        releases match it: the matching ids, then every visible one (and those only the topic terms find) in
        newest-first order, counted, and the page read, in one statement (nothing but the page travels)."""
        ids, params = self._fts.release_ids(match)
        visible, visible_params = visible_release(guild_id)
        placeholders = ", ".join("?" for _ in phrases)
        # Nothing is read past the matching ids when there are too many of them (a one-time filter).
        listed = (
            f"WITH matching AS MATERIALIZED (SELECT m.rowid FROM ({ids}) AS m LIMIT {LISTED_TOPIC + 1}), "
            f"matched AS (SELECT COUNT(*) AS n FROM matching), "
            f"about AS (SELECT r.id, r.sort_at FROM releases r {self._plans.by_id} "
            f"WHERE (SELECT n FROM matched) <= {LISTED_TOPIC} AND r.id IN (SELECT rowid FROM matching UNION "
            f"SELECT release_id FROM topic_terms WHERE term IN ({placeholders})) AND {visible}{window[0]}) "
        )
        listed_params = [*params, *phrases, *visible_params, *window[1]]
        rows = await self._all(
            f"{listed}SELECT {RELEASE_COLUMNS}, p.total FROM (SELECT a.id, COUNT(*) OVER () AS total FROM about a "
            f"ORDER BY a.sort_at DESC, a.id DESC LIMIT ? OFFSET ?) AS p JOIN releases r ON r.id = p.id "
            f"JOIN release_versions v ON v.id = r.current_version_id ORDER BY {NEWEST_FIRST}",
            [*listed_params, limit, offset],
        )
        if rows:
            return int(rows[0]["total"]), [release_of(row) for row in rows]
        # An empty page: past the last release, or too many matches (then the other plans).
        row = await self._one(
            f"{listed}SELECT (SELECT n FROM matched) AS matched, (SELECT COUNT(*) FROM about) AS total", listed_params
        )
        if row is None or int(row["matched"]) > LISTED_TOPIC:
            return None
        return int(row["total"]), []

    def _about(self, match: fts.Match, phrases: list[str], each: bool, release: str = "r.id") -> tuple[str, list[Any]]:
        """The condition that the release whose id is the SQL expression ``release`` is about the topic: checked
        for that release alone (``each``: a full-text seek and a topic-term look-up, so a scan in another order
        can stop early), or against the set of every matching id (built once)."""
        placeholders = ", ".join("?" for _ in phrases)
        if each:
            matches, params = self._fts.release_matches(match, release)
            return (
                f"({matches} OR EXISTS (SELECT 1 FROM topic_terms t WHERE t.release_id = {release} "
                f"AND t.term IN ({placeholders})))",
                [*params, *phrases],
            )
        ids, params = self._fts.release_ids(match)
        return f"{release} IN ({ids} UNION SELECT release_id FROM topic_terms WHERE term IN ({placeholders}))", [
            *params,
            *phrases,
        ]

    async def _count_topic(
        self, match: fts.Match, phrases: list[str], window: tuple[str, list[Any]], guild_id: int | None
    ) -> tuple[int, int, int]:
        """How many releases about a topic the server sees; how many match everywhere; how many are stored (about:
        the highest id), to choose how to read them.

        Counted along the full-text lists (no release read), plus the releases only the topic terms find; then,
        only when needed, the server's hidden releases are taken off or the ``since`` window counted.
        """
        counted, params = self._fts.count_releases(match)
        placeholders = ", ".join("?" for _ in phrases)
        row = await self._one(
            f"SELECT ({counted}) AS n, (SELECT MAX(id) FROM releases) AS stored, "
            f"(SELECT COUNT(*) FROM topic_terms WHERE term IN ({placeholders})) AS terms",
            [*params, *phrases],
        )
        in_text, stored, terms = (int(row["n"]), int(row["stored"] or 0), int(row["terms"])) if row else (0, 0, 0)
        if terms:  # releases the terms find that the text does not: each checked, or against the set
            if terms * SEEK_COST * self._plans.seek_scale < in_text:
                in_match, match_params = self._fts.release_matches(match, "t.release_id")
            else:
                ids, match_params = self._fts.release_ids(match)
                in_match = f"t.release_id IN ({ids})"
            row = await self._one(
                f"SELECT COUNT(DISTINCT t.release_id) AS n FROM topic_terms t WHERE t.term IN ({placeholders}) "
                f"AND NOT {in_match}",
                [*phrases, *match_params],
            )
            in_text += int(row["n"]) if row else 0
        everywhere = in_text
        if guild_id is None and not window[0]:
            return everywhere, everywhere, stored
        visible, visible_params = visible_release(guild_id)
        dense = everywhere > DENSE_TOPIC
        if window[0] or not dense:
            about, about_params = self._about(match, phrases, each=False)
            plan = self._plans.newest_first if dense else self._plans.by_id
            row = await self._one(
                f"SELECT COUNT(*) AS n FROM releases r {plan} WHERE {about} AND {visible}{window[0]}",
                [*about_params, *visible_params, *window[1]],
            )
            return (int(row["n"]) if row else 0), everywhere, stored
        # Many matches, no window: take off the server's hidden releases among them (non-global ones only), each
        # checked alone when they are few, else against the set of matching ids.
        row = await self._one(
            f"SELECT COUNT(*) AS n FROM releases r WHERE r.is_global = 0 AND NOT {visible}", visible_params
        )
        hidden = int(row["n"]) if row else 0
        if not hidden:
            return everywhere, everywhere, stored
        about, about_params = self._about(match, phrases, each=hidden * SEEK_COST * self._plans.seek_scale < everywhere)
        row = await self._one(
            f"SELECT COUNT(*) AS n FROM releases r WHERE r.is_global = 0 AND NOT {visible} AND {about}",
            [*visible_params, *about_params],
        )
        return everywhere - (int(row["n"]) if row else 0), everywhere, stored

    async def has_topic(self, topic: str, *, guild_id: int | None = None) -> bool:
        """Whether the server sees any release about ``topic`` (stops at the first one found)."""
        found = await self._topic_match(topic, guild_id)
        if found is None:
            return False
        match, phrases = found
        visible, params = visible_release(guild_id)
        placeholders = ", ".join("?" for _ in phrases)
        row = await self._one(
            f"SELECT 1 FROM topic_terms t CROSS JOIN releases r WHERE t.term IN ({placeholders}) "
            f"AND r.id = t.release_id AND {visible} LIMIT 1",
            [*phrases, *params],
        )
        if row is None:
            ids, ids_params = self._fts.release_ids(match)
            row = await self._one(
                f"SELECT 1 FROM ({ids}) AS m CROSS JOIN releases r WHERE r.id = m.rowid AND {visible} LIMIT 1",
                [*ids_params, *params],
            )
        return row is not None

    async def known_topics(self, prefix: str = "", limit: int = 200, *, guild_id: int | None = None) -> list[str]:
        """Topic terms of the releases the server sees starting with ``prefix``, most widely used first; acronyms
        before other kinds among equals (from the counts kept at write time)."""
        buckets = await counts.viewer_buckets(self._db, guild_id)
        return await counts.top_topics(self._db, buckets, normalise(prefix) if prefix else "", limit)
