from datetime import UTC, datetime, timedelta

from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.subscriptions import SubscriptionRepository

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def create(repo: SubscriptionRepository, guild_id: int = 1, **changes: object) -> int:
    fields: dict[str, object] = {
        "guild_id": guild_id, "channel_id": 20, "notify_channel_id": 21, "topic": "hmc", "include": ("iraq",),
        "exclude": ("sports",), "sentences": 4, "time_of_day": "09:30", "timezone": "Europe/Paris",
        "created_by": 3, "now": NOW,
    }  # fmt: skip
    fields.update(changes)
    return (await repo.create(**fields)).id  # type: ignore[arg-type]


async def test_create_and_read_back(db: Database) -> None:
    repo = SubscriptionRepository(db)
    found = await repo.get(await create(repo))
    assert found is not None
    assert (found.topic, found.include, found.exclude, found.sentences) == ("hmc", ("iraq",), ("sports",), 4)
    assert (found.hour, found.minute, found.timezone, found.active) == (9, 30, "Europe/Paris", True)
    assert found.created_at == found.last_run_at == NOW and found.last_delivery_at is None
    assert found.created_at.tzinfo is not None


async def test_pause_transitions_once_and_resume(db: Database) -> None:
    repo = SubscriptionRepository(db)
    subscription_id = await create(repo)
    assert await repo.pause(subscription_id, "403", NOW)
    assert not await repo.pause(subscription_id, "403 again", NOW)  # the server is told once
    paused = await repo.get(subscription_id)
    assert paused is not None and paused.paused_reason == "403" and not paused.active
    assert await repo.active() == []
    assert await repo.resume(subscription_id) and not await repo.resume(subscription_id)
    assert [s.id for s in await repo.active()] == [subscription_id]


async def test_guild_scoping_delete_and_run_bookkeeping(db: Database) -> None:
    repo = SubscriptionRepository(db)
    mine, theirs = await create(repo, guild_id=1), await create(repo, guild_id=2)
    assert [s.id for s in await repo.for_guild(1)] == [mine]
    assert not await repo.delete(theirs, guild_id=1)  # another server's subscription
    await repo.mark_run(mine, NOW + timedelta(days=1))
    found = await repo.get(mine)
    assert found is not None and found.last_run_at == NOW + timedelta(days=1)
    assert await repo.delete(mine, guild_id=1) and await repo.get(mine) is None


async def test_releases_mentioning_matches_any_word_form(db: Database) -> None:
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    a = (await service.ingest_draft(ReleaseDraft(canonical_id="a", body="Ferries resumed at the harbor."))).release_id
    b = (await service.ingest_draft(ReleaseDraft(canonical_id="b", body="The budget passed today."))).release_id
    repo = SubscriptionRepository(db)
    assert await repo.releases_mentioning([a, b], ["ferry", "nothing"]) == {a}  # porter stemming
    assert await repo.releases_mentioning([a, b], ['"', "AND"]) == set()  # user text is never query syntax
    assert await repo.releases_mentioning([], ["ferry"]) == set()
