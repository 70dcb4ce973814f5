"""One line for any failure of one item, so a batch can report it and go on.

Expected failures (a bad file, an unreachable page) already carry a one-line message naming the item; anything
else — a parser's RecursionError, an OverflowError from an edge date, a MemoryError — is described here by what
went wrong, never by a traceback (that goes to the debug log).
"""

from __future__ import annotations

_MAX_CHARS = 300
_PLAIN = {
    MemoryError: "out of memory while reading it",
    RecursionError: "nested too deeply to read",
    OverflowError: "a number or date out of range",
    TimeoutError: "took too long to process",
    UnicodeError: "text that cannot be encoded or decoded",
}


def first_line(text: str, limit: int = _MAX_CHARS) -> str:
    """The first non-empty line of ``text``, shortened to ``limit`` characters."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe(exc: BaseException) -> str:
    """What went wrong, in one line.

    A ``ValueError`` (the project's input errors are ones) is its own message; the kinds of error whose messages
    are cryptic (``maximum recursion depth exceeded``) or empty (``MemoryError()``) get a plain reason first;
    anything else is its type and message.
    """
    detail = first_line(str(exc))
    for kind, plain in _PLAIN.items():
        if isinstance(exc, kind):
            return f"{plain} ({type(exc).__name__}{': ' + detail if detail else ''})"
    if isinstance(exc, ValueError) and detail:
        return detail
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
