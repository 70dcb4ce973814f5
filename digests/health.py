"""Health checks of the settings, the store and the followed feeds, for ``release-digest doctor``.

Each check is one :class:`Check` (one line); a ``FAIL`` makes the doctor exit non-zero. Only repositories are read,
so the checks run the same on every store engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from digests.config import Settings
from digests.models import Subscription
from digests.store.db import Database
from digests.store.deliveries import DeliveryLedger
from digests.store.releases import ReleaseRepository
from digests.store.sources import Source, SourceRepository
from digests.store.subscriptions import SubscriptionRepository

Status = Literal["ok", "warn", "FAIL", "skip"]

# What .env.example's User-Agent says where the operator's contact belongs; the doctor warns while it is there.
USER_AGENT_PLACEHOLDER = "REPLACE-WITH-YOUR-EMAIL-OR-URL"
# Documentation-only domains (RFC 2606): an address there reaches nobody.
_EXAMPLE_DOMAIN = re.compile(r"\bexample\.(?:com|net|org)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Check:
    """The result of one check: ``ok``, ``warn`` (works, but look at it), ``FAIL`` or ``skip`` (not checked)."""

    status: Status
    name: str
    detail: str

    @property
    def failed(self) -> bool:
        """Whether this check makes the doctor fail."""
        return self.status == "FAIL"

    def line(self) -> str:
        """``ok    store: …`` — how the doctor prints it."""
        return f"{self.status:<5} {self.name}: {self.detail}"


def store_location(target: Path | str) -> str:
    """The store's file, or its URL without user name and password (never print a password)."""
    text = str(target)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def when(moment: datetime | None, tz: tzinfo) -> str:
    """A stored time in the display timezone, or ``never``."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


def settings_check(settings: Settings, now: datetime) -> Check:
    """The settings parsed (an invalid value stops the command before this) and the timezone resolves."""
    local = now.astimezone(settings.tz).strftime("%H:%M")
    return Check(
        "ok",
        "settings",
        f"parsed; timezone {settings.timezone} (now {local} there); algorithm {settings.algorithm}; "
        f"store {store_location(settings.db)}",
    )


def user_agent_check(settings: Settings) -> Check | None:
    """A warning while the fetch User-Agent still holds .env.example's placeholder (or an example.org-style
    address): site operators could not reach whoever runs the bot. ``None`` when it names a real contact."""
    agent = settings.user_agent
    if USER_AGENT_PLACEHOLDER in agent or _EXAMPLE_DOMAIN.search(agent):
        return Check(
            "warn",
            "user agent",
            f"RELEASE_DIGEST_USER_AGENT still holds the example contact ({agent!r}): put your email address or "
            "URL there so that the sites the bot fetches from can reach you",
        )
    return None


def plural(count: int, noun: str) -> str:
    """``1 release`` / ``2 releases``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def feed_check(source: Source, tz: tzinfo) -> Check:
    """A followed feed's last state: paused is a failure, failing polls a warning."""
    name = f"feed #{source.id} {source.name}"
    if source.paused_reason:
        return Check("FAIL", name, f"paused: {source.paused_reason} (`/source add` with its URL resumes it)")
    if not source.is_global and source.followers == 0:
        return Check("skip", name, "no server follows it, so it is not polled")
    if source.failures and source.last_error:  # the count of failed polls in a row; a success resets it
        return Check(
            "warn",
            name,
            f"{plural(source.failures, 'failed poll')} in a row, the last at {when(source.last_error_at, tz)}: "
            f"{source.last_error}; next try {when(source.next_poll_at, tz)}",
        )
    if source.last_ok_at is None:
        return Check("ok", name, "not polled yet")
    detail = f"last success {when(source.last_ok_at, tz)}, {plural(source.item_count, 'item')}"
    if source.last_error and source.last_error_at and source.last_error_at >= source.last_ok_at:
        detail += f"; with a warning: {source.last_error}"  # a poll that worked but skipped something
    return Check("ok", name, detail)


class HealthService:
    """Reads what the doctor reports about the store (opening a store migrates it, or refuses one newer than this
    program, so its schema is normally current here; another process's older program could still lag)."""

    def __init__(
        self,
        releases: ReleaseRepository,
        sources: SourceRepository,
        subscriptions: SubscriptionRepository,
        ledger: DeliveryLedger,
        db: Database,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._releases = releases
        self._sources = sources
        self._subscriptions = subscriptions
        self._ledger = ledger
        self._db = db
        self.clock = clock

    async def store(self, location: str) -> Check:
        """The store answered, its schema is current, and what it holds."""
        current, latest = await self._db.schema_version()
        if current != latest:
            return Check("FAIL", "store", f"{location} is at schema version {current}; this program needs {latest}")
        releases = await self._releases.count()
        sources = await self._sources.all()
        subscriptions = await self._subscriptions.all()
        paused = sum(not s.active for s in subscriptions)
        deliveries = await self._ledger.counts()
        return Check(
            "ok",
            "store",
            f"{location} reachable, schema version {current} (current); {plural(releases, 'release')}, "
            f"{plural(len(sources), 'feed')}, {plural(len(subscriptions), 'subscription')} ({paused} paused), "
            f"deliveries {deliveries.get('posted', 0)} posted, {deliveries.get('pending', 0)} pending",
        )

    async def feeds(self, tz: tzinfo) -> list[Check]:
        """One check per followed feed."""
        return [feed_check(source, tz) for source in await self._sources.all()]

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription, active or paused, oldest first."""
        return await self._subscriptions.all()
