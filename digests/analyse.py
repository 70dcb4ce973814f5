"""One release body in, everything the store keeps out: sentences, a ranked summary, ranked quotes, topics."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from digests.models import Analysis, Quote, Sentence, Summary
from digests.quotes import extract_quotes
from digests.stories.fingerprint import fingerprint
from digests.summarize import summarize
from digests.text import split_sentences, words
from digests.topics import STOP_WORDS, topic_terms


def _bag(text: str) -> Counter[str]:
    return Counter(word for word in map(str.lower, words(text)) if word not in STOP_WORDS)


def _squares(bag: Counter[str]) -> int:
    return sum(count * count for count in bag.values())


def _similarity_to_rest(own: Counter[str], document: Counter[str], document_squares: int) -> float:
    """Cosine between ``own`` and ``document - own``, touching only ``own``'s words (the rest keep their counts).

    Integer sums throughout, so it equals the cosine computed over the whole subtracted bag to the last bit.
    """
    rest = {word: max(document[word] - count, 0) for word, count in own.items()}
    dot = sum(count * rest[word] for word, count in own.items())
    rest_squares = document_squares - sum(document[word] ** 2 - left * left for word, left in rest.items())
    norm = math.sqrt(_squares(own)) * math.sqrt(rest_squares)
    return dot / norm if norm else 0.0


def rank_quotes(
    quotes: Sequence[Quote], sentences: Sequence[Sentence], summary: Summary, body: str
) -> tuple[Quote, ...]:
    """Score each quote by how central it is to the release, and rank them.

    Centrality is mostly the quote's similarity to the rest of the release (a quote that restates the
    release's subject is its key quote). The summariser's best score among the sentences the quote spans
    (sumy's signal) only breaks near-ties: it carries the summary's position preference, which says nothing
    about which quote matters. A named speaker gets a nudge. Returns the quotes in document order with
    ``score`` and ``rank`` (0 = best) set.
    """
    if not quotes:
        return ()
    # Min-max scaling: some sumy algorithms (SumBasic, KL) rate with zero or negative numbers.
    low, high = min(summary.scores, default=0.0), max(summary.scores, default=0.0)
    span = (high - low) or 1.0
    document = _bag(body)
    document_squares = _squares(document)
    starts = [s.start for s in sentences]
    ends = [s.end for s in sentences]  # sentences do not overlap, so ends ascend with starts
    scored: list[Quote] = []
    for quote in quotes:
        own = _bag(quote.text)
        # The sentences the quote overlaps: those ending after it starts and starting before it ends.
        spanned = range(bisect_right(ends, quote.start), bisect_left(starts, quote.end)) or [quote.sentence_idx]
        sumy_score = (max(summary.scores[i] for i in spanned if i < len(summary.scores)) - low) / span
        named = 1.0 if quote.speaker else 0.0
        score = 0.8 * _similarity_to_rest(own, document, document_squares) + 0.1 * sumy_score + 0.1 * named
        scored.append(replace(quote, score=round(score, 6)))
    order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))
    rank = {index: position for position, index in enumerate(order)}
    return tuple(replace(quote, rank=rank[i]) for i, quote in enumerate(scored))


def analyse(body: str, title: str | None = None, tags: Sequence[str] = (), algorithm: str = "news") -> Analysis:
    """Analyse one release version (pure; CPU-bound, so async callers run it in a worker thread)."""
    sentences = split_sentences(body)
    quotes = extract_quotes(body, sentences)
    summary = summarize(sentences, algorithm, quote_spans=[(q.start, q.end) for q in quotes], title=title)
    return Analysis(
        sentences=sentences,
        summary=summary,
        quotes=rank_quotes(quotes, sentences, summary, body),
        topics=topic_terms(title, body, tags),
        fingerprint=fingerprint(body),
    )
