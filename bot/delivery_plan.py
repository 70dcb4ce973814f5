"""Laying a subscription's run out as messages: their pages, nonces and ledger claims, and the backlog note (pure:
no Discord call, no store access)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import discord

from bot.embed_text import clean_text
from bot.embeds import Page, digest_pages, update_pages
from digests.models import Digest, Subscription
from digests.store.deliveries import Claim, DeliveryKind, message_nonce
from digests.subscriptions import MAX_RELEASES_PER_RUN, DueReleases


def same_content(message: discord.Message, page: Page) -> bool:
    """Whether ``message`` shows exactly ``page``'s embeds, header included (it names the subscription), since
    rendering is deterministic for the same data."""

    def shown(embeds: Sequence[discord.Embed]) -> list[tuple[str | None, str | None, str | None]]:
        return [(e.author.name, e.title, e.description) for e in embeds]

    return shown(message.embeds) == shown(page.embeds)


def subscription_label(subscription: Subscription) -> str:
    """What each of a subscription's posts says about where it comes from (in the page header)."""
    return f"daily digest #{subscription.id}"


def backlog_note(topic: str, waiting: int) -> str:
    """The line above a run's last message when more releases are due than one run posts."""
    return (
        f"…and {waiting:,} more release{'s' if waiting != 1 else ''} about “{clean_text(topic)}” not posted yet: "
        f"they follow in the next runs, newest first, up to {MAX_RELEASES_PER_RUN} a run. "
        f"/digest shows them now."
    )


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One message of a run: its kind, its page and the nonce its releases give it."""

    kind: DeliveryKind
    page: Page
    nonce: str
    note: str | None = None  # plain text above the embeds (the backlog note on a run's last message)

    @property
    def releases(self) -> tuple[tuple[int, int], ...]:
        """(release id, version) of each release on the page, in order."""
        return tuple((r.id, r.version) for r in self.page.releases)

    @property
    def claims(self) -> list[Claim]:
        """The ledger claims that reserve this message's releases."""
        return [Claim(release_id, version, self.kind, self.nonce) for release_id, version in self.releases]


def plan(subscription: Subscription, due: DueReleases, tz: ZoneInfo) -> list[PlannedMessage]:
    """Lay the due releases out as messages, each with its nonce: what one run claims and posts; the last one
    carries the backlog note when more releases wait than one run posts."""
    label = subscription_label(subscription)
    pages: list[tuple[Page, DeliveryKind]] = []
    if due.new:
        pages += [(p, "digest") for p in digest_pages(Digest(topic=subscription.topic, items=due.new), tz, label)]
    pages += [(p, "update") for p in update_pages(due.updated, subscription.topic, tz, label)]
    note = backlog_note(subscription.topic, due.waiting) if due.waiting else None
    return [
        PlannedMessage(
            kind,
            page,
            message_nonce(subscription.id, [(r.id, r.version) for r in page.releases]),
            note if index == len(pages) - 1 else None,
        )
        for index, (page, kind) in enumerate(pages)
    ]
