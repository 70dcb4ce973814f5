"""Summaries of lead-first news: how much of each headline the top sentences recover.

Run by hand: ``.venv/bin/python bench/headline_quality.py [--split dev|train] [--limit N]``.

BBC's references reward frequency-based picks; most news is written the other way round, lead first. The PolNeAR
articles (2016 U.S. election coverage from a dozen outlets, in ``../shared/data/polnear``) carry no reference
summaries, but each opens with its headline, an editor's one-line summary of the story. So: the headline is
withheld from every algorithm (``news`` would otherwise aim at it through its title echo), the body is split and
ranked as in the bot (quote spans from :func:`digests.quotes.extract_quotes`), and the top 1 and 3 sentences are
scored by ROUGE-1 and ROUGE-2 *recall* of the headline (rouge-score, Porter stemmer): how much of the headline's
point the digest carries. The lead prior of ``news`` was chosen on the *train* split (``bench/tune_news.py``), so
the default, *dev* (84 articles), is held out; train figures are tuning figures.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

from rouge_score.rouge_scorer import RougeScorer
from rouge_table import rouge_table  # a sibling: these benchmarks run as scripts from bench/
from shared_data import SHARED_DATA

from digests.quotes import extract_quotes
from digests.summarize import ALGORITHMS, summarize
from digests.text import split_sentences

DATA = SHARED_DATA / "polnear"
LENGTHS = (1, 3)
ROUGE_TYPES = ("rouge1", "rouge2")

_SCORER = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def evaluate(path: Path) -> dict[tuple[str, int], tuple[float, ...]]:
    """Headline recall of every algorithm's top sentences for one article, keyed by (algorithm, length)."""
    headline, _, body = path.read_text(encoding="utf-8").partition("\n")
    body = body.strip()
    sentences = split_sentences(body)
    spans = [(q.start, q.end) for q in extract_quotes(body, sentences)]
    results: dict[tuple[str, int], tuple[float, ...]] = {}
    for algorithm in ALGORITHMS:
        ranking = summarize(sentences, algorithm, spans)
        for length in LENGTHS:
            scores = _SCORER.score(headline.strip(), " ".join(sentences[i].text for i in ranking.pick(length)))
            results[algorithm, length] = tuple(scores[kind].recall for kind in ROUGE_TYPES)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "train"), default="dev")
    parser.add_argument("--limit", type=int, help="score only the first N articles")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    articles = sorted((DATA / args.split / "text").glob("*.txt"))[: args.limit]
    started = time.perf_counter()
    scores: dict[tuple[str, int], list[tuple[float, ...]]] = defaultdict(list)
    with Pool(args.workers) as pool:
        for results in pool.imap_unordered(evaluate, articles, chunksize=8):
            for key, article_scores in results.items():
                scores[key].append(article_scores)
    elapsed = time.perf_counter() - started

    print(f"PolNeAR {args.split}: {len(articles)} articles, headline withheld and used as the reference")
    print("ROUGE recall of the headline x 100 (rouge-score, Porter stemmer) by the top 1 and top 3 sentences")
    print("* = best in column; margin = news minus the best other algorithm of the column, ± paired standard error\n")
    columns = [(f"R-{kind[-1]}@{length}", length, i) for length in LENGTHS for i, kind in enumerate(ROUGE_TYPES)]
    for line in rouge_table(scores, columns):
        print(line)
    print(f"\n{elapsed:.1f} s with {args.workers} workers")


if __name__ == "__main__":
    main()
