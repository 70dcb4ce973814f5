"""Posting subscriptions' daily digests to their channels: exactly once, within Discord's rate limit.

A run claims what it posts in the ledger before posting (see :mod:`digests.store.deliveries`), posts each message
with a deterministic ``nonce`` and ``enforce_nonce`` (discord.py sends both whenever ``nonce`` is given), and
confirms it afterwards. Whatever a crash, a cancellation or an outage leaves claimed but unconfirmed is picked up by
the next run: it first looks in the channel's history for the bot's own post of that content (Discord honours a
nonce for a few minutes only, and the bot may have been down longer), and re-posts only what is not there, with the
same nonce, so that even a post that lands while we look is answered with the message Discord already made.
The look-back is bounded by time, not by count: it pages through every message since the oldest unconfirmed claim
(however busy the channel), and each post's header names its subscription, so that subscriptions sharing a channel
never mistake each other's identical digests for their own.

A run posts at most MAX_RELEASES_PER_RUN releases, newest first; when more are due, its last message says how many
wait and that they follow in the next runs (nothing is dropped: every undelivered release stays due).

Failures stay with their subscription: a 403 or 404 pauses it (and tells the server once), a 429 or 5xx is
retried with backoff while the other subscriptions go on; all posts share one request budget
(:mod:`bot.rate_budget`) so that thousands of subscriptions due at the same minute stay under Discord's global 50
requests per second, also across shard processes and whatever the latency.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import discord

from bot.delivery_plan import PlannedMessage, plan, same_content, subscription_label
from bot.embed_text import clean_text
from bot.embeds import Page, digest_pages, update_pages
from bot.rate_budget import RateLimiter as RateLimiter
from bot.rate_budget import RequestBudget
from bot.replies import NO_MENTIONS
from bot.views import digest_view
from digests.due import DueLookups
from digests.leases import Leases, run_lease
from digests.models import Digest, Subscription
from digests.store.deliveries import PendingMessage, message_nonce
from digests.subscriptions import SubscriptionService

log = logging.getLogger(__name__)

DEFAULT_REQUESTS_PER_SECOND = 45.0  # Discord allows 50 per bot; leave room for everything else the bot does
# Runs in progress at once. Bounding runs, not just requests, keeps thousands of subscriptions due at the same
# minute from queueing all their database work before the first post: posting starts at once and overlaps it.
DEFAULT_CONCURRENCY = 50
DEFAULT_RETRY_DELAYS = (5.0, 30.0, 120.0)  # our backoff for 429/5xx, on top of discord.py's own retries
HISTORY_SLACK = timedelta(minutes=1)  # clock skew between us and Discord when looking for an earlier post
HISTORY_PAGE = 100  # messages per history request (Discord's maximum)


class DeliveryDeferredError(Exception):
    """Discord kept failing (429/5xx) after every retry; the claimed releases stay pending for the next run."""


class RunLeaseLostError(DeliveryDeferredError):
    """The run's lease expired and another process took the subscription over: stop posting at once."""


class RunLease:
    """The lease that makes a run the only one posting its subscription, in any process; renewed as it goes."""

    def __init__(self, leases: Leases, subscription_id: int) -> None:
        self.leases = leases
        self.name = run_lease(subscription_id)
        self._renewed = time.monotonic()

    async def take(self) -> bool:
        """Take the lease; ``False`` while another process's run holds it."""
        self._renewed = time.monotonic()
        return await self.leases.hold(self.name)

    async def keep(self) -> None:
        """Before a post: renew the lease once a quarter of it has gone by; raise if another process has it."""
        if time.monotonic() - self._renewed < self.leases.ttl.total_seconds() / 4:
            return
        self._renewed = time.monotonic()
        if not await self.leases.hold(self.name):
            raise RunLeaseLostError("the run's lease expired and another process took the subscription over")

    async def give_up(self) -> None:
        """Release the lease so that the next run, here or elsewhere, need not wait for it to expire."""
        await self.leases.release(self.name)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run of one subscription did."""

    subscription_id: int
    messages: int = 0  # messages posted (or confirmed, when a retry found them already posted)
    paused_now: bool = False  # this run paused the subscription (403/404)
    deferred: bool = False  # Discord failed repeatedly; pending releases wait for the next run
    skipped: bool = False  # gone or paused: nothing was attempted
    busy: bool = False  # another process is running this subscription: nothing was attempted here
    waiting: int = 0  # due releases left for later runs (beyond MAX_RELEASES_PER_RUN)


def failure_reason(error: discord.HTTPException, channel_id: int) -> str:
    """Why a subscription was paused, as shown in ``/subscriptions``."""
    if isinstance(error, discord.NotFound):
        return f"<#{channel_id}> was deleted or I can no longer see it (Discord 404)"
    return f"I am not allowed to post in <#{channel_id}> (Discord 403: {clean_text(error.text or 'missing access')})"


class Deliverer:
    """Runs subscriptions: works out what is due, claims it, posts it, confirms it."""

    def __init__(
        self,
        client: discord.Client,
        service: SubscriptionService,
        leases: Leases,
        *,
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        self.client = client
        self.service = service
        self.leases = leases
        self.limiter = RequestBudget(requests_per_second)
        self.retry_delays = tuple(retry_delays)
        self._runs = asyncio.Semaphore(concurrency)
        # One run per subscription at a time in this process; the run's lease guards against other processes.
        self._locks: dict[int, asyncio.Lock] = {}
        # What the runs due together share (a topic's releases, digest entries): kept while runs are under way.
        self._shared: DueLookups | None = None
        self._under_way = 0
        # Called when this process's work starts or ends (its share of the budget is lent while it has none).
        self.work_changed: Callable[[], None] = lambda: None
        self.lookups_computed: Counter[str] = Counter()  # answers computed (not shared), over every batch so far

    async def run(self, subscription_id: int, skip: Callable[[Subscription], bool] | None = None) -> RunOutcome:
        """Deliver everything the subscription has not delivered yet (and anything left pending before), unless
        ``skip`` says otherwise of the subscription as read at the start of the run.

        The run holds the subscription's lease throughout, so no other process posts its releases meanwhile, not
        even the ones it left pending when it crashed; ``busy`` when another process holds it.
        """
        self._under_way += 1
        if self._under_way == 1:
            self.work_changed()
        shared = self._shared = self._shared or self.service.lookups()
        try:
            async with self._locks.setdefault(subscription_id, asyncio.Lock()), self._runs:
                lease = RunLease(self.leases, subscription_id)
                if not await lease.take():
                    log.info("subscription #%d is being delivered by another process", subscription_id)
                    return RunOutcome(subscription_id, busy=True)
                try:
                    return await self._run(subscription_id, lease, shared, skip)
                finally:
                    await lease.give_up()
        finally:
            self._under_way -= 1
            if not self._under_way:
                self.lookups_computed.update(shared.computed)
                self._shared = None  # the next runs start afresh
                self.work_changed()

    @property
    def has_work(self) -> bool:
        """Whether runs are under way or requests wait for (or hold) the budget: this process needs its share."""
        return bool(self._under_way) or self.limiter.busy

    async def _run(
        self, subscription_id: int, lease: RunLease, shared: DueLookups, skip: Callable[[Subscription], bool] | None
    ) -> RunOutcome:
        """:meth:`run` once the lease is held."""
        subscription = await self.service.get(subscription_id)
        if subscription is None or not subscription.active or (skip is not None and skip(subscription)):
            return RunOutcome(subscription_id, skipped=True)
        tz = ZoneInfo(subscription.timezone)
        # Left over from a run that crashed or failed: they may have reached Discord already.
        leftovers = await self.service.pending(subscription.id)
        due = await self.service.due(subscription, shared)
        planned = plan(subscription, due, tz)
        if planned:
            await self.service.claim(subscription.id, [claim for message in planned for claim in message.claims])
        laid_out = {message.nonce: message for message in planned}
        messages = 0
        try:
            # Discord honours a nonce for a few minutes only and the bot may have been down for hours, so
            # look for leftovers in the channel first (one request per run, and only after a failure).
            landed = await self._posted_since(subscription, min(p.claimed_at for p in leftovers)) if leftovers else []
            for pending in await self.service.pending(subscription.id):
                messages += await self._post(subscription, pending, tz, landed, laid_out.get(pending.nonce), lease)
        except (discord.Forbidden, discord.NotFound) as exc:
            paused = await self._pause(subscription, exc)
            return RunOutcome(subscription_id, messages, paused_now=paused)
        except DeliveryDeferredError as exc:
            log.warning("subscription #%d: %s; will retry at the next run", subscription_id, exc)
            return RunOutcome(subscription_id, messages, deferred=True)
        await self.service.finish_run(subscription.id)
        if messages:
            log.info("subscription #%d: posted %d message(s)", subscription_id, messages)
        if due.waiting:
            log.info("subscription #%d: %d more release(s) wait for the next runs", subscription_id, due.waiting)
        return RunOutcome(subscription_id, messages, waiting=due.waiting)

    async def _post(
        self,
        subscription: Subscription,
        pending: PendingMessage,
        tz: ZoneInfo,
        landed: Sequence[discord.Message],
        planned: PlannedMessage | None,
        lease: RunLease,
    ) -> int:
        """Post one claimed message and confirm it; how many messages it took.

        The page this run ``planned`` is posted as it is when the ledger holds exactly its releases; anything else
        (left over from an earlier run, or partly claimed by another process) is rebuilt from the ledger. A page
        found among ``landed`` (the bot's posts since an earlier run claimed it) is not sent again.
        """
        note = None
        if planned is not None and planned.releases == pending.releases:
            pages, note = [planned.page], planned.note
        else:
            pages = await self._rebuild(subscription, pending, tz)
        first_id: int | None = None
        for part, page in enumerate(pages):
            # Normally one page; if the releases no longer fit one message (edited since the claim), the extra
            # parts get nonces of their own, derived the same way on every retry.
            nonce = pending.nonce if part == 0 else message_nonce(subscription.id, pending.releases, part)
            found = next((message for message in landed if same_content(message, page)), None)
            last = part == len(pages) - 1
            sent = found or await self._send(
                subscription, page, nonce, lease, with_buttons=pending.kind == "digest", content=note if last else None
            )
            first_id = sent.id if first_id is None else first_id
        await self.service.mark_posted(subscription.id, pending.nonce, first_id)
        return len(pages)

    async def _rebuild(self, subscription: Subscription, pending: PendingMessage, tz: ZoneInfo) -> list[Page]:
        """The pages of a claimed message, laid out again from its releases as they are now."""
        items, releases = await self.service.pending_content(subscription, pending)
        label = subscription_label(subscription)
        if pending.kind == "digest":
            return digest_pages(Digest(topic=subscription.topic, items=tuple(items)), tz, label) if items else []
        return update_pages(releases, subscription.topic, tz, label)

    async def _send(
        self,
        subscription: Subscription,
        page: Page,
        nonce: str,
        lease: RunLease,
        *,
        with_buttons: bool,
        content: str | None = None,
    ) -> discord.Message:
        """Send one page with its nonce (and ``content`` above it), retrying 429/5xx with backoff; 403/404 and
        other errors are raised, and so is losing the run's lease (checked before every attempt, so a run never
        posts once another took over)."""
        channel = self.client.get_partial_messageable(subscription.channel_id, guild_id=subscription.guild_id)
        view = digest_view(page) if with_buttons else discord.utils.MISSING
        if with_buttons:
            # The Quotes buttons are dynamic items registered on the client: the view need not be kept in memory.
            view.stop()
        for delay in (0.0, *self.retry_delays):
            await asyncio.sleep(delay)
            # The lease first (a database round trip), then a place in the budget, held while the request is out.
            await lease.keep()
            try:
                async with self.limiter.request():
                    return await channel.send(
                        content, embeds=page.embeds, view=view, nonce=nonce, allowed_mentions=NO_MENTIONS
                    )
            except (discord.Forbidden, discord.NotFound):
                raise
            except discord.HTTPException as exc:
                if exc.status != 429 and exc.status < 500:
                    raise
                log.info("subscription #%d: Discord answered %d; retrying", subscription.id, exc.status)
        raise DeliveryDeferredError(f"Discord kept failing after {len(self.retry_delays) + 1} attempts")

    async def _posted_since(self, subscription: Subscription, since: datetime) -> list[discord.Message]:
        """The bot's own channel posts (not interaction answers) from shortly before ``since``; [] if unknown.

        Every message since then is read, a page of HISTORY_PAGE at a time, however many other posts (ours for
        other subscriptions, or anyone's) landed meanwhile: the look-back is bounded by time, not by count.
        """
        channel = self.client.get_partial_messageable(subscription.channel_id, guild_id=subscription.guild_id)
        me = self.client.user
        after: discord.abc.Snowflake = discord.Object(id=discord.utils.time_snowflake(since - HISTORY_SLACK))
        found: list[discord.Message] = []
        try:
            while True:  # a page (one request) at a time, each holding its place in the budget until answered
                async with self.limiter.request():
                    page = [m async for m in channel.history(limit=HISTORY_PAGE, after=after, oldest_first=True)]
                found += [m for m in page if me is not None and m.author.id == me.id and m.interaction_metadata is None]
                if len(page) < HISTORY_PAGE:
                    return found
                after = page[-1]
        except (discord.Forbidden, discord.NotFound):
            raise
        except discord.HTTPException as exc:  # fall back on the nonce alone
            log.info("subscription #%d: could not read the channel history: %s", subscription.id, exc)
            return []

    async def _pause(self, subscription: Subscription, error: discord.HTTPException) -> bool:
        """Pause after a 403/404 and tell the server, once."""
        reason = failure_reason(error, subscription.channel_id)
        paused = await self.service.pause_for_failure(subscription.id, reason)
        log.warning("subscription #%d paused: %s", subscription.id, reason)
        if paused:
            await self._notify(subscription, reason)
        return paused

    async def _notify(self, subscription: Subscription, reason: str) -> None:
        """Tell the server where /subscribe was run, or in its system channel, that a subscription is paused."""
        text = (
            f"The daily digest #{subscription.id} (“{clean_text(subscription.topic)}”) is paused: {reason}. "
            f"Fix it, then run `/subscription resume id:{subscription.id}`; nothing will be missed."
        )
        guild = self.client.get_guild(subscription.guild_id)
        system = guild.system_channel.id if guild is not None and guild.system_channel is not None else None
        targets = [subscription.notify_channel_id, system]
        for channel_id in dict.fromkeys(t for t in targets if t is not None and t != subscription.channel_id):
            channel = self.client.get_partial_messageable(channel_id, guild_id=subscription.guild_id)
            try:
                async with self.limiter.request():
                    await channel.send(text, allowed_mentions=NO_MENTIONS)
                return
            except discord.HTTPException as exc:
                log.info("could not tell channel %d about subscription #%d: %s", channel_id, subscription.id, exc)
        log.warning("nowhere to tell guild %d that subscription #%d is paused", subscription.guild_id, subscription.id)
