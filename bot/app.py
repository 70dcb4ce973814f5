"""The composition root: settings → database → services (→ bot). Nothing else reads the environment."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from digests.config import Settings
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.store.state import StateRepository


@dataclass(frozen=True, slots=True)
class Services:
    """Everything built from the settings that the command line and the bot use."""

    settings: Settings
    db: Database
    digests: DigestService
    state: StateRepository


@asynccontextmanager
async def open_services(
    settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> AsyncIterator[Services]:
    """Open the database (migrating it) and build the services; close the database on the way out."""
    db = await Database.open(settings.db)
    try:
        service = DigestService(
            ReleaseRepository(db),
            algorithm=settings.algorithm,
            summary_sentences=settings.summary_sentences,
            key_quotes=settings.key_quotes,
            max_release_bytes=settings.max_release_bytes,
            tz=settings.tz,
            clock=clock,
        )
        yield Services(settings=settings, db=db, digests=service, state=StateRepository(db))
    finally:
        await db.close()
