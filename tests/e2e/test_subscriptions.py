"""Daily channel digests through the real bot and the fake Discord, on a controllable clock.

Time is driven by :func:`~tests.e2e.subscription_runs.drive`: it fires the bot's own APScheduler jobs (their real
``CronTrigger``s) in time order on the fake clock, as the scheduler would, so no test waits for a real minute.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest

from bot.app import Services
from bot.delivery import Deliverer
from digests.leases import Leases
from digests.models import ReleaseDraft
from digests.store.leases import LeaseRepository
from tests.e2e.conftest import BotFactory, FakeClock
from tests.e2e.subscription_runs import (
    TOPIC,
    add_release,
    at,
    digest_posts,
    drive,
    eventually,
    release_body,
    release_ids,
    subscribe,
)
from tests.fake_discord import server as fake_server
from tests.fake_discord.server import FakeDiscord


async def test_daily_posts_at_local_time_in_two_timezones_across_dst(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    paris_channel = fake_discord.guild.add_channel("paris")
    clock.set(at(3, 5, 20))
    async with start_bot() as bot:
        ny = await fake_discord.slash(
            "subscribe",
            {"topic": TOPIC, "time": "09:00", "timezone": "America/New_York"},
            user=fake_discord.admin,
        )
        paris = await fake_discord.slash(
            "subscribe",
            {"topic": TOPIC, "time": "9:00", "timezone": "europe/paris", "channel": paris_channel},
            user=fake_discord.admin,
        )
        assert ny.original is not None and paris.original is not None
        assert "Fri 06 Mar 2026, 09:00 EST" in ny.original["embeds"][0]["description"]
        assert "Fri 06 Mar 2026, 09:00 CET" in paris.original["embeds"][0]["description"]
        ny_id, paris_id = (s.id for s in await services.subscriptions.for_guild(int(fake_discord.guild.id)))

        first = await add_release(services, "r1", "dredging of the north channel")
        fired = await drive(bot, clock, at(3, 8, 12))
        second = await add_release(services, "r2", "a new ferry terminal")  # 08:00 in New York: before its run
        fired += await drive(bot, clock, at(3, 28, 12))
        third = await add_release(services, "r3", "longer opening hours")
        fired += await drive(bot, clock, at(3, 30, 12))

    def runs(subscription_id: int) -> list[datetime]:
        return [instant for instant, outcome in fired if outcome.subscription_id == subscription_id]

    # 09:00 New York is 14:00 UTC in EST and 13:00 UTC from 8 March (EDT); 09:00 Paris is 08:00 UTC in CET
    # and 07:00 UTC from 29 March (CEST). Every day, exactly once.
    assert runs(ny_id) == [at(3, d, 14) for d in (6, 7)] + [at(3, d, 13) for d in range(8, 30)]
    assert runs(paris_id) == [at(3, d, 8) for d in range(6, 29)] + [at(3, d, 7) for d in (29, 30)]
    posts = [(instant, o.subscription_id) for instant, o in fired if o.messages]
    assert posts == [
        (at(3, 6, 8), paris_id),
        (at(3, 6, 14), ny_id),
        (at(3, 8, 13), ny_id),
        (at(3, 9, 8), paris_id),
        (at(3, 28, 13), ny_id),
        (at(3, 29, 7), paris_id),
    ]
    for channel_id in (fake_discord.channel.id, paris_channel.id):
        assert [release_ids(m) for m in digest_posts(fake_discord, channel_id)] == [[first], [second], [third]]
    requests = fake_discord.requests_to("POST", r"/channels/\d+/messages")
    assert requests and all(r.json["allowed_mentions"] == {"parse": []} and r.json["enforce_nonce"] for r in requests)


@pytest.mark.parametrize(
    ("nonce_window", "history_fails"),
    [
        (0, False),  # back after Discord forgot the nonce: the channel history shows the post landed
        (300, True),  # the history cannot be read: the nonce makes Discord return the earlier message
    ],
)
async def test_restart_in_the_middle_of_a_run_posts_nothing_twice_and_misses_nothing(
    fake_discord: FakeDiscord,
    start_bot: BotFactory,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    nonce_window: int,
    history_fails: bool,
) -> None:
    clock.set(at(3, 1, 12))
    subscription = await subscribe(services, fake_discord.channel.id, fake_discord.guild.id)
    ids = [await add_release(services, f"bulk{n}", f"project number {n}") for n in range(14)]
    clock.set(at(3, 2, 8, 59))
    async with start_bot() as bot:
        clock.set(at(3, 2, 9))
        original = bot.services.subscriptions.mark_posted

        async def crash(*args: Any) -> None:
            raise RuntimeError("simulated crash after the post reached Discord")

        monkeypatch.setattr(bot.services.subscriptions, "mark_posted", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            await bot.digest_schedule.run(subscription.id)
        monkeypatch.setattr(bot.services.subscriptions, "mark_posted", original)
    landed = digest_posts(fake_discord, fake_discord.channel.id)
    assert len(landed) == 1  # the first message went out; the bot died before recording it
    pending = await services.subscriptions.pending(subscription.id)
    assert len(pending) >= 2  # that message and the rest of the run are claimed, unconfirmed

    monkeypatch.setattr(fake_server, "NONCE_WINDOW_S", nonce_window)
    if history_fails:
        fake_discord.fail_next("GET", r"/channels/\d+/messages", 503)
    clock.set(at(3, 2, 9, 20))  # back 20 minutes later: within the grace period, and with pending posts
    async with start_bot():

        async def settled() -> bool:
            return not await services.subscriptions.pending(subscription.id)

        await eventually(settled)
    posts = digest_posts(fake_discord, fake_discord.channel.id)
    delivered = [rid for message in posts for rid in release_ids(message)]
    assert sorted(delivered) == sorted(ids)  # everything, once
    assert len(posts) == len(pending)
    nonces = [r.json["nonce"] for r in fake_discord.requests_to("POST", r"/channels/\d+/messages")]
    assert nonces.count(pending[0].nonce) == (2 if history_fails else 1)
    assert posts[0]["id"] == landed[0]["id"]
    assert len(fake_discord.requests_to("GET", r"/channels/\d+/messages")) == 1  # one look at the history


async def test_run_missed_during_downtime_is_made_up_within_grace_and_otherwise_rolls_over(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    late = fake_discord.guild.add_channel("late")
    clock.set(at(3, 1, 12))
    recent = await subscribe(services, fake_discord.channel.id, fake_discord.guild.id, time="09:00")
    old = await subscribe(services, late.id, fake_discord.guild.id, time="03:00")
    release = await add_release(services, "down", "storm repairs")
    clock.set(at(3, 2, 10))  # 09:00 was missed by 1 h (made up); 03:00 by 7 h (> 6 h: rolls over)
    async with start_bot() as bot:

        async def made_up() -> bool:
            return len(digest_posts(fake_discord, fake_discord.channel.id)) == 1

        await eventually(made_up)
        await fake_discord.settle(0.2)
        assert digest_posts(fake_discord, late.id) == []
        fired = await drive(bot, clock, at(3, 3, 12))
    assert [(i, o.subscription_id, o.messages) for i, o in fired] == [
        (at(3, 3, 3), old.id, 1),
        (at(3, 3, 9), recent.id, 0),
    ]
    assert [release_ids(m) for m in digest_posts(fake_discord, late.id)] == [[release]]
    assert [release_ids(m) for m in digest_posts(fake_discord, fake_discord.channel.id)] == [[release]]


async def test_forbidden_and_deleted_channels_pause_and_tell_the_server_once(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    locked = fake_discord.guild.add_channel("locked")
    gone = fake_discord.guild.add_channel("gone")
    ops = fake_discord.guild.add_channel("ops")
    fake_discord.guild.system_channel_id = ops.id
    clock.set(at(3, 1, 12))
    release = await add_release(services, "p", "pier inspections")
    async with start_bot() as bot:
        options = {"topic": TOPIC, "time": "09:00", "timezone": "UTC"}
        await fake_discord.slash("subscribe", {**options, "channel": locked}, user=fake_discord.admin)
        # Subscribed from the channel that will vanish: the notice goes to the system channel instead.
        await fake_discord.slash("subscribe", options, user=fake_discord.admin, channel=gone)
        await fake_discord.slash("subscribe", options, user=fake_discord.admin)
        fake_discord.fail_next("POST", rf"/channels/{locked.id}/messages", 403)
        fake_discord.fail_next(
            "POST", rf"/channels/{gone.id}/messages", 404, body={"message": "Unknown Channel", "code": 10003}
        )
        fired = await drive(bot, clock, at(3, 2, 12))
        listed = await fake_discord.slash("subscriptions", user=fake_discord.admin)
        again = await drive(bot, clock, at(3, 3, 12))  # paused ones are no longer scheduled
        locked_id, gone_id, healthy_id = (
            s.id for s in await services.subscriptions.for_guild(int(fake_discord.guild.id))
        )
        resumed = await fake_discord.slash("subscription resume", {"id": locked_id}, user=fake_discord.admin)
        after_resume = await drive(bot, clock, at(3, 4, 12))

    outcomes = {o.subscription_id: o for _, o in fired}
    assert outcomes[locked_id].paused_now and outcomes[gone_id].paused_now
    assert outcomes[healthy_id].messages == 1  # the broken channels did not hold it up
    assert [o.subscription_id for _, o in again] == [healthy_id]
    (locked_notice,) = [m["content"] for m in fake_discord.bot_messages(fake_discord.channel.id) if m["content"]]
    (gone_notice,) = [m["content"] for m in fake_discord.bot_messages(ops.id)]
    assert f"#{locked_id}" in locked_notice and "403" in locked_notice and f"<#{locked.id}>" in locked_notice
    assert f"#{gone_id}" in gone_notice and "404" in gone_notice and "/subscription resume" in gone_notice
    assert listed.ephemeral and listed.original is not None
    fields = {f["name"].split(" ")[0]: f["value"] for f in listed.original["embeds"][0]["fields"]}
    assert "paused" in fields[f"#{locked_id}"] and "403" in fields[f"#{locked_id}"]
    assert "paused" in fields[f"#{gone_id}"] and "404" in fields[f"#{gone_id}"]
    assert (
        "active" in fields[f"#{healthy_id}"] and "Last delivery: Mon 02 Mar 2026, 09:00 UTC" in fields[f"#{healthy_id}"]
    )
    assert resumed.ephemeral and "Next run" in json.dumps(resumed.original)
    assert [(o.subscription_id, o.messages) for _, o in after_resume] == [(locked_id, 1), (healthy_id, 0)]
    assert [release_ids(m) for m in digest_posts(fake_discord, locked.id)] == [[release]]


async def test_server_errors_and_rate_limits_are_retried(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    clock.set(at(3, 1, 12))
    subscription = await subscribe(services, fake_discord.channel.id, fake_discord.guild.id)
    await add_release(services, "retry", "night shipping")
    async with start_bot() as bot:
        bot.deliverer.retry_delays = (0.05, 0.05)
        fake_discord.fail_next("POST", r"/channels/\d+/messages", 503)  # discord.py does not retry a 503 itself
        fake_discord.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=0.05)
        fired = await drive(bot, clock, at(3, 2, 12))
    assert [(o.subscription_id, o.messages, o.paused_now) for _, o in fired] == [(subscription.id, 1, False)]
    assert len(digest_posts(fake_discord, fake_discord.channel.id)) == 1


async def test_include_exclude_words_nothing_new_and_updates(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    clock.set(at(3, 1, 12))
    subscription = await subscribe(
        services, fake_discord.channel.id, fake_discord.guild.id, include="ferry ferries", exclude="strike"
    )
    wanted = await add_release(services, "f1", "a faster ferry schedule")
    await add_release(services, "f2", "a ferry strike")
    await add_release(services, "f3", "the annual budget")
    async with start_bot() as bot:
        first = await drive(bot, clock, at(3, 2, 12))
        posts_before = len(fake_discord.requests_to("POST", r"/channels/\d+/messages"))
        second = await drive(bot, clock, at(3, 3, 12))
        posts_after = len(fake_discord.requests_to("POST", r"/channels/\d+/messages"))
        await services.digests.ingest_draft(
            ReleaseDraft(
                canonical_id="f1",
                title="Tidewater a faster ferry schedule",
                body=release_body("a faster ferry schedule") + " The schedule was corrected on Tuesday.",
                url="https://example.gov/f1",
            )
        )
        third = await drive(bot, clock, at(3, 4, 12))
    assert [o.messages for _, o in first] == [1]
    assert [o.messages for _, o in second] == [0] and posts_after == posts_before  # nothing new: nothing posted
    assert [o.messages for _, o in third] == [1]
    digest, update = digest_posts(fake_discord, fake_discord.channel.id)
    assert release_ids(digest) == [wanted]
    (note,) = update["embeds"]
    assert note["title"] == "Updated release" and "updated" in note["description"]
    assert "https://example.gov/f1" in note["description"] and update["components"] == []
    assert subscription.include == ("ferry", "ferries") and subscription.exclude == ("strike",)


async def test_only_channel_managers_can_subscribe_and_input_is_checked(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services
) -> None:
    async with start_bot() as bot:
        definitions = {c["name"]: c for c in bot.command_payload()}
        refused = await fake_discord.slash(
            "subscribe", {"topic": TOPIC, "time": "09:00", "timezone": "UTC"}, user=fake_discord.member
        )
        bad_time = await fake_discord.slash(
            "subscribe", {"topic": TOPIC, "time": "25:00", "timezone": "UTC"}, user=fake_discord.admin
        )
        bad_zone = await fake_discord.slash(
            "subscribe", {"topic": TOPIC, "time": "09:00", "timezone": "Mars/Olympus"}, user=fake_discord.admin
        )
        zones = await fake_discord.autocomplete(
            "subscribe", {"topic": TOPIC, "time": "09:00", "timezone": "paris"}, focused="timezone"
        )
        made = await fake_discord.slash(
            "subscribe", {"topic": TOPIC, "time": "07:30", "timezone": "Asia/Tokyo"}, user=fake_discord.admin
        )
        ids = await fake_discord.autocomplete("unsubscribe", {"id": "tide"}, focused="id", user=fake_discord.admin)
        member_unsub = await fake_discord.slash(
            "unsubscribe", {"id": ids.choices[0]["value"]}, user=fake_discord.member
        )
        unsub = await fake_discord.slash("unsubscribe", {"id": ids.choices[0]["value"]}, user=fake_discord.admin)
    assert refused.ephemeral and "Manage Channels" in json.dumps(refused.original)
    assert bad_time.ephemeral and "not a time of day" in json.dumps(bad_time.original)
    assert bad_zone.ephemeral and "not a timezone" in json.dumps(bad_zone.original)
    assert [c["value"] for c in zones.choices] == ["Europe/Paris"]
    assert made.original is not None and not made.ephemeral
    assert [c["name"] for c in ids.choices] == ["#1 tidewater · 07:30 Asia/Tokyo"]
    assert member_unsub.ephemeral and "Manage Channels" in json.dumps(member_unsub.original)
    assert unsub.ephemeral and "Deleted daily digest #1" in json.dumps(unsub.original, ensure_ascii=False)
    assert await services.subscriptions.for_guild(int(fake_discord.guild.id)) == []
    commands = {c["name"]: c for c in fake_discord.commands(fake_discord.guild.id)}
    for name in ("subscribe", "unsubscribe", "subscription"):
        assert int(commands[name]["default_member_permissions"]) == 1 << 4  # Manage Channels
        assert definitions[name]["contexts"] == [0]  # servers only (guild syncs leave the field out)


async def test_runs_racing_for_the_same_subscription_post_each_release_once(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    clock.set(at(3, 1, 12))
    subscription = await subscribe(services, fake_discord.channel.id, fake_discord.guild.id)
    ids = [await add_release(services, f"race{n}", f"race item {n}") for n in range(12)]
    async with start_bot() as bot:
        bot.scheduler.pause()
        clock.set(at(3, 2, 9))
        # A second deliverer shares nothing in memory with the bot's, like a second process on the same database.
        leases = bot.services.leases
        other_process = Leases(LeaseRepository(bot.services.db), owner="other", ttl=leases.ttl, clock=leases.clock)
        other = Deliverer(bot, bot.services.subscriptions, other_process)
        outcomes = await asyncio.gather(
            bot.digest_schedule.run(subscription.id), other.run(subscription.id), bot.deliverer.run(subscription.id)
        )
    assert not any(o.paused_now or o.deferred for o in outcomes)
    delivered = [rid for m in digest_posts(fake_discord, fake_discord.channel.id) for rid in release_ids(m)]
    assert sorted(delivered) == sorted(ids)
    assert await services.subscriptions.pending(subscription.id) == []


async def test_a_local_time_that_happens_twice_when_clocks_go_back_posts_once(
    fake_discord: FakeDiscord, start_bot: BotFactory, services: Services, clock: FakeClock
) -> None:
    clock.set(at(10, 31, 12))
    subscription = await subscribe(
        services, fake_discord.channel.id, fake_discord.guild.id, time="01:30", tz="America/New_York"
    )
    async with start_bot() as bot:
        await add_release(services, "fall1", "the autumn timetable")
        fired = await drive(bot, clock, at(11, 1, 6))  # 01:30 EDT
        await add_release(services, "fall2", "the winter timetable")
        fired += await drive(bot, clock, at(11, 2, 12))  # 01:30 EST comes an hour later: same day, no run
    assert [(i, o.messages, o.skipped) for i, o in fired] == [
        (at(11, 1, 5, 30), 1, False),
        (at(11, 1, 6, 30), 0, True),
        (at(11, 2, 6, 30), 1, False),
    ]
    assert subscription.timezone == "America/New_York"
