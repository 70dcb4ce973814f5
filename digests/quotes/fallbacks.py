"""Weaker evidence of a speaker where no speech verb is near a quote: a name right after it, a signature,
"Name:" before it, or the subject of a sentence."""

from __future__ import annotations

import re

from digests.quotes.attributions import SPEECH, Attribution
from digests.quotes.lexicon import CONJUNCTIONS, LEADING_ADVERBIALS, PREPOSITIONS_AND_DETERMINERS, SUBORDINATORS
from digests.quotes.marks import QUOTE_CHARS, QUOTE_MARKS
from digests.quotes.mentions import Mention, leading_phrase, parse_segment, plausible, title_suffix
from digests.quotes.passages import Passage
from digests.quotes.tokens import (
    WINDOW,
    Token,
    clause_tokens,
    indent,
    opened_paragraph,
    paragraph_start,
    sentence_before,
    split_segments,
    tokenize,
)
from digests.text import paragraph_spans


def sentence_subject(body: str, tokens: list[Token], name_words: frozenset[str]) -> Attribution | None:
    """The named subject opening a sentence ("On Tuesday, Gov. Jerry Brown endorsed her …" → Jerry Brown)."""
    while tokens and tokens[0].text in QUOTE_CHARS:
        tokens = tokens[1:]
    for segment in split_segments(tokens)[:3]:
        # Skip introductory phrases: "On Tuesday,", "In May 2013 -".
        if segment[0].bare in LEADING_ADVERBIALS:
            continue
        if segment[0].bare in CONJUNCTIONS:
            segment = segment[1:]
        if not segment or any(t.text in QUOTE_CHARS for t in segment):
            return None
        phrase = leading_phrase(segment)
        if phrase[-1].text.endswith(("’s", "'s")):
            return None  # "Donald J. Trump's remarks …": not the speaker
        mention = parse_segment(body, phrase)
        if mention is not None and plausible(mention, name_words):
            return Attribution(mention.start, mention.end, mention, weak=True)
    return None


# A paragraph naming the speaker of the quote paragraph above it: "- Clinton."
TRANSCRIPT = re.compile(r"([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,2}): ")

SIGNATURE_LINE = re.compile(r"[-—–―]* ?([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){1,3}),[^\n]{0,80}[\"”][ \t]*$")

DASH_SIGNATURE = re.compile(r"[-—–―]+[^\S\n]?([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,3})(?:, [^\n]{0,60})?[^\S\n]*$")


def weak_attribution(
    body: str, passage: Passage, sentence: list[Token], name_words: frozenset[str]
) -> Attribution | None:
    """A speaker for a quote with no speech verb near it: a name right after it followed by a verb
    (“…,” Trump assured Jones), a transcript's "Name:" opening it, a "― Ana Ruiz" signature ending its
    line, a "- Clinton." paragraph after it, a [title] name and colon before it, or the subject of the sentence
    a mid-sentence quote sits in ("Pence praised Cruz for showing “…”", "Obama has called the chaos “…”").
    ``sentence`` holds the tokens of the sentence before the opening mark."""
    hi = body.find("\n", passage.close_at, passage.close_at + WINDOW)
    hi = min(len(body), passage.close_at + WINDOW) if hi < 0 else hi
    found = (
        _name_after_quote(body, passage, hi, name_words)
        or _transcript(body, passage)
        or _signature(body, passage, hi)
        or _named_before_colon(body, sentence, name_words)
    )
    if found is None and any(t.is_word for t in sentence):
        return sentence_subject(body, sentence, name_words)
    return found


def _weak(mention: Mention | None) -> Attribution | None:
    """A weak attribution to a named mention, None for anything else."""
    if mention is None or mention.name is None:
        return None
    return Attribution(mention.start, mention.end, mention, weak=True)


def _name_after_quote(body: str, passage: Passage, hi: int, name_words: frozenset[str]) -> Attribution | None:
    """“…,” Trump assured Jones: a name right after a quote that does not end its sentence, then a verb."""
    if body[passage.pieces[-1][1] - 1 : passage.pieces[-1][1]] == ".":
        return None  # “….” He commanded …: a new sentence
    following = clause_tokens(body, passage.close_at, min(hi, passage.close_at + WINDOW // 2), backwards=False)[0]
    while following and following[0].text in ",—–―":
        following = following[1:]
    phrase = leading_phrase(following[:8]) if following else []
    rest = following[len(phrase) : len(phrase) + 1]
    # Not "“…” and said House Speaker Paul Ryan should resign": the name must stand right after the quote.
    verbless = not any(t.bare in SUBORDINATORS or SPEECH.fullmatch(t.text) for t in phrase)
    if phrase and verbless and rest and rest[0].text.isalpha() and rest[0].text.islower():
        mention = parse_segment(body, phrase)
        if mention is not None and plausible(mention, name_words):
            return Attribution(mention.start, rest[0].end, mention, weak=True)
    return None


def _transcript(body: str, passage: Passage) -> Attribution | None:
    """“Chris Matthews: Seriously, …”: a transcript line names its speaker."""
    opening = TRANSCRIPT.match(body, passage.pieces[0][0], passage.pieces[0][1])
    return _weak(parse_segment(body, tokenize(body, opening.start(1), opening.end(1)))) if opening else None


def _signature(body: str, passage: Passage, hi: int) -> Attribution | None:
    """“…” ― Ana Ruiz: a signature closing the quote's own line; or "- Clinton." on the line below a
    quote, or "Josh Bivens, Economic Policy Institute.”" ending one left open."""
    signature = None
    if hi == len(body) or body[hi] == "\n":
        signature = DASH_SIGNATURE.match(body, passage.close_at + indent(body, passage.close_at, hi), hi)
    if signature is None and not body[passage.close_at : hi].strip():
        nxt = next(paragraph_spans(body[hi : hi + WINDOW]), None)
        pattern = DASH_SIGNATURE if body[passage.close_at - 1] in '"”' else SIGNATURE_LINE
        signature = pattern.match(body, hi + nxt[0], hi + nxt[1]) if nxt else None
    if signature is None:
        return None
    return _weak(parse_segment(body, [t for t in tokenize(body, signature.start(1), signature.end(1)) if t.is_word]))


def _named_before_colon(body: str, tokens: list[Token], name_words: frozenset[str]) -> Attribution | None:
    """ "… - Jeffrey M. Jones: “…”": the name right before a colon; "… doesn’t surprise Republican pollster
    Daron Shaw:" (not "a blunt message to Trump:"): the [title] name the clause ends with."""
    if len(tokens) < 2 or tokens[-1].text != ":":
        return None
    segments = split_segments(tokens[:-1])
    if not segments:
        return None
    named = parse_segment(body, segments[-1])
    suffix = title_suffix(segments[-1])
    head = segments[-1][: len(segments[-1]) - len(suffix)]
    if named is not None and named.name is None and head and head[-1].bare not in PREPOSITIONS_AND_DETERMINERS:
        named = parse_segment(body, suffix)
    return _weak(named) if plausible(named, name_words) else None


def paragraph_before_subject(body: str, passage: Passage, name_words: frozenset[str]) -> Attribution | None:
    """For a passage opening its paragraph, the named subject of the last sentence of the paragraph before when
    that sentence ends in a colon ("Republican nominee Donald Trump issued the following statement:"), or when
    the passage is its whole paragraph and the one before quotes no one ("Valastro praised Christie’s
    leadership …. ¶ “We need someone who’s going to cut through the bullcrap …”")."""
    line_start = opened_paragraph(body, passage.open_at)
    if line_start is None:
        return None
    lo = max(0, line_start - 2 * WINDOW)
    end = lo + len(body[lo:line_start].rstrip())
    if body[end - 1 : end] != ":":
        line_end = body.find("\n", passage.close_at)
        whole = not body[passage.close_at : len(body) if line_end < 0 else line_end].strip()
        before = body[paragraph_start(body, end, 2 * WINDOW) : end]
        if not whole or not before.endswith(".") or QUOTE_MARKS.search(before):
            return None
    tokens, _ = sentence_before(body, end - 1)
    return sentence_subject(body, tokens, name_words)
