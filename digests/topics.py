"""Topic vocabulary: acronyms defined in a release, keywords, and normalisation of what users type.

Pure functions: the store keeps what these return and answers topic look-ups with plain queries.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Container, Iterable

from sumy.utils import get_stop_words

from digests.models import TopicTerms

_ACRONYM = r"[A-Z][A-Za-z&]{1,9}"
# "Higher Military Commission, or HMC" / "Higher Military Commission (HMC)" / "..., the HMC,"
_DEFINED_AFTER = re.compile(r"(?:,\s+or\s+|\(\s*|,\s+the\s+|,\s+also known as\s+)(?:the\s+)?(" + _ACRONYM + r")\b[),]?")
# "HMC (Higher Military Commission)"
_DEFINED_BEFORE = re.compile(r"\b(" + _ACRONYM + r")\s+\(([^()]{3,120})\)")
_CONNECTORS = frozenset({"of", "and", "the", "for", "on", "in", "to", "&", "a"})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_ACRONYM_WORD = re.compile(r"[A-Za-z][\w’'&.-]*")  # a word of an acronym's expansion
_CAPITALISED_RUN = re.compile(r"\b(?:[A-Z][\w’'-]*\s+)*[A-Z][\w’'-]*")

# sumy's English stop words (shipped with sumy), plus reporting verbs that never make a topic or a search term.
STOP_WORDS = frozenset(get_stop_words("english")) | {"said", "says", "say", "told", "according", "today", "mr", "ms"}


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: the form topics are stored and looked up in."""
    return " ".join(query_words(text))


def query_words(text: str) -> list[str]:
    """The words of user text, lower-cased, with all query syntax (quotes, operators, brackets) dropped."""
    return [token.lower() for token in _WORD.findall(text.replace("’", "'"))]


def _spells(words: list[str], acronym: str) -> bool:
    """Whether the words' initials spell the acronym, with or without connectors ("DoD", "HMC")."""
    target = acronym.upper()
    with_all = "".join(word[0] for word in words).upper()
    content = "".join(word[0] for word in words if word.lower() not in _CONNECTORS).upper()
    return target in (with_all, content)


def _expansion_before(text: str, acronym: str) -> str | None:
    """The shortest run of words ending ``text`` whose initials spell ``acronym``."""
    candidates = _ACRONYM_WORD.findall(text)[-(len(acronym) + 6) :]
    for size in range(1, len(candidates) + 1):
        words = candidates[-size:]
        if _spells(words, acronym) and words[0].lower() not in _CONNECTORS and words[0][0].isupper():
            return " ".join(words)
    return None


def _new_acronym(acronym: str, found: Container[str]) -> bool:
    """Whether ``acronym`` has two capitals or more and is not defined yet."""
    return sum(ch.isupper() for ch in acronym) >= 2 and acronym not in found


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms defined in ``text``, mapped to their expansions (``{"HMC": "Higher Military Commission"}``)."""
    found: dict[str, str] = {}
    for match in _DEFINED_AFTER.finditer(text):
        acronym = match.group(1)
        if not _new_acronym(acronym, found):
            continue
        expansion = _expansion_before(text[max(0, match.start() - 200) : match.start()], acronym)
        if expansion:
            found[acronym] = expansion
    for match in _DEFINED_BEFORE.finditer(text):
        acronym, inside = match.group(1), match.group(2).strip()
        if not _new_acronym(acronym, found):
            continue
        words = _ACRONYM_WORD.findall(inside)
        if words and _spells(words, acronym):
            found[acronym] = " ".join(words)
    return found


def keywords(title: str | None, body: str, limit: int = 12) -> tuple[str, ...]:
    """Frequent names and acronyms of a release (e.g. "iraq", "isis", "sabrina singh"), best first."""
    counts: Counter[str] = Counter()
    title_words = normalise(title) if title else ""
    for text in (title or "", body):
        for match in _CAPITALISED_RUN.finditer(text):
            words = [w for w in match.group().split() if w.lower() not in STOP_WORDS]
            if not words:
                continue
            phrase = normalise(" ".join(words))
            if len(phrase) >= 3 and phrase not in STOP_WORDS:
                counts[phrase] += 1
    lower_case = _lower_case_words(body)
    frequent = [
        term
        for term, n in counts.most_common()
        # A capitalised common word ("Discussions ...") is only sentence-initial: it also appears in lower case.
        if (n >= 2 or (title_words and term in title_words)) and (" " in term or term not in lower_case)
    ]
    return tuple(frequent[:limit])


def _lower_case_words(body: str) -> set[str]:
    """Every word written in lower case in ``body``, also each part of one joined by an apostrophe ("iraq's").

    One pass over the body, so that checking a candidate keyword is a set look-up, not a search of the body.
    """
    found: set[str] = set()
    for token in set(_WORD.findall(body.replace("’", "'"))):
        if token.islower():
            found.add(token)
            found.update(token.split("'"))
    return found


def topic_terms(title: str | None, body: str, tags: Iterable[str] = ()) -> TopicTerms:
    """Everything a release can be found by as a topic: its acronyms (both ways), tags and keywords."""
    acronyms = find_acronyms(f"{title or ''}\n{body}")
    extra = tuple(filter(None, map(normalise, tags)))
    return TopicTerms(acronyms=acronyms, keywords=tuple(dict.fromkeys(extra + keywords(title, body))))


def closest(term: str, known: Iterable[str], limit: int = 5) -> list[str]:
    """Known topics closest to ``term``: prefix matches first, then by similarity."""
    wanted = normalise(term)
    pool = sorted(set(known))
    prefixed = [k for k in pool if wanted and (k.startswith(wanted) or wanted in k.split())]
    similar = difflib.get_close_matches(wanted, pool, n=limit, cutoff=0.5)
    return list(dict.fromkeys(prefixed + similar))[:limit]
