"""One story from several sources is one digest item, one quotation, one daily post."""

from datetime import UTC, datetime

import pytest

from digests.models import ReleaseDraft
from digests.render import digest_json, hit_json
from digests.service import DigestService
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.subscriptions import SubscriptionRepository
from digests.subscriptions import SubscriptionService

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(db: Database) -> DigestService:
    return DigestService(ReleaseRepository(db), clock=lambda: NOW)


async def ingest(service: DigestService, key: str, body: str, source: str) -> int:
    draft = ReleaseDraft(canonical_id=key, body=body, title=f"HMC ({source})", url=f"https://{key}.example/hmc",
                         source=source, published_at=NOW)  # fmt: skip
    return (await service.ingest_draft(draft)).release_id


async def three_copies(service: DigestService, seed_text: str) -> tuple[int, int, int]:
    dod = await ingest(service, "dod", seed_text, "DoD")
    trimmed = await ingest(service, "wire", "By Staff Reporter\n\n" + seed_text[: len(seed_text) // 2], "Wire")
    reprint = await ingest(service, "paper", seed_text + "\n\nClick here to subscribe.", "Paper")
    return dod, trimmed, reprint


async def test_a_digest_shows_each_story_once_with_its_other_sources(service: DigestService, seed_text: str) -> None:
    dod, trimmed, reprint = await three_copies(service, seed_text)
    digest = await service.digest("hmc")
    (item,) = digest.items
    assert item.release.id in (dod, reprint)  # the fullest copy (most sentences)
    assert {copy.id for copy in item.also} == {dod, trimmed, reprint} - {item.release.id}
    also = digest_json(digest)["releases"][0]["also"]
    assert {entry["source"] for entry in also} == {"DoD", "Wire", "Paper"} - {item.release.source}
    assert all(set(entry) == {"source", "url", "title", "date"} for entry in also)


async def test_a_quotation_is_shown_once_per_story_with_its_sources(service: DigestService, seed_text: str) -> None:
    await three_copies(service, seed_text)
    hits = await service.search_quotes("withdrawal")
    texts = [hit.quote.text for hit in hits]
    assert len(texts) == len(set(texts))
    first = hits[0]
    sources = {first.release.source, *(copy.source for copy in first.also)}
    assert len(sources) >= 2
    assert hit_json(first)["also"]


async def test_releases_mark_copies(service: DigestService, seed_text: str) -> None:
    dod, trimmed, reprint = await three_copies(service, seed_text)
    listed = {release.id: release for release in await service.releases()}
    assert not listed[dod].is_copy and listed[trimmed].is_copy and listed[reprint].story == dod


async def test_a_daily_digest_posts_a_story_once(db: Database, service: DigestService, seed_text: str) -> None:
    subscriptions = SubscriptionService(SubscriptionRepository(db), DeliveryLedger(db), service, lambda: NOW)
    sub = await subscriptions.create(guild_id=1, channel_id=2, topic="hmc", time_of_day="09:00", timezone="UTC",
                                     created_by=3)  # fmt: skip
    dod = await ingest(service, "dod", seed_text, "DoD")
    (item,) = (await subscriptions.due(sub)).new
    claim = Claim(item.release.id, item.release.version, "digest", "n1")
    assert await subscriptions.claim(sub.id, [claim]) == [claim]
    await subscriptions.mark_posted(sub.id, "n1", 99)
    await ingest(service, "wire", "By Staff Reporter\n\n" + seed_text, "Wire")  # the same story, later
    assert not await subscriptions.due(sub)
    assert item.release.id == dod
