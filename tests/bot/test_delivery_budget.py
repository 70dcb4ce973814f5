"""Every request the delivery and the poller send holds its place in the request budget until Discord answered it
(bot.rate_budget.RequestBudget.request), not only digest posts: the crash-recovery history look-up, a paused
subscription's notice and a paused feed's notice too. Discord counts a request when it arrives; one counted as
answered when sent frees its place a second later even if it is still on its way, and a burst can pass the limit.

Discord is held (the fake answers the request only when the test lets it) and the budget's clock is the test's:
a second later by that clock, the place must still be taken.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import Services, open_services
from bot.delivery import Deliverer
from bot.polling import _notify_paused
from bot.rate_budget import RequestBudget
from digests.config import Settings
from digests.sources import PollResult
from digests.subscriptions import Subscription
from tests.fake_discord.fixtures import fake_discord  # noqa: F401  (the fixture)
from tests.fake_discord.server import FakeDiscord

MESSAGES = r"/channels/\d+/messages"


class Clock:
    """The budget's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, db=tmp_path / "bot.db", analysis_workers=0, seeds_dir=tmp_path / "none"
    )
    async with open_services(settings) as opened:
        yield opened


@pytest.fixture
async def client(fake_discord: FakeDiscord) -> AsyncIterator[discord.Client]:  # noqa: F811
    logged_in = discord.Client(intents=discord.Intents.none())  # REST only, as the worker
    await logged_in.login("fake-token")
    yield logged_in
    await logged_in.close()


async def subscription(services: Services, fake: FakeDiscord) -> Subscription:
    notices = fake.guild.add_channel("notices")
    return await services.subscriptions.create(
        guild_id=int(fake.guild.id), channel_id=int(fake.channel.id), notify_channel_id=int(notices.id),
        topic="harbor", time_of_day="09:00", timezone="UTC", created_by=1,
    )  # fmt: skip


async def held_until_answered(fake: FakeDiscord, method: str, work: Coroutine[Any, Any, Any], clock: Clock,
                              budget: RequestBudget) -> None:  # fmt: skip
    """Run ``work`` (one request to hold) and check that its place is taken until Discord answers."""
    hold = fake.hold_next(method, MESSAGES)
    running = asyncio.create_task(work)
    other: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(15):
            while not hold.hits:
                await asyncio.sleep(0.01)
        clock.now += budget.window * 3  # long after it was sent: a request counted as answered has left
        other = asyncio.create_task(take_place(budget))
        await asyncio.sleep(0.2)  # the other one would have its place by now, were there one free
        assert not other.done(), "the place was free while the request was still unanswered"
    finally:
        hold.release()
        await running
        if other is not None:
            other.cancel()


async def take_place(budget: RequestBudget) -> None:
    async with budget.request():
        pass


async def test_the_history_look_up_holds_its_place_until_answered(
    fake_discord: FakeDiscord, client: discord.Client, services: Services  # noqa: F811
) -> None:
    deliverer = Deliverer(client, services.subscriptions, services.leases)
    clock = Clock()
    deliverer.limiter = budget = RequestBudget(1.0, clock=clock)
    found = deliverer._posted_since(await subscription(services, fake_discord), datetime.now(UTC) - timedelta(hours=1))
    await held_until_answered(fake_discord, "GET", found, clock, budget)


async def test_a_paused_subscriptions_notice_holds_its_place_until_answered(
    fake_discord: FakeDiscord, client: discord.Client, services: Services  # noqa: F811
) -> None:
    deliverer = Deliverer(client, services.subscriptions, services.leases)
    clock = Clock()
    deliverer.limiter = budget = RequestBudget(1.0, clock=clock)
    notice = deliverer._notify(await subscription(services, fake_discord), "the channel was deleted")
    await held_until_answered(fake_discord, "POST", notice, clock, budget)
    assert "is paused: the channel was deleted" in str(fake_discord.bot_messages())


async def test_a_paused_feeds_notice_holds_its_place_until_answered(
    fake_discord: FakeDiscord, client: discord.Client, services: Services  # noqa: F811
) -> None:
    now = datetime.now(UTC)
    source, _ = await services.sources.repo.add("https://example.gov/feed.xml", "example.gov/feed.xml", now)
    await services.sources.repo.follow(source.id, int(fake_discord.guild.id), int(fake_discord.channel.id), 1, now)
    clock = Clock()
    budget = RequestBudget(1.0, clock=clock)
    notice = _notify_paused(client, services, budget, PollResult(source, error="gone", paused_now=True))
    await held_until_answered(fake_discord, "POST", notice, clock, budget)
    assert "Feed paused" in str(fake_discord.bot_messages())
