"""Shared fixtures: the seed release text and in-memory builders."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The shipped seed release (DoD, U.S.–Iraq Higher Military Commission)."""
    return (DATA / "seed_hmc.txt").read_text(encoding="utf-8")
