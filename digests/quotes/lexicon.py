"""The word lists of the quote extractor: data files in ``data/`` (one entry a line, ``#`` comments), loaded
once through importlib.resources, and the small closed classes that read better inline."""

from __future__ import annotations

from importlib.resources import files

from digests.text import MONTH_ABBREVIATIONS, MONTHS, TITLE_ABBREVIATIONS, WEEKDAYS


def load(name: str) -> frozenset[str]:
    """The entries of ``data/<name>.txt``."""
    text = files("digests.quotes").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


PARTICIPLES = load("participles")
SPEECH_VERBS = load("speech_verbs") | PARTICIPLES
NAMING_VERBS = frozenset({"called", "calls", "described", "describes", "dubbed"})
PASSIVE_AUXILIARIES = frozenset({"was", "were", "is", "are", "been", "being", "be"})  # "was asked by X"
ADDRESSEE_VERBS = frozenset({"told", "tells"})  # what follows them is who was told

PRONOUN_GENDER = {"he": "m", "she": "f"}
OTHER_PRONOUNS = frozenset({"they", "it", "we", "i", "you", "who", "which", "that", "this"})
HONORIFIC_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f"}
PREPOSITIONS = load("prepositions")
RELATIVES = frozenset({"who", "which", "whose", "whom", "where", "when", "while"})
INDEFINITE = frozenset({"a", "an", "one", "another"})
CONJUNCTIONS = frozenset({"but", "and", "so", "yet", "then", "still", "now"})
DETERMINERS = load("determiners")
CONNECTORS = frozenset({"and", "of", "for", "the"})
BETWEEN = load("between")
TITLE_WORDS = load("title_words") | TITLE_ABBREVIATIONS
NOT_NAME = load("not_name") | WEEKDAYS | MONTHS | MONTH_ABBREVIATIONS
SUBORDINATORS = load("subordinators")
# Before a speaker, a relative pronoun or conjunction opens the speaker's clause ("…, which President Obama declared").
CLAUSE_OPENERS = frozenset({"which", "that", "whom", "whose"}) | SUBORDINATORS
SUBORDINATING_ONLY = SUBORDINATORS - CONJUNCTIONS  # without "and", "but", "so"
LEADING_ADVERBIALS = PREPOSITIONS | RELATIVES | load("leading_adverbials")
TIME_WORDS = load("time_words") | WEEKDAYS
PLACES = load("places")
ORG_WORDS = load("org_words")
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
PARTICLES = frozenset({"de", "del", "da", "van", "von", "bin", "al", "la", "le", "du", "der"})
TITLE_SMALL_WORDS = load("title_small_words")

# Unions used on hot paths, built once.
PREPOSITIONS_AND_RELATIVES = PREPOSITIONS | RELATIVES
PREPOSITIONS_AND_DETERMINERS = PREPOSITIONS | DETERMINERS
CONJUNCTIONS_AND_BETWEEN = CONJUNCTIONS | BETWEEN
# Lower-case words that are no part of a title before a name ("said his pollster", "has also").
NOT_IN_TITLE = PREPOSITIONS_AND_DETERMINERS | BETWEEN | OTHER_PRONOUNS
# Words a description cannot end in: "and said" has no speaker.
FUNCTION_WORDS = PREPOSITIONS | CONJUNCTIONS | BETWEEN | NOT_NAME | OTHER_PRONOUNS
PARTICLES_AND_SUFFIXES = PARTICLES | NAME_SUFFIXES
TITLE_WORDS_AND_PARTICLES = TITLE_WORDS | PARTICLES
DETERMINERS_AND_CONNECTORS = DETERMINERS | CONNECTORS
