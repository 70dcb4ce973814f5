from datetime import UTC, datetime

import pytest

from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.db import Database
from digests.store.deliveries import Claim, DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.subscriptions import SubscriptionRepository
from digests.subscriptions import (
    SubscriptionError,
    SubscriptionService,
    matching_timezones,
    parse_time_of_day,
    parse_timezone,
    parse_words,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(db: Database) -> SubscriptionService:
    digests = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    return SubscriptionService(SubscriptionRepository(db), DeliveryLedger(db), digests, lambda: NOW)


@pytest.mark.parametrize(("text", "expected"), [("09:00", "09:00"), ("9:05", "09:05"), (" 23:59 ", "23:59"),
                                                ("7h30", "07:30"), ("00:00", "00:00")])  # fmt: skip
def test_times_of_day(text: str, expected: str) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "9", "09:0", "-1:00", ""])
def test_bad_times_of_day(text: str) -> None:
    with pytest.raises(SubscriptionError, match="HH:MM"):
        parse_time_of_day(text)


def test_timezones() -> None:
    assert parse_timezone("europe/paris") == "Europe/Paris"
    assert parse_timezone(" America/New York ") == "America/New_York"
    assert parse_timezone("UTC") == "UTC"
    for bad in ("Mars/Olympus", "", "../etc/passwd", "+02:00", "localtime", "Factory"):
        with pytest.raises(SubscriptionError, match="timezone"):
            parse_timezone(bad)
    assert matching_timezones("paris") == ["Europe/Paris"]
    assert matching_timezones("new_y")[0] == "America/New_York"
    assert "Europe/Paris" in matching_timezones("")
    assert len(matching_timezones("a")) == 25


def test_words() -> None:
    assert parse_words("Ferry, ferries  FERRY strike") == ("ferry", "ferries", "strike")
    assert parse_words(None) == () and parse_words('" AND (') == ("and",)
    with pytest.raises(SubscriptionError):
        parse_words(" ".join(f"w{n}" for n in range(21)))


async def test_create_validates(service: SubscriptionService) -> None:
    base = {"guild_id": 1, "channel_id": 2, "created_by": 3, "topic": "hmc", "time_of_day": "9:00",
            "timezone": "europe/paris"}  # fmt: skip
    created = await service.create(**base, include="Iraq", exclude="sports", sentences=2)  # type: ignore[arg-type]
    assert (created.time_of_day, created.timezone, created.include, created.exclude) == (
        "09:00", "Europe/Paris", ("iraq",), ("sports",),
    )  # fmt: skip
    for change, message in [({"topic": " ... "}, "word"), ({"time_of_day": "25:00"}, "HH:MM"),
                            ({"timezone": "Nowhere"}, "timezone")]:  # fmt: skip
        with pytest.raises(SubscriptionError, match=message):
            await service.create(**{**base, **change})  # type: ignore[arg-type]
    with pytest.raises(SubscriptionError, match="both"):
        await service.create(**base, include="iraq", exclude="Iraq")  # type: ignore[arg-type]


async def test_guild_scoped_management(service: SubscriptionService) -> None:
    created = await service.create(guild_id=1, channel_id=2, created_by=3, topic="hmc", time_of_day="09:00",
                                   timezone="UTC")  # fmt: skip
    with pytest.raises(SubscriptionError, match="no subscription"):
        await service.pause(2, created.id, "x")
    paused = await service.pause(1, created.id, "paused by alice")
    assert paused.paused_reason == "paused by alice"
    with pytest.raises(SubscriptionError, match="already paused"):
        await service.pause(1, created.id, "again")
    assert (await service.resume(1, created.id)).active
    with pytest.raises(SubscriptionError, match="not paused"):
        await service.resume(1, created.id)
    assert not await service.pause_for_failure(999, "gone")
    assert (await service.delete(1, created.id)).id == created.id
    assert await service.for_guild(1) == []


async def test_due_filters_words_skips_delivered_and_flags_updates(service: SubscriptionService) -> None:
    async def add(key: str, body: str) -> int:
        draft = ReleaseDraft(canonical_id=key, title=f"Release {key}", body=body)
        return (await service.digests.ingest_draft(draft)).release_id

    ferry = await add("a", "The harbor ferry schedule changed.")
    await add("b", "The harbor ferry strike goes on.")
    await add("c", "The harbor budget passed.")
    await add("d", "The airport ferry schedule changed.")  # not about the topic
    subscription = await service.create(guild_id=1, channel_id=2, created_by=3, topic="harbor",
                                        time_of_day="09:00", timezone="UTC", include="ferry", exclude="strike",
                                        sentences=1)  # fmt: skip
    due = await service.due(subscription)
    assert [item.release.id for item in due.new] == [ferry] and due.updated == ()
    assert len(due.new[0].summary) == 1
    assert len(await service.claim(subscription.id, [Claim(ferry, 1, "digest", "n1")])) == 1
    assert not await service.due(subscription)  # claimed counts as delivered
    await service.mark_posted(subscription.id, "n1", 42)
    await add("a", "The harbor ferry schedule changed again on Tuesday.")
    due = await service.due(subscription)
    assert due.new == () and [(r.id, r.version) for r in due.updated] == [(ferry, 2)]
