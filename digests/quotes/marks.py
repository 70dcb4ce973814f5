"""Quote marks: which characters quote, and whether a mark opens or closes a quotation by its context.

The later stages read one convention only, curly double marks (“…”) beside straight ones ("…"). The other
conventions are rewritten to it in a copy of the body of the same length, so every offset stays valid:
two apostrophes (''…'', the plain text of newspaper archives), typewriter marks (``…''), German („…“),
guillemets («…», »…«, with or without inner spaces) and single guillemets (‹…›) here, single quotes (‘…’ and
'…', as British outlets write speech) in :mod:`digests.quotes.passages`, which tells them from apostrophes.
"""

from __future__ import annotations

import re

QUOTE_CHARS = '"“”'

QUOTE_MARKS = re.compile(f"[{QUOTE_CHARS}]")

# A markup tag such as <tweet author="…" datetime="…"> or <tweet/>: its quote marks quote nothing.
TAG = re.compile(r"<[A-Za-z/][^<>]*>")

BEFORE_OPEN = frozenset("([{—–―-/")

AFTER_CLOSE = frozenset(".,;:!?)]}—–―-…")

OPEN, CLOSE = "“", "”"

# Marks of the other conventions, two-character ones first. What a mark says of itself when its context is
# silent: "open", "close" or "either".
_OTHER_MARKS = re.compile(r"'''|''|’’|``|‘‘|[„«»‹›]")
_SAYS = {
    "'''": "either",
    "''": "either",
    "’’": "close",
    "``": "open",
    "‘‘": "open",
    "„": "open",
    "«": "open",
    "»": "close",
}
_SAYS.update({"‹": "open", "›": "close"})
_GUILLEMETS = frozenset("«»‹›")

# Single marks: what may stand before an opening one and after a closing one.
_SINGLE_BEFORE_OPEN = BEFORE_OPEN | frozenset('"“”:')
_SINGLE_AFTER_CLOSE = AFTER_CLOSE | frozenset('"“”')
# Elisions that an apostrophe opens: 'em, 'tis, rock 'n' roll, the '90s.
_ELISION = re.compile(r"['‘’](?:em|tis|twas|n|cause|til|till|bout|round|nuff|ol|s|\d\d?s?)\b", re.IGNORECASE)
# After "Jones'" a lower-case word is what Jones owns, unless it is the attribution ('… the Joneses' he said).
_SUBJECT_WORDS = frozenset({"he", "she", "they", "we", "i", "it", "said", "says", "added", "told", "wrote"})
_WORD_AFTER = re.compile(r"\s+([a-z]+)")


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


def _other_kind(body: str, at: int, end: int, lo: int, hi: int) -> str:
    """``"open"``, ``"close"`` or ``"either"`` for the mark ``body[at:end]`` of another convention. Guillemets
    say which way they face unless their context contradicts it (German »…«); the others follow their context
    where it speaks, as straight marks do."""
    before = body[at - 1] if at > lo else " "
    after = body[end] if end < hi else " "
    opens = before.isspace() or before in BEFORE_OPEN
    closes = after.isspace() or after in AFTER_CLOSE
    says = _SAYS[body[at:end]]
    context = "either" if opens == closes else "open" if opens else "close"
    if body[at] in _GUILLEMETS:
        return context if context not in ("either", says) else says
    return says if context == "either" else context


def normalize_other_marks(body: str, spans: list[tuple[int, int]]) -> str:
    """``body`` with the marks of the other double conventions rewritten as “ and ”, paragraph by paragraph;
    ``body`` itself when it has none. Two apostrophes become a straight mark, read by its context as straight
    marks are (archives type them the same both ways), with a space on the outer side: `` ''Yes`` → ``  "Yes``,
    ``no,''`` → ``no," ``. The other two-character marks become the curly mark and a space."""
    if _OTHER_MARKS.search(body) is None:
        return body
    chars = list(body)
    for lo, hi in spans:
        for match in _OTHER_MARKS.finditer(body, lo, hi):
            at, end = match.span()
            kind = _other_kind(body, at, end, lo, hi)
            if end - at == 3:
                # ,''' closes a single quote and then the double one; ''' opens the double one, then a single.
                at, end = (at + 1, end) if kind == "close" else (at, end - 1)
            if body[at] == "'":
                # (a paragraph's first mark stays first: it may reopen a quote carried over)
                chars[at : at + 2] = [" ", '"'] if kind == "open" and at > lo else ['"', " "]
            else:
                chars[at] = CLOSE if kind == "close" else OPEN
                if end - at == 2:
                    chars[at + 1] = " "
    return "".join(chars)


def single_kind(body: str, at: int, lo: int, hi: int) -> str:
    """``"open"``, ``"close"`` or ``""`` (an apostrophe, not a mark) for the single mark ' ‘ or ’ at ``at``."""
    before = body[at - 1] if at > lo else " "
    after = body[at + 1] if at + 1 < hi else " "
    if before.isalnum() and after.isalnum():
        return ""  # don't, O'Neil
    opens = (before.isspace() or before in _SINGLE_BEFORE_OPEN) and (after.isalnum() or after in '“"…$£€')
    closes = not before.isspace() and (after.isspace() or after in _SINGLE_AFTER_CLOSE)
    if opens and not closes:
        return "" if _ELISION.match(body, at) else "open"
    if closes and not opens:
        if before in "sS" and after.isspace():
            word = _WORD_AFTER.match(body, at + 1, hi)
            if word is not None and word.group(1) not in _SUBJECT_WORDS:
                return ""  # the voters' choice
        return "close"
    return ""
