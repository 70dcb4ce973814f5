"""The fake Discord's buttons, driven by a tiny throwaway discord.py bot: persistent views, updates, dynamic items."""

from __future__ import annotations

import discord

from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.tiny_bot import Counter, TinyBot, text_channel


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
