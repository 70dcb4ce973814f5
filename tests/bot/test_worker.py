import pytest

from bot.worker import run_worker
from digests.config import Settings


async def test_the_worker_needs_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_worker(Settings(_env_file=None, discord_token=None)) == 2  # type: ignore[call-arg]
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
