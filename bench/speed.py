"""Ranking speed: ms per release for "news" against sumy's own (pure-Python) LexRankSummarizer.

Run by hand: ``.venv/bin/python bench/speed.py [--repeat N]``.

Synthetic releases of 25, 120 and 480 sentences are cut from BBC business articles laid end to end. Every
timing includes building sumy's document model. "news" and our numpy "lexrank" are timed with the stem and term
caches warm, as in a running bot; "news cold" clears them first. Ratios are against sumy's LexRankSummarizer
measured in the same run (median of the repeats).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from functools import partial

from shared_data import SHARED_DATA  # a sibling: the benchmarks run as scripts from bench/
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer

from digests.models import Sentence
from digests.summarize import LANGUAGE, STOP_WORDS, build_document, content_term, stem, summarize
from digests.text import split_sentences

ARTICLES = SHARED_DATA / "bbc-news-summary" / "articles" / "business"
SIZES = (25, 120, 480)


def release(size: int) -> tuple[Sentence, ...]:
    """The first ``size`` sentences of BBC business articles (titles dropped) laid end to end."""
    bodies: list[str] = []
    for path in sorted(ARTICLES.glob("*.txt")):
        bodies.append(path.read_text(encoding="utf-8").split("\n", 1)[-1].strip())
        sentences = split_sentences("\n".join(bodies))
        if len(sentences) >= size:
            return sentences[:size]
    raise ValueError(f"not enough text for {size} sentences")


def sumy_lexrank(sentences: tuple[Sentence, ...]) -> None:
    """sumy's LexRankSummarizer as sumy ships it (plain stemmer), on the same document model."""
    summarizer = LexRankSummarizer(Stemmer(LANGUAGE))
    summarizer.stop_words = STOP_WORDS
    summarizer(build_document(sentences), 3)


def clear_caches() -> None:
    """Forget memoised stems and terms, as in a freshly started bot."""
    stem.cache_clear()
    content_term.cache_clear()


def median_ms(run: Callable[[], object], repeat: int, before: Callable[[], object] = lambda: None) -> float:
    """Median wall time of ``run`` in milliseconds, calling ``before`` (untimed) ahead of each repeat."""
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    header = (
        f"{'sentences':>9}  {'sumy LexRank':>12}  {'news':>8}  {'news cold':>9}  {'lexrank':>8}"
        f"  {'news/sumy':>9}  {'speed-up':>8}"
    )
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"ms per release, median of {args.repeat}; ratios against sumy's LexRankSummarizer in this run")
    # The similarity products avoid BLAS; sumy's power method (a matrix-vector product per step) still calls it.
    print(f"OPENBLAS_NUM_THREADS={blas_threads} (1 keeps the power method's BLAS threads from fighting)\n")
    print(header)
    print("-" * len(header))
    for size in SIZES:
        sentences = release(size)
        summarize(sentences)  # warm the stem cache
        baseline = median_ms(partial(sumy_lexrank, sentences), args.repeat)
        news = median_ms(partial(summarize, sentences), args.repeat)
        cold = median_ms(partial(summarize, sentences), args.repeat, before=clear_caches)
        lexrank = median_ms(partial(summarize, sentences, "lexrank"), args.repeat)
        print(
            f"{size:>9}  {baseline:>12.1f}  {news:>8.1f}  {cold:>9.1f}  {lexrank:>8.1f}"
            f"  {news / baseline:>9.3f}  {baseline / news:>7.0f}x"
        )


if __name__ == "__main__":
    main()
