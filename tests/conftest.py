"""Shared fixtures: the seed release text, and a fresh database on each engine (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from digests.store.db import Database
from tests.pg_server import PostgresServer

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The shipped seed release (DoD, U.S.–Iraq Higher Military Commission)."""
    return (DATA / "seed_hmc.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the session (started when a test first needs it)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()  # also after a failed start, so no server outlives the session


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest) -> Iterator[str]:
    """Where a fresh, migrated database is: SQLite in memory, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield ":memory:"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.acquire()
    yield url
    server.release(url)


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """An empty, migrated PostgreSQL database."""
    url = postgres.acquire()
    yield url
    postgres.release(url)


@pytest.fixture
async def db(db_target: str) -> AsyncIterator[Database]:
    """A migrated database on each engine, closed after the test."""
    opened = await Database.open(db_target)
    yield opened
    await opened.close()
