"""The doctor's store and feed checks, on the library side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from digests.config import Settings
from digests.health import USER_AGENT_PLACEHOLDER, Check, HealthService, feed_check, store_location, user_agent_check
from digests.store.db import Database, migrations
from digests.store.deliveries import DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository
from digests.store.subscriptions import SubscriptionRepository

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_store_url_is_shown_without_its_password() -> None:
    assert store_location("postgresql://digest:s3cret@db.internal:5432/digests") == (
        "postgresql://db.internal:5432/digests"
    )
    assert store_location("release-digest.db") == "release-digest.db"


def test_check_lines() -> None:
    assert Check("FAIL", "store", "gone").line() == "FAIL  store: gone"
    assert Check("FAIL", "x", "y").failed and not Check("warn", "x", "y").failed


async def test_feed_states(db: Database) -> None:
    repo = SourceRepository(db)
    healthy, _ = await repo.add("https://a.example/rss", "a.example/rss", NOW, is_global=True)
    await repo.record_success(
        healthy.id, NOW, title="A News", etag=None, last_modified=None, added=3, warning=None
    )
    failing, _ = await repo.add("https://b.example/rss", "b.example/rss", NOW, is_global=True)
    await repo.record_failure(failing.id, NOW, "HTTP 500", NOW + timedelta(minutes=30), None)
    paused, _ = await repo.add("https://c.example/rss", "c.example/rss", NOW, is_global=True)
    await repo.record_failure(paused.id, NOW, "not a feed", NOW + timedelta(hours=1), "5 failed polls in a row")
    unfollowed, _ = await repo.add("https://d.example/rss", "d.example/rss", NOW)
    fresh, _ = await repo.add("https://e.example/rss", "e.example/rss", NOW, is_global=True)
    checks = {}
    for source_id in (healthy.id, failing.id, paused.id, unfollowed.id, fresh.id):
        source = await repo.get(source_id)
        assert source is not None
        checks[source_id] = feed_check(source, UTC)
    assert checks[healthy.id] == Check("ok", f"feed #{healthy.id} A News", "last success 2026-03-02 12:00 UTC, 3 items")
    assert checks[failing.id].status == "warn"
    assert "1 failed poll in a row" in checks[failing.id].detail and "HTTP 500" in checks[failing.id].detail
    assert "next try 2026-03-02 12:30 UTC" in checks[failing.id].detail
    assert checks[paused.id].failed and "paused: 5 failed polls in a row" in checks[paused.id].detail
    assert checks[unfollowed.id].status == "skip"
    assert checks[fresh.id] == Check("ok", f"feed #{fresh.id} https://e.example/rss", "not polled yet")


async def test_store_counts(db: Database) -> None:
    health = HealthService(
        ReleaseRepository(db),
        SourceRepository(db),
        SubscriptionRepository(db),
        DeliveryLedger(db),
        db,
        clock=lambda: NOW,
    )
    subscriptions = SubscriptionRepository(db)
    for topic in ("hmc", "iraq"):
        await subscriptions.create(
            guild_id=1, channel_id=2, notify_channel_id=None, topic=topic, include=(), exclude=(), sentences=None,
            time_of_day="09:00", timezone="UTC", created_by=3, now=NOW,
        )  # fmt: skip
    await subscriptions.pause(2, "by hand", NOW)
    check = await health.store("memory")
    assert check.status == "ok"
    assert check.detail == (
        f"memory reachable, schema version {len(migrations())} (current); 0 releases, 0 feeds, "
        "2 subscriptions (1 paused), deliveries 0 posted, 0 pending"
    )
    assert [s.topic for s in await health.subscriptions()] == ["hmc", "iraq"]
    assert await db.schema_version() == (len(migrations()), len(migrations()))


def _env_example_user_agent() -> str:
    """RELEASE_DIGEST_USER_AGENT as .env.example ships it."""
    example = Path(__file__).resolve().parents[2] / ".env.example"
    key = "RELEASE_DIGEST_USER_AGENT="
    (value,) = [line.removeprefix(key) for line in example.read_text().splitlines() if line.startswith(key)]
    return value


def test_the_shipped_user_agent_is_a_placeholder_the_doctor_warns_about() -> None:
    shipped = _env_example_user_agent()
    assert USER_AGENT_PLACEHOLDER in shipped and "@" not in shipped
    check = user_agent_check(Settings(_env_file=None, user_agent=shipped))  # type: ignore[call-arg]
    assert check is not None and check.status == "warn" and check.name == "user agent"
    assert "RELEASE_DIGEST_USER_AGENT" in check.detail and USER_AGENT_PLACEHOLDER in check.detail


def test_an_example_domain_warns_and_a_real_contact_does_not() -> None:
    def check(agent: str) -> Check | None:
        return user_agent_check(Settings(_env_file=None, user_agent=agent))  # type: ignore[call-arg]

    example = check("ReleaseDigest/0.1 (news-release digest bot; ops@Example.org)")
    assert example is not None and example.status == "warn"
    assert check("ReleaseDigest/0.1 (+https://www.example.com/bot)") is not None
    assert check("ReleaseDigest/0.1 (news-release digest bot; press-bot@harbortest.gov)") is None
    assert check("ReleaseDigest/0.1 (+https://counterexample.org/bot)") is None
    assert user_agent_check(Settings(_env_file=None)) is None  # type: ignore[call-arg]  # the built-in default
