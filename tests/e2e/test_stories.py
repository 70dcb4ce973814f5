"""One story from two feeds through the real bot and the fake Discord: one digest item, one daily post."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.e2e.conftest import BotFactory, FakeClock
from tests.e2e.subscription_runs import at, digest_posts, drive, release_ids
from tests.fake_discord.server import FakeDiscord

PARAGRAPHS = [
    "The Saltmarsh port authority announced the dredging of the north channel on Monday.",
    "Officials said the work would continue through the spring and into the summer season, with night shifts.",
    "“We are committed to keeping the channel open for every family in the region,” said Director Ana Ruiz.",
    "The authority will publish the full schedule and the list of affected moorings next week.",
    "Boat owners can ask for a temporary berth at the east basin until the work is finished.",
]
FEEDS = {
    "agency": ("Saltmarsh Port Authority", "\n\n".join(PARAGRAPHS)),
    "paper": ("Coastal Gazette", "\n\n".join(["By Staff Reporter", *PARAGRAPHS[:4], "Click here to subscribe."])),
}


@pytest.fixture
async def feed_server() -> AsyncIterator[TestServer]:
    async def feed(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        title, body = FEEDS[name]
        paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
        item = (
            f"<item><title>Saltmarsh dredging ({title})</title><link>https://{name}.example/dredging</link>"
            f"<guid>{name}-1</guid><description><![CDATA[{paragraphs}]]></description></item>"
        )
        xml = f'<rss version="2.0"><channel><title>{title}</title>{item}</channel></rss>'
        return web.Response(body=xml.encode(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/{name}.xml", feed)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


async def test_one_story_from_two_feeds_is_one_item_and_one_post(
    fake_discord: FakeDiscord, start_bot: BotFactory, feed_server: TestServer, clock: FakeClock
) -> None:
    clock.set(at(3, 5, 20))
    async with start_bot(allow_private_urls=True) as bot:
        for name in FEEDS:
            url = f"http://127.0.0.1:{feed_server.port}/{name}.xml"
            added = await fake_discord.slash("source add", {"url": url}, user=fake_discord.admin)
            assert "1 added" in json.dumps(added.original), added.original
        subscribed = await fake_discord.slash(
            "subscribe", {"topic": "saltmarsh", "time": "09:00", "timezone": "UTC"}, user=fake_discord.admin
        )
        assert subscribed.original is not None
        digest = await fake_discord.slash("digest", {"topic": "saltmarsh"})
        fired = await drive(bot, clock, at(3, 7, 12))
    assert digest.original is not None
    (embed,) = digest.original["embeds"]
    assert "Also published by" in embed["description"]
    other = "Coastal Gazette" if "Port Authority" in json.dumps(embed.get("footer")) else "Saltmarsh Port Authority"
    assert other in embed["description"]
    posts = digest_posts(fake_discord, fake_discord.channel.id)
    assert [len(release_ids(post)) for post in posts] == [1]  # one post, one story, on the first day only
    assert sum(1 for _, outcome in fired if outcome.messages) == 1
