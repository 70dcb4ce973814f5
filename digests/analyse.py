"""One release body in, everything the store keeps out: sentences, a ranked summary, ranked quotes, topics."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from digests.models import Analysis, Quote, Sentence, Summary
from digests.quotes import extract_quotes
from digests.summarize import summarize
from digests.text import split_sentences, words
from digests.topics import STOP_WORDS, topic_terms


def _bag(text: str) -> Counter[str]:
    return Counter(word.lower() for word in words(text) if word.lower() not in STOP_WORDS)


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[word] for word, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
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
    scored: list[Quote] = []
    for quote in quotes:
        own = _bag(quote.text)
        spanned = [s.idx for s in sentences if s.start < quote.end and s.end > quote.start] or [quote.sentence_idx]
        sumy_score = (max(summary.scores[i] for i in spanned if i < len(summary.scores)) - low) / span
        named = 1.0 if quote.speaker else 0.0
        score = 0.8 * _cosine(own, document - own) + 0.1 * sumy_score + 0.1 * named
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
    )
