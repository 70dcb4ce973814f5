"""The fake Discord's gateway, driven by a tiny throwaway discord.py bot: member chunks, resume, restart, clean
shutdown and sharded connections."""

from __future__ import annotations

import asyncio
import gc
import warnings

import discord

from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.tiny_bot import TinyBot, sync


async def test_member_chunk_request(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = discord.Client(intents=intents, chunk_guilds_at_startup=False)
    async with fake_discord.running(client):
        guild = client.get_guild(int(fake_discord.guild.id))
        assert guild is not None
        members = await asyncio.wait_for(guild.chunk(), 5)  # op 8 -> GUILD_MEMBERS_CHUNK
        assert [p["d"]["guild_id"] for p in fake_discord.gateway_received if p["op"] == 8] == [guild.id]
        assert sorted(m.name for m in members) == ["Release Digest", "alice", "bob"]
        admin = guild.get_member(int(fake_discord.admin.id))
        assert admin is not None and admin.guild_permissions.manage_channels


async def test_resume_after_reconnect_request(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)

    await fake_discord.request_reconnect()
    await asyncio.wait_for(resumed.wait(), 5)

    assert len(fake_discord.sessions) == 1
    result = await fake_discord.slash("card")
    assert result.callback_type == 4


async def test_restart_against_same_fake_keeps_state(fake_discord: FakeDiscord) -> None:
    first = TinyBot()
    async with fake_discord.running(first):
        await sync(first, fake_discord)
        await fake_discord.slash("card")

    second = TinyBot()
    async with fake_discord.running(second):
        assert len(fake_discord.sessions) == 2
        result = await fake_discord.slash("digest", {"topic": "hmrc"})  # commands persisted in the fake
        assert result.original is not None and result.original["content"] == "Digest for hmrc"
    assert len(fake_discord.bot_messages()) == 2


async def test_clean_shutdown_leaves_nothing_behind() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with FakeDiscord() as fake:
            with fake.patched():
                tiny = TinyBot()
                async with fake.running(tiny):
                    await sync(tiny, fake)
                    await fake.slash("card")
                assert tiny.is_closed()
        gc.collect()
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []
    assert [str(w.message) for w in caught] == []
    assert fake.connected_clients == 0


class ShardClient(discord.AutoShardedClient):
    """A sharded client that records the guilds of the messages it sees."""

    def __init__(self, shard_ids: list[int]) -> None:
        super().__init__(intents=discord.Intents.default(), shard_count=2, shard_ids=shard_ids)
        self.seen: list[tuple[int, int | None]] = []  # (guild id, shard id)

    async def on_message(self, message: discord.Message) -> None:
        assert message.guild is not None
        self.seen.append((message.guild.id, message.guild.shard_id))


async def test_sharded_connections_get_their_own_guilds_and_events(fake_discord: FakeDiscord) -> None:
    fake_discord.recommended_shards = 2
    even, odd = fake_discord.add_guild("Even", shard=(0, 2)), fake_discord.add_guild("Odd", shard=(1, 2))
    assert [(int(g.id) >> 22) % 2 for g in (even, odd)] == [0, 1]
    by_shard = {0: {even.id}, 1: {odd.id}}
    by_shard[(int(fake_discord.guild.id) >> 22) % 2].add(fake_discord.guild.id)
    first, second = ShardClient([0]), ShardClient([1])
    async with fake_discord.running(first), fake_discord.running(second):
        assert {str(g.id) for g in first.guilds} == by_shard[0]
        assert {str(g.id) for g in second.guilds} == by_shard[1]
        assert [s.shard for s in fake_discord.sessions] == [(0, 2), (1, 2)]
        await fake_discord.send_message("to the odd guild", channel=odd.channels[0])
        await fake_discord.send_message("to the even guild", channel=even.channels[0])
        for _ in range(100):  # the clients see the events after the fake sent them: poll
            if len(first.seen) + len(second.seen) >= 2:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)  # nothing else arrives
    assert (first.seen, second.seen) == ([(int(even.id), 0)], [(int(odd.id), 1)])
    gateway = fake_discord.requests_to("GET", "/gateway/bot")
    assert gateway == [] or all(r.status == 200 for r in gateway)
