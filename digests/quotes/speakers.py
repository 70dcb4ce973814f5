"""Speaker resolution in document order: surnames, he/she and "the judge" resolved against the names seen so far."""

from __future__ import annotations

import itertools
import re

from digests.quotes.attributions import Attribution
from digests.quotes.lexicon import NAME_SUFFIXES, PRONOUN_GENDER
from digests.quotes.mentions import Mention, parse_segment
from digests.quotes.tokens import tokenize

# Runs of two or more capitalised words: candidate full names ("Sabrina Singh", "Lloyd J. Austin III").
NAME_RUN = re.compile(r"[A-Z][\w.’'-]*(?: (?:[A-Z][\w.’'-]*|of|\d+(?:st|nd|rd|th)))+")

LOOK_BACK = 50  # speakers looked back through for he/she and "the campaign"


class Entity:
    """A named person or organisation; gender is learnt from honorifics and from he/she follow-ups."""

    __slots__ = ("gender", "is_org", "name", "title")

    def __init__(self, name: str, title: str | None, gender: str | None, is_org: bool) -> None:
        self.name = name
        self.title = title
        self.gender = gender
        self.is_org = is_org


def surname_of(name: str) -> str:
    """The last word of a name that is not a suffix: "Lloyd J. Austin III" → "Austin"."""
    parts = name.split()
    while len(parts) > 1 and parts[-1].rstrip(".").lower() in NAME_SUFFIXES:
        parts.pop()
    return parts[-1]


class SpeakerResolver:
    """Resolves mentions in document order against the names seen so far."""

    def __init__(self, body: str, runs: list[tuple[int, str]]) -> None:
        self._body = body
        # Runs of capitalised words (offset, text) in document order: full names and titles for surnames.
        self._runs = runs
        self._next_run = 0
        self._parsed: dict[str, Mention | None] = {}
        self._by_surname: dict[str, Entity] = {}
        self._by_name: dict[str, Entity] = {}
        self._history: list[Entity] = []  # resolved speakers, latest last
        self._mentioned: list[Entity] = []  # people named anywhere, latest last: the pronoun fallback

    def _register_runs(self, upto: int) -> None:
        """Register the full names that appear before ``upto``."""
        while self._next_run < len(self._runs) and self._runs[self._next_run][0] < upto:
            start, text = self._runs[self._next_run]
            self._next_run += 1
            if text not in self._parsed:  # names repeat: parse each distinct run once
                self._parsed[text] = parse_segment(self._body, tokenize(self._body, start, start + len(text)))
            mention = self._parsed[text]
            if mention is not None and mention.name is not None and " " in mention.name:
                entity = self._entity(mention)
                if not entity.is_org:
                    self._mentioned.append(entity)

    def _entity(self, mention: Mention) -> Entity:
        """The entity for a named mention, merged with what is known of that name or surname."""
        name = mention.name or ""
        surname = surname_of(name)
        known = self._by_name.get(name)
        if known is None and " " not in name:
            known = self._by_surname.get(surname)
        if known is None:
            known = Entity(name, mention.title, mention.gender, mention.is_org)
            self._by_name[name] = known
            if not mention.is_org and " " in name:
                self._by_surname[surname] = known
        else:
            known.title = mention.title or known.title
            known.gender = mention.gender or known.gender
        return known

    def resolve(self, attribution: Attribution) -> tuple[str | None, str | None]:
        """``(speaker, speaker_title)`` for an attribution; also records it as the latest named speaker."""
        self._register_runs(attribution.start)
        mention = attribution.mention
        if mention.name is not None:
            entity = self._entity(mention)
            self._history.append(entity)
            return entity.name, entity.title
        if mention.pronoun in PRONOUN_GENDER:
            gender = PRONOUN_GENDER[mention.pronoun or ""]
            # The last named speaker of a compatible gender, else the last such person named at all (looking
            # back a bounded way, so a long body stays linear).
            recent = itertools.chain(reversed(self._history[-LOOK_BACK:]), reversed(self._mentioned[-LOOK_BACK:]))
            for entity in recent:
                if not entity.is_org and entity.gender in (None, gender):
                    entity.gender = gender
                    self._history.append(entity)
                    return entity.name, entity.title
            return None, None
        if mention.description is not None and mention.is_org:
            # "the campaign said" → the latest organisation whose name has that head noun.
            head = mention.description.split()[-1].lower()
            for entity in reversed(self._history[-LOOK_BACK:]):
                if entity.is_org and head in entity.name.lower():
                    return entity.name, entity.title
        elif mention.description is not None and mention.description.split()[0].lower() == "the":
            # "the judge said" → the latest person whose title has that head noun ("U.S. District Judge …").
            head = mention.description.split()[-1].lower()
            recent = itertools.chain(reversed(self._history[-LOOK_BACK:]), reversed(self._mentioned[-LOOK_BACK:]))
            for entity in recent:
                if not entity.is_org and entity.title is not None and head in entity.title.lower().split():
                    self._history.append(entity)
                    return entity.name, entity.title
        return mention.description, None
