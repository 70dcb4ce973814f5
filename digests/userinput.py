"""What users type (queries, speaker names, topics, autocomplete prefixes), made safe before it reaches the store.

Lone surrogates (a terminal's undecodable bytes, or a crafted request) cannot be encoded for SQLite, so they become
U+FFFD; length is capped, because SQLite refuses LIKE patterns over 50,000 bytes and a long query costs time; a
search keeps each word once and at most MAX_QUERY_WORDS of them, so repeating a word costs nothing.
"""

from __future__ import annotations

import re

from digests.topics import query_words

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 32
MAX_NAME_CHARS = 200  # a speaker's name or a topic
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputTooLongError(ValueError):
    """User text over its length limit; the message says which text, how long it is and the limit."""


def encodable(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it always encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def bounded(text: str, what: str, limit: int) -> str:
    """``text`` made encodable; :class:`InputTooLongError` naming ``what`` if it is over ``limit`` characters."""
    if len(text) > limit:
        raise InputTooLongError(f"The {what} is too long: {len(text):,} characters (at most {limit:,}).")
    return encodable(text)


def partial(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """Autocomplete input: encodable and cut to ``limit`` (there is no way to show an error while typing)."""
    return encodable(text[:limit])


def search_words(text: str) -> list[str]:
    """The words of a search, each once, in order, at most MAX_QUERY_WORDS."""
    return list(dict.fromkeys(query_words(encodable(text))))[:MAX_QUERY_WORDS]
