"""One release body in, everything the store keeps out: sentences, a ranked summary, ranked quotes, topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from digests.models import Analysis, Quote, Sentence, Summary
from digests.quotes import extract_quotes
from digests.summarize import summarize
from digests.text import split_sentences, words
from digests.topics import topic_terms


def rank_quotes(quotes: Sequence[Quote], sentences: Sequence[Sentence], summary: Summary) -> tuple[Quote, ...]:
    """Score each quote by the best summariser score among the sentences it spans, nudged towards substance.

    sumy's sentence scores say how central a passage is to the release; a quote that names a speaker and says
    more is worth more to a reader than an anonymous fragment. Returns the quotes in document order with
    ``score`` and ``rank`` (0 = best) set.
    """
    if not quotes:
        return ()
    top = max(summary.scores, default=0.0) or 1.0
    scored: list[Quote] = []
    for quote in quotes:
        spanned = [s.idx for s in sentences if s.start < quote.end and s.end > quote.start] or [quote.sentence_idx]
        centrality = max(summary.scores[i] for i in spanned if i < len(summary.scores)) / top
        length = min(len(words(quote.text)), 60) / 60
        named = 1.0 if quote.speaker else 0.0
        scored.append(replace(quote, score=round(0.6 * centrality + 0.25 * length + 0.15 * named, 6)))
    order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))
    rank = {index: position for position, index in enumerate(order)}
    return tuple(replace(quote, rank=rank[i]) for i, quote in enumerate(scored))


def analyse(body: str, title: str | None = None, tags: Sequence[str] = (), algorithm: str = "news") -> Analysis:
    """Analyse one release version (pure; CPU-bound, so async callers run it in a worker thread)."""
    sentences = split_sentences(body)
    quotes = extract_quotes(body, sentences)
    summary = summarize(sentences, algorithm, quote_spans=[(q.start, q.end) for q in quotes])
    return Analysis(
        sentences=sentences,
        summary=summary,
        quotes=rank_quotes(quotes, sentences, summary),
        topics=topic_terms(title, body, tags),
    )
