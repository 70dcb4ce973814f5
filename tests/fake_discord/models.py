"""Records of the fake Discord: REST requests, injected faults, interactions, and the protocol constants.

What a test asserts on (``RecordedRequest``, ``InteractionResult``) lives here, apart from the server that
fills it in.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import FakeState

# Interaction callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
CALLBACK_PONG = 1
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
# Modals (9) and activities (12) are not modelled.
CALLBACK_TYPES = (
    CALLBACK_PONG,
    CALLBACK_MESSAGE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_UPDATE_MESSAGE,
    CALLBACK_AUTOCOMPLETE,
)

# Interaction types.
INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Application command option types that nest other options.
OPTION_SUBCOMMAND = 1
OPTION_GROUP = 2

MENTION_RE = re.compile(r"<@!?(\d+)>")


class FakeDiscordError(Exception):
    """Raised by REST handlers to answer with a Discord-style JSON error."""

    def __init__(self, status: int, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class RecordedRequest:
    """One REST request the fake received (path is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    time: float
    files: list[str] = field(default_factory=list)
    status: int = 0


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` requests matching method + path get ``status``."""

    method: str
    path: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float = 0.05
    is_global: bool = False
    scope: str = "user"
    body: dict[str, Any] | None = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to the request."""
        return self.remaining > 0 and self.method in ("*", method) and bool(self.path.fullmatch(path))


@dataclass
class Hold:
    """Requests matching method + path wait, unanswered, until :meth:`release` (a slow Discord, made exact)."""

    method: str
    path: re.Pattern[str]
    released: asyncio.Event = field(default_factory=asyncio.Event)
    hits: int = 0  # requests that arrived and waited (or are waiting)

    def matches(self, method: str, path: str) -> bool:
        """Whether this hold applies to the request."""
        return not self.released.is_set() and self.method in ("*", method) and bool(self.path.fullmatch(path))

    def release(self) -> None:
        """Answer the held requests, and every later one at once."""
        self.released.set()


@dataclass
class InteractionResult:
    """What the bot did with one interaction; it keeps updating while the bot keeps answering."""

    fake: FakeState = field(repr=False)
    id: str
    token: str = field(repr=False)
    type: int
    payload: dict[str, Any] = field(repr=False)
    dispatched_at: float = field(repr=False)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original_message_id: str | None = None
    followup_ids: list[str] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        """Type of the (first) interaction callback: 4 message, 5 defer, 6/7 component update, 8 choices."""
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        """Whether the bot answered with a deferred callback (type 5 or 6)."""
        return self.callback_type in (CALLBACK_DEFERRED_MESSAGE, CALLBACK_DEFERRED_UPDATE)

    @property
    def original(self) -> dict[str, Any] | None:
        """Current state of the original response message (None if none or deleted)."""
        if self.original_message_id is None:
            return None
        return self.fake.message(self.original_message_id)

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Current state of the followup messages that still exist, oldest first."""
        found = (self.fake.message(mid) for mid in self.followup_ids)
        return [m for m in found if m is not None]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The original response (if any) followed by the followups."""
        original = self.original
        return ([original] if original is not None else []) + self.followups

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices ``[{"name", "value"}]`` from the type-8 callback, or []."""
        for cb in self.callbacks:
            if cb["type"] == CALLBACK_AUTOCOMPLETE:
                return list((cb.get("data") or {}).get("choices", []))
        return []

    @property
    def ephemeral(self) -> bool:
        """Whether the original response is ephemeral."""
        original = self.original
        return original is not None and bool(original["flags"] & FLAG_EPHEMERAL)

    def answered(self) -> bool:
        """True once the callback arrived and any "thinking…" message has been replaced by content."""
        if not self.callbacks:
            return False
        original = self.original
        return original is None or not original["flags"] & FLAG_LOADING

    async def wait_for(self, predicate: Callable[[InteractionResult], bool], timeout: float = 5.0) -> InteractionResult:
        """Wait until ``predicate(self)`` holds (e.g. ``lambda r: len(r.followups) == 2``)."""
        await self.fake.wait_for(lambda: predicate(self), timeout, what=f"interaction {self.id}")
        return self
