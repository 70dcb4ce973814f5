"""Exactly-once delivery under pressure, through the real bot and the fake Discord: a restart in a channel that many
subscriptions (and more than a hundred other posts) share, and more due releases than one run posts."""

from __future__ import annotations

from typing import Any

import pytest

import digests.subscriptions
from bot import delivery_plan
from bot.app import Services
from tests.e2e.conftest import BotFactory, FakeClock
from tests.e2e.subscription_runs import add_release, at, digest_posts, drive, eventually, release_ids, subscribe
from tests.fake_discord import server as fake_server
from tests.fake_discord.server import FakeDiscord


def posted_by(message: dict[str, Any]) -> int:
    """The subscription a post names in its header ("… · daily digest #N")."""
    return int(message["embeds"][0]["author"]["name"].rsplit("#", 1)[1])


async def test_restart_finds_its_post_behind_more_than_a_hundred_others_in_a_shared_channel(
    fake_discord: FakeDiscord,
    start_bot: BotFactory,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = fake_discord.channel.id
    clock.set(at(3, 1, 12))
    first = await subscribe(services, channel, fake_discord.guild.id)
    twin = await subscribe(services, channel, fake_discord.guild.id)  # same topic, same channel: same digests
    ids = [await add_release(services, f"bulk{n}", f"project number {n}") for n in range(14)]
    clock.set(at(3, 2, 9))
    async with start_bot() as bot:
        # A busy channel: more than a hundred posts since the claim time come before the one the restart looks for
        # (the fake clock is months behind the message ids, so every post counts as after the claim).
        target = bot.get_partial_messageable(int(channel))
        for n in range(120):
            await target.send(f"unrelated post {n}")
        original = bot.services.subscriptions.mark_posted

        async def crash(*args: Any) -> None:
            raise RuntimeError("simulated crash after the post reached Discord")

        monkeypatch.setattr(bot.services.subscriptions, "mark_posted", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            await bot.digest_schedule.run(first.id)
        monkeypatch.setattr(bot.services.subscriptions, "mark_posted", original)
        await bot.digest_schedule.run(twin.id)  # the twin posts the very same releases, in full
    assert len([m for m in digest_posts(fake_discord, channel) if m["embeds"] and posted_by(m) == first.id]) == 1
    assert len(fake_discord.bot_messages(channel)) > 120

    monkeypatch.setattr(fake_server, "NONCE_WINDOW_S", 0)  # Discord has forgotten the nonce
    clock.set(at(3, 2, 9, 20))
    async with start_bot():

        async def settled() -> bool:
            return not await services.subscriptions.pending(first.id)

        await eventually(settled)
    for subscription in (first, twin):
        posts = [m for m in digest_posts(fake_discord, channel) if m["embeds"] and posted_by(m) == subscription.id]
        delivered = [rid for message in posts for rid in release_ids(message)]
        assert sorted(delivered) == sorted(ids)  # everything, exactly once, for each subscription
    assert len(fake_discord.requests_to("GET", r"/channels/\d+/messages")) >= 2  # paged back to the claim


async def test_more_due_releases_than_one_run_posts_go_out_over_the_next_runs(
    fake_discord: FakeDiscord,
    start_bot: BotFactory,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small numbers for a small test: 3 releases a run (the real one: 50).
    monkeypatch.setattr(digests.subscriptions, "MAX_RELEASES_PER_RUN", 3)
    monkeypatch.setattr(delivery_plan, "MAX_RELEASES_PER_RUN", 3)  # the backlog note
    channel = fake_discord.channel.id
    clock.set(at(3, 1, 12))
    subscription = await subscribe(services, channel, fake_discord.guild.id)
    ids = [await add_release(services, f"many{n}", f"scheme number {n}") for n in range(11)]
    async with start_bot() as bot:
        fired = await drive(bot, clock, at(3, 6, 12))
    assert [(o.messages > 0, o.waiting) for _, o in fired] == [(True, 8), (True, 5), (True, 2), (True, 0), (False, 0)]
    posts = digest_posts(fake_discord, channel)
    delivered = [rid for message in posts for rid in release_ids(message)]
    assert sorted(delivered) == sorted(ids)  # all of them, each once: the oldest too
    notes = [m["content"] for m in posts if m["content"]]
    assert notes[0].startswith("…and 8 more releases about “tidewater” not posted yet")
    assert "up to 3 a run" in notes[0] and "/digest" in notes[0]
    assert [n.split(" more")[0] for n in notes] == ["…and 8", "…and 5", "…and 2"]
    assert not await services.subscriptions.pending(subscription.id)
