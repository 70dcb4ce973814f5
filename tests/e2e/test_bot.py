"""What a server's members see, through the real discord.py client talking to the fake Discord."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from bot.embed_text import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_COUNT_LIMIT,
    EMBED_TITLE_LIMIT,
    MESSAGE_EMBED_COUNT_LIMIT,
    MESSAGE_EMBED_TOTAL_LIMIT,
)
from digests.config import Settings
from digests.models import ReleaseDraft
from tests.e2e.conftest import BotFactory
from tests.fake_discord.server import FakeDiscord


def embed_chars(embed: dict[str, Any]) -> int:
    fields = embed.get("fields", [])
    return (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)
        + len(embed.get("footer", {}).get("text", ""))
        + len(embed.get("author", {}).get("name", ""))
    )


def assert_within_limits(message: dict[str, Any]) -> None:
    embeds = message["embeds"]
    assert len(embeds) <= MESSAGE_EMBED_COUNT_LIMIT
    assert sum(embed_chars(e) for e in embeds) <= MESSAGE_EMBED_TOTAL_LIMIT
    for embed in embeds:
        assert len(embed.get("title", "")) <= EMBED_TITLE_LIMIT
        assert len(embed.get("description", "")) <= EMBED_DESCRIPTION_LIMIT
        assert len(embed.get("fields", [])) <= EMBED_FIELD_COUNT_LIMIT


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"] if "custom_id" in c]


def button_id(message: dict[str, Any], label: str) -> str:
    return next(c["custom_id"] for row in message["components"] for c in row["components"] if c.get("label") == label)


def callback_bodies(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [r.json for r in fake.requests_to("POST", r"/interactions/.*/callback") if r.json]


async def test_digest_hmc(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot() as bot:
        result = await fake_discord.slash("digest", {"topic": "hmc"})
        (expected,) = (await bot.services.digests.digest("hmc")).items
    message = result.original
    assert message is not None and not result.ephemeral
    (embed,) = message["embeds"]
    assert embed["title"].startswith("Change in ISIS Threat Means Evolution")
    assert embed["url"].startswith("https://www.defense.gov/")
    assert len(expected.summary) == 3
    assert all(sentence.text in embed["description"] for sentence in expected.summary)
    assert "Let me be clear" in embed["description"] and "Sabrina Singh" in embed["description"]
    assert "3 of 24 sentences" in embed["footer"]["text"]
    assert custom_ids(message) == ["rd:quotes:1"]
    assert_within_limits(message)
    assert all(body["data"]["allowed_mentions"] == {"parse": []} for body in callback_bodies(fake_discord))


async def test_digest_options_and_unknown_topic(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        five = await fake_discord.slash("digest", {"topic": "Higher Military Commission", "sentences": 5})
        unknown = await fake_discord.slash("digest", {"topic": "hmcc"})
        recent = await fake_discord.slash("digest", {"topic": "hmc", "since": "7d"})
        bad_since = await fake_discord.slash("digest", {"topic": "hmc", "since": "whenever"})
    assert five.original is not None and "5 of 24 sentences" in five.original["embeds"][0]["footer"]["text"]
    assert unknown.ephemeral and unknown.original is not None
    text = unknown.original["embeds"][0]["description"]
    assert "No releases match" in text and "`hmc`" in text
    assert recent.ephemeral and "since" in recent.original["embeds"][0]["description"]  # type: ignore[index]
    assert bad_since.ephemeral and "not a time window" in bad_since.original["embeds"][0]["description"]  # type: ignore[index]


async def test_autocomplete_offers_hmc(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        topics = await fake_discord.autocomplete("digest", {"topic": "hm"}, focused="topic")
        everything = await fake_discord.autocomplete("digest", {"topic": ""}, focused="topic")
        speakers = await fake_discord.autocomplete("quote", {"query": "x", "speaker": "sing"}, focused="speaker")
    assert "hmc" in [c["value"] for c in topics.choices]
    assert 0 < len(everything.choices) <= 25
    assert [c["value"] for c in speakers.choices] == ["Sabrina Singh"]


async def test_quote_withdrawal(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        result = await fake_discord.slash("quote", {"query": "withdrawal"})
        none = await fake_discord.slash("quote", {"query": "submarines", "speaker": "Singh"})
        hostile = await fake_discord.slash("quote", {"query": '"HMC AND ( NEAR( *'})
    assert result.original is not None
    (embed,) = result.original["embeds"]
    flat = json.dumps(embed, ensure_ascii=False)
    assert "Let me be clear" in flat and "Sabrina Singh" in flat and "Deputy Pentagon Press Secretary" in flat
    assert none.ephemeral
    assert hostile.original is not None and "Let me be clear" in json.dumps(hostile.original, ensure_ascii=False)


async def test_releases_lists_the_seed(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        listed = await fake_discord.slash("releases")
        searched = await fake_discord.slash("releases", {"search": "submarine"})
    assert listed.original is not None and "Change in ISIS" in json.dumps(listed.original)
    assert searched.ephemeral


async def test_quotes_button_works_also_after_a_restart(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        digest = await fake_discord.slash("digest", {"topic": "hmc"})
        assert digest.original is not None
        first = await fake_discord.click("rd:quotes:1", digest.original)
    assert first.ephemeral and first.original is not None
    assert json.dumps(first.original, ensure_ascii=False).count("Sabrina Singh") >= 5
    async with start_bot():
        again = await fake_discord.click("rd:quotes:1", digest.original)
    assert again.ephemeral and "Let me be clear" in json.dumps(again.original, ensure_ascii=False)


async def test_mention_reply_gets_quotes_from_that_digest(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        digest = await fake_discord.slash("digest", {"topic": "hmc"})
        assert digest.original is not None
        bot_id = fake_discord.bot_user.id
        (reply,) = await fake_discord.mention_reply(
            digest.original, f"<@{bot_id}> what did Singh say about withdrawal?"
        )
        (lost,) = await fake_discord.mention_reply(digest.original, f"<@{bot_id}>")
    text = json.dumps(reply, ensure_ascii=False)
    assert "Let me be clear" in text and "Sabrina Singh" in text
    assert "Reply to one of my digests" in json.dumps(lost)
    posts = fake_discord.requests_to("POST", r"/channels/\d+/messages")
    assert posts and all(r.json["allowed_mentions"]["parse"] == [] for r in posts if r.json)


async def test_everyone_in_a_release_pings_nobody(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Any, settings: Settings
) -> None:
    await services.digests.ingest_draft(
        ReleaseDraft(
            canonical_id="ping",
            title="Pingtest @everyone",
            body="The Pingtest office said @everyone must read this. “@here is a quote with five words,” Lee said.",
        )
    )
    async with start_bot():
        result = await fake_discord.slash("digest", {"topic": "pingtest"})
    assert result.original is not None
    for body in callback_bodies(fake_discord):
        assert body["data"]["allowed_mentions"] == {"parse": []}
    sent = json.dumps(result.original["embeds"], ensure_ascii=False)
    assert "@everyone" not in sent and "@here" not in sent
    assert result.original.get("mention_everyone") in (None, False)


async def test_very_long_release_stays_within_limits(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Any
) -> None:
    sentence = "The Longtest board said the very long program will continue for many more years. "
    quote = "“This quote has a good many words in it for testing,” Kim said. "
    paragraphs = [(sentence * 20 + quote * 10) for _ in range(40)]
    await services.digests.ingest_draft(
        ReleaseDraft(canonical_id="long", title="Longtest " + "x" * 400, body="\n".join(paragraphs))
    )
    async with start_bot():
        result = await fake_discord.slash("digest", {"topic": "longtest", "sentences": 10})
        assert result.original is not None
        quotes = await fake_discord.click(custom_ids(result.original)[0], result.original)
    assert_within_limits(result.original)
    for message in quotes.messages:
        assert_within_limits(message)


async def test_many_releases_are_paged(fake_discord: FakeDiscord, start_bot: BotFactory, services: Any) -> None:
    for number in range(14):
        await services.digests.ingest_draft(
            ReleaseDraft(
                canonical_id=f"many-{number}",
                title=f"Manytest release {number}",
                body=f"The Manytest unit {number} did things. " * 30 + "“We did many things this year,” Ann said.",
            )
        )
    async with start_bot():
        result = await fake_discord.slash("digest", {"topic": "manytest"})
        assert result.original is not None
        assert_within_limits(result.original)
        first_titles = [embed["title"] for embed in result.original["embeds"]]
        next_id = button_id(result.original, "Next")
        flipped = await fake_discord.click(next_id, result.original, user=fake_discord.member)
    assert flipped.original is not None
    assert_within_limits(flipped.original)
    assert [embed["title"] for embed in flipped.original["embeds"]] != first_titles


async def test_a_500_from_discord_is_survived(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        fake_discord.fail_next("POST", r"/interactions/\d+/[^/]+/callback", 500)
        result = await fake_discord.slash("digest", {"topic": "hmc"})
    assert result.original is not None and "Sabrina Singh" in json.dumps(result.original)


async def test_a_failing_command_apologises_with_a_reference(
    fake_discord: FakeDiscord, start_bot: BotFactory, caplog: Any
) -> None:
    async with start_bot() as bot:

        async def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("database on fire")

        bot.services.digests.digest = broken  # type: ignore[method-assign]
        result = await fake_discord.slash("digest", {"topic": "hmc"})
    assert result.ephemeral and result.original is not None
    text = result.original["embeds"][0]["description"]
    match = re.search(r"reference ([0-9a-f]{8})", text)
    assert match is not None
    reference = match.group(1)
    assert any(reference in record.getMessage() for record in caplog.records)


async def test_commands_sync_to_the_guild_and_globally_only_when_changed(
    fake_discord: FakeDiscord, start_bot: BotFactory
) -> None:
    async with start_bot():
        pass
    assert {c["name"] for c in fake_discord.commands(fake_discord.guild.id)} >= {
        "digest",
        "quote",
        "releases",
    }
    async with start_bot(guild=False):
        pass
    async with start_bot(guild=False):
        pass
    global_puts = fake_discord.requests_to("PUT", r"/applications/\d+/commands")
    assert len(global_puts) == 1


def test_no_privileged_intents() -> None:
    from bot.client import intents

    chosen = intents()
    assert not chosen.message_content and not chosen.members and not chosen.presences
    assert chosen.guild_messages and chosen.guilds


async def test_slow_work_is_deferred_and_still_answered(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot() as bot:
        real = bot.services.digests.digest

        async def slow(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(2.5)  # past the direct-answer budget, inside Discord's 3 s only if deferred
            return await real(*args, **kwargs)

        bot.services.digests.digest = slow  # type: ignore[method-assign]
        result = await fake_discord.slash("digest", {"topic": "hmc"}, timeout=10)
    assert result.deferred
    assert result.original is not None and "Sabrina Singh" in json.dumps(result.original)


async def test_an_error_after_a_public_defer_is_still_private(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot() as bot:
        real = bot.services.digests.digest

        async def slow_unknown(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(2.0)  # past the direct-answer budget: the bot defers publicly first
            return await real("no such topic at all")

        bot.services.digests.digest = slow_unknown  # type: ignore[method-assign]
        result = await fake_discord.slash("digest", {"topic": "zzz"}, timeout=10)
        await result.wait_for(lambda r: bool(r.followups))
    assert result.deferred and result.original is None  # the public "thinking…" message is gone
    (answer,) = result.followups
    assert answer["flags"] & 64 and "No releases match" in json.dumps(answer)


async def test_a_failing_button_apologises(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot() as bot:
        digest = await fake_discord.slash("digest", {"topic": "hmc"})
        assert digest.original is not None

        async def broken(release_id: int, guild_id: int | None, /) -> None:
            raise RuntimeError("database on fire")

        bot.get_release_quotes = broken  # type: ignore[method-assign, assignment]
        click = await fake_discord.click("rd:quotes:1", digest.original)
    assert click.ephemeral and "reference" in json.dumps(click.original)
