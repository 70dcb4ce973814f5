"""Story membership: which stored release a new one is a near-duplicate of, found through LSH band keys.

Called inside the release-saving transaction, so a release and its story are written together.
"""

from __future__ import annotations

from digests.store.db import Database
from digests.stories.fingerprint import Fingerprint, containment, same_story

# Enough candidates to find the story even when a few unrelated releases share a band by chance.
MAX_CANDIDATES = 50


def _source_key(source: str | None) -> str:
    return " ".join((source or "").casefold().split())


async def _candidates(
    db: Database, release_id: int, keys: list[int], source: str | None
) -> list[tuple[int, Fingerprint]]:
    """Stored releases sharing one of the band ``keys`` and published by another source: a near-copy from the same
    source is a different release of a template (a weekly notice), never a copy of the story."""
    rows = await db.fetch_all(
        "SELECT f.release_id, f.shingles, f.signature, r.source FROM release_fingerprints f "
        "JOIN releases r ON r.id = f.release_id WHERE f.release_id IN "
        f"(SELECT b.release_id FROM story_bands b WHERE b.key IN ({', '.join('?' for _ in keys)})) "
        "AND f.release_id != ? ORDER BY f.release_id LIMIT ?",
        [*keys, release_id, MAX_CANDIDATES],
    )
    own = _source_key(source)
    return [
        (row["release_id"], Fingerprint(bytes(row["signature"]), row["shingles"]))
        for row in rows
        if _source_key(row["source"]) != own
    ]


async def _forget(db: Database, release_id: int) -> None:
    """Remove a release's previous fingerprint and band keys (found from that fingerprint: no index by release)."""
    row = await db.fetch_one("SELECT shingles, signature FROM release_fingerprints WHERE release_id = ?", (release_id,))
    if row is None:
        return
    old = Fingerprint(bytes(row["signature"]), row["shingles"])
    await db.executemany(
        "DELETE FROM story_bands WHERE key = ? AND release_id = ?", [(key, release_id) for key in old.band_keys()]
    )
    await db.execute("DELETE FROM release_fingerprints WHERE release_id = ?", (release_id,))


async def _story_of(db: Database, release_id: int) -> int:
    row = await db.fetch_one("SELECT story_id FROM releases WHERE id = ?", (release_id,))
    return int(row["story_id"]) if row and row["story_id"] is not None else release_id


async def attach(
    db: Database, release_id: int, fingerprint: Fingerprint | None, *, new: bool, source: str | None
) -> int:
    """Record a release version's fingerprint and, for a new release, join the story of the stored release from
    another source that it copies best; returns the release's story id. A new version keeps its story.

    ``story_id`` stays NULL for a release that is its own story, so the common case costs three statements.
    """
    if not new:
        await _forget(db, release_id)
    if fingerprint is None:
        return await _story_of(db, release_id)
    story_id = release_id
    keys = fingerprint.band_keys()
    if new:
        matches = [
            (containment(fingerprint, other), other_id)
            for other_id, other in await _candidates(db, release_id, keys, source)
            if same_story(fingerprint, other)
        ]
        if matches:
            story_id = await _story_of(db, max(matches, key=lambda match: (match[0], -match[1]))[1])
            await db.execute("UPDATE releases SET story_id = ? WHERE id = ?", (story_id, release_id))
    await db.execute(
        "INSERT INTO release_fingerprints (release_id, shingles, signature) VALUES (?, ?, ?)",
        (release_id, fingerprint.shingles, fingerprint.signature),
    )
    await db.executemany(
        "INSERT INTO story_bands (key, release_id) VALUES (?, ?)",
        [(key, release_id) for key in keys],
    )
    return story_id if new else await _story_of(db, release_id)
