"""Two servers on the fake Discord: a release from server A's feed never shows in server B; global ones show in both.

Every answer a member of B can reach is checked: /digest (and its topic autocomplete), /quote (and speaker
autocomplete), /releases, the Quotes button, a mention follow-up, /subscribe deliveries, /sources, /why and the
paused-feed notice.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.polling import poll_sources
from tests.e2e.conftest import BotFactory
from tests.fake_discord.payloads import FakeChannel
from tests.fake_discord.server import FakeDiscord, InteractionResult

BODY = "The Harbortest office said the harbor will reopen soon. " * 12 + "“We will reopen the harbor,” Ames said."
FERRY = "The Ferrytest board said the ferries will sail again. " * 12 + "“The ferries sail on Monday,” Bo said."
STATUS = web.AppKey("status", list[int])
SEED_TITLE = "Change in ISIS Threat"  # the shipped seed: global


@pytest.fixture
async def feeds() -> AsyncIterator[TestServer]:
    """/harbor.xml (server A's feed; its status can be changed) and /ferry.xml (the operator's)."""

    async def feed(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "harbor" and request.app[STATUS][-1] != 200:
            return web.Response(status=request.app[STATUS][-1])
        title, link, body = {
            "harbor": ("Harbortest reopens", "https://example.gov/h", BODY),
            "ferry": ("Ferrytest sails", "https://example.gov/f", FERRY),
        }[name]
        item = f"<item><title>{title}</title><link>{link}</link><description>{body}</description></item>"
        channel = f"<channel><title>{name.title()} News</title>{item}</channel>"
        return web.Response(body=f'<rss version="2.0">{channel}</rss>'.encode(), content_type="application/rss+xml")

    app = web.Application()
    app[STATUS] = [200]
    app.router.add_get("/{name}.xml", feed)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


def text(*parts: Any) -> str:
    return json.dumps(parts, ensure_ascii=False)


def quotes_buttons(message: dict[str, Any] | None) -> list[str]:
    assert message is not None
    return [
        c["custom_id"]
        for row in message.get("components", [])
        for c in row["components"]
        if c.get("custom_id", "").startswith("rd:quotes:")
    ]


class Server:
    """One server's #general, acted on by its owner."""

    def __init__(self, fake: FakeDiscord, channel: FakeChannel) -> None:
        self.fake = fake
        self.channel = channel

    async def slash(self, name: str, options: dict[str, Any] | None = None) -> InteractionResult:
        return await self.fake.slash(name, options, user=self.fake.admin, channel=self.channel)

    async def choices(self, name: str, option: str, typed: str) -> list[Any]:
        result = await self.fake.autocomplete(
            name, {option: typed}, focused=option, user=self.fake.admin, channel=self.channel
        )
        return [choice["value"] for choice in result.choices]

    def posts(self) -> str:
        """Everything the bot posted in this server's channel (not interaction answers)."""
        return text([m for m in self.fake.bot_messages(self.channel.id) if "interaction_metadata" not in m])


async def test_a_servers_feed_stays_in_that_server(
    fake_discord: FakeDiscord, start_bot: BotFactory, feeds: TestServer
) -> None:
    guild_b = fake_discord.add_guild("Server B")
    a, b = Server(fake_discord, fake_discord.channel), Server(fake_discord, guild_b.channels[0])
    base = f"http://127.0.0.1:{feeds.port}"
    async with start_bot(guild=False, allow_private_urls=True, feed_max_failures=1) as bot:
        # The operator's feed (release-digest ingest --feed): global. A's /source add: A's alone.
        await bot.services.sources.add(f"{base}/ferry.xml")
        added = await a.slash("source add", {"url": f"{base}/harbor.xml"})
        assert "Now following: Harbor News" in text(added.original)

        digest_a, digest_b = (
            await a.slash("digest", {"topic": "harbortest"}),
            await b.slash("digest", {"topic": "harbortest"}),
        )
        assert "Harbortest reopens" in text(digest_a.original)
        assert "No releases match" in text(digest_b.original) and "Harbortest reopens" not in text(digest_b.original)
        assert "harbortest" in await a.choices("digest", "topic", "harb")
        assert await b.choices("digest", "topic", "harb") == []
        ferry_b = await b.slash("digest", {"topic": "ferrytest"})
        assert "Ferrytest sails" in text(ferry_b.original)

        quote_a, quote_b = [await s.slash("quote", {"query": "reopen harbor"}) for s in (a, b)]
        assert "Ames" in text(quote_a.original) and "Ames" not in text(quote_b.original)
        assert "Ames" in await a.choices("quote", "speaker", "am") and await b.choices("quote", "speaker", "am") == []

        releases_a, releases_b = await a.slash("releases"), await b.slash("releases")
        assert "Harbortest reopens" in text(releases_a.original) and SEED_TITLE in text(releases_a.original)
        assert "Harbortest reopens" not in text(releases_b.original) and SEED_TITLE in text(releases_b.original)

        # The Quotes button works where the release is seen: in A, and for the global release in B.
        (harbor_button,) = quotes_buttons(digest_a.original)
        seed_b = await b.slash("digest", {"topic": "hmc"})
        (seed_button,) = quotes_buttons(seed_b.original)
        assert seed_b.original is not None and digest_a.original is not None
        mine = await fake_discord.click(harbor_button, digest_a.original, user=fake_discord.admin)
        global_quotes = await fake_discord.click(seed_button, seed_b.original, user=fake_discord.admin)
        assert "reopen the harbor" in text(mine.original) and "Singh" in text(global_quotes.original)

        # Mention follow-ups answer from the digest replied to, within the server.
        (answer_a,) = await fake_discord.mention_reply(digest_a.original, "what did Ames say?", user=fake_discord.admin)
        (answer_b,) = await fake_discord.mention_reply(seed_b.original, "what did Ames say about the harbor?")
        assert "reopen the harbor" in text(answer_a) and "reopen the harbor" not in text(answer_b)

        # Daily digests of the same topic in both servers: only A's channel gets A's release; the global one both.
        for server in (a, b):
            for topic in ("harbortest", "ferrytest"):
                subscribed = await server.slash("subscribe", {"topic": topic, "time": "09:00", "timezone": "UTC"})
                assert "Daily digest" in text(subscribed.original)
        for subscription in await bot.services.subscriptions.active():
            await bot.deliverer.run(subscription.id)
        assert "Harbortest reopens" in a.posts() and "Ferrytest sails" in a.posts()
        assert "Harbortest reopens" not in b.posts() and "Ferrytest sails" in b.posts()

        sources_a, sources_b = await a.slash("sources"), await b.slash("sources")
        assert "Harbor News" in text(sources_a.original) and "Ferry News" in text(sources_a.original)
        assert "Harbor News" not in text(sources_b.original) and "global" in text(sources_b.original)
        assert await b.choices("source remove", "source", "") == []  # B can remove only what it follows

        # B follows the same feed (fetched and stored once), sees it, then stops following it: its old Quotes
        # button shows nothing any more, and A is untouched.
        followed = await b.slash("source add", {"url": f"{base}/harbor.xml"})
        assert "Now following: Harbor News" in text(followed.original)
        assert len(await bot.services.sources.sources()) == 2
        shared_b = await b.slash("digest", {"topic": "harbortest"})
        assert shared_b.original is not None and quotes_buttons(shared_b.original) == [harbor_button]
        (source_id,) = await b.choices("source remove", "source", "harbor")
        removed = await b.slash("source remove", {"source": source_id})
        assert "Stopped following" in text(removed.original)
        stale = await fake_discord.click(harbor_button, shared_b.original, user=fake_discord.admin)
        assert "reopen the harbor" not in text(stale.original) and "not shown in this server" in text(stale.original)
        assert "Harbortest reopens" in text((await a.slash("digest", {"topic": "harbortest"})).original)

        why_a, why_b = [await s.slash("why", {"url": "https://example.gov/h"}) for s in (a, b)]
        assert "Stored as" in text(why_a.original) and "added" in text(why_a.original)
        assert "Never seen" in text(why_b.original) and "Harbortest" not in text(why_b.original)

        feeds.app[STATUS].append(500)
        paused = [r for r in await poll_sources(bot, bot.services, bot.deliverer.limiter) if r.paused_now]
        assert [r.source.name for r in paused] == ["Harbor News"]
        await fake_discord.wait_for(lambda: "Feed paused: Harbor News" in a.posts())
        await fake_discord.settle(0.2)
        assert "Feed paused" not in b.posts()
