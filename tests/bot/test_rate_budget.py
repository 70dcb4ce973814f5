"""The request budget: shares that add up to Discord's global limit never meet a 429, whatever the latency."""

from __future__ import annotations

import asyncio
import random

import discord
import pytest

from bot.rate_budget import RequestBudget
from tests.fake_discord.fixtures import fake_discord  # noqa: F401  (the fixture)
from tests.fake_discord.server import FakeDiscord


def test_places_are_the_share_rounded_down() -> None:
    assert (RequestBudget(22.5).capacity, RequestBudget(22.5).window) == (22, 1.0)
    assert (RequestBudget(0.5).capacity, RequestBudget(0.5).window) == (1, 2.0)
    budget = RequestBudget(3)
    budget.set_rate(24)
    assert budget.capacity == 24
    budget.set_rate(0)
    assert budget.capacity == 0  # nothing is sent until the share grows
    with pytest.raises(ValueError):
        budget.set_rate(-1)


async def test_two_processes_sharing_the_budget_stay_under_the_global_limit(fake_discord: FakeDiscord) -> None:  # noqa: F811
    # Two REST clients with the same token, as two shard processes are: separate connections, one bot. Each takes
    # half of Discord's limit (10/s here, to keep the test short), and the loop delays each send a random while
    # after its place was taken (a busy process): arrivals bunch up, yet never more than 10 in any second.
    fake_discord.global_rate_limit = 10
    rng = random.Random(7)
    clients = [discord.Client(intents=discord.Intents.none()) for _ in range(2)]
    try:
        for client in clients:
            await client.login("fake-token")
        await asyncio.sleep(1.0)  # the logins' requests (outside the budget) leave Discord's window

        async def post(client: discord.Client, budget: RequestBudget, n: int) -> None:
            channel = client.get_partial_messageable(int(fake_discord.channel.id))
            async with budget.request():
                await asyncio.sleep(rng.uniform(0, 0.3))
                await channel.send(f"m{n}")

        budgets = [RequestBudget(5), RequestBudget(5)]
        await asyncio.gather(*(post(c, b, n) for n in range(8) for c, b in zip(clients, budgets, strict=True)))
    finally:
        for client in clients:
            await client.close()
    assert fake_discord.rate_limited_count == 0
    assert len(fake_discord.bot_messages()) == 16
