"""The fake Discord's channel messages, driven by a tiny throwaway discord.py bot: edits, deletes, files, mentions,
the message-content intent, nonces and channel permission overwrites."""

from __future__ import annotations

import io

import discord
import pytest

from tests.fake_discord.payloads import SEND_MESSAGES
from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.tiny_bot import TinyBot, text_channel


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


async def test_nonce_deduplicates_messages(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    channel = text_channel(bot, fake_discord)

    first = await channel.send("once", nonce="digest-42")
    second = await channel.send("once", nonce="digest-42")
    other = await channel.send("twice", nonce="digest-43")

    assert first.id == second.id != other.id
    assert [m["content"] for m in fake_discord.messages_in(fake_discord.channel.id)] == ["once", "twice"]


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
