"""Shared fixtures: the seed release text and in-memory builders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digests.store.db import Database

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The shipped seed release (DoD, U.S.–Iraq Higher Military Commission)."""
    return (DATA / "seed_hmc.txt").read_text(encoding="utf-8")


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    """A migrated in-memory database, closed after the test."""
    opened = await Database.open(":memory:")
    yield opened
    await opened.close()
