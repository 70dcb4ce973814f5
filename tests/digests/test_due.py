"""Look-ups shared by the runs due together: the same answers as each run computing them alone, computed once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from digests.due import SharedAnswers
from digests.models import ReleaseDraft, Subscription
from digests.service import DigestService
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.subscriptions import SubscriptionRepository
from digests.subscriptions import DueReleases, SubscriptionService

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(db: Database) -> SubscriptionService:
    digests = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    return SubscriptionService(SubscriptionRepository(db), DeliveryLedger(db), digests, lambda: NOW)


def shown(due: DueReleases) -> tuple[object, ...]:
    """Everything a run posts from what is due: releases, versions, summaries, quotes, other copies, the rest."""
    return (
        [(i.release.id, i.release.version, i.summary, i.quotes, [a.id for a in i.also]) for i in due.new],
        [(r.id, r.version) for r in due.updated],
        due.waiting,
    )


async def test_shared_lookups_give_each_run_what_it_would_compute_alone(service: SubscriptionService) -> None:
    async def add(key: str, body: str) -> int:
        draft = ReleaseDraft(canonical_id=key, title=f"Release {key}", body=body)
        return (await service.digests.ingest_draft(draft)).release_id

    ids = [
        await add(f"h{n}", f"The harbor {'ferry' if n % 2 else 'crane'} report number {n} is out. It says more.")
        for n in range(7)
    ]
    await add("a1", "The airport ferry report is out.")

    async def subscribe(guild: int, topic: str, **words: str) -> Subscription:
        return await service.create(guild_id=guild, channel_id=guild * 10, created_by=3, topic=topic,
                                    time_of_day="09:00", timezone="UTC", **words)  # fmt: skip

    subscriptions = [
        await subscribe(1, "harbor"),
        await subscribe(2, "Harbor"),  # the same releases for another server following the same (no) sources
        await subscribe(3, "harbor", include="ferry"),
        await subscribe(4, "harbor", exclude="ferry"),
        await subscribe(5, "airport"),
        await subscribe(6, "harbor"),  # with a ledger: some posted, one since edited
        await subscribe(7, "nothing-about-this"),
    ]
    ledger = subscriptions[5].id
    await service.claim(ledger, [Claim(ids[6], 1, "digest", "n1"), Claim(ids[5], 1, "digest", "n1")])
    await service.mark_posted(ledger, "n1", 99)
    await add("h5", "The harbor ferry report number 5 is out, corrected. It says more.")
    alone = [shown(await service.due(s)) for s in subscriptions]
    shared = service.lookups()
    together = await asyncio.gather(*(service.due(s, shared) for s in subscriptions))
    assert [shown(d) for d in together] == alone
    assert alone[0][0] and alone[2] != alone[0] != alone[3] and alone[5][1] == [(ids[5], 2)]  # not all alike
    # One listing per (topic, sources followed), one per word list, each release read and laid out once.
    computed = shared.computed
    assert (computed["listings"], computed["words"]) == (3, 1)
    assert computed["releases"] == computed["items"] == len(ids) + 1


async def test_max_runs_a_run_posts_and_waiting_match_alone(
    service: SubscriptionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digests.subscriptions

    monkeypatch.setattr(digests.subscriptions, "MAX_RELEASES_PER_RUN", 2)
    for n in range(5):
        draft = ReleaseDraft(canonical_id=f"k{n}", title=f"Kiln news {n}", body=f"The kiln story {n} goes on.")
        await service.digests.ingest_draft(draft)
    subs = [await service.create(guild_id=g, channel_id=g, created_by=1, topic="kiln", time_of_day="09:00",
                                 timezone="UTC") for g in (1, 2)]  # fmt: skip
    shared = service.lookups()
    due = [await service.due(s, shared) for s in subs]
    assert [shown(d) for d in due] == [shown(await service.due(s)) for s in subs]
    assert (len(due[0].new), due[0].waiting) == (2, 3)


async def test_shared_answers_are_computed_once_and_expire() -> None:
    now = [0.0]
    answers: SharedAnswers[str, int] = SharedAnswers(max_entries=2, max_age=10.0, clock=lambda: now[0])
    calls: list[str] = []

    def compute(key: str) -> object:
        async def run() -> int:
            calls.append(key)
            await asyncio.sleep(0)
            return len(calls)

        return run

    assert await asyncio.gather(*(answers.get("a", compute("a")) for _ in range(3))) == [1, 1, 1]  # type: ignore[arg-type]
    now[0] = 10.5  # too old: computed again
    assert await answers.get("a", compute("a")) == 2  # type: ignore[arg-type]
    await answers.get("b", compute("b"))  # type: ignore[arg-type]
    await answers.get("c", compute("c"))  # type: ignore[arg-type]
    assert not answers.fresh("a") and answers.fresh("c")  # at most two kept: the least recently used went

    async def fail() -> int:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        await answers.get("d", fail)
    assert not answers.fresh("d")  # a failure is not kept
