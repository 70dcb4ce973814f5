"""Views: paginator states and flipping, the persistent Quotes button, all through real discord.py objects.

Interactions are real :class:`discord.Interaction` objects fed through a real ``ConnectionState``
(``parse_interaction_create``), so discord.py's own dispatch (dynamic item regex, view store, interaction
checks) runs. Only the HTTP layer is replaced: a webhook adapter that records each request and answers it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

import discord
import pytest
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.embeds import Page, digest_pages, quote_list_pages
from bot.views import (
    BUTTON_LABEL_LIMIT,
    NOT_YOURS,
    QUOTES_UNAVAILABLE,
    RELEASE_GONE,
    PaginatorView,
    QuotesButton,
    digest_view,
)
from digests.models import Quote, Release
from tests.bot.embed_samples import BERLIN, make_digest, make_item, make_quote, make_release

APP_ID = 2002
AUTHOR_ID = 4004
OTHER_ID = 4005
CHANNEL_ID = 3003
NO_MENTIONS_PAYLOAD: dict[str, list[str]] = {"parse": []}
EPHEMERAL = 64
_ids = itertools.count(10_000)


# ---- harness -----------------------------------------------------------------------------------------


class RecordingAdapter(AsyncWebhookAdapter):
    """Stands in for Discord's HTTP API: records every request and returns a plausible answer."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # discord.py leaves this __init__ unannotated
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self._arrived = asyncio.Event()

    async def request(self, route: Any, session: Any, *, payload: dict[str, Any] | None = None, **_: Any) -> Any:
        self.requests.append((route.method, route.url, payload or {}))
        self._arrived.set()
        if route.url.endswith("/callback"):
            return {"interaction": {"id": str(route.webhook_id), "type": 3, "response_message_id": "999"}}
        return message_payload(999, components=(payload or {}).get("components", []))

    async def wait_for(self, count: int) -> list[tuple[str, str, dict[str, Any]]]:
        """Wait (briefly) until ``count`` requests have been made; dispatch runs in background tasks."""
        async with asyncio.timeout(2):
            while len(self.requests) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.requests


class FakeClient(discord.Client):
    """A client that implements ``QuoteProvider`` over an in-memory dict."""

    def __init__(self, stored: dict[int, tuple[Release, Sequence[Quote]]]) -> None:
        super().__init__(intents=discord.Intents.none())
        self.stored = stored
        self.asked: list[int] = []

    async def get_release_quotes(
        self, release_id: int, guild_id: int | None, /
    ) -> tuple[Release, Sequence[Quote]] | None:
        self.asked.append(release_id)
        return self.stored.get(release_id)


def user_payload(user_id: int) -> dict[str, Any]:
    return {"id": str(user_id), "username": f"user{user_id}", "discriminator": "0", "avatar": None}


def message_payload(message_id: int, components: list[dict[str, Any]]) -> dict[str, Any]:
    """A bot message in a DM channel carrying ``components``."""
    return {
        "id": str(message_id),
        "channel_id": str(CHANNEL_ID),
        "author": user_payload(APP_ID),
        "content": "",
        "timestamp": "2026-03-12T13:05:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "components": components,
        "flags": 0,
    }


def interaction_payload(
    user_id: int = AUTHOR_ID, custom_id: str | None = None, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A gateway INTERACTION_CREATE: a button click when ``custom_id`` is given, else a slash command."""
    payload: dict[str, Any] = {
        "id": str(next(_ids)),
        "application_id": str(APP_ID),
        "token": "token",
        "version": 1,
        "attachment_size_limit": 8 << 20,
        "channel": {"id": str(CHANNEL_ID), "type": 1},
        "user": user_payload(user_id),
    }
    if custom_id is None:
        payload |= {"type": 2, "data": {"id": "1", "name": "digest", "type": 1}}
    else:
        payload |= {"type": 3, "data": {"custom_id": custom_id, "component_type": 2}, "message": message}
    return payload


def click(client: discord.Client, view: discord.ui.View, custom_id: str, user_id: int = AUTHOR_ID) -> None:
    """Click ``custom_id`` on message 999 showing ``view``, as Discord's gateway would report it."""
    message = message_payload(999, view.to_components())
    client._connection.parse_interaction_create(interaction_payload(user_id, custom_id, message))  # type: ignore[arg-type]


def command_interaction(client: discord.Client) -> discord.Interaction[Any]:
    return discord.Interaction(data=interaction_payload(), state=client._connection)  # type: ignore[arg-type]


@pytest.fixture
def adapter() -> Iterator[RecordingAdapter]:
    """Route discord.py's interaction HTTP calls to a recorder for the duration of one test."""
    adapter = RecordingAdapter()
    token = async_context.set(adapter)
    yield adapter
    async_context.reset(token)


@pytest.fixture
def release() -> Release:
    return make_release(42, title="Minister announces new rail funding " + "x" * 200)


@pytest.fixture
def client(release: Release) -> FakeClient:
    client = FakeClient({release.id: (release, [make_quote(f"Quote {i} " + "w " * 400, rank=i) for i in range(40)])})
    client.add_dynamic_items(QuotesButton)
    return client


def buttons(view: discord.ui.View) -> list[discord.ui.Button[Any]]:
    items = [i.item if isinstance(i, QuotesButton) else i for i in view.children]
    return [i for i in items if isinstance(i, discord.ui.Button)]


def many_pages(count: int) -> list[Page]:
    digest = make_digest(*(make_item(make_release(i, title="T " * 100), n_quotes=3) for i in range(count * 10)))
    pages = digest_pages(digest, BERLIN)
    assert len(pages) >= count
    return pages[:count]


# ---- QuotesButton ------------------------------------------------------------------------------------


async def test_quotes_button_custom_id_round_trip(adapter: RecordingAdapter, client: FakeClient) -> None:
    button = QuotesButton(42, label="Quotes: Rail")
    assert button.custom_id == "rd:quotes:42"
    match = button.template.fullmatch(button.custom_id)
    assert match is not None
    rebuilt = await QuotesButton.from_custom_id(command_interaction(client), button.item, match)
    assert (rebuilt.release_id, rebuilt.custom_id, rebuilt.item.label) == (42, "rd:quotes:42", "Quotes: Rail")
    assert rebuilt.is_persistent()
    assert QuotesButton.__discord_ui_compiled_template__.fullmatch("rd:quotes:abc") is None


async def test_quotes_click_answers_privately_with_paged_quotes(
    adapter: RecordingAdapter, client: FakeClient, release: Release
) -> None:
    view = digest_view(Page(embeds=[], releases=[release]))
    click(client, view, "rd:quotes:42", user_id=OTHER_ID)  # anyone may read quotes
    [(method, url, payload)] = await adapter.wait_for(1)
    assert client.asked == [42]
    assert method == "POST" and url.endswith("/callback")
    data = payload["data"]
    assert data["flags"] == EPHEMERAL
    assert data["allowed_mentions"] == NO_MENTIONS_PAYLOAD
    expected = quote_list_pages(release, client.stored[42][1])
    assert len(expected) > 1
    assert data["embeds"] == [expected[0].to_dict()]
    labels = [c.get("label") for row in data["components"] for c in row["components"]]
    assert labels == ["Previous", f"1/{len(expected)}", "Next"]


async def test_quotes_click_with_few_quotes_sends_no_buttons(adapter: RecordingAdapter, release: Release) -> None:
    client = FakeClient({release.id: (release, [make_quote()])})
    client.add_dynamic_items(QuotesButton)
    click(client, digest_view(Page(embeds=[], releases=[release])), "rd:quotes:42")
    [(_, _, payload)] = await adapter.wait_for(1)
    assert payload["data"]["embeds"] == [quote_list_pages(release, [make_quote()])[0].to_dict()]
    assert not payload["data"].get("components")  # one page: nothing to flip


async def test_quotes_click_for_deleted_release(adapter: RecordingAdapter, client: FakeClient) -> None:
    view = digest_view(Page(embeds=[], releases=[make_release(7)]))
    click(client, view, "rd:quotes:7")
    [(_, _, payload)] = await adapter.wait_for(1)
    assert payload["data"]["embeds"][0]["description"] == RELEASE_GONE
    assert payload["data"]["flags"] == EPHEMERAL
    assert payload["data"]["allowed_mentions"] == NO_MENTIONS_PAYLOAD


async def test_quotes_click_without_provider(adapter: RecordingAdapter) -> None:
    plain = discord.Client(intents=discord.Intents.none())
    plain.add_dynamic_items(QuotesButton)
    click(plain, digest_view(Page(embeds=[], releases=[make_release(1)])), "rd:quotes:1")
    [(_, _, payload)] = await adapter.wait_for(1)
    assert payload["data"]["embeds"][0]["description"] == QUOTES_UNAVAILABLE


# ---- digest_view -------------------------------------------------------------------------------------


def test_digest_view_has_a_quotes_button_per_release() -> None:
    releases = [make_release(i, title="Very long title " * 20) for i in range(1, 11)]
    view = digest_view(Page(embeds=[], releases=releases))
    assert view.timeout is None and view.is_persistent()
    assert [i.custom_id for i in view.children if isinstance(i, QuotesButton)] == [
        f"rd:quotes:{i}" for i in range(1, 11)
    ]
    rows = view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 5]
    for button in buttons(view):
        assert button.label is not None and button.label.startswith("Quotes: Very long title")
        assert len(button.label) <= BUTTON_LABEL_LIMIT


def test_digest_view_caps_at_25_components() -> None:
    view = digest_view(Page(embeds=[], releases=[make_release(i) for i in range(40)]))
    assert len(view.children) == 25
    assert len(view.to_components()) == 5


# ---- PaginatorView -----------------------------------------------------------------------------------


async def test_paginator_button_states(adapter: RecordingAdapter, client: FakeClient) -> None:
    pages = many_pages(3)
    view = PaginatorView(pages, author_id=AUTHOR_ID)
    await view.start(command_interaction(client))
    states = []
    for clicks in range(1, 4):
        states.append((view.previous_button.disabled, view.counter_button.label, view.next_button.disabled))
        if clicks < 3:
            assert view.next_button.custom_id is not None
            click(client, view, view.next_button.custom_id)
            await adapter.wait_for(clicks + 1)
    assert states == [(True, "1/3", False), (False, "2/3", False), (False, "3/3", True)]
    # The current page's Quotes buttons sit below the nav row, at most 5 per row.
    rows = view.to_components()
    assert [c.get("label") for c in rows[0]["components"]] == ["Previous", "3/3", "Next"]
    assert [c["custom_id"] for r in rows[1:] for c in r["components"]] == [
        f"rd:quotes:{rid}" for rid in pages[2].release_ids
    ]
    assert all(len(r["components"]) <= 5 for r in rows) and len(rows) <= 5
    view.stop()


async def test_paginator_single_page_and_plain_embeds() -> None:
    single = PaginatorView([discord.Embed(title="only")], author_id=None)
    assert single.children == []  # nothing to flip, no releases
    assert single.current.embeds[0].title == "only"
    with pytest.raises(ValueError):
        PaginatorView([], author_id=None)


async def test_paginator_flips_in_place_for_the_author(adapter: RecordingAdapter, client: FakeClient) -> None:
    pages = many_pages(3)
    view = PaginatorView(pages, author_id=AUTHOR_ID)
    await view.start(command_interaction(client))
    [(_, _, sent)] = adapter.requests
    assert sent["type"] == 4 and sent["data"]["allowed_mentions"] == NO_MENTIONS_PAYLOAD
    assert sent["data"]["embeds"] == [e.to_dict() for e in pages[0].embeds]

    assert view.next_button.custom_id is not None
    click(client, view, view.next_button.custom_id)
    (_, _, edit) = (await adapter.wait_for(2))[1]
    assert edit["type"] == 7  # UPDATE_MESSAGE: the same message, edited
    assert edit["data"]["embeds"] == [e.to_dict() for e in pages[1].embeds]
    assert edit["data"]["allowed_mentions"] == NO_MENTIONS_PAYLOAD
    assert view.index == 1 and view.counter_button.label == "2/3"
    assert not view.previous_button.disabled and not view.next_button.disabled

    assert view.previous_button.custom_id is not None
    click(client, view, view.previous_button.custom_id)
    await adapter.wait_for(3)
    assert view.index == 0 and view.previous_button.disabled
    view.stop()


async def test_paginator_refuses_other_users(adapter: RecordingAdapter, client: FakeClient) -> None:
    view = PaginatorView(many_pages(2), author_id=AUTHOR_ID)
    await view.start(command_interaction(client))
    assert view.next_button.custom_id is not None
    click(client, view, view.next_button.custom_id, user_id=OTHER_ID)
    (_, _, reply) = (await adapter.wait_for(2))[1]
    assert reply["type"] == 4
    assert reply["data"]["content"] == NOT_YOURS
    assert reply["data"]["flags"] == EPHEMERAL
    assert reply["data"]["allowed_mentions"] == NO_MENTIONS_PAYLOAD
    assert view.index == 0
    view.stop()


async def test_paginator_follows_up_a_deferred_interaction(adapter: RecordingAdapter, client: FakeClient) -> None:
    interaction = command_interaction(client)
    await interaction.response.defer(thinking=True)
    view = PaginatorView(many_pages(2), author_id=AUTHOR_ID)
    await view.start(interaction, ephemeral=True)
    (method, url, payload) = adapter.requests[-1]
    assert method == "POST" and re.search(rf"/webhooks/{APP_ID}/token$", url)
    assert payload["allowed_mentions"] == NO_MENTIONS_PAYLOAD and payload["flags"] == EPHEMERAL
    view.stop()


async def test_paginator_timeout_disables_paging_but_keeps_quotes(
    adapter: RecordingAdapter, client: FakeClient
) -> None:
    pages = many_pages(2)
    view = PaginatorView(pages, author_id=AUTHOR_ID, timeout=0.01)
    await view.start(command_interaction(client))
    assert await view.wait() is True  # timed out
    (method, url, payload) = (await adapter.wait_for(2))[1]
    assert method == "PATCH" and url.endswith("/messages/@original")
    assert payload["allowed_mentions"] == NO_MENTIONS_PAYLOAD
    nav, *quote_rows = payload["components"]
    assert [c.get("disabled", False) for c in nav["components"]] == [True, True, True]
    assert all(not c.get("disabled", False) for r in quote_rows for c in r["components"])

    # discord.py drops the expired view's dynamic items from its store; the Quotes buttons must still work.
    release_id = pages[0].release_ids[0]
    click(client, view, f"rd:quotes:{release_id}")
    await adapter.wait_for(3)
    assert client.asked == [release_id]


async def test_paginator_loads_more_pages_when_next_reaches_the_last(
    adapter: RecordingAdapter, client: FakeClient
) -> None:
    pages = many_pages(3)
    loads = []

    async def more() -> tuple[list[Page], bool]:
        loads.append(len(loads))
        return [pages[1 + len(loads) - 1]], len(loads) < 2

    view = PaginatorView(pages[:1], author_id=AUTHOR_ID, more=more)
    await view.start(command_interaction(client))
    assert view.counter_button.label == "1/1+" and not view.next_button.disabled
    for clicks in (1, 2):
        assert view.next_button.custom_id is not None
        click(client, view, view.next_button.custom_id)
        (_, _, edit) = (await adapter.wait_for(clicks + 1))[clicks]
        assert edit["data"]["embeds"] == [e.to_dict() for e in pages[clicks].embeds]
    assert loads == [0, 1] and view.counter_button.label == "3/3" and view.next_button.disabled
    view.stop()
