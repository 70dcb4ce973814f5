"""Boiler-plate sentences (by-lines, time stamps, "Scroll down for video", photo credits, "Click here to ..."):
never summary sentences. Pure; the patterns are a data file, ``data/boilerplate.txt``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib.resources import files

# A by-line's name often comes as the sentence after "By ." ("By . Rob Cooper . PUBLISHED: ..."): that short
# sentence is part of it.
_BARE_BY = re.compile(r"by\s*\.?", re.IGNORECASE)
_BY_LINE_NAME_WORDS = 6


def _load(name: str, flags: int = 0) -> re.Pattern[str]:
    """The patterns of one data file (one a line, "#" comments) as one alternation."""
    text = files("digests").joinpath(f"data/{name}").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    alternatives = [line for line in lines if line and not line.startswith("#")]
    return re.compile("|".join(f"(?:{pattern})" for pattern in alternatives), flags)


@lru_cache(maxsize=1)
def patterns() -> re.Pattern[str]:
    """Whole boiler-plate sentences (``data/boilerplate.txt``), case-insensitive."""
    return _load("boilerplate.txt", re.IGNORECASE)


@lru_cache(maxsize=1)
def openings() -> re.Pattern[str]:
    """Sentence openings that are not content (``data/boilerplate_openings.txt``): "Canberra (CNN) -- "."""
    return _load("boilerplate_openings.txt")


def content_start(text: str, start: int, end: int) -> int:
    """Where the content of the sentence ``text[start:end]`` begins: past an agency tag, if one opens it."""
    match = openings().match(text, start, end)
    return match.end() if match and match.end() < end else start


def is_boilerplate(text: str) -> bool:
    """Whether a sentence is boiler-plate through and through."""
    return patterns().fullmatch(text.strip()) is not None


def boilerplate(texts: Sequence[str]) -> list[bool]:
    """For each sentence of a release, whether it is boiler-plate (the name after a bare "By ." included)."""
    flags = [is_boilerplate(text) for text in texts]
    for i in range(1, len(texts)):
        if _BARE_BY.fullmatch(texts[i - 1].strip()) and len(texts[i].split()) <= _BY_LINE_NAME_WORDS:
            flags[i] = True
    return flags
