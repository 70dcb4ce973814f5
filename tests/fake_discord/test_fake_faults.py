"""The fake Discord's injected failures, driven by a tiny throwaway discord.py bot: 500s, 429s, the global rate
limit, 403s, a wrong token and an outage."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.tiny_bot import TinyBot, text_channel


async def test_injected_500_is_retried(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    fault = fake_discord.fail_next("POST", r"/channels/\d+/messages", 500)

    message = await text_channel(bot, fake_discord).send("after a 500")

    assert fault.hits == 1 and message.content == "after a 500"
    statuses = [r.status for r in fake_discord.requests_to("POST", r"/channels/\d+/messages")]
    assert statuses == [500, 200]


async def test_injected_429_is_retried_and_counted(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    fake_discord.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=0.05)

    await text_channel(bot, fake_discord).send("after a 429")

    assert fake_discord.rate_limited_count == 1
    assert [m["content"] for m in fake_discord.bot_messages()] == ["after a 429"]


async def test_global_rate_limit(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    fake_discord.global_rate_limit = 3
    channel = text_channel(bot, fake_discord)

    await asyncio.gather(*(channel.send(f"m{i}") for i in range(5)))

    assert fake_discord.rate_limited_count >= 1
    assert sorted(m["content"] for m in fake_discord.bot_messages()) == [f"m{i}" for i in range(5)]


async def test_injected_403_raises_forbidden(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    fake_discord.fail_next("POST", r"/channels/\d+/messages", 403)

    with pytest.raises(discord.Forbidden) as info:
        await text_channel(bot, fake_discord).send("nope")

    assert info.value.code == 50013
    assert fake_discord.bot_messages() == []


async def test_wrong_token_is_refused() -> None:
    async with FakeDiscord(token="right-token") as fake:
        with fake.patched(), pytest.raises(discord.LoginFailure):
            async with fake.running(TinyBot(), token="wrong-token"):
                pass


async def test_an_outage_refuses_connections_until_it_ends(fake_discord: FakeDiscord) -> None:
    await fake_discord.go_down()
    tiny = TinyBot()
    with pytest.raises(aiohttp.ClientConnectorError):
        await tiny.login("fake-token")
    await tiny.close()
    await fake_discord.come_up()
    async with fake_discord.running(TinyBot()) as again:
        assert again.is_ready()
