"""PolNeAR for bench/quote_quality.py, gold stage: the plain quote-mark scan (also the baseline extractor) and the
gold quotes it yields inside annotated Content spans (see that module's docstring for the method)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench.quote_data import Article, Span
from digests.quotes import MIN_QUOTE_WORDS
from digests.text import paragraph_spans, words

# Double marks of every convention: straight and curly, two apostrophes (''…'', newspaper archives),
# typewriter (``…''), German („…“), guillemets («…», ‹…›).
_DOUBLE = re.compile(r"''|``|[\"“”„«»‹›]")
_SAY_OPEN = frozenset({"``", "„", "«", "‹"})
_SAY_CLOSE = frozenset({"»", "›"})
# Single marks as British outlets quote speech: an opening one after a space before a letter, a closing one
# after a letter or punctuation before a space or punctuation; not an elision ('90s, 'em) nor "Jones' book".
_SINGLE_OPEN = re.compile(r"(?<![^\s(\[—–-])['‘](?=[^\W\d_])(?!(?:em|tis|n|cause|til)\b)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])['’](?![\w])(?<!s')(?<!s’)|(?<=s)['’](?=[.,;:!?]|\s+[A-Z]|\s*$)")


def _opens(body: str, at: int, mark: str) -> bool:
    """Whether the mark ``mark`` at ``at`` opens a quotation: ``, „, « and ‹ open, » and › close; a straight
    one (or two apostrophes) opens after a space; a curly one says so itself unless its context plainly says
    otherwise (a ” after a space and before a letter, as in a paragraph typed ”Mr. Trump embodies …”, opens; a “
    after a letter and before a space closes)."""
    if mark in _SAY_OPEN or mark in _SAY_CLOSE:
        return mark in _SAY_OPEN
    after_space = at == 0 or body[at - 1].isspace() or body[at - 1] in "([{—–-"
    if mark == "”" and after_space and body[at + 1 : at + 2].isalnum():
        return True
    if mark == "“" and body[at - 1 : at].isalnum() and body[at + 1 : at + 2] in ("", " ", "\n"):
        return False
    if mark in "“”":
        return mark == "“"
    return after_space


def plain_scan(body: str) -> list[Span]:
    """Quoted passages by quote marks alone, paragraph by paragraph, with the multi-paragraph convention; then
    passages in single marks outside them, within a paragraph."""
    spans = list(paragraph_spans(body))
    passages: list[Span] = []
    parts: list[str] = []
    first = -1  # start of the open passage's text, -1 outside a quote
    piece = 0
    for number, (lo, hi) in enumerate(spans):
        for match in _DOUBLE.finditer(body, lo, hi):
            at, mark = match.start(), match.group()
            if first >= 0 and at == lo:
                piece = match.end()  # the continuation mark of a quote carried over from the last paragraph
            elif first < 0 and _opens(body, at, mark):
                first = piece = match.end()
                parts = []
            elif first >= 0 and not _opens(body, at, mark):
                parts.append(body[piece:at].strip())
                passages.append(Span(" ".join(parts), first, at))
                first = -1
        if first >= 0:
            parts.append(body[piece:hi].strip())
            nxt = spans[number + 1][0] if number + 1 < len(spans) else None
            reopened = nxt is not None and (m := _DOUBLE.match(body, nxt)) is not None and _opens(body, nxt, m.group())
            if not reopened:
                passages.append(Span(" ".join(parts), first, hi))
                first = -1
    return sorted(passages + _single_scan(body, spans, passages), key=lambda p: p.start)


def _single_scan(body: str, spans: list[tuple[int, int]], doubles: list[Span]) -> list[Span]:
    """Passages in single marks outside the double-quoted ones, each within its paragraph."""
    found: list[Span] = []
    for lo, hi in spans:
        inside = [(p.start - 1, p.end + 1) for p in doubles if p.start < hi and p.end > lo]
        opened = -1
        for match in re.finditer(r"['‘’]", body[lo:hi]):
            at = lo + match.start()
            if any(s <= at < e for s, e in inside):
                continue
            if opened < 0 and _SINGLE_OPEN.match(body, at):
                opened = at + 1
            elif opened >= 0 and _SINGLE_CLOSE.match(body, at):
                found.append(Span(body[opened:at].strip(), opened, at))
                opened = -1
    return found


def baseline(body: str) -> list[Span]:
    """The plain scan's passages of at least ``MIN_QUOTE_WORDS`` words."""
    return [p for p in plain_scan(body) if len(words(p.text)) >= MIN_QUOTE_WORDS]


def _inside(start: int, end: int, fragments: Sequence[tuple[int, int]]) -> int:
    """How many characters of ``[start, end)`` lie inside ``fragments``."""
    return sum(max(0, min(end, e) - max(start, s)) for s, e in fragments)


def gold_quotes(article: Article) -> list[Span]:
    """Gold direct quotes of an article (see the module docstring)."""
    owned: list[tuple[int, Span]] = []  # (attribution index, passage)
    for passage in plain_scan(article.body):
        length = max(passage.end - passage.start, 1)
        for index, attribution in enumerate(article.attributions):
            if _inside(passage.start, passage.end, attribution.content) * 2 > length:
                owned.append((index, passage))
                break
    quotes: list[Span] = []
    last_index = -1
    for index, passage in owned:
        content = article.attributions[index].content
        if quotes and index == last_index and _inside(quotes[-1].end + 1, passage.start - 1, content) == 0:
            prev = quotes[-1]
            quotes[-1] = Span(prev.text + " " + passage.text, prev.start, passage.end, prev.speaker)
        else:
            quotes.append(Span(passage.text, passage.start, passage.end, article.attributions[index].source))
        last_index = index
    return [q for q in quotes if len(words(q.text)) >= MIN_QUOTE_WORDS]
