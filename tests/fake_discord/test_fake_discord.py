"""Tests of the fake Discord itself, driven by a tiny throwaway discord.py bot (not our application)."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import math
import re
import warnings
from collections.abc import AsyncIterator, Iterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord.payloads import SEND_MESSAGES
from tests.fake_discord.server import FakeDiscord

TOPICS = ["hmc", "hmrc", "home office", "treasury"]


class AckView(discord.ui.View):
    """A persistent view (timeout None, fixed custom_id) like the ones a bot re-registers at startup."""

    def __init__(self, bot: TinyBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Ack", custom_id="tiny:ack", style=discord.ButtonStyle.primary)
    async def ack(self, interaction: discord.Interaction, button: discord.ui.Button[AckView]) -> None:
        self.bot.clicks.append((interaction.user.id, button.custom_id))
        await interaction.response.send_message("acknowledged", ephemeral=True)

    @discord.ui.button(label="Close", custom_id="tiny:close")
    async def close(self, interaction: discord.Interaction, button: discord.ui.Button[AckView]) -> None:
        await interaction.response.edit_message(content="closed", embed=None, view=None)


class Counter(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"tiny:count:(?P<n>\d+)"):
    """A dynamic button (state in its custom_id), like our Quotes button; clicking counts up."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"Count {n}", custom_id=f"tiny:count:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[discord.ui.View], match: re.Match[str], /
    ) -> Counter:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # type 6: acknowledge without a visible answer
        view = discord.ui.View(timeout=None).add_item(Counter(self.n + 1))
        await interaction.edit_original_response(content=f"count {self.n + 1}", view=view)


class TinyBot(commands.Bot):
    """Default intents (no message_content), a few slash commands, a persistent view, an on_message."""

    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default())
        self.clicks: list[tuple[int, str | None]] = []
        self.seen: list[discord.Message] = []

        @self.tree.command(description="Digest of a topic")
        async def digest(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"Digest for {topic}")

        @digest.autocomplete("topic")
        async def topic_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

        @self.tree.command(description="Who is this member?")
        async def whois(interaction: discord.Interaction, who: discord.Member) -> None:
            role = "admin" if who.guild_permissions.manage_guild else "member"
            await interaction.response.send_message(f"{who.name} is {role}", ephemeral=True)

        feed = app_commands.Group(name="feed", description="Feeds")

        @feed.command(name="add", description="Add a feed")
        async def feed_add(interaction: discord.Interaction, url: str, limit: int = 5) -> None:
            await interaction.response.send_message(f"added {url} ({limit})")

        self.tree.add_command(feed)

        @self.tree.command(description="Answer, edit the answer, add an ephemeral followup")
        async def progress(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("working")
            await interaction.edit_original_response(content="done")
            await interaction.followup.send("extra", ephemeral=True)

        @self.tree.command(description="A card with a button")
        async def card(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="Card", description="Press the button")
            await interaction.response.send_message(embed=embed, view=AckView(self))

    async def setup_hook(self) -> None:
        self.add_view(AckView(self))
        self.add_dynamic_items(Counter)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(message)
        if self.user in message.mentions:
            await message.reply(f"heard: {message.content.split(maxsplit=1)[-1]}")


async def sync(bot: TinyBot, fake: FakeDiscord) -> list[app_commands.AppCommand]:
    guild = discord.Object(id=int(fake.guild.id))
    bot.tree.copy_global_to(guild=guild)
    return await bot.tree.sync(guild=guild)


@pytest.fixture(autouse=True)
def no_discord_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test if discord.py logged an error (e.g. a payload it could not parse)."""
    caplog.set_level(logging.WARNING, logger="discord")
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    assert [r.getMessage() for r in records if r.levelno >= logging.ERROR] == []


@pytest.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[TinyBot]:
    """A TinyBot logged in to the fake, ready, with its commands synced to the fake guild."""
    tiny = TinyBot()
    async with fake_discord.running(tiny):
        await sync(tiny, fake_discord)
        yield tiny


def text_channel(bot: TinyBot, fake: FakeDiscord) -> discord.TextChannel:
    channel = bot.get_channel(int(fake.channel.id))
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_login_ready_and_command_sync(fake_discord: FakeDiscord) -> None:
    tiny = TinyBot()
    async with fake_discord.running(tiny):
        assert tiny.user is not None and str(tiny.user.id) == fake_discord.bot_user.id
        assert tiny.application_id == int(fake_discord.application_id)
        guild = tiny.get_guild(int(fake_discord.guild.id))
        assert guild is not None and guild.member_count == 3
        assert [c.name for c in guild.text_channels] == ["general"]
        assert guild.me.guild_permissions.send_messages and not guild.me.guild_permissions.administrator
        assert math.isfinite(tiny.latency)  # the heartbeat sent right after HELLO was acknowledged

        synced = await sync(tiny, fake_discord)
        assert sorted(c.name for c in synced) == ["card", "digest", "feed", "progress", "whois"]
        stored = fake_discord.commands(fake_discord.guild.id)
        assert all(c["id"] and c["guild_id"] == fake_discord.guild.id for c in stored)
        fetched = await tiny.tree.fetch_commands(guild=discord.Object(id=int(fake_discord.guild.id)))
        assert {c.id for c in fetched} == {c.id for c in synced}
        assert {c.id for c in await sync(tiny, fake_discord)} == {c.id for c in synced}  # ids survive
    assert fake_discord.unhandled == []
    identify = next(p for p in fake_discord.gateway_received if p["op"] == 2)
    assert identify["d"]["token"] == "<redacted>"


async def test_global_commands(fake_discord: FakeDiscord) -> None:
    tiny = TinyBot()
    async with fake_discord.running(tiny):
        synced = await tiny.tree.sync()  # global: the interaction data then carries no guild_id
        assert {c["name"] for c in fake_discord.commands()} == {c.name for c in synced}
        assert fake_discord.commands(fake_discord.guild.id) == []

        result = await fake_discord.slash("card")

        assert "guild_id" not in result.payload["data"]
        assert result.original is not None and result.original["embeds"][0]["title"] == "Card"


async def test_deferred_slash_command_followup(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    result = await fake_discord.slash("digest", {"topic": "hmc"}, user=fake_discord.admin)

    assert result.callback_type == 5 and result.deferred
    # The first followup after a deferral replaces the "thinking…" message, as on Discord.
    assert result.original is not None and result.original["content"] == "Digest for hmc"
    assert result.followups == []
    assert fake_discord.interaction_responses(result.id) is result
    posts = fake_discord.requests_to("POST", r"/webhooks/\d+/[^/]+")
    assert len(posts) == 1 and posts[0].json["content"] == "Digest for hmc"
    assert [m["content"] for m in fake_discord.bot_messages()] == ["Digest for hmc"]


async def test_send_message_with_embed_and_button(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    result = await fake_discord.slash("card")

    assert result.callback_type == 4
    message = result.original
    assert message is not None and message["type"] == 20
    assert message["embeds"][0]["title"] == "Card"
    button = message["components"][0]["components"][0]
    assert button["custom_id"] == "tiny:ack" and button["label"] == "Ack"
    assert fake_discord.messages_in(fake_discord.channel.id) == [message]


async def test_edit_original_and_ephemeral_followup(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    result = await fake_discord.slash("progress")

    assert result.original is not None and result.original["content"] == "done"
    assert result.original["edited_timestamp"] is not None
    assert [(m["content"], m["flags"]) for m in result.followups] == [("extra", 64)]
    assert [m["content"] for m in fake_discord.messages_in(fake_discord.channel.id)] == ["done"]


async def test_channel_message_edit_delete_and_file(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    channel = text_channel(bot, fake_discord)

    message = await channel.send("draft", file=discord.File(io.BytesIO(b"# digest"), filename="digest.md"))
    await message.edit(content="final")
    gone = await channel.send("temporary")
    await gone.delete()

    (stored,) = fake_discord.messages_in(fake_discord.channel.id)
    assert stored["content"] == "final"
    assert [a["filename"] for a in stored["attachments"]] == ["digest.md"]
    assert fake_discord.message(str(gone.id)) is None
    assert [m.content async for m in channel.history(limit=10)] == ["final"]


async def test_autocomplete_returns_choices(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    result = await fake_discord.autocomplete("digest", {"topic": "hm"}, focused="topic")

    assert result.callback_type == 8
    assert result.choices == [{"name": "hmc", "value": "hmc"}, {"name": "hmrc", "value": "hmrc"}]


async def test_button_click_reaches_persistent_view(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    card = await fake_discord.slash("card")
    assert card.original is not None

    click = await fake_discord.click("tiny:ack", card.original, user=fake_discord.admin)

    assert bot.clicks == [(int(fake_discord.admin.id), "tiny:ack")]
    assert click.original is not None and click.original["content"] == "acknowledged"
    assert click.ephemeral
    assert fake_discord.messages_in(fake_discord.channel.id) == [card.original]  # ephemeral is hidden


async def test_button_click_updates_message(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    card = await fake_discord.slash("card")
    assert card.original is not None

    click = await fake_discord.click("tiny:close", card.original)

    assert click.callback_type == 7
    assert click.original is not None and click.original["id"] == card.original["id"]
    assert (click.original["content"], click.original["embeds"], click.original["components"]) == (
        "closed",
        [],
        [],
    )


async def test_dynamic_button_deferred_update(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    view = discord.ui.View(timeout=None).add_item(Counter(1))
    sent = await text_channel(bot, fake_discord).send("count 1", view=view)
    message = fake_discord.message(str(sent.id))
    assert message is not None

    click = await fake_discord.click("tiny:count:1", message)

    assert click.callback_type == 6 and click.deferred
    assert click.original is not None and click.original["id"] == message["id"]
    assert click.original["content"] == "count 2"
    assert click.original["components"][0]["components"][0]["custom_id"] == "tiny:count:2"


async def test_mention_reply_reaches_on_message(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    posted = await text_channel(bot, fake_discord).send("Digest: HMC release")
    bot_message = fake_discord.message(str(posted.id))
    assert bot_message is not None

    replies = await fake_discord.mention_reply(bot_message, "what did Singh say about withdrawal?")

    seen = bot.seen[-1]
    assert seen.reference is not None and seen.reference.message_id == posted.id
    assert seen.content.endswith("what did Singh say about withdrawal?")  # visible: it mentions the bot
    assert [r["content"] for r in replies] == ["heard: what did Singh say about withdrawal?"]
    assert replies[0]["message_reference"]["message_id"] == str(seen.id)


async def test_message_content_is_hidden_without_intent_or_mention(
    fake_discord: FakeDiscord, bot: TinyBot
) -> None:
    chat = await fake_discord.send_message("just chatting", user=fake_discord.admin)

    replies = await fake_discord.mention_reply(chat, "are you there?", expect=1)

    # Default intents lack message_content: Discord blanks messages that do not mention the bot.
    assert [m.content for m in bot.seen] == ["", f"{fake_discord.bot_user.mention} are you there?"]
    assert [r["content"] for r in replies] == ["heard: are you there?"]


async def test_member_option_and_subcommand(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    admin = await fake_discord.slash("whois", {"who": fake_discord.admin})
    plain = await fake_discord.slash("whois", {"who": fake_discord.member})
    added = await fake_discord.slash("feed add", {"url": "https://example.invalid/rss", "limit": 3})

    assert admin.original is not None and admin.original["content"] == "alice is admin"
    assert plain.original is not None and plain.original["content"] == "bob is member"
    assert admin.ephemeral
    assert added.original is not None and added.original["content"] == "added https://example.invalid/rss (3)"
    with pytest.raises(LookupError, match="no option 'nope'"):
        await fake_discord.slash("feed add", {"url": "u", "nope": 1})
    with pytest.raises(LookupError, match=r"needs option\(s\) \['url'\]"):
        await fake_discord.slash("feed add", {"limit": 1})


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


async def test_nonce_deduplicates_messages(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    channel = text_channel(bot, fake_discord)

    first = await channel.send("once", nonce="digest-42")
    second = await channel.send("once", nonce="digest-42")
    other = await channel.send("twice", nonce="digest-43")

    assert first.id == second.id != other.id
    assert [m["content"] for m in fake_discord.messages_in(fake_discord.channel.id)] == ["once", "twice"]


async def test_late_interaction_callback_is_rejected(
    fake_discord: FakeDiscord, bot: TinyBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake_discord.interaction_deadline = 0.0

    result = await fake_discord.slash("card", wait=False)

    await fake_discord.wait_for(lambda: bool(fake_discord.requests_to("POST", r"/interactions/.*")))
    await fake_discord.settle()
    assert fake_discord.requests_to("POST", r"/interactions/.*")[0].status == 404
    assert result.callbacks == []
    assert "Unknown interaction" in caplog.text  # discord.py logged the NotFound from the command
    caplog.clear()


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


async def test_wrong_token_is_refused() -> None:
    async with FakeDiscord(token="right-token") as fake:
        with fake.patched(), pytest.raises(discord.LoginFailure):
            async with fake.running(TinyBot(), token="wrong-token"):
                pass


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


async def test_channel_overwrites_are_sent_and_enforced(fake_discord: FakeDiscord) -> None:
    quiet = fake_discord.guild.add_channel("quiet")
    quiet.overwrite(fake_discord.guild.everyone, deny=SEND_MESSAGES)
    tiny = TinyBot()
    async with fake_discord.running(tiny):
        channel = tiny.get_channel(int(quiet.id))
        assert isinstance(channel, discord.TextChannel)
        assert not channel.permissions_for(channel.guild.me).send_messages  # discord.py reads the overwrite
        with pytest.raises(discord.Forbidden) as info:
            await channel.send("nope")
        assert info.value.code == 50013
        await text_channel(tiny, fake_discord).send("fine")  # #general has no overwrite
        guilds = [guild async for guild in tiny.fetch_guilds()]  # GET /users/@me/guilds
    assert [g.id for g in guilds] == [int(g.id) for g in fake_discord.guilds]


async def test_an_outage_refuses_connections_until_it_ends(fake_discord: FakeDiscord) -> None:
    await fake_discord.go_down()
    tiny = TinyBot()
    with pytest.raises(aiohttp.ClientConnectorError):
        await tiny.login("fake-token")
    await tiny.close()
    await fake_discord.come_up()
    async with fake_discord.running(TinyBot()) as again:
        assert again.is_ready()
