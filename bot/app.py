"""The composition root: settings → database → services (→ bot). Nothing else reads the environment."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digests.analysers import Analyser, ProcessAnalyser, ThreadAnalyser
from digests.config import Settings
from digests.health import HealthService
from digests.ingest.fetch import Fetcher
from digests.leases import Leases, new_owner_id
from digests.service import DigestService
from digests.sources import SourceService
from digests.store.db import Database
from digests.store.deliveries import DeliveryLedger
from digests.store.leases import LeaseRepository
from digests.store.releases import ReleaseRepository
from digests.store.sources import SourceRepository
from digests.store.state import StateRepository
from digests.store.subscriptions import SubscriptionRepository
from digests.subscriptions import SubscriptionService


@dataclass(frozen=True, slots=True)
class Services:
    """Everything built from the settings that the command line and the bot use."""

    settings: Settings
    db: Database
    digests: DigestService
    sources: SourceService
    state: StateRepository
    subscriptions: SubscriptionService
    health: HealthService  # what `release-digest doctor` reports about the store
    leases: Leases  # this process's leases (feed poller, subscription runs), under an owner id unique per start
    clock: Callable[[], datetime]  # the current aware time; tests control it


def load_settings() -> Settings:
    """Read the settings from the environment and ``.env`` (raises pydantic's ValidationError when invalid)."""
    return Settings()


@asynccontextmanager
async def open_services(
    settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> AsyncIterator[Services]:
    """Open the database (migrating it) and build the services; close the database on the way out."""
    db = await Database.open(settings.db)
    # CPU work (analysis, feed and page parsing) in worker processes, off the event loop's process.
    analyser: Analyser = ProcessAnalyser(settings.analysis_workers) if settings.analysis_workers else ThreadAnalyser()
    try:
        service = DigestService(
            ReleaseRepository(db),
            algorithm=settings.algorithm,
            summary_sentences=settings.summary_sentences,
            key_quotes=settings.key_quotes,
            max_release_bytes=settings.max_release_bytes,
            tz=settings.tz,
            clock=clock,
            analyser=analyser,
        )
        sources = SourceService(
            SourceRepository(db),
            service,
            lambda: Fetcher(
                allow_private=settings.allow_private_urls,
                max_bytes=settings.fetch_max_bytes,
                timeout=settings.fetch_timeout_seconds,
                user_agent=settings.user_agent,
            ),
            poll_interval=timedelta(minutes=settings.poll_minutes),
            max_failures=settings.feed_max_failures,
            allow_private=settings.allow_private_urls,
            clock=clock,
        )
        subscription_repo, ledger = SubscriptionRepository(db), DeliveryLedger(db)
        subscriptions = SubscriptionService(subscription_repo, ledger, service, clock)
        health = HealthService(
            service.repo, sources.repo, subscription_repo, ledger, db, clock=clock
        )
        yield Services(
            settings=settings,
            db=db,
            digests=service,
            sources=sources,
            state=StateRepository(db),
            subscriptions=subscriptions,
            health=health,
            leases=Leases(
                LeaseRepository(db),
                owner=new_owner_id(),
                ttl=timedelta(seconds=settings.lease_seconds),
                clock=clock,
            ),
            clock=clock,
        )
    finally:
        await analyser.close()
        await db.close()
