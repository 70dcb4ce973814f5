"""A tiny throwaway discord.py bot (not our application) that the fake Discord's own tests drive, and its fixtures
(made available by this folder's conftest.py): ``bot`` (logged in, ready, commands synced to the fake guild) and
``no_discord_errors`` (autouse: fails a test whose discord.py logged an error)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

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
