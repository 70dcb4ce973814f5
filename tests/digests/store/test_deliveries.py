import asyncio
from datetime import UTC, datetime

from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger, message_nonce
from digests.store.releases import ReleaseRepository
from digests.store.subscriptions import SubscriptionRepository

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def arrange(db: Database, releases: int = 3) -> tuple[int, list[int]]:
    """A subscription and some stored releases."""
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    ids = []
    for n in range(releases):
        draft = ReleaseDraft(canonical_id=f"r{n}", title=f"Release {n}", body=f"The harbor reopened, part {n}.")
        ids.append((await service.ingest_draft(draft)).release_id)
    subscription = await SubscriptionRepository(db).create(
        guild_id=1, channel_id=2, notify_channel_id=None, topic="harbor", include=(), exclude=(), sentences=None,
        time_of_day="09:00", timezone="UTC", created_by=3, now=NOW,
    )  # fmt: skip
    return subscription.id, ids


def test_nonce_is_deterministic_short_and_numeric() -> None:
    nonce = message_nonce(7, [(2, 1), (1, 1)])
    assert nonce == message_nonce(7, [(1, 1), (2, 1)])  # order of the releases does not matter
    assert nonce.isdigit() and len(nonce) <= 25 and int(nonce) < 2**63
    assert len({nonce, message_nonce(8, [(1, 1), (2, 1)]), message_nonce(7, [(1, 2), (2, 1)]),
                message_nonce(7, [(1, 1), (2, 1)], part=1)}) == 4  # fmt: skip


async def test_a_release_is_claimed_once_and_confirmed(db: Database) -> None:
    ledger = DeliveryLedger(db)
    subscription_id, (a, b, _) = await arrange(db)
    claims = [Claim(a, 1, "digest", "11"), Claim(b, 1, "digest", "11")]
    assert await ledger.claim(subscription_id, claims, NOW) == claims
    assert await ledger.claim(subscription_id, claims, NOW) == []  # a racing run gets nothing
    (pending,) = await ledger.pending(subscription_id)
    assert (pending.nonce, pending.kind, pending.releases) == ("11", "digest", ((a, 1), (b, 1)))
    assert await ledger.with_pending() == [subscription_id]
    assert await ledger.mark_posted(subscription_id, "11", 999, NOW) == 2
    assert await ledger.pending(subscription_id) == [] and await ledger.with_pending() == []
    assert await ledger.versions(subscription_id) == {a: (1, "posted"), b: (1, "posted")}
    assert await ledger.claim(subscription_id, claims, NOW) == []  # delivered: never again at this version


async def test_a_newer_version_is_claimed_only_after_the_older_was_posted(db: Database) -> None:
    ledger = DeliveryLedger(db)
    subscription_id, (a, _, _) = await arrange(db)
    await ledger.claim(subscription_id, [Claim(a, 1, "digest", "1")], NOW)
    update = Claim(a, 2, "update", "2")
    assert await ledger.claim(subscription_id, [update], NOW) == []  # version 1 still in flight
    await ledger.mark_posted(subscription_id, "1", 5, NOW)
    assert await ledger.claim(subscription_id, [update], NOW) == [update]
    (pending,) = await ledger.pending(subscription_id)
    assert (pending.kind, pending.releases) == ("update", ((a, 2),))


async def test_pending_messages_keep_claim_order(db: Database) -> None:
    ledger = DeliveryLedger(db)
    subscription_id, (a, b, c) = await arrange(db)
    await ledger.claim(
        subscription_id, [Claim(c, 1, "digest", "first"), Claim(a, 1, "digest", "second"),
                          Claim(b, 1, "update", "third")], NOW,
    )  # fmt: skip
    assert [p.nonce for p in await ledger.pending(subscription_id)] == ["first", "second", "third"]


async def test_two_processes_claiming_at_once_claim_each_release_once(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    subscription_id, ids = await arrange(first, releases=30)
    claims = [Claim(release_id, 1, "digest", str(release_id)) for release_id in ids]
    for _ in range(3):
        got = await asyncio.gather(
            DeliveryLedger(first).claim(subscription_id, claims, NOW),
            DeliveryLedger(second).claim(subscription_id, list(reversed(claims)), NOW),
        )
        assert sorted(c.release_id for c in got[0] + got[1]) == sorted(ids)  # every release once, by one of them
        for nonce in {c.nonce for c in claims}:
            await DeliveryLedger(first).mark_posted(subscription_id, nonce, 1, NOW)
        claims = [Claim(c.release_id, c.version + 1, "update", f"{c.nonce}+") for c in claims]  # edited since
