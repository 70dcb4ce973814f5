"""PolNeAR for bench/quote_quality.py, speaker stage: which gold speakers name someone, by which key words, and
whether a predicted speaker is right (see that module's docstring for the method)."""

from __future__ import annotations

import re

from digests.text import words

_PRONOUNS = frozenset(
    {
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "you",
        "who",
        "which",
        "that",
        "this",
        "his",
        "her",
        "their",
        "him",
        "another",
        "one",
        "both",
        "some",
        "others",
        "all",
    }
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words before "of" that make a title ("Secretary of State Hillary Clinton"), not a name and its employer.
_OFFICES = frozenset(
    {
        "secretary",
        "security",
        "state",
        "department",
        "minister",
        "director",
        "president",
        "chairman",
        "head",
        "governor",
        "mayor",
        "speaker",
        "leader",
        "member",
        "chief",
        "house",
        "attorney",
        "chair",
        "editor",
    }
)
_INDEFINITE = frozenset({"a", "an", "one", "another", "some", "two", "three", "several", "many"})


def name_keys(speaker: str | None) -> frozenset[str]:
    """Lower-cased last words of the names in a gold speaker; empty when it names no one (see the module
    docstring)."""
    text = re.sub(r"\([^)]*\)?", " ", speaker or "").split(",")[0]
    tokens: list[str] = [re.sub(r"['’]s?$", "", t).rstrip(".") for t in re.findall(r"[^\W\d_][\w.’'-]*", text)]
    for i, token in enumerate(tokens[1:], start=1):
        if (
            token in {"who", "which", "that"}
            or (token in {"to", "for", "at", "with"} and tokens[i - 1][:1].islower())
            or (token in {"of", "from"} and tokens[i - 1][:1].isupper() and tokens[i - 1].lower() not in _OFFICES)
        ):
            # "Sen. Tom Carper of Delaware", "an adviser to Trump", "a member who backs Trump"
            tokens = tokens[:i]
            break
    keys: set[str] = set()
    conjuncts = " ".join(tokens).replace(" & ", " and ").split(" and ")
    for conjunct in conjuncts:  # "Trump and Ryan"
        words_ = conjunct.split()
        while len(words_) > 1 and words_[-1].lower() in _SUFFIXES:
            words_.pop()
        named = words_ and words_[-1][:1].isupper() and words_[-1].lower() not in _PRONOUNS
        if named and words_[0].lower() not in _INDEFINITE:  # not "a Nevada Democrat": someone unnamed
            keys.add(words_[-1].lower())
    return frozenset(keys)


def speaker_right(predicted: str | None, keys: frozenset[str]) -> bool:
    """Whether a predicted speaker shares a key word of the gold names."""
    return predicted is not None and not keys.isdisjoint(w.lower() for w in words(predicted))
