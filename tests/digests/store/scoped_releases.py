"""A store whose releases come in turn from server A's feed, server B's feed and global files (the scoping tests'
shape), built from ``(draft, analysis)`` pairs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from digests.models import Analysis, ReleaseDraft
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository

A, B = 1001, 2002  # two servers, each following its own feed


async def scoped_store(
    db: Database, releases: Iterable[tuple[ReleaseDraft, Analysis]], now: datetime
) -> ReleaseRepository:
    """Release n from A's feed when n % 3 == 0, B's when 1, a global file when 2."""
    repo, sources = ReleaseRepository(db), SourceRepository(db)
    feeds = []
    for guild, url in ((A, "https://a.test/rss"), (B, "https://b.test/rss")):
        feed, _ = await sources.add(url, url, now)
        await sources.follow(feed.id, guild, 11, None, now)
        feeds.append(feed.id)
    for n, (draft, made) in enumerate(releases):
        feed = feeds[n % 3] if n % 3 < 2 else None
        await repo.save(draft, made, "lead", now, source_id=feed, is_global=feed is None, topics=made.topics)
    return repo
