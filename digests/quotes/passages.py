"""Quoted passages: quote marks paired paragraph by paragraph into spans of quoted text."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field

from digests.quotes.marks import (
    CLOSE,
    OPEN,
    QUOTE_CHARS,
    QUOTE_MARKS,
    TAG,
    family_of,
    mark_kind,
    normalize_other_marks,
    single_kind,
)


@dataclass(frozen=True, slots=True)
class Passage:
    """One quoted passage: ``pieces`` are the quoted text spans (marks excluded), one per paragraph."""

    pieces: tuple[tuple[int, int], ...]
    open_at: int  # offset of the opening mark
    close_at: int  # offset just past the closing mark, or the paragraph end when it never closed


def trim(body: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past surrounding whitespace."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(slots=True)
class _Open:
    """The passage being read: where it opened, its family of marks and its pieces so far."""

    open_at: int
    family: str
    piece_start: int
    pieces: list[tuple[int, int]] = field(default_factory=list)
    nested: bool = False  # inside a quote of the other family, nested in this one
    depth: int = 0  # quotes of the same family nested in this one (“… “your team” needs …”), per paragraph

    def closes(self, kind: str, family: str) -> bool:
        """Whether a mark of ``kind`` (open, close, either) and ``family`` closes the passage; otherwise it opens
        or closes a quote nested in it."""
        if family != self.family and kind != "close":
            self.nested = True
            return False
        if family != self.family and self.nested:
            self.nested = False
            return False
        if kind == "open":
            self.depth += 1  # nested, or the earlier quote was never closed: either way the passage runs on
            return False
        if self.depth > 0:
            self.depth -= 1
            return False
        return True


def scan_passages(body: str, spans: list[tuple[int, int]]) -> list[Passage]:
    """Every quoted passage in ``body`` (whose paragraphs are ``spans``), in document order (any length)."""
    found: list[Passage] = []
    tags = [m.span() for m in TAG.finditer(body)]
    tag_starts = [start for start, _ in tags]
    current: _Open | None = None
    for number, (lo, hi) in enumerate(spans):
        continuing = current is not None
        for match in QUOTE_MARKS.finditer(body, lo, hi):
            at = match.start()
            tag = bisect.bisect_right(tag_starts, at) - 1
            if tag >= 0 and at < tags[tag][1]:
                continue  # inside markup such as <tweet author="…">, not a quotation
            kind = mark_kind(body, at, lo, hi)
            if current is None:
                if kind != "close":
                    current = _Open(at, family_of(body[at]), at + 1)
            elif continuing and at == lo:
                current.piece_start = at + 1  # the passage carried over restarts after this opening mark
            elif current.closes(kind, family_of(body[at])):
                current.pieces.append(trim(body, current.piece_start, at))
                found.append(Passage(tuple(current.pieces), current.open_at, at + 1))
                current = None
            continuing = False
        if current is None:
            continue
        # Still inside a quote at the paragraph end: it goes on if the next paragraph opens with a mark.
        current.pieces.append(trim(body, current.piece_start, hi))
        current.depth = 0
        nxt = spans[number + 1] if number + 1 < len(spans) else None
        if nxt is None or body[nxt[0]] not in QUOTE_CHARS or mark_kind(body, nxt[0], *nxt) == "close":
            found.append(Passage(tuple(current.pieces), current.open_at, hi))
            current = None
    return found


def ends_in_stop(body: str, passage: Passage) -> bool:
    """Whether the quoted text ends its sentence: “… is broken.”"""
    end = passage.pieces[-1][1]
    return body[end - 1 : end] in {".", "!", "?"}


_SINGLE_MARKS = re.compile(r"['‘’]")


def quoted_passages(body: str, spans: list[tuple[int, int]]) -> tuple[str, list[Passage]]:
    """Every quoted passage in ``body`` in any convention, and the body with its marks rewritten as “ and ” (the
    same length: every offset holds in both), on which the later stages read speakers."""
    marked = normalize_other_marks(body, spans)
    doubles = scan_passages(marked, spans)
    singles = _single_pairs(marked, spans, doubles)
    if not singles:
        return marked, doubles
    chars = list(marked)
    for at, mark in singles.items():
        chars[at] = mark
    marked = "".join(chars)
    return marked, scan_passages(marked, spans)


def _single_pairs(body: str, spans: list[tuple[int, int]], doubles: list[Passage]) -> dict[int, str]:
    """Offsets of the single marks (' ‘ ’) that quote, outside double-quoted passages, each with the curly double
    mark it stands for. A mark opens or closes by its context (:func:`single_kind`); an opening mark counts only
    when closed in its paragraph, or when the next paragraph reopens it and the quote closes there or later
    (the convention of a quote running over several paragraphs)."""
    outside = _Outside(body, doubles)
    found: dict[int, str] = {}
    carried: list[int] = []  # unclosed opening marks of the paragraphs before, reopened at this one's start
    for number, (lo, hi) in enumerate(spans):
        chain = carried if body[lo] in "'‘’" else []
        stack: list[int] = []
        for match in _SINGLE_MARKS.finditer(body, lo, hi):
            at = match.start()
            kind = single_kind(body, at, lo, hi) if outside(at) else ""
            if kind == "open":
                stack.append(at)
            elif kind == "close" and stack:
                opened = stack.pop()
                found[opened], found[at] = OPEN, CLOSE
                if opened == lo and chain:
                    found.update(dict.fromkeys(chain, OPEN))
                    chain = []
        nxt = spans[number + 1][0] if number + 1 < len(spans) else None
        reopened = nxt is not None and single_kind(body, nxt, nxt, spans[number + 1][1]) == "open"
        carried = ((chain if stack[0] == lo else []) + stack[:1]) if stack and reopened else []
    return found


class _Outside:
    """Whether an offset lies outside every double-quoted passage and markup tag."""

    def __init__(self, body: str, passages: list[Passage]) -> None:
        spans = sorted([(p.open_at, p.close_at) for p in passages] + [m.span() for m in TAG.finditer(body)])
        self._starts = [start for start, _ in spans]
        self._reach = list(itertools.accumulate((end for _, end in spans), max))  # furthest end so far

    def __call__(self, at: int) -> bool:
        k = bisect.bisect_right(self._starts, at) - 1
        return k < 0 or at >= self._reach[k]
