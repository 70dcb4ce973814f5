"""Full-text queries from user text: user text is words, never query syntax.

A :class:`Match` is only words and phrases; each engine's full-text module (:mod:`fts_sqlite`, :mod:`fts_postgres`)
turns it into its own query, passing the words as parameters, so no character a user types can act as an operator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Match:
    """Phrases (each a tuple of words) that must all occur (``every``) or of which any may occur."""

    phrases: tuple[tuple[str, ...], ...]
    every: bool


def match_all(words: Iterable[str]) -> Match | None:
    """Every word must occur (implicit AND); ``None`` when there is nothing to search for."""
    phrases = tuple((word,) for word in words if word)
    return Match(phrases, every=True) if phrases else None


def match_any(phrases: Iterable[Iterable[str]]) -> Match | None:
    """Any of the phrases may occur; ``None`` when there is nothing to search for."""
    kept = tuple(phrase for phrase in (tuple(word for word in words if word) for words in phrases) if phrase)
    return Match(kept, every=False) if kept else None
