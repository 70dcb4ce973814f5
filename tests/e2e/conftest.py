"""End-to-end fixtures: the real DigestBot, on a temporary database, against the local fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, open_services
from bot.client import DigestBot
from digests.config import Settings
from tests.fake_discord.fixtures import fake_discord  # noqa: F401  (the fixture)
from tests.fake_discord.server import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

BotFactory = Callable[..., AbstractAsyncContextManager[DigestBot]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own database file, the shipped seeds, no .env."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, db=tmp_path / "bot.db", seeds_dir=ROOT / "seeds", analysis_workers=0
    )


class FakeClock:
    """A settable clock: ``clock()`` is the current aware time the bot sees."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        """Jump to ``now``."""
        self.now = now

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    """The bot's clock in e2e tests (real time until a test sets it)."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def start_bot(fake_discord: FakeDiscord, settings: Settings, clock: FakeClock) -> BotFactory:  # noqa: F811
    """``async with start_bot() as bot:`` runs a fresh DigestBot (same database each time) until the block ends.

    Seeds are loaded into an empty database, as ``release-digest bot`` does. Pass ``guild=False`` to sync
    commands globally instead of to the fake guild.
    """

    @asynccontextmanager
    async def run(guild: bool = True, **overrides: Any) -> AsyncIterator[DigestBot]:
        async with open_services(settings.model_copy(update=overrides), clock) as services:
            await services.digests.load_seeds_if_empty(services.settings.seeds_dir)
            client = DigestBot(services, guild_id=int(fake_discord.guild.id) if guild else None)
            async with fake_discord.running(client):
                yield client

    return run


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    """Direct access to the bot's database (for arranging data), opened on the same file, on the same clock."""
    async with open_services(settings, clock) as opened:
        yield opened
