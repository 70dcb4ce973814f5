"""Daily digests for channels: creating and managing subscriptions, and what each run has to deliver.

Scheduling (when a run happens) and posting belong to the application; this module decides *what* a run posts
and keeps the ledger (:mod:`digests.store.deliveries`) that makes every release go out exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from digests.due import DueLookups
from digests.models import DigestItem, Release, Subscription
from digests.service import DigestService
from digests.store.deliveries import Claim, DeliveryLedger, PendingMessage
from digests.store.subscriptions import SubscriptionRepository
from digests.topics import normalise, query_words

_TIME = re.compile(r"^\s*(\d{1,2})[:h.](\d{2})\s*$")
MAX_WORDS = 20
MAX_TOPIC_LENGTH = 200
# A run reads every release about its topic to find those not delivered yet; it posts at most
# MAX_RELEASES_PER_RUN of them (newest first) and says how many more wait for the next runs, so nothing is ever
# dropped, silently or otherwise.
MAX_RELEASES_PER_RUN = 50


_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class SubscriptionError(ValueError):
    """A subscription request that cannot be honoured; the message is fit to show to the user."""


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA timezone name this system knows, sorted (without the host's own and tzdata's placeholders)."""
    return tuple(sorted(available_timezones() - _NOT_ZONES))


def parse_time_of_day(text: str) -> str:
    """``"9:05"`` → ``"09:05"``; :class:`SubscriptionError` unless it is a time on a 24-hour clock."""
    match = _TIME.match(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SubscriptionError(f"“{text.strip()}” is not a time of day: use HH:MM on a 24-hour clock, e.g. 09:00.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_timezone(name: str) -> str:
    """The canonical IANA name for ``name`` (case-insensitive); :class:`SubscriptionError` if unknown."""
    wanted = name.strip().replace(" ", "_")
    by_lower = {known.lower(): known for known in timezone_names()}
    canonical = by_lower.get(wanted.lower())
    if canonical is None:
        raise SubscriptionError(
            f"“{name.strip()}” is not a timezone I know: pick one of the suggestions, e.g. Europe/Paris or "
            "America/New_York."
        )
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but unreadable: treat as unknown
        raise SubscriptionError(f"“{canonical}” cannot be used as a timezone here.") from exc
    return canonical


# Offered before anything is typed.
_POPULAR_ZONES = (
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


def matching_timezones(text: str, limit: int = 25) -> list[str]:
    """Timezone names for autocomplete: prefix matches (of the name or its city) first, then substrings."""
    needle = text.strip().lower().replace(" ", "_")
    if not needle:
        return list(_POPULAR_ZONES[:limit])
    names = timezone_names()
    prefix = [z for z in names if z.lower().startswith(needle) or z.lower().rsplit("/", 1)[-1].startswith(needle)]
    chosen = set(prefix)
    contains = [z for z in names if needle in z.lower() and z not in chosen]
    return [*prefix, *contains][:limit]


def parse_words(text: str | None) -> tuple[str, ...]:
    """User-typed words (spaces or commas), lower-cased, deduplicated, in order; at most MAX_WORDS."""
    words = tuple(dict.fromkeys(query_words(text or "")))
    if len(words) > MAX_WORDS:
        raise SubscriptionError(f"Give at most {MAX_WORDS} words to include or exclude.")
    return words


@dataclass(frozen=True, slots=True)
class DueReleases:
    """What a run has to post: new releases (full digest entries) and releases edited since they were posted."""

    new: tuple[DigestItem, ...]
    updated: tuple[Release, ...]
    waiting: int = 0  # undelivered releases beyond this run's MAX_RELEASES_PER_RUN: they go out in later runs

    def __bool__(self) -> bool:
        return bool(self.new or self.updated)


class SubscriptionService:
    """Subscriptions' use cases. ``clock`` returns the current aware time (tests control it)."""

    def __init__(
        self,
        repo: SubscriptionRepository,
        ledger: DeliveryLedger,
        digests: DigestService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self.ledger = ledger
        self.digests = digests
        self.clock = clock

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        topic: str,
        time_of_day: str,
        timezone: str,
        created_by: int,
        notify_channel_id: int | None = None,
        include: str | None = None,
        exclude: str | None = None,
        sentences: int | None = None,
    ) -> Subscription:
        """Validate a request and store the subscription; :class:`SubscriptionError` says what is wrong."""
        clean_topic = " ".join(topic.split())
        if not normalise(clean_topic):
            raise SubscriptionError("The topic needs at least one word.")
        if len(clean_topic) > MAX_TOPIC_LENGTH:
            raise SubscriptionError(f"Keep the topic under {MAX_TOPIC_LENGTH} characters.")
        if sentences is not None and not 1 <= sentences <= 10:
            raise SubscriptionError("Sentences must be between 1 and 10.")
        included, excluded = parse_words(include), parse_words(exclude)
        if set(included) & set(excluded):
            raise SubscriptionError("A word cannot be both included and excluded.")
        return await self.repo.create(
            guild_id=guild_id,
            channel_id=channel_id,
            notify_channel_id=notify_channel_id,
            topic=clean_topic,
            include=included,
            exclude=excluded,
            sentences=sentences,
            time_of_day=parse_time_of_day(time_of_day),
            timezone=parse_timezone(timezone),
            created_by=created_by,
            now=self.clock(),
        )

    async def get(self, subscription_id: int) -> Subscription | None:
        """One subscription, if it exists."""
        return await self.repo.get(subscription_id)

    async def for_guild(self, guild_id: int) -> list[Subscription]:
        """A server's subscriptions, oldest first."""
        return await self.repo.for_guild(guild_id)

    async def active(self) -> list[Subscription]:
        """Every active subscription (what the scheduler runs)."""
        return await self.repo.active()

    async def _owned(self, guild_id: int, subscription_id: int) -> Subscription:
        found = await self.repo.get(subscription_id)
        if found is None or found.guild_id != guild_id:
            raise SubscriptionError(f"This server has no subscription #{subscription_id}.")
        return found

    async def delete(self, guild_id: int, subscription_id: int) -> Subscription:
        """Delete a server's subscription; returns what was deleted."""
        found = await self._owned(guild_id, subscription_id)
        await self.repo.delete(subscription_id, guild_id)
        return found

    async def pause(self, guild_id: int, subscription_id: int, reason: str) -> Subscription:
        """Pause a server's subscription by hand; returns it paused."""
        await self._owned(guild_id, subscription_id)
        if not await self.repo.pause(subscription_id, reason, self.clock()):
            raise SubscriptionError(f"Subscription #{subscription_id} is already paused.")
        return await self._owned(guild_id, subscription_id)

    async def resume(self, guild_id: int, subscription_id: int) -> Subscription:
        """Resume a paused subscription; its next run delivers everything it has not delivered yet."""
        await self._owned(guild_id, subscription_id)
        if not await self.repo.resume(subscription_id):
            raise SubscriptionError(f"Subscription #{subscription_id} is not paused.")
        return await self._owned(guild_id, subscription_id)

    async def pause_for_failure(self, subscription_id: int, reason: str) -> bool:
        """Pause after a delivery failure; ``True`` only for the call that paused it (tell the server once)."""
        return await self.repo.pause(subscription_id, reason, self.clock())

    async def finish_run(self, subscription_id: int) -> None:
        """Record that a run completed now (the baseline for catching up missed runs)."""
        await self.repo.mark_run(subscription_id, self.clock())

    def lookups(self) -> DueLookups:
        """A fresh set of shared look-ups, for runs due together to pass to :meth:`due`."""
        return DueLookups(self.digests)

    async def due(self, subscription: Subscription, shared: DueLookups | None = None) -> DueReleases:
        """The releases about the topic (and within the include/exclude words) that the subscription's server sees
        and that were not yet delivered at their current version, newest first, at most MAX_RELEASES_PER_RUN;
        ``waiting`` counts the rest.

        Every matching release is considered, however many there are, so an old undelivered release is never out
        of sight: it goes out in a later run once the newer ones have. The reads that do not depend on this
        subscription's ledger come from ``shared`` (see :mod:`digests.due`; a fresh one when not given).
        """
        shared = shared or self.lookups()
        seen = await self.ledger.versions(subscription.id)
        delivered_stories = await self.ledger.stories(subscription.id)
        listing = await shared.listing(subscription.topic, subscription.guild_id)
        included = await shared.mentioning(subscription.include) if subscription.include else None
        excluded = await shared.mentioning(subscription.exclude) if subscription.exclude else frozenset()
        chosen: list[int] = []
        stories: set[int] = set()  # one copy of a story per run; the others are never posted (the story went out)
        waiting = 0
        for release_id, version, story in zip(listing.ids, listing.versions, listing.stories, strict=True):
            posted = seen.get(release_id)
            if posted is not None:
                if posted[0] >= version:
                    continue  # delivered at this version (or claimed)
            elif story in delivered_stories or story in stories:
                continue  # a copy of this story went out, or goes out in this run
            if (included is not None and release_id not in included) or release_id in excluded:
                continue
            if len(chosen) < MAX_RELEASES_PER_RUN:
                chosen.append(release_id)
                stories.add(story)
            else:
                waiting += 1
        candidates = await shared.releases(chosen)
        new = [r for r in candidates if r.id not in seen]
        updated = tuple(r for r in candidates if r.id in seen)
        items = tuple(await shared.items(new, subscription.sentences, subscription.guild_id))
        return DueReleases(new=items, updated=updated, waiting=waiting)

    async def claim(self, subscription_id: int, claims: Sequence[Claim]) -> list[Claim]:
        """Claim releases for posting (see :meth:`DeliveryLedger.claim`)."""
        return await self.ledger.claim(subscription_id, claims, self.clock())

    async def pending(self, subscription_id: int) -> list[PendingMessage]:
        """Messages claimed but not yet confirmed posted, oldest first."""
        return await self.ledger.pending(subscription_id)

    async def with_pending(self) -> list[int]:
        """Subscriptions with claimed, unconfirmed messages (left by a crash or an outage)."""
        return await self.ledger.with_pending()

    async def pending_content(
        self, subscription: Subscription, message: PendingMessage
    ) -> tuple[list[DigestItem], list[Release]]:
        """The digest items (kind ``digest``) or releases (kind ``update``) of a pending message, in order;
        releases deleted since they were claimed, or that the server no longer sees, are left out."""
        releases = await self.digests.repo.get_many(
            [release_id for release_id, _ in message.releases], guild_id=subscription.guild_id
        )
        if message.kind == "update":
            return [], releases
        return await self.digests.items(releases, subscription.sentences, guild_id=subscription.guild_id), []

    async def mark_posted(self, subscription_id: int, nonce: str, message_id: int | None) -> None:
        """Confirm a message posted: its releases are delivered."""
        await self.ledger.mark_posted(subscription_id, nonce, message_id, self.clock())
