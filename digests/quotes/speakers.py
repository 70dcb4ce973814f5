"""Speaker resolution in document order: surnames, he/she and "the judge" resolved against the names seen so far."""

from __future__ import annotations

import itertools
import re

from digests.quotes.attributions import Attribution
from digests.quotes.fallbacks import sentence_subject
from digests.quotes.lexicon import NAME_SUFFIXES, PRONOUN_GENDER
from digests.quotes.marks import QUOTE_CHARS
from digests.quotes.mentions import Mention, parse_segment
from digests.quotes.tokens import SENTENCE_END, boundaries, tokenize

# Runs of two or more capitalised words: candidate full names ("Sabrina Singh", "Lloyd J. Austin III").
NAME_RUN = re.compile(r"[A-Z][\w.’'-]*(?: (?:[A-Z][\w.’'-]*|of|\d+(?:st|nd|rd|th)))+")

LOOK_BACK = 50  # speakers looked back through for he/she and "the campaign"
SUBJECT_REACH = 600  # characters looked back through for the subject of a recent sentence, for he/she
NEW_PARAGRAPH = re.compile(r"\n\s*")


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

    def __init__(self, body: str, runs: list[tuple[int, str]], name_words: frozenset[str]) -> None:
        self._body = body
        self._names = name_words
        # Runs of capitalised words (offset, text) in document order: full names and titles for surnames.
        self._runs = runs
        self._next_run = 0
        self._parsed: dict[str, Mention | None] = {}
        self._by_surname: dict[str, Entity] = {}
        self._by_name: dict[str, Entity] = {}
        self._history: list[tuple[int, Entity]] = []  # resolved speakers and where, latest last
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
        entity: Entity | None = None
        if mention.name is not None:
            entity = self._entity(mention)
        elif mention.pronoun in PRONOUN_GENDER:
            entity = self._antecedent(attribution.start, PRONOUN_GENDER[mention.pronoun or ""])
            if entity is None:
                return None, None
        elif mention.description is not None:
            entity = self._described(mention.description, mention.is_org)
            if entity is None or entity.is_org:
                return (mention.description, None) if entity is None else (entity.name, entity.title)
        if entity is None:
            return mention.description, None
        self._history.append((attribution.start, entity))
        return entity.name, entity.title

    def _antecedent(self, at: int, gender: str) -> Entity | None:
        """Who "he" or "she" at ``at`` is: the later of the last named speaker and the named subject of a recent
        sentence ("Clinton bashed Trump’s proposal. She addressed Muslim-Americans …, saying"), else the last
        such person named at all (looking back a bounded way, so a long body stays linear)."""
        speaker = next(
            ((start, e) for start, e in reversed(self._history[-LOOK_BACK:]) if _fits(e, gender)), (-1, None)
        )
        subject = self._recent_subject(at, gender)
        entity = subject[1] if subject is not None and subject[0] > speaker[0] else speaker[1]
        if entity is None:
            entity = next((e for e in reversed(self._mentioned[-LOOK_BACK:]) if _fits(e, gender)), None)
        if entity is not None:
            entity.gender = gender
        return entity

    def _recent_subject(self, at: int, gender: str) -> tuple[int, Entity] | None:
        """The named person (of a compatible gender) opening one of the few sentences before ``at``, latest
        first; sentences opening with a quote mark or a pronoun are passed over."""
        lo = max(0, at - SUBJECT_REACH)
        starts = {m.end() for m in itertools.islice(boundaries(self._body, SENTENCE_END, lo, at, backwards=True), 4)}
        starts |= {m.end() for m in NEW_PARAGRAPH.finditer(self._body, lo, at)}
        for start in sorted(starts, reverse=True)[:5]:
            while start < at and self._body[start].isspace():
                start += 1
            if start >= at or self._body[start] in QUOTE_CHARS:
                continue
            found = sentence_subject(self._body, tokenize(self._body, start, min(at, start + 150)), self._names)
            if found is None or found.mention.name is None or found.start >= at:
                continue
            entity = self._entity(found.mention)
            if _fits(entity, gender):
                return found.start, entity
        return None

    def _described(self, description: str, is_org: bool) -> Entity | None:
        """ "the campaign said" → the latest organisation whose name has that head noun; "the judge said" → the
        latest person whose title has that head noun ("U.S. District Judge …")."""
        head = description.split()[-1].lower()
        speakers = [e for _, e in reversed(self._history[-LOOK_BACK:])]
        if is_org:
            return next((e for e in speakers if e.is_org and head in e.name.lower()), None)
        if description.split()[0].lower() != "the":
            return None
        recent = itertools.chain(speakers, reversed(self._mentioned[-LOOK_BACK:]))
        return next((e for e in recent if not e.is_org and e.title and head in e.title.lower().split()), None)


def _fits(entity: Entity, gender: str) -> bool:
    """Whether "he" or "she" (``gender``) may be this entity."""
    return not entity.is_org and entity.gender in (None, gender)
