"""Feed sources through the fake Discord: /source add, /sources, /why, and a paused feed's notice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.polling import POLL_JOB_ID, poll_sources
from tests.e2e.conftest import BotFactory
from tests.fake_discord.server import FakeDiscord

BODY = "The Harbortest office said the harbor will reopen soon. " * 12
STATUS = web.AppKey("status", list[int])


@pytest.fixture
async def feed_server() -> AsyncIterator[TestServer]:
    async def feed(request: web.Request) -> web.Response:
        if request.app[STATUS][-1] != 200:
            return web.Response(status=request.app[STATUS][-1])
        item = f"<item><title>Harbortest</title><link>https://example.gov/h</link><description>{BODY}</description></item>"
        body = f'<rss version="2.0"><channel><title>Harbortest News</title>{item}</channel></rss>'
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    app = web.Application()
    app[STATUS] = [200]
    app.router.add_get("/feed.xml", feed)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


def notices(fake: FakeDiscord) -> list[dict[str, object]]:
    return [m for m in fake.bot_messages(fake.channel.id) if "Feed paused: Harbortest News" in text_of(m)]


def text_of(message: dict[str, object] | None) -> str:
    return json.dumps(message, ensure_ascii=False)


async def test_add_list_why_and_pause_notice(
    fake_discord: FakeDiscord, start_bot: BotFactory, feed_server: TestServer
) -> None:
    url = f"http://127.0.0.1:{feed_server.port}/feed.xml"
    async with start_bot(allow_private_urls=True, feed_max_failures=1, poll_minutes=7) as bot:
        job = bot.scheduler.get_job(POLL_JOB_ID)
        assert job is not None and job.trigger.interval == timedelta(minutes=7)
        refused = await fake_discord.slash("source add", {"url": url}, user=fake_discord.member)
        added = await fake_discord.slash("source add", {"url": url}, user=fake_discord.admin)
        listed = await fake_discord.slash("sources", user=fake_discord.member)
        why = await fake_discord.slash("why", {"url": "https://example.gov/h?utm_source=x"})
        digest = await fake_discord.slash("digest", {"topic": "harbortest"})
        feed_server.app[STATUS].append(500)
        (result,) = await poll_sources(bot, bot.services, bot.deliverer.limiter)
        await fake_discord.wait_for(lambda: len(notices(fake_discord)) == 1)
        choices = await fake_discord.autocomplete(
            "source remove", {"source": ""}, focused="source", user=fake_discord.admin
        )
        removed = await fake_discord.slash("source remove", {"source": 1}, user=fake_discord.admin)
    assert refused.ephemeral and "Manage Server" in text_of(refused.original)
    assert added.ephemeral and "Now following: Harbortest News" in text_of(added.original)
    assert "1 added" in text_of(added.original)
    assert "Harbortest News" in text_of(listed.original) and "1 item(s)" in text_of(listed.original)
    assert "Stored as" in text_of(why.original) and "added" in text_of(why.original)
    assert "Harbortest" in text_of(digest.original)
    assert result.paused_now
    (notice,) = notices(fake_discord)
    assert "/source add" in text_of(notice)
    assert [c["value"] for c in choices.choices] == [1]
    assert "Stopped following" in text_of(removed.original)


async def test_an_unsafe_feed_is_refused(fake_discord: FakeDiscord, start_bot: BotFactory) -> None:
    async with start_bot():
        result = await fake_discord.slash(
            "source add", {"url": "http://169.254.169.254/latest/meta-data"}, user=fake_discord.admin
        )
    assert result.ephemeral and "can't be used" in text_of(result.original)
