"""``release-digest doctor`` against the fake Discord: one line per check, exit 1 when any check fails."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.app import open_services
from bot.doctor import run_doctor
from digests.config import Settings
from tests.e2e.test_runner import process_env
from tests.fake_discord.payloads import SEND_MESSAGES
from tests.fake_discord.server import FakeDiscord

TOKEN = "doctor-token-SECRET-456"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def doctor(settings: Settings, token: str | None = TOKEN) -> tuple[int, list[str]]:
    lines: list[str] = []
    configured = settings.model_copy(update={"discord_token": SecretStr(token) if token else None})
    code = await run_doctor(configured, out=lines.append, clock=lambda: NOW)
    return code, lines


async def arrange(settings: Settings, fake: FakeDiscord, channel_id: str | None = None) -> None:
    """Seeds, a working feed and a subscription in ``channel_id`` (#general by default)."""
    async with open_services(settings, lambda: NOW - timedelta(days=1)) as services:
        await services.digests.load_seeds_if_empty(settings.seeds_dir)
        await services.subscriptions.create(
            guild_id=int(fake.guild.id),
            channel_id=int(channel_id or fake.channel.id),
            topic="hmc",
            time_of_day="09:00",
            timezone="Europe/Paris",
            created_by=1,
        )
        repo = services.sources.repo
        source, _ = await repo.add("https://news.example/rss", "news.example/rss", NOW, is_global=True)
        await repo.record_success(
            source.id, NOW - timedelta(hours=1), title="Example News", etag=None, last_modified=None, added=4,
            warning=None,
        )  # fmt: skip


def line(lines: list[str], start: str) -> str:
    found = [entry for entry in lines if entry.startswith(start)]
    assert len(found) == 1, lines
    return found[0]


async def test_all_good(fake_discord: FakeDiscord, settings: Settings) -> None:
    await arrange(settings, fake_discord)
    code, lines = await doctor(settings)
    assert code == 0, lines
    assert [entry.split(":")[0] for entry in lines] == [
        "ok    settings",
        "ok    store",
        "ok    feed #1 Example News",
        "ok    discord token",
        "ok    discord servers",
        "ok    subscription #1 ('hmc' at 09",
    ]
    assert "timezone UTC (now 12:00 there)" in line(lines, "ok    settings")
    store = line(lines, "ok    store")
    assert "schema version" in store and "1 release, 1 feed, 1 subscription (0 paused)" in store
    assert "last success 2026-03-02 11:00 UTC, 4 items" in line(lines, "ok    feed #1")
    assert "valid: the bot is Release Digest" in line(lines, "ok    discord token")
    assert "1 server: Release Digest Test Guild" in line(lines, "ok    discord servers")
    assert "#general in Release Digest Test Guild: can View Channel, Send Messages, Embed Links" in lines[-1]


async def test_a_channel_without_send_messages_fails_by_name(fake_discord: FakeDiscord, settings: Settings) -> None:
    announcements = fake_discord.guild.add_channel("announcements")
    announcements.overwrite(fake_discord.guild.everyone, deny=SEND_MESSAGES)
    await arrange(settings, fake_discord, announcements.id)
    code, lines = await doctor(settings)
    assert code == 1
    failed = line(lines, "FAIL  subscription #1")
    assert "#announcements in Release Digest Test Guild: the bot lacks Send Messages, Embed Links" in failed


async def test_a_rejected_token_fails_without_showing_it(settings: Settings) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        with fake.patched():
            await arrange(settings, fake)
            code, lines = await doctor(settings)
    assert code == 1
    assert "Discord rejected DISCORD_TOKEN (401 Unauthorized)" in line(lines, "FAIL  discord token")
    assert not [entry for entry in lines if TOKEN in entry]
    assert not [entry for entry in lines if entry.startswith("ok    subscription")]


async def test_discord_unreachable_fails_and_says_what_failed(fake_discord: FakeDiscord, settings: Settings) -> None:
    await arrange(settings, fake_discord)
    await fake_discord.go_down()
    code, lines = await doctor(settings)
    assert code == 1
    assert line(lines, "FAIL  discord").endswith(
        f"unreachable (GET /gateway/bot: cannot connect to 127.0.0.1:{fake_discord.port}: Connection refused); "
        "token, servers and channel permissions not checked"
    )


async def test_without_a_token_discord_is_skipped(fake_discord: FakeDiscord, settings: Settings) -> None:
    await arrange(settings, fake_discord)
    code, lines = await doctor(settings, token=None)
    assert code == 0 and lines[-1].startswith("skip  discord: DISCORD_TOKEN is not set")
    assert fake_discord.requests == []


async def test_the_placeholder_user_agent_is_a_warning(settings: Settings) -> None:
    agent = "ReleaseDigest/0.1 (news-release digest bot; REPLACE-WITH-YOUR-EMAIL-OR-URL)"
    code, lines = await doctor(settings.model_copy(update={"user_agent": agent}), token=None)
    assert code == 0 and [entry.split(":")[0] for entry in lines[:2]] == ["ok    settings", "warn  user agent"]
    assert "put your email address or URL there" in line(lines, "warn  user agent")


async def test_a_paused_feed_and_an_unopenable_store_fail(settings: Settings, tmp_path: Path) -> None:
    async with open_services(settings, lambda: NOW) as services:
        repo = services.sources.repo
        source, _ = await repo.add("https://broken.example/rss", "broken.example/rss", NOW, is_global=True)
        await repo.record_failure(source.id, NOW, "HTTP 404", NOW + timedelta(hours=1), "5 failed polls in a row")
    code, lines = await doctor(settings, token=None)
    assert code == 1 and "paused: 5 failed polls in a row" in line(lines, "FAIL  feed #1 https://broken.example/rss")
    garbage = tmp_path / "not-a-store.db"
    garbage.write_bytes(b"these bytes are not a database " * 100)
    code, lines = await doctor(settings.model_copy(update={"db": garbage}), token=None)
    assert code == 1 and line(lines, "FAIL  store").startswith(f"FAIL  store: {garbage}: ")
    assert "file is not a database" in line(lines, "FAIL  store")


async def test_release_digest_doctor_as_a_process(fake_discord: FakeDiscord, settings: Settings) -> None:
    await arrange(settings, fake_discord)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "doctor",
        env=process_env(fake_discord, settings.db, TOKEN), cwd=settings.db.parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    lines = out.decode().splitlines()
    assert process.returncode == 0, (lines, err)
    assert len(lines) == 6 and all(entry.startswith("ok    ") for entry in lines) and err == b""


async def test_a_server_the_bot_cannot_read_fails_its_subscriptions(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    await arrange(settings, fake_discord)
    fake_discord.fail_next("GET", rf"/guilds/{fake_discord.guild.id}", 403)
    code, lines = await doctor(settings)
    assert code == 1
    assert "cannot read server Release Digest Test Guild (GET" in line(lines, "FAIL  subscription #1")
    assert "403" in line(lines, "FAIL  subscription #1")


async def test_the_doctor_on_postgresql(fake_discord: FakeDiscord, settings: Settings, pg_url: str) -> None:
    on_postgres = settings.model_copy(update={"db": pg_url})
    await arrange(on_postgres, fake_discord)
    code, lines = await doctor(on_postgres)
    assert code == 0, lines
    store = line(lines, "ok    store")
    assert "@" not in store.split(" reachable")[0]  # the URL's user and password are not shown
    assert "1 release, 1 feed, 1 subscription (0 paused)" in store
    assert lines[-1].startswith("ok    subscription #1")
