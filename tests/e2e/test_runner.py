"""``release-digest bot`` as a process would run it: token handling, seeds on first start, SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.runner import run_bot
from digests.config import Settings
from tests.fake_discord.server import FakeDiscord

TOKEN = "fake-token-SECRET-123"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """run_bot configures the root logger for the process; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


async def test_sigterm_shuts_down_cleanly_and_the_token_is_never_logged(
    fake_discord: FakeDiscord, settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    configured = settings.model_copy(
        update={"discord_token": SecretStr(TOKEN), "discord_guild_id": int(fake_discord.guild.id), "log_level": "DEBUG"}
    )
    task = asyncio.create_task(run_bot(configured))
    try:
        await fake_discord.wait_for(lambda: bool(fake_discord.commands(fake_discord.guild.id)), timeout=15)
        logging.getLogger("probe").info("the token is %s", TOKEN)  # any record carrying it is scrubbed
        result = await fake_discord.slash("digest", {"topic": "hmc"})  # seeds were loaded on first start
        assert result.original is not None and "Sabrina Singh" in str(result.original)
    finally:
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(task, 15) == 0
    err = capfd.readouterr().err
    assert "bot stopped cleanly" in err and "loaded 1 seed release" in err
    assert TOKEN not in err and "[redacted]" in err


async def test_a_rejected_token_is_a_clear_error(settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        with fake.patched():
            code = await run_bot(settings.model_copy(update={"discord_token": SecretStr(TOKEN)}))
    err = capfd.readouterr().err
    assert code == 2 and "Discord rejected DISCORD_TOKEN" in err and TOKEN not in err
