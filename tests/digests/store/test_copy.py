"""Copying an SQLite store into PostgreSQL: every table, counts checked, answers identical, ids go on."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.copy import CopyError, copy_store
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger
from digests.store.leases import LeaseRepository
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository
from digests.store.state import StateRepository
from digests.store.subscriptions import SubscriptionRepository
from tests.digests.store.test_pg_phrase_matches import assert_phrases_exact

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GUILD = 2**62 + 5  # Discord ids need 64 bits


async def fill(path: Path, seed_text: str) -> None:
    """An SQLite store with a row in every table: releases (one edited, one a story copy), a followed source and
    its fetch log, a subscription with a posted and a pending delivery, app state and a lease."""
    db = await Database.open(path)
    try:
        service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
        await service.ingest_paths([ROOT / "seeds"])
        sources = SourceRepository(db)
        source, _ = await sources.add("https://news.test/feed", "news.test/feed", NOW)
        await sources.follow(source.id, GUILD, GUILD + 1, GUILD + 2, NOW)
        harbor = ReleaseDraft(canonical_id="harbor", title="Harbor", body="The harbor reopened.\nSingh said so.")
        first = await service.ingest_draft(harbor, source_id=source.id, is_global=False)
        await service.ingest_draft(replace(harbor, body=harbor.body + "\nShips came back."), source_id=source.id)
        copy = ReleaseDraft(canonical_id="copy", source="Outlet", body="By Staff\n\n" + seed_text[:3000])
        await service.ingest_draft(copy)
        await sources.log(source.id, "https://news.test/harbor", "harbor", "added", "stored", NOW)
        await sources.log(source.id, "https://news.test/harbor", "harbor", "unchanged", "same", NOW)
        subscription = await SubscriptionRepository(db).create(
            guild_id=GUILD, channel_id=GUILD + 1, notify_channel_id=None, topic="hmc", include=(), exclude=(),
            sentences=None, time_of_day="09:00", timezone="UTC", created_by=GUILD + 2, now=NOW,
        )  # fmt: skip
        ledger = DeliveryLedger(db)
        await ledger.claim(subscription.id, [Claim(1, 1, "digest", "7")], NOW)
        await ledger.mark_posted(subscription.id, "7", GUILD + 3, NOW)
        await ledger.claim(subscription.id, [Claim(first.release_id, 2, "digest", "8")], NOW)
        await StateRepository(db).set("commands_hash", "abc")
        await LeaseRepository(db).acquire("poller", "host:1:x", NOW + timedelta(seconds=40), NOW)
    finally:
        await db.close()


async def answers(db: Database) -> tuple[object, ...]:
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    digest = await service.digest("hmc")
    return (
        [(item.release.id, item.release.canonical_id, item.summary, item.quotes) for item in digest.items],
        [(hit.quote_id, hit.quote.text) for hit in await service.search_quotes("withdrawal")],
        await service.repo.known_topics(limit=20),
        await service.repo.speakers(),
        [r.id for r in await service.repo.recent(search="harbor ships")],
        await SubscriptionRepository(db).all(),
        await DeliveryLedger(db).pending(1),
        await SourceRepository(db).history("https://news.test/harbor", "harbor"),
    )


async def test_every_table_is_copied_and_answers_are_identical(tmp_path: Path, pg_url: str, seed_text: str) -> None:
    path = tmp_path / "store.db"
    await fill(path, seed_text)
    copied: list[str] = []
    counts = await copy_store(path, pg_url, copied.append)
    by_table = {c.table: (c.sqlite, c.postgresql) for c in counts}
    for table in ("releases", "release_versions", "sentences", "quotes", "topic_terms", "sources", "source_follows",
                  "fetch_log", "subscriptions", "deliveries", "app_state", "leases", "release_sources",
                  "release_fingerprints", "story_bands", "releases_fts", "quotes_fts"):  # fmt: skip
        assert by_table[table][0] > 0 and by_table[table][0] == by_table[table][1], table
    assert copied == [c.table for c in counts]
    source, target = await Database.open(path), await Database.open(pg_url)
    try:
        assert await answers(source) == await answers(target)
        # the acronyms' expansions are learned in PostgreSQL (migration 0016), with exactly the index's releases
        assert await assert_phrases_exact(target) >= 1
        assert await target.fetch_one("SELECT 1 FROM release_phrases WHERE phrase = 'higher military commission'")
        # identities go on after the copied ids
        service = DigestService(ReleaseRepository(target), clock=lambda: NOW)
        added = await service.ingest_draft(ReleaseDraft(canonical_id="new", body="A new release about the HMC."))
        assert added.release_id == by_table["releases"][0] + 1
    finally:
        await source.close()
        await target.close()


async def test_a_non_empty_target_or_a_missing_file_is_refused(tmp_path: Path, pg_url: str, seed_text: str) -> None:
    path = tmp_path / "store.db"
    await fill(path, seed_text)
    await copy_store(path, pg_url)
    with pytest.raises(CopyError, match="not empty"):
        await copy_store(path, pg_url)
    with pytest.raises(CopyError, match="no such SQLite file"):
        await copy_store(tmp_path / "missing.db", pg_url)
    assert not (tmp_path / "missing.db").exists()
