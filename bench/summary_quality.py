"""Summary quality on the BBC News Summary set: ROUGE F1 of every algorithm, one run, one sentence splitter.

Run by hand: ``.venv/bin/python bench/summary_quality.py [--limit N] [--sample-per-category K] [--split S]``.

Each article's first line is its title, passed to ``summarize`` as the headline (only "news" uses it); the rest
is split with ``digests.text.split_sentences`` and ranked by every algorithm of ``digests.summarize``; the best
sentences at two lengths — the reference's sentence count and
3 — are scored against the reference with rouge-score (ROUGE-1, ROUGE-2, ROUGE-Lsum; Porter stemming;
sentences joined by newlines for Lsum).

"news" has weights chosen by grid searches (``bench/tune_news.py``) that used only the ``tune`` split (every 5th article
of each category, 444 pairs); the default ``eval`` split is everything else (1,781 pairs), so its numbers are
held out. Under the table: news's margin over the best other algorithm in each column, with its paired standard
error, and how strongly news and TextRank keep the lead. ``--check-sumy`` also runs sumy's own LexRank and
TextRank summarizers and counts the articles where our numpy versions pick different sentences.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

from rouge_score.rouge_scorer import RougeScorer
from rouge_table import rouge_table  # a sibling: these benchmarks run as scripts from bench/
from shared_data import SHARED_DATA
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from digests.models import Sentence
from digests.summarize import ALGORITHMS, STOP_WORDS, build_document, stem, summarize
from digests.text import split_sentences

DATA = SHARED_DATA / "bbc-news-summary"
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
TUNE_EVERY = 5  # article numbers divisible by this form the tuning split
SHORT_LENGTH = 3
LEAD_CHECKED = ("news", "textrank")
# Reference summaries are article sentences glued together without spaces ("…$10.9bn.For the full-year…"):
# a sentence end directly followed by a capital (optionally after an opening quote) is a boundary.
_GLUED_BOUNDARY = re.compile(r"(?<=[.!?])(?=[\"'“‘]?[A-Z])")
# Straight or curly double-quoted passages within one line: a stand-in for the quotes module, so "news"
# sees quote spans as it does in the bot.
_QUOTE = re.compile(r"[\"“]([^\"“”\n]+)[\"”]")

_SCORER = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def read_text(path: Path) -> str:
    """A file's text: UTF-8, or Latin-1 for the odd file that is not (articles/sport/199.txt)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def article_title_and_body(path: Path) -> tuple[str, str]:
    """An article's first line, the title, and the rest, its body."""
    title, _, body = read_text(path).partition("\n")
    return title.strip(), body.strip()


def reference_sentences(path: Path) -> list[str]:
    """A reference summary's sentences, after restoring the spaces lost between them."""
    return [s.text for s in split_sentences(_GLUED_BOUNDARY.sub(" ", read_text(path).strip()))]


def quote_spans(body: str) -> list[tuple[int, int]]:
    """Body offsets of the text inside each pair of double quotes."""
    return [match.span(1) for match in _QUOTE.finditer(body)]


def pairs(split: str, sample_per_category: int | None, limit: int | None) -> list[tuple[Path, Path]]:
    """(article, summary) paths of the chosen split, a fixed stratified sample if asked, in a fixed order."""
    chosen: list[tuple[Path, Path]] = []
    for category in sorted(p.name for p in (DATA / "articles").iterdir()):
        articles = sorted((DATA / "articles" / category).glob("*.txt"))
        if split != "all":
            tune = split == "tune"
            articles = [a for a in articles if (int(a.stem) % TUNE_EVERY == 0) == tune]
        if sample_per_category is not None:
            step = max(len(articles) // sample_per_category, 1)
            articles = articles[::step][:sample_per_category]
        chosen += [(a, DATA / "summaries" / category / a.name) for a in articles]
    return chosen[:limit] if limit is not None else chosen


def _f1(picked: list[str], reference: list[str]) -> tuple[float, ...]:
    scores = _SCORER.score("\n".join(reference), "\n".join(picked))
    return tuple(scores[kind].fmeasure for kind in ROUGE_TYPES)


def _sumy_disagreements(sentences: tuple[Sentence, ...], lengths: tuple[int, ...]) -> dict[str, int]:
    """1 for each of lexrank/textrank whose numpy ranking picks differently from sumy's own summarizer."""
    found: dict[str, int] = {}
    for name, summarizer_class in (("lexrank", LexRankSummarizer), ("textrank", TextRankSummarizer)):
        summarizer = summarizer_class(stem)
        summarizer.stop_words = STOP_WORDS
        ours = summarize(sentences, name)
        found[name] = int(
            any(tuple(s.idx for s in summarizer(build_document(sentences), n)) != ours.pick(n) for n in lengths)
        )
    return found


Job = tuple[Path, Path, bool, tuple[str, ...]]  # article, summary, --check-sumy, algorithms to score


def evaluate(job: Job) -> tuple[dict[tuple[str, str], tuple[float, ...]], dict[str, int]]:
    """ROUGE F1 of every algorithm on one article at both lengths, keyed by (algorithm, length name).

    The second dict holds the sumy disagreement flags (with ``--check-sumy``) and, for "news" and "textrank",
    ``lead <algorithm>`` (1 when its top 3 has the article's first sentence) and ``lead3 <algorithm>`` (how many
    of its top 3 are among the first three sentences).
    """
    article, summary, check_sumy, algorithms = job
    title, body = article_title_and_body(article)
    sentences = split_sentences(body)
    reference = reference_sentences(summary)
    lengths = {"ref": len(reference), "3": SHORT_LENGTH}
    spans = quote_spans(body)
    results: dict[tuple[str, str], tuple[float, ...]] = {}
    counts: dict[str, int] = {}
    for algorithm in algorithms:
        ranking = summarize(sentences, algorithm, spans, title=title)
        for length_name, count in lengths.items():
            picked = [sentences[i].text for i in ranking.pick(count)]
            results[algorithm, length_name] = _f1(picked, reference)
        if algorithm in LEAD_CHECKED:
            top = set(ranking.pick(SHORT_LENGTH))
            counts[f"lead {algorithm}"] = int(0 in top)
            counts[f"lead3 {algorithm}"] = len(top & {0, 1, 2})
    if check_sumy:
        counts.update(_sumy_disagreements(sentences, tuple(lengths.values())))
    return results, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="score only the first N pairs (after sampling)")
    parser.add_argument("--sample-per-category", type=int, help="a fixed, evenly spaced sample of K per category")
    parser.add_argument("--split", choices=("eval", "tune", "all"), default="eval")
    parser.add_argument("--check-sumy", action="store_true", help="compare lexrank/textrank with sumy's own")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS), help="comma-separated; news always included")
    args = parser.parse_args()

    chosen = pairs(args.split, args.sample_per_category, args.limit)
    algorithms = tuple(a for a in ALGORITHMS if a in {"news", *args.algorithms.split(",")})
    started = time.perf_counter()
    scores: dict[tuple[str, str], list[tuple[float, ...]]] = defaultdict(list)
    disagreements: dict[str, int] = defaultdict(int)
    with Pool(args.workers) as pool:
        for results, disagreed in pool.imap_unordered(
            evaluate, [(a, s, args.check_sumy, algorithms) for a, s in chosen], chunksize=8
        ):
            for key, article_scores in results.items():
                scores[key].append(article_scores)
            for name, flag in disagreed.items():
                disagreements[name] += flag
    elapsed = time.perf_counter() - started

    sample = f", {args.sample_per_category} per category" if args.sample_per_category else ""
    limit = f", first {args.limit}" if args.limit else ""
    print(f"BBC News Summary, split={args.split}{sample}{limit}: {len(chosen)} article/summary pairs")
    if args.split == "eval":
        print(f"(held out: the tune split, every {TUNE_EVERY}th article, is the only BBC data news was tuned on)")
    print("ROUGE F1 x 100 (rouge-score, Porter stemmer); @ref = reference's sentence count, @3 = 3 sentences")
    print("* = best in column; margin = news minus the best other algorithm of the column, ± paired standard error\n")
    columns = [
        (f"{kind.upper().replace('ROUGE', 'R-')}@{length}", length, i)
        for length in ("ref", "3")
        for i, kind in enumerate(ROUGE_TYPES)
    ]
    for line in rouge_table(scores, columns):
        print(line)
    print()
    for algorithm in LEAD_CHECKED:
        lead = disagreements.pop(f"lead {algorithm}", 0)
        lead3 = disagreements.pop(f"lead3 {algorithm}", 0)
        print(
            f"{algorithm}: the lead sentence in its top 3 for {lead / len(chosen):.3f} of articles; "
            f"{lead3 / len(chosen):.2f} of its top 3 from the first three sentences"
        )
    if args.check_sumy:
        print("numpy vs sumy picks differ in: " + ", ".join(f"{k} {v}/{len(chosen)}" for k, v in disagreements.items()))
    print(f"\n{elapsed:.1f} s with {args.workers} workers")


if __name__ == "__main__":
    main()
