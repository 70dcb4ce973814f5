"""Offline text segmentation: paragraphs, sentences and words, plus the tokenizer object handed to sumy.

Sentence splitting uses NLTK's pure-Python Punkt algorithm with a hand-kept abbreviation list instead of a
trained model, so nothing is ever downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from digests.boilerplate import content_start
from digests.models import Sentence

# Word lists shared with the quote extractor, lower case.
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
MONTHS = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"}
)  # fmt: skip
MONTH_ABBREVIATIONS = frozenset({"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"})

# Abbreviated ranks and titles ("Sen.", "Lt. Gen."): abbreviations for Punkt and title words for the quote extractor.
TITLE_ABBREVIATIONS = frozenset(
    {"sen", "rep", "gov", "lt", "gen", "col", "maj", "capt", "cmdr", "cmdt", "adm", "sgt", "cpl", "pvt", "pfc", "spc",
     "ens", "brig", "msgt", "ssgt", "tsgt", "cmsgt", "dr", "prof", "rev", "ret"}
)  # fmt: skip

# Lower-case, without the final period, as Punkt expects.
ABBREVIATIONS = (
    frozenset(
        {
            # honorifics, name suffixes and other titles
            "mr",
            "mrs",
            "ms",
            "hon",
            "sr",
            "jr",
            "st",
            "gens",
            # days
            "mon",
            "tue",
            "tues",
            "wed",
            "thu",
            "thurs",
            "fri",
            "sat",
            "sun",
            # places, organisations, misc
            "u.s",
            "u.k",
            "u.n",
            "d.c",
            "e.u",
            "u.s.a",
            "n.y",
            "l.a",
            "calif",
            "fla",
            "mass",
            "va",
            "md",
            "wash",
            "inc",
            "corp",
            "co",
            "ltd",
            "dept",
            "assn",
            "ave",
            "blvd",
            "mt",
            "ft",
            "e.g",
            "i.e",
            "etc",
            "vs",
            "approx",
            "a.m",
            "p.m",
            "nos",
            "fig",
            "est",
        }
    )
    | TITLE_ABBREVIATIONS
    | MONTH_ABBREVIATIONS
)

# After an initialism such as "U.S." or "D.C." a sentence may end; Punkt without training cannot tell, so a
# following word that almost always starts a sentence decides it.
_SENTENCE_STARTERS = (
    "The|He|She|It|They|We|I|This|That|These|Those|But|And|Its|His|Her|Their|Our|There|In|On|At|A|An|"
    "What|When|Where|Why|How|Officials|According|However|Meanwhile|After|Before|Since|If"
)
_INITIALISM_BREAK = re.compile(r"(?<=\b[A-Za-z]\.[A-Za-z]\.)\s+(?=(?:" + _SENTENCE_STARTERS + r")\b)")

# "No." ends a sentence ("he said no.") unless a number follows ("Room No. 5").
_NUMBER_SIGN = re.compile(r"\bNos?\.$")
# Where an oversized paragraph may be cut: after ".", "!" or "?" (and closing quotes or brackets), before a space
# and a capital or an opening quote.
_SAFE_BREAK = re.compile(r"(?P<stop>[.!?][\"'”’)\]]*)\s+(?=[\"“‘(]?[A-Z])")
_LAST_WORD = re.compile(r"[\w.]+$")
CHUNK_LIMIT = 20_000  # characters: far above any ordinary paragraph, far below what trips Punkt's time limit
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


_PUNKT = _punkt()


def paragraph_spans(body: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each non-blank line: a release's paragraphs are its lines."""
    for match in re.finditer(r"[^\n]+", body):
        line = match.group()
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            yield match.start() + lead, match.start() + lead + len(stripped)


def chunk_spans(text: str, limit: int = CHUNK_LIMIT) -> Iterator[tuple[int, int]]:
    """Cut a paragraph into ``(start, end)`` pieces of at most ``limit`` characters, at sentence-like breaks.

    Punkt runs its regular expression over a whole paragraph under NLTK's 5 s wall-clock limit, and on a paragraph
    of hundreds of kilobytes it trips it; pieces of bounded size keep splitting linear in the paragraph's length.
    A piece ends at the last sentence end in the second half of its window (a period not after an abbreviation,
    followed by a space and a capital), else at the last space, else at the limit. Paragraphs under the limit,
    that is every ordinary one, are one piece, so their sentences are exactly Punkt's.
    """
    start, n = 0, len(text)
    while n - start > limit:
        window_end = start + limit
        cut = None
        for match in _SAFE_BREAK.finditer(text, start + limit // 2, window_end):
            word = _LAST_WORD.search(text, max(start, match.start() - 20), match.start())
            if word is None or word.group().lower() not in ABBREVIATIONS:
                cut = match
        if cut is not None:
            end, following = cut.end("stop"), cut.end()
        else:
            space = text.rfind(" ", start + limit // 2, window_end)
            end = following = space if space > start else window_end
        yield start, end
        while following < n and text[following].isspace():
            following += 1
        start = following
    if start < n:
        yield start, n


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence ``(start, end)`` offsets within one paragraph of text."""
    spans: list[tuple[int, int]] = []
    for chunk_start, chunk_end in chunk_spans(text):
        piece = text[chunk_start:chunk_end]
        for start, end in _PUNKT.span_tokenize(piece):
            _add_sentence(text, chunk_start + start, chunk_start + end, spans)
    return spans


def _add_sentence(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append Punkt's sentence ``text[start:end]`` to ``spans``, split after initialisms, merged after "No."."""
    piece_start = start
    for match in _INITIALISM_BREAK.finditer(text, start, end):
        spans.append((piece_start, match.start()))
        piece_start = match.end()
    # Only the last few characters can end in "No.": search there, not from the paragraph's start.
    if spans and text[piece_start : piece_start + 1].isdigit():
        previous_end = spans[-1][1]
        if _NUMBER_SIGN.search(text, max(0, previous_end - 5), previous_end):
            spans[-1] = (spans[-1][0], end)  # "No. 5": an abbreviation only before a number, so merged back
            return
    spans.append((piece_start, end))


def split_sentences(body: str) -> tuple[Sentence, ...]:
    """Split a release body into sentences with paragraph numbers and body offsets."""
    sentences: list[Sentence] = []
    for paragraph, (p_start, p_end) in enumerate(paragraph_spans(body)):
        text = body[p_start:p_end]
        for s_start, s_end in sentence_spans(text):
            s_start = content_start(text, s_start, s_end)
            sentences.append(
                Sentence(
                    idx=len(sentences),
                    paragraph=paragraph,
                    text=text[s_start:s_end],
                    start=p_start + s_start,
                    end=p_start + s_end,
                )
            )
    return tuple(sentences)


def words(text: str) -> tuple[str, ...]:
    """Word tokens (letters, inner apostrophes and hyphens); initialisms like "U.S." become "US"."""
    tokens = _WORD.findall(text)
    if not tokens:
        return ()
    # One C-level pass instead of one call per token: tokens never hold a NUL, so the split gives them back.
    return tuple("\0".join(tokens).replace(".", "").split("\0"))


class OfflineTokenizer:
    """The tokenizer protocol sumy expects (``language``, ``to_sentences``, ``to_words``), needing no data."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Sentences of a paragraph of text."""
        return tuple(paragraph[s:e] for s, e in sentence_spans(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Word tokens of one sentence."""
        return words(sentence)
