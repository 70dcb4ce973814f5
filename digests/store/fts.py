"""Turning user text into safe FTS5 match expressions: user text is words, never query syntax."""

from __future__ import annotations

from collections.abc import Iterable


def phrase(words: Iterable[str]) -> str:
    """One FTS5 phrase from words; any double quote inside is doubled, as FTS5 string syntax requires."""
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def match_all(words: Iterable[str]) -> str | None:
    """Every word must occur (implicit AND); ``None`` when there is nothing to search for."""
    terms = [phrase([word]) for word in words if word]
    return " ".join(terms) or None


def match_any(phrases: Iterable[Iterable[str]]) -> str | None:
    """Any of the phrases may occur; ``None`` when there is nothing to search for."""
    terms = [phrase(words) for words in phrases]
    terms = [term for term in terms if term != '""']
    return " OR ".join(terms) or None
