"""Pytest fixture for the fake Discord; import it into a conftest.py to use it (see README.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with discord.py pointed at it; stopped and un-patched afterwards.

    Fails the test if the fake itself crashed while handling a request.
    """
    async with FakeDiscord() as fake:
        with fake.patched():
            yield fake
    assert fake.internal_errors == [], "\n".join(fake.internal_errors)
