"""Attributions: every speech verb in a body with the speaker before ("Singh said") or after it ("said Singh")."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from digests.quotes.lexicon import (
    ADDRESSEE_VERBS,
    BETWEEN,
    CONJUNCTIONS,
    CONJUNCTIONS_AND_BETWEEN,
    INDEFINITE,
    LEADING_ADVERBIALS,
    NAMING_VERBS,
    PARTICIPLES,
    PASSIVE_AUXILIARIES,
    PRONOUN_GENDER,
    SPEECH_VERBS,
    SUBORDINATING_ONLY,
    TIME_WORDS,
)
from digests.quotes.marks import QUOTE_CHARS
from digests.quotes.mentions import Mention, leading_phrase, named_segment, parse_phrase, parse_segment, plausible
from digests.quotes.tokens import WINDOW, Token, clause_tokens, split_segments, strip_parentheses


def speech_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex for the phrases, grouped by first letter (either case: "Stated Stone:", "According to").

    A flat alternation under IGNORECASE tries every phrase at every word and took seconds on 10 MB."""
    by_letter: dict[str, list[str]] = {}
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        by_letter.setdefault(phrase[0], []).append(re.escape(phrase[1:]))
    groups = (f"[{letter.upper()}{letter}](?:{'|'.join(rests)})" for letter, rests in by_letter.items())
    return re.compile(r"\b(?:" + "|".join(groups) + r")\b")


SPEECH = speech_pattern(SPEECH_VERBS)

# "Mitch McConnell, R-Ky., said": a party and state tag after a name.
PARTY_TAG = re.compile(r"[RDI]-[A-Z][\w.]*")


@dataclass(frozen=True, slots=True)
class Attribution:
    """A speech verb with its speaker; ``[start, end)`` covers speaker and verb (and a short object)."""

    start: int
    end: int
    mention: Mention
    weak: bool = False  # the subject of a sentence with a partial quote, not a speech verb: never joins
    distant: bool = False  # the speaker opens the sentence, far from the verb ("Trump …, telling voters")
    subordinate: bool = False  # in a subordinate clause ("When Sanders said …, he “…,” said Heiserman")


def opening_subject(body: str, tokens: list[Token], name_words: frozenset[str]) -> Mention | None:
    """The speaker opening a clause, past introductory phrases: "Continuing to explain his perspective,
    Carson rejected …, saying" → Carson."""
    for segment in split_segments(tokens)[:3]:
        if segment[0].bare in LEADING_ADVERBIALS or segment[0].bare.endswith("ing"):
            continue
        while segment and segment[0].bare in CONJUNCTIONS:
            segment = segment[1:]
        mention = parse_segment(body, leading_phrase(segment)) if segment else None
        if mention is not None and mention.name is not None and not plausible(mention, name_words):
            continue  # "Hours later, Trump returned the compliment, telling Reuters"
        if mention is None or (mention.name is None and mention.pronoun not in PRONOUN_GENDER):
            return None
        return mention
    return None


def attribution_at(body: str, verb: re.Match[str], lo: int, hi: int, name_words: frozenset[str]) -> Attribution | None:
    """Parse the speech verb ``verb`` in paragraph ``[lo, hi)`` as "X said" or "said X" (``name_words``:
    see :func:`plausible`)."""
    before, boundary = clause_tokens(body, max(lo, verb.start() - 2 * WINDOW), verb.start(), backwards=True)
    before = strip_parentheses(before)
    if verb.group().lower() in PARTICIPLES:
        return _participle(body, verb, before, boundary, name_words)
    if body.startswith(" by ", verb.end()) and before and before[-1].bare in PASSIVE_AUXILIARIES:
        # "Rubio was asked by moderator Gerard Baker whether …": the speaker follows "by".
        after = clause_tokens(body, verb.end() + 4, min(hi, verb.end() + WINDOW), backwards=False)[0][:14]
        mention = parse_phrase(body, after, before_verb=False) if after and after[0].is_word else None
        return Attribution(verb.start(), mention.end, mention) if mention and mention.name else None
    # Skip "has also" in "Singh has also said", "on Thursday" in "Priebus on Thursday told", lower-case
    # adverbs in -ly and the comma closing an apposition.
    while before and (
        before[-1].bare in BETWEEN
        or before[-1].bare in TIME_WORDS
        or before[-1].text in ",—–―."
        or PARTY_TAG.fullmatch(before[-1].text)
        or _is_adverb(before[-1])
    ):
        before.pop()
    segments = split_segments(before)
    if len(segments) > 1 and all(t.bare in CONJUNCTIONS_AND_BETWEEN for t in segments[-1]):
        # "Massie used to support Rand Paul, but now said": the subject opens the sentence.
        mention = opening_subject(body, before, name_words)
        return Attribution(mention.start, verb.end(), mention, distant=True) if mention else None
    subject = None
    if before and before[-1].is_word and verb.group().lower() != "according to":
        subject = parse_phrase(body, before, before_verb=True)
        if subject is not None and (subject.name is not None or subject.pronoun is not None):
            opener = [t for t in before if t.end <= subject.start][-1:]
            subordinate = bool(opener) and opener[0].bare in SUBORDINATING_ONLY
            return Attribution(subject.start, verb.end(), subject, subordinate=subordinate)
    if verb.group().lower() in NAMING_VERBS:
        # "called National Nurses United “…”": what follows names the thing described, not the speaker.
        return Attribution(subject.start, verb.end(), subject) if subject is not None else None
    return _speaker_after(body, verb, hi, subject)


def _is_adverb(token: Token) -> bool:
    return token.text.islower() and token.bare.endswith("ly")


def _participle(
    body: str, verb: re.Match[str], before: list[Token], boundary: int, name_words: frozenset[str]
) -> Attribution | None:
    """The speaker of "…, saying": the participle's own subject ("…, with Gorka noting …", "with Trump
    reportedly yelling"), else the subject opening the sentence."""
    near = list(before)
    while near and (near[-1].bare in BETWEEN or _is_adverb(near[-1])):
        near.pop()
    near = near[-8:]
    cut = max((k for k, t in enumerate(near) if t.bare == "with"), default=-1)
    own = parse_segment(body, near[cut + 1 :]) if cut >= 0 else None
    if own is not None and (own.name is not None or own.description is not None):
        return Attribution(own.start, verb.end(), own)
    # "Bradley apologized …, saying": the subject opens the sentence, not a clause after a quote
    # (“…,” Trump said, adding) unless that quote ended a sentence (… “terrorism.” And then Trump went …).
    if boundary > 0 and body[boundary] in QUOTE_CHARS and body[boundary - 1] not in ".!?":
        return None
    mention = opening_subject(body, before, name_words)
    return Attribution(mention.start, verb.end(), mention, distant=True) if mention else None


def _speaker_after(body: str, verb: re.Match[str], hi: int, subject: Mention | None) -> Attribution | None:
    """ "said Singh": the speaker after the verb; a description before the verb (``subject``) gives way only to
    a name standing alone after it ("The paradox of Nancy, says Carl Anthony, historian at …")."""
    after = clause_tokens(body, verb.end(), min(hi, verb.end() + WINDOW), backwards=False)[0][:14]
    # Who is told is never the speaker: "the Foreign Secretary told BBC1's Breakfast", "one user told Mr Bannatyne".
    addressed = verb.group().lower() in ADDRESSEE_VERBS
    if subject is not None and (addressed or not named_segment(body, after)):
        return Attribution(subject.start, verb.end(), subject)
    if addressed:
        return None
    if not after or not after[0].is_word:
        return None
    mention = parse_phrase(body, after, before_verb=False)
    if mention is None:
        return None
    # A pronoun after the verb is the speaker only at the clause end (“…,” said he), not in "said he had";
    # a description only when indefinite ("said a Nevada Democrat", not "said the plan").
    pronoun = mention.pronoun in PRONOUN_GENDER and len(after) == 1
    indefinite = mention.description is not None and after[0].bare in INDEFINITE
    return (
        Attribution(verb.start(), mention.end, mention) if mention.name is not None or pronoun or indefinite else None
    )


def find_attributions(body: str, spans: list[tuple[int, int]], name_words: frozenset[str]) -> list[Attribution]:
    """Every attribution in ``body`` (whose paragraphs are ``spans``), in document order."""
    found: list[Attribution] = []
    starts = [lo for lo, _ in spans]
    for verb in SPEECH.finditer(body):
        lo, hi = spans[bisect.bisect_right(starts, verb.start()) - 1]
        attribution = attribution_at(body, verb, lo, hi, name_words)
        if attribution is not None:
            found.append(attribution)
    # A participle's subject opens its sentence, before attributions found earlier: keep the list sorted.
    found.sort(key=lambda a: a.start)
    return found
