"""The tokenizer of attribution windows and the sentence and paragraph helpers shared by every stage."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from digests.quotes.marks import QUOTE_CHARS
from digests.text import ABBREVIATIONS

# A window token: a word (with inner apostrophes, hyphens and periods, as in "U.S." or "O’Neil") or a single
# punctuation character. Words never end in an apostrophe, so "Singh’s" and "Singh’" stay distinct.
TOKEN = re.compile(r"[^\W_](?:[\w.-]|['’](?=\w))*|[^\w\s]")

DASHES = frozenset("—–―")

WINDOW = 120  # characters looked at on either side of a speech verb: attributions are short

REACH = 400  # at most this far from a quote mark to an attribution in the same sentence

# Where a clause around a speech verb ends: a terminator, a colon or a quote mark (a period only before a space).
CLAUSE_BOUNDARY = re.compile(rf"[!?;:{QUOTE_CHARS}]|\.(?=\s|\Z)")


class Token(NamedTuple):
    """A word or punctuation mark at ``[start, end)`` of the body (a tuple: millions are made on 10 MB)."""

    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        """Lower-case text without a final period."""
        return self.text.rstrip(".").lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def is_capitalised(self) -> bool:
        return self.text[0].isupper()


def tokenize(body: str, lo: int, hi: int) -> list[Token]:
    """Tokens of ``body[lo:hi]``; a final period is split off unless it ends an abbreviation or initial."""
    out: list[Token] = []
    for match in TOKEN.finditer(body, lo, hi):
        text = match.group()
        start, end = match.span()
        if len(text) > 1 and text.endswith(".") and text[0].isalnum():
            stem = text[:-1]
            keep = stem.lower() in ABBREVIATIONS or len(stem) == 1 or "." in stem
            if not keep:
                out.append(Token(stem, start, end - 1))
                out.append(Token(".", end - 1, end))
                continue
        out.append(Token(text, start, end))
    return out


def strip_parentheses(tokens: list[Token]) -> list[Token]:
    """Drop parenthesised asides such as "(R-Texas)"; an unclosed "(" is dropped alone."""
    out: list[Token] = []
    opened: list[int] = []  # lengths of ``out`` at each "(" still open
    for token in tokens:
        if token.text == "(":
            opened.append(len(out))
        elif token.text == ")":
            if opened:
                del out[opened.pop() :]
        else:
            out.append(token)
    return out


def split_segments(tokens: list[Token]) -> list[list[Token]]:
    """Comma-separated pieces of a phrase (appositions: "Clinton, the Democratic nominee,")."""
    pieces: list[list[Token]] = [[]]
    for token in tokens:
        if token.text in DASHES or token.text in {",", "--", "-"}:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [piece for piece in pieces if piece]


def span_text(body: str, tokens: Sequence[Token]) -> str:
    return body[tokens[0].start : tokens[-1].end]


def is_period(body: str, dot: int, lo: int) -> bool:
    """Whether the "." at ``dot`` is a sentence's full stop rather than part of "U.S." or "Gen."."""
    return tokenize(body, max(lo, dot - 20), dot + 1)[-1].text == "."


def boundaries(
    body: str, pattern: re.Pattern[str], lo: int, hi: int, *, backwards: bool = False
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` in ``body[lo:hi]`` (last first when ``backwards``), except those starting at a
    period that is part of an abbreviation or initial."""
    matches = pattern.finditer(body, lo, hi)
    for match in reversed(list(matches)) if backwards else matches:
        at = match.start()
        if body[at] != "." or is_period(body, at, lo):
            yield match


def clause_tokens(body: str, lo: int, hi: int, *, backwards: bool) -> tuple[list[Token], int]:
    """Tokens of ``body[lo:hi]`` on the verb's side of the nearest terminator, colon or quote mark, and the
    offset of that boundary (-1 when there is none). Only the clause is tokenised: the boundary is found on
    the raw text."""
    boundary = next(boundaries(body, CLAUSE_BOUNDARY, lo, hi, backwards=backwards), None)
    if boundary is None:
        return tokenize(body, lo, hi), -1
    at = boundary.start()
    return (tokenize(body, at + 1, hi) if backwards else tokenize(body, lo, at)), at


def indent(body: str, lo: int, hi: int) -> int:
    """How many blanks (spaces, tabs, no-break spaces: not newlines) open ``body[lo:hi]``."""
    at = lo
    while at < hi and body[at].isspace() and body[at] != "\n":
        at += 1
    return at - lo


def sentence_ends_in(body: str, lo: int, hi: int) -> bool:
    """Whether a sentence ends in ``body[lo:hi]``: a "!" or "?", or a full stop that is not part of an
    abbreviation ("(D-Va.) at the time" ends none)."""
    if next(boundaries(body, SENTENCE_END, lo, hi), None) is not None:
        return True
    return any(c in body[lo:hi] for c in "!?")


def paragraph_start(body: str, at: int, reach: int) -> int:
    """Start of the paragraph holding ``at``, or ``at - reach`` if it starts further back (a bounded look, so
    quote-dense paragraphs stay linear)."""
    return body.rfind("\n", max(0, at - reach), at) + 1 or max(0, at - reach)


def opened_paragraph(body: str, at: int) -> int | None:
    """Start of the paragraph ``at`` opens (only blanks before it on a line after a newline within
    ``WINDOW``), or None when it does not open one."""
    line_start = paragraph_start(body, at, WINDOW)
    if body[line_start:at].strip() or body[line_start - 1 : line_start] != "\n":
        return None
    return line_start


# Where a sentence may end: a terminator, maybe a closing quote mark (… on “Meet the Press.” “Listening …),
# then a space. A period after an abbreviation ("U.S. forces") is ruled out by tokenising the word before it.
SENTENCE_END = re.compile(r"[.!?][\"”]?(?=\s)")


def sentence_before(body: str, at: int) -> tuple[list[Token], tuple[int, int]]:
    """Tokens of the sentence before offset ``at`` (a passage's opening mark), and the span of the sentence
    before that (empty when there is none), within the paragraph."""
    lo = paragraph_start(body, at, 2 * WINDOW)
    # The last two sentence ends, in document order.
    ends = [match.end() for match in itertools.islice(boundaries(body, SENTENCE_END, lo, at, backwards=True), 2)]
    ends.reverse()
    if not ends:
        return tokenize(body, lo, at), (lo, lo)
    return tokenize(body, ends[-1], at), (ends[-2] if len(ends) > 1 else lo, ends[-1])
