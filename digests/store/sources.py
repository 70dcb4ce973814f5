"""Feed sources, their followers and the fetch log: plain SQL with ``?`` parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digests.store import counts
from digests.store.db import Database, Row, from_db_time, to_db_time
from digests.store.scope import visible_source


@dataclass(frozen=True, slots=True)
class Source:
    """A feed and its health."""

    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    next_poll_at: datetime | None
    paused_reason: str | None
    item_count: int
    is_global: bool = False  # the operator's: its releases are visible in every server
    followers: int = 0  # servers following it; a source that is neither global nor followed is not polled

    @property
    def name(self) -> str:
        """The feed's title, or its URL."""
        return self.title or self.url


@dataclass(frozen=True, slots=True)
class Follow:
    """A server following a source; notices go to ``channel_id``."""

    source_id: int
    guild_id: int
    channel_id: int


@dataclass(frozen=True, slots=True)
class FetchEvent:
    """One thing that happened to one article (or to a feed as a whole)."""

    url: str
    canonical_id: str | None
    outcome: str
    detail: str
    at: datetime
    source_url: str | None


def _source(row: Row) -> Source:
    return Source(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled_at=from_db_time(row["last_polled_at"]),
        last_ok_at=from_db_time(row["last_ok_at"]),
        last_error=row["last_error"],
        last_error_at=from_db_time(row["last_error_at"]),
        failures=row["failures"],
        next_poll_at=from_db_time(row["next_poll_at"]),
        paused_reason=row["paused_reason"],
        item_count=row["item_count"],
        is_global=bool(row["is_global"]),
        followers=row["followers"],
    )


# Every read of sources goes through this, so each Source knows how many servers follow it.
_SOURCE_SELECT = (
    "SELECT s.*, (SELECT COUNT(*) FROM source_follows c WHERE c.source_id = s.id) AS followers FROM sources s"
)


class SourceRepository:
    """Reads and writes sources, follows and the fetch log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, url: str, key: str, now: datetime, *, is_global: bool = False) -> tuple[Source, bool]:
        """The source whose canonical URL is ``key``, created if new (``True``); re-adding a paused one resumes it.

        ``is_global`` (the operator adding it) makes the source and every release it has carried visible in every
        server; a server adding a source never makes it less global.
        """
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO sources (url, key, created_at, is_global) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (url, key, to_db_time(now), int(is_global)),
            )
            created = changed == 1
            if not created:
                await conn.execute(
                    "UPDATE sources SET paused_reason = NULL, failures = 0, next_poll_at = NULL WHERE key = ?", (key,)
                )
                if is_global:
                    await conn.execute("UPDATE sources SET is_global = 1 WHERE key = ?", (key,))
                    turning = await conn.fetch_all(
                        "SELECT r.id FROM releases r WHERE r.is_global = 0 AND r.id IN (SELECT rs.release_id "
                        "FROM release_sources rs JOIN sources s ON s.id = rs.source_id WHERE s.key = ?)",
                        (key,),
                    )
                    for turned in turning:  # one by one: an operator's rare step; the counts move with each
                        before = await counts.buckets_of(conn, turned["id"])
                        await conn.execute("UPDATE releases SET is_global = 1 WHERE id = ?", (turned["id"],))
                        await counts.move_release(conn, turned["id"], before, [counts.EVERY, counts.GLOBAL])
        row = await self._db.fetch_one(f"{_SOURCE_SELECT} WHERE s.key = ?", (key,))
        assert row is not None  # just written
        return _source(row), created

    async def get(self, source_id: int) -> Source | None:
        """The source with this id."""
        row = await self._db.fetch_one(f"{_SOURCE_SELECT} WHERE s.id = ?", (source_id,))
        return _source(row) if row else None

    async def all(self, guild_id: int | None = None, *, with_global: bool = False) -> list[Source]:
        """Every source (``guild_id=None``), or those a server follows (and the global ones if ``with_global``),
        by URL."""
        if guild_id is None:
            rows = await self._db.fetch_all(f"{_SOURCE_SELECT} ORDER BY s.url")
        else:
            followed = "EXISTS (SELECT 1 FROM source_follows f WHERE f.source_id = s.id AND f.guild_id = ?)"
            where = f"(s.is_global = 1 OR {followed})" if with_global else followed
            rows = await self._db.fetch_all(f"{_SOURCE_SELECT} WHERE {where} ORDER BY s.url", (guild_id,))
        return [_source(row) for row in rows]

    async def follows(self, source_id: int, guild_id: int) -> bool:
        """Whether a server follows a source."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM source_follows WHERE source_id = ? AND guild_id = ?", (source_id, guild_id)
        )
        return row is not None

    async def due(self, now: datetime) -> list[Source]:
        """Active sources whose backoff has expired and that someone wants: global or followed by a server."""
        rows = await self._db.fetch_all(
            f"{_SOURCE_SELECT} WHERE s.paused_reason IS NULL AND (s.next_poll_at IS NULL OR s.next_poll_at <= ?) "
            "AND (s.is_global = 1 OR EXISTS (SELECT 1 FROM source_follows f WHERE f.source_id = s.id)) ORDER BY s.id",
            (to_db_time(now),),
        )
        return [_source(row) for row in rows]

    async def follow(self, source_id: int, guild_id: int, channel_id: int, user_id: int | None, now: datetime) -> None:
        """Make a server follow a source (updating where its notices go)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO source_follows (source_id, guild_id, channel_id, added_by, created_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (source_id, guild_id) DO UPDATE SET channel_id = excluded.channel_id",
                (source_id, guild_id, channel_id, user_id, to_db_time(now)),
            )

    async def unfollow(self, source_id: int, guild_id: int) -> bool:
        """Stop a server following a source. ``False`` if it did not follow it.

        The source stays, with its links to the releases it carried: when nobody follows it (and it is not
        global) it is no longer polled and its releases are seen by no server, until one follows it again.
        """
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM source_follows WHERE source_id = ? AND guild_id = ?", (source_id, guild_id)
            )
            return changed > 0

    async def followers(self, source_id: int) -> list[Follow]:
        """The servers following a source."""
        rows = await self._db.fetch_all(
            "SELECT source_id, guild_id, channel_id FROM source_follows WHERE source_id = ?", (source_id,)
        )
        return [Follow(row["source_id"], row["guild_id"], row["channel_id"]) for row in rows]

    async def record_success(
        self,
        source_id: int,
        now: datetime,
        *,
        title: str | None,
        etag: str | None,
        last_modified: str | None,
        added: int,
        warning: str | None,
    ) -> None:
        """A poll that worked: validators kept, failures reset, stored-item count grown."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sources SET title = COALESCE(?, title), etag = ?, last_modified = ?, last_polled_at = ?, "
                "last_ok_at = ?, failures = 0, next_poll_at = NULL, item_count = item_count + ?, "
                "last_error = COALESCE(?, last_error), "
                "last_error_at = COALESCE(?, last_error_at) WHERE id = ?",
                (
                    title,
                    etag,
                    last_modified,
                    to_db_time(now),
                    to_db_time(now),
                    added,
                    warning,
                    to_db_time(now) if warning is not None else None,
                    source_id,
                ),
            )

    async def record_failure(
        self, source_id: int, now: datetime, error: str, next_poll_at: datetime, pause_reason: str | None
    ) -> Source:
        """A poll that failed: error kept, failure counted, next poll pushed back, maybe paused."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sources SET last_polled_at = ?, last_error = ?, last_error_at = ?, failures = failures + 1, "
                "next_poll_at = ?, paused_reason = COALESCE(?, paused_reason) WHERE id = ?",
                (
                    to_db_time(now),
                    error,
                    to_db_time(now),
                    to_db_time(next_poll_at),
                    pause_reason,
                    source_id,
                ),
            )
        source = await self.get(source_id)
        assert source is not None
        return source

    async def log(
        self, source_id: int | None, url: str, canonical_id: str | None, outcome: str, detail: str, now: datetime
    ) -> None:
        """Record what happened to one article.

        "unchanged" is the steady state of every item of a feed at every poll: it is recorded once per source and
        article (enough for /why to say "a duplicate"), or the log would grow by the whole feed every poll.
        """
        async with self._db.transaction() as conn:
            if outcome == "unchanged" and await conn.fetch_one(
                "SELECT 1 FROM fetch_log WHERE source_id IS NOT DISTINCT FROM ? "
                "AND canonical_id IS NOT DISTINCT FROM ? AND outcome = 'unchanged'",
                (source_id, canonical_id),
            ):
                return
            await conn.execute(
                "INSERT INTO fetch_log (source_id, url, canonical_id, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                (source_id, url, canonical_id, outcome, detail, to_db_time(now)),
            )

    async def history(
        self, url: str, canonical_id: str | None, limit: int = 10, *, guild_id: int | None = None
    ) -> list[FetchEvent]:
        """What happened to an article, newest first, found by its canonical URL or release id.

        A server sees the events of the sources it follows, of global sources, and of the operator's single
        pages (no source).
        """
        visible, params = visible_source(guild_id)
        rows = await self._db.fetch_all(
            "SELECT l.url, l.canonical_id, l.outcome, l.detail, l.at, s.url AS source_url FROM fetch_log l "
            "LEFT JOIN sources s ON s.id = l.source_id WHERE (l.url = ? OR l.canonical_id = ?) "
            f"AND (l.source_id IS NULL OR {visible}) ORDER BY l.at DESC, l.id DESC LIMIT ?",
            (url, canonical_id, *params, limit),
        )
        return [
            FetchEvent(
                row["url"],
                row["canonical_id"],
                row["outcome"],
                row["detail"],
                datetime.fromisoformat(row["at"]),
                row["source_url"],
            )
            for row in rows
        ]
