"""Discord UI views: a page flipper for long answers and a persistent "Quotes" button per release.

The Quotes button is a :class:`discord.ui.DynamicItem`: discord.py rebuilds it from its custom id
(``rd:quotes:<release id>``) whenever it is clicked, even on messages sent before a restart. The bot must
register it once at start-up with ``client.add_dynamic_items(QuotesButton)``, and the client must implement
:class:`QuoteProvider`; the button finds its data through ``interaction.client``, never through a global.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, Self, runtime_checkable

import discord

from bot.embed_text import truncate
from bot.embeds import Page, quote_list_pages
from bot.replies import NO_MENTIONS, apologise, send_error
from digests.models import Quote, Release

log = logging.getLogger(__name__)

QUOTES_CUSTOM_ID_TEMPLATE = r"rd:quotes:(?P<release_id>\d+)"
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_ROW = 5
VIEW_ROW_COUNT = 5  # Discord: at most 5 rows of 5 buttons, i.e. 25 components
PAGINATOR_TIMEOUT = 600.0
NOT_YOURS = "Only the person who asked can page this."
RELEASE_GONE = "That release is no longer stored, or not shown in this server."
QUOTES_UNAVAILABLE = "Quotes are not available right now."


@runtime_checkable
class QuoteProvider(Protocol):
    """What ``interaction.client`` must implement for :class:`QuotesButton` to work."""

    async def get_release_quotes(
        self, release_id: int, guild_id: int | None, /
    ) -> tuple[Release, Sequence[Quote]] | None:
        """The stored release and all its quotes, or ``None`` if the release is gone or the server where the
        button was clicked (``None`` outside any server) does not see it."""
        ...


MorePages = Callable[[], Awaitable[tuple[list[Page], bool]]]


def _quotes_label(release: Release) -> str:
    """Button label "Quotes: <short title>" within Discord's 80 characters (labels are plain text)."""
    title = " ".join(release.display_title.split())
    return truncate(f"Quotes: {title}", BUTTON_LABEL_LIMIT)


class QuotesButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=QUOTES_CUSTOM_ID_TEMPLATE):
    """Shows the clicker, privately, every quote of one release. Survives restarts (see module docstring)."""

    def __init__(self, release_id: int, label: str = "Quotes", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, BUTTON_LABEL_LIMIT),
                style=discord.ButtonStyle.secondary,
                custom_id=f"rd:quotes:{release_id}",  # DynamicItem checks it against the template
            ),
            row=row,
        )
        self.release_id = release_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a clicked component (keeping the label it was sent with)."""
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "Quotes"
        return cls(int(match["release_id"]), label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Answer ephemerally with the release's quotes, paged when they need several embeds."""
        client = interaction.client
        if not isinstance(client, QuoteProvider):
            log.error("%s does not implement QuoteProvider; cannot show quotes", type(client).__name__)
            await send_error(interaction, QUOTES_UNAVAILABLE)
            return
        try:
            found = await client.get_release_quotes(self.release_id, interaction.guild_id)
            if found is None:
                await send_error(interaction, RELEASE_GONE)
                return
            release, quotes = found
            await PaginatorView(quote_list_pages(release, quotes), author_id=interaction.user.id).start(
                interaction, ephemeral=True
            )
        except Exception as exc:  # discord.py would only log it, leaving the click unanswered
            await apologise(interaction, exc)


def _add_quotes_buttons(view: discord.ui.View, releases: Sequence[Release], first_row: int) -> None:
    """One QuotesButton per release, five per row from ``first_row``; any beyond row 4 are left out."""
    capacity = (VIEW_ROW_COUNT - first_row) * BUTTONS_PER_ROW
    for index, release in enumerate(releases[:capacity]):
        view.add_item(QuotesButton(release.id, _quotes_label(release), row=first_row + index // BUTTONS_PER_ROW))


def digest_view(page: Page) -> discord.ui.View:
    """A never-expiring view with a Quotes button for each release on ``page`` (at most 25)."""
    view = discord.ui.View(timeout=None)
    _add_quotes_buttons(view, page.releases, first_row=0)
    return view


class PaginatorView(discord.ui.View):
    """Previous / counter / Next buttons over ``pages``, editing the message in place.

    Only ``author_id`` may flip (``None`` lets anyone). Digest pages also get their Quotes buttons, which stay
    usable after the paginator times out. Send it with :meth:`start` so the view can tidy up on timeout.
    ``more`` loads the pages that follow the last one (and whether more follow those), when Next reaches it.
    """

    def __init__(
        self,
        pages: Sequence[Page | discord.Embed],
        author_id: int | None,
        timeout: float | None = PAGINATOR_TIMEOUT,
        more: MorePages | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        if not pages:
            raise ValueError("PaginatorView needs at least one page")
        self.pages = [p if isinstance(p, Page) else Page(embeds=[p]) for p in pages]
        self.author_id = author_id
        self.more = more
        self.index = 0
        self._interaction: discord.Interaction[Any] | None = None
        self._message: discord.WebhookMessage | None = None
        self.previous_button: discord.ui.Button[PaginatorView] = discord.ui.Button(
            label="Previous", style=discord.ButtonStyle.primary, row=0
        )
        self.counter_button: discord.ui.Button[PaginatorView] = discord.ui.Button(
            style=discord.ButtonStyle.secondary, disabled=True, row=0
        )
        self.next_button: discord.ui.Button[PaginatorView] = discord.ui.Button(
            label="Next", style=discord.ButtonStyle.primary, row=0
        )
        self.previous_button.callback = self._previous  # type: ignore[method-assign]
        self.next_button.callback = self._next  # type: ignore[method-assign]
        self._render()

    @property
    def current(self) -> Page:
        """The page being shown."""
        return self.pages[self.index]

    def _render(self) -> None:
        """Rebuild the components for the current page: nav buttons (if >1 page) and its Quotes buttons."""
        self.clear_items()
        if len(self.pages) > 1 or self.more is not None:
            self.previous_button.disabled = self.index == 0
            self.next_button.disabled = self.index == len(self.pages) - 1 and self.more is None
            self.counter_button.label = f"{self.index + 1}/{len(self.pages)}{'+' if self.more else ''}"
            for button in (self.previous_button, self.counter_button, self.next_button):
                self.add_item(button)
        _add_quotes_buttons(self, self.current.releases, first_row=1)

    async def start(self, interaction: discord.Interaction[Any], *, ephemeral: bool = False) -> None:
        """Send the first page as the interaction's answer (as a follow-up if it was deferred).

        The view is attached only if it has something to click; otherwise it is stopped straight away.
        """
        self._interaction = interaction
        view: discord.ui.View = self if self.children else discord.utils.MISSING
        if not self.children:
            self.stop()
        embeds = self.current.embeds
        if interaction.response.is_done():
            self._message = await interaction.followup.send(
                embeds=embeds, view=view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, wait=True
            )
        else:
            await interaction.response.send_message(
                embeds=embeds, view=view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            )

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """A failed page turn gets an apology, not a silent "interaction failed"."""
        await apologise(interaction, error)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Let only the asker flip pages; tell anyone else so, privately."""
        if self.author_id is None or interaction.user.id == self.author_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return False

    async def _previous(self, interaction: discord.Interaction[Any]) -> None:
        await self._show(interaction, self.index - 1)

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        await self._show(interaction, self.index + 1)

    async def _show(self, interaction: discord.Interaction[Any], index: int) -> None:
        """Switch to page ``index`` (clamped, loading more pages first if needed) and edit the message in place."""
        if index >= len(self.pages) and self.more is not None:
            pages, more_follow = await self.more()
            self.pages.extend(pages)
            if not more_follow or not pages:
                self.more = None
        self.index = max(0, min(index, len(self.pages) - 1))
        self._render()
        await interaction.response.edit_message(embeds=self.current.embeds, view=self, allowed_mentions=NO_MENTIONS)
        _keep_quotes_registered(interaction.client)

    async def on_timeout(self) -> None:
        """Disable paging (Quotes buttons stay live) and re-register QuotesButton, see below."""
        if self._interaction is None:
            return
        # discord.py unregisters a view's DynamicItem classes when that view expires, which would break the
        # persistent Quotes buttons on every other message until the next send; put QuotesButton back.
        _keep_quotes_registered(self._interaction.client)
        if len(self.pages) == 1 and self.more is None:
            return  # no nav buttons to disable
        for button in (self.previous_button, self.next_button):
            button.disabled = True
        try:
            if self._message is not None:
                await self._message.edit(view=self, allowed_mentions=NO_MENTIONS)
            else:
                await self._interaction.edit_original_response(view=self, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:  # message deleted or token expired: nothing left to tidy
            log.debug("could not disable paginator buttons: %s", exc)


def _keep_quotes_registered(client: discord.Client) -> None:
    """Make sure clicks on any Quotes button are dispatched, whatever views have come and gone."""
    client.add_dynamic_items(QuotesButton)
