"""Quoted passages: quote marks paired paragraph by paragraph into spans of quoted text."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

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


def scan_passages(body: str, spans: list[tuple[int, int]]) -> list[Passage]:
    """Every quoted passage in ``body`` (whose paragraphs are ``spans``), in document order (any length)."""
    found: list[Passage] = []
    tags = [m.span() for m in TAG.finditer(body)]
    tag_starts = [start for start, _ in tags]
    pieces: list[tuple[int, int]] = []
    open_at = -1  # offset of the opening mark of the passage being read, -1 outside a quote
    family = ""
    nested = False  # inside a quote of the other family, nested in this one
    piece_start = 0
    for number, (lo, hi) in enumerate(spans):
        continuing = open_at >= 0
        depth = 0  # quotes of the same family nested in this one (“… “your team” needs …”)
        for match in QUOTE_MARKS.finditer(body, lo, hi):
            at = match.start()
            tag = bisect.bisect_right(tag_starts, at) - 1
            if tag >= 0 and at < tags[tag][1]:
                continue  # inside markup such as <tweet author="…">, not a quotation
            kind = mark_kind(body, at, lo, hi)
            if continuing:
                # The passage carried over from the previous paragraph restarts after this opening mark.
                continuing = False
                if at == lo:
                    piece_start = at + 1
                    continue
            mark_family = family_of(body[at])
            if open_at < 0:
                if kind != "close":
                    open_at, family, nested, pieces, piece_start = at, mark_family, False, [], at + 1
                continue
            if mark_family != family and kind != "close":
                nested = True
                continue
            if mark_family != family and nested:
                nested = False
                continue
            if kind == "open":
                # Nested, or the earlier quote was never closed: either way the passage runs on.
                depth += 1
                continue
            if depth > 0:
                depth -= 1
                continue
            pieces.append(trim(body, piece_start, at))
            found.append(Passage(tuple(pieces), open_at, at + 1))
            open_at = -1
        if open_at < 0:
            continue
        # Still inside a quote at the paragraph end: it goes on if the next paragraph opens with a mark.
        pieces.append(trim(body, piece_start, hi))
        nxt = spans[number + 1] if number + 1 < len(spans) else None
        if nxt is None or body[nxt[0]] not in QUOTE_CHARS or mark_kind(body, nxt[0], *nxt) == "close":
            found.append(Passage(tuple(pieces), open_at, hi))
            open_at = -1
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
