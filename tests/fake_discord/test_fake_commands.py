"""The fake Discord's slash commands, driven by a tiny throwaway discord.py bot (not our application): sync, answers,
deferrals, followups, edits, autocomplete, options and late callbacks."""

from __future__ import annotations

import math

import discord
import pytest

from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.tiny_bot import TinyBot, sync


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


async def test_autocomplete_returns_choices(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    result = await fake_discord.autocomplete("digest", {"topic": "hm"}, focused="topic")

    assert result.callback_type == 8
    assert result.choices == [{"name": "hmc", "value": "hmc"}, {"name": "hmrc", "value": "hmrc"}]


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
