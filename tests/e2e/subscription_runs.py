"""Helpers of the daily-digest tests through the real bot: releases, subscriptions, and a clock driven through
the bot's own scheduler jobs (:func:`drive`), so that no test waits for a real minute."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import Services
from bot.client import DigestBot
from bot.delivery import RunOutcome
from bot.scheduling import JOB_PREFIX
from digests.models import ReleaseDraft, Subscription
from tests.e2e.conftest import FakeClock
from tests.fake_discord.server import FakeDiscord

TOPIC = "tidewater"
_QUOTES_ID = re.compile(r"rd:quotes:(\d+)")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def release_body(words: str) -> str:
    return (
        f"The Tidewater port authority announced {words} on Monday. "
        "Officials said the work would continue through the spring and into the summer season. "
        f"“We are committed to {words} for every family in the region,” said Director Ana Ruiz. "
        "The authority will publish further details next week."
    )


async def add_release(services: Services, key: str, words: str, title: str | None = None) -> int:
    result = await services.digests.ingest_draft(
        ReleaseDraft(
            canonical_id=key,
            title=title or f"Tidewater {words}",
            body=release_body(words),
            url=f"https://example.gov/{key}",
        )
    )
    return result.release_id


async def subscribe(
    services: Services, channel_id: str, guild_id: str, time: str = "09:00", tz: str = "UTC", **options: Any
) -> Subscription:
    return await services.subscriptions.create(
        guild_id=int(guild_id),
        channel_id=int(channel_id),
        topic=options.pop("topic", TOPIC),
        time_of_day=time,
        timezone=tz,
        created_by=1,
        **options,
    )


async def drive(bot: DigestBot, clock: FakeClock, until: datetime) -> list[tuple[datetime, RunOutcome]]:
    """Fire the bot's daily jobs whose next time is at most ``until``, in time order (jobs due at the same
    instant concurrently), moving the clock to each instant; returns (instant, outcome) of every run."""
    bot.scheduler.pause()  # from here on only the fake clock fires jobs, whatever the real time of day
    fired: list[tuple[datetime, RunOutcome]] = []
    while True:
        due = []
        for job in bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                fire = job.trigger.get_next_fire_time(None, clock() + timedelta(microseconds=1))
                if fire is not None and fire <= until:
                    due.append((fire.astimezone(UTC), job))
        if not due:
            break
        instant = min(fire for fire, _ in due)
        clock.set(instant)
        outcomes = await asyncio.gather(*(job.func(*job.args) for fire, job in due if fire == instant))
        fired += [(instant, outcome) for outcome in outcomes]
    clock.set(until)
    return fired


def release_ids(message: dict[str, Any]) -> list[int]:
    return [
        int(m.group(1))
        for row in message.get("components", [])
        for c in row["components"]
        if (m := _QUOTES_ID.fullmatch(c.get("custom_id", "")))
    ]


def digest_posts(fake: FakeDiscord, channel_id: str) -> list[dict[str, Any]]:
    """The bot's scheduled posts in a channel (not interaction answers)."""
    return [m for m in fake.bot_messages(channel_id) if "interaction_metadata" not in m]


async def eventually(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
