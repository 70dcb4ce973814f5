import asyncio
import dataclasses
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.delivery import RateLimiter, failure_reason
from bot.delivery_plan import plan
from bot.embeds import update_pages
from digests.models import DigestItem, Release, Sentence, Subscription
from digests.store.deliveries import message_nonce
from digests.subscriptions import DueReleases

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def release(release_id: int, version: int = 1) -> Release:
    return Release(
        id=release_id, canonical_id=f"r{release_id}", title=f"Release {release_id}", url=None, source=None,
        published_at=NOW, tags=(), version=version, version_id=release_id * 10 + version, ingested_at=NOW,
        sentence_count=1,
    )  # fmt: skip


def item(release_id: int) -> DigestItem:
    text = "The harbor reopened after repairs that took most of the winter. " * 12
    return DigestItem(release(release_id), (Sentence(0, 0, text, 0, len(text)),), ())


SUBSCRIPTION = Subscription(
    id=5, guild_id=1, channel_id=2, notify_channel_id=None, topic="harbor", include=(), exclude=(),
    sentences=None, time_of_day="09:00", timezone="UTC", created_by=3, created_at=NOW, last_run_at=NOW,
    last_delivery_at=None, paused_reason=None, paused_at=None,
)  # fmt: skip


async def test_rate_limiter_spaces_requests() -> None:
    limiter = RateLimiter(rate=200)
    started = time.monotonic()
    await asyncio.gather(*(limiter.acquire() for _ in range(41)))
    assert time.monotonic() - started >= 0.19  # 40 waits of 5 ms after the first token
    with pytest.raises(ValueError):
        RateLimiter(rate=0)


def test_plan_gives_each_message_its_own_deterministic_nonce() -> None:
    due = DueReleases(new=tuple(item(n) for n in range(1, 13)), updated=(release(20, 2), release(21, 3)))
    claims = [claim for message in plan(SUBSCRIPTION, due, ZoneInfo("UTC")) for claim in message.claims]
    assert [c.release_id for c in claims] == [*range(1, 13), 20, 21]
    digest_nonces = list(dict.fromkeys(c.nonce for c in claims if c.kind == "digest"))
    assert len(digest_nonces) >= 2  # twelve long releases do not fit one message
    (update_nonce,) = {c.nonce for c in claims if c.kind == "update"}
    assert update_nonce == message_nonce(5, [(20, 2), (21, 3)])
    retried = [claim for message in plan(SUBSCRIPTION, due, ZoneInfo("UTC")) for claim in message.claims]
    assert retried == claims  # a retry computes the same claims


def test_failure_reasons_name_the_channel_and_status() -> None:
    class Response:
        status = 403
        reason = "Forbidden"

    forbidden = discord.Forbidden(Response(), {"message": "Missing Access", "code": 50001})  # type: ignore[arg-type]
    Response.status = 404
    missing = discord.NotFound(Response(), {"message": "Unknown Channel", "code": 10003})  # type: ignore[arg-type]
    assert failure_reason(forbidden, 2) == "I am not allowed to post in <#2> (Discord 403: Missing Access)"
    assert failure_reason(missing, 2) == "<#2> was deleted or I can no longer see it (Discord 404)"


def test_update_notes_are_short_linked_and_within_limits() -> None:
    edited = [release(n) for n in range(1, 12)]
    edited[0] = dataclasses.replace(edited[0], url="https://x.gov/a")
    edited[1] = dataclasses.replace(edited[1], url="https://x.gov/" + "b" * 600)
    pages = update_pages(edited, "harbor @everyone", ZoneInfo("UTC"))
    assert [len(p.releases) for p in pages] == [10, 1]
    first = pages[0].embeds[0]
    assert first.title == "Updated releases" and pages[1].embeds[0].title == "Updated release"
    lines = (first.description or "").split("\n")
    assert lines[0] == "[Release 1](https://x.gov/a) · 02 Mar 2026, 09:00 UTC · updated"
    assert lines[1] == "Release 2 · 02 Mar 2026, 09:00 UTC · updated"  # too long a link: plain title
    assert first.author.name is not None and "@everyone" not in first.author.name
