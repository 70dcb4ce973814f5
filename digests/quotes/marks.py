"""Quote marks: which characters quote, and whether a mark opens or closes a quotation by its context."""

from __future__ import annotations

import re

QUOTE_CHARS = '"“”'

QUOTE_MARKS = re.compile(f"[{QUOTE_CHARS}]")

# A markup tag such as <tweet author="…" datetime="…"> or <tweet/>: its quote marks quote nothing.
TAG = re.compile(r"<[A-Za-z/][^<>]*>")

BEFORE_OPEN = frozenset("([{—–―-/")

AFTER_CLOSE = frozenset(".,;:!?)]}—–―-…")


def mark_kind(body: str, at: int, lo: int, hi: int) -> str:
    """``"open"``, ``"close"`` or ``"either"`` for the quote mark at ``at`` in the paragraph ``[lo, hi)``."""
    before = body[at - 1] if at > lo else " "
    after = body[at + 1] if at + 1 < hi else " "
    opens = before.isspace() or before in BEFORE_OPEN
    closes = after.isspace() or after in AFTER_CLOSE
    if opens != closes:
        return "open" if opens else "close"
    # Context cannot tell (e.g. `"…"` glued to other marks): curly marks say it themselves.
    mark = body[at]
    return "open" if mark == "“" else "close" if mark == "”" else "either"


def family_of(mark: str) -> str:
    return "straight" if mark == '"' else "curly"
