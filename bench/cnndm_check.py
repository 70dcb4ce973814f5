"""A check on inverted-pyramid news with editor-written highlights: the CNN/Daily Mail sample (never tuned on).

Run by hand (``make bench``): ``.venv/bin/python bench/cnndm_check.py``.

``../shared/data/cnndm-sample/train-100.jsonl`` holds 100 CNN/Daily Mail stories with their editors' highlights. Each
story is split and ranked as in the bot (quote spans from :func:`digests.quotes.extract_quotes`, no title), the top 3
sentences of ``news``, ``lead``, ``textrank`` and ``lexrank`` are scored against the highlights with rouge-score (F1,
Porter stemmer; Lsum over newline-joined sentences), on two fields: ``text`` (opening boiler-plate and "(CNN) --"
removed by the data set) and ``article`` (as published, by-lines and "PUBLISHED: … | UPDATED: …" stamps included).
Under each table: news minus each other algorithm, ± the paired standard error over the 100 stories, and "ties" when
the difference is within two standard errors. 100 stories are a check, not a tuning set: no weight was chosen on it.
"""

from __future__ import annotations

import argparse
import json
from multiprocessing import Pool

import numpy as np
from rouge_score.rouge_scorer import RougeScorer
from shared_data import SHARED_DATA  # a sibling: the benchmarks run as scripts from bench/

from digests.quotes import extract_quotes
from digests.summarize import summarize
from digests.text import split_sentences

SAMPLE = SHARED_DATA / "cnndm-sample" / "train-100.jsonl"
FIELDS = ("text", "article")
ALGORITHMS = ("news", "lead", "textrank", "lexrank")
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
LENGTH = 3

_SCORER = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def evaluate(job: tuple[str, str]) -> dict[str, tuple[float, ...]]:
    """F1 × 100 of each algorithm's top 3 sentences against the highlights, for one story's body."""
    body, highlights = job
    sentences = split_sentences(body)
    spans = [(q.start, q.end) for q in extract_quotes(body, sentences)]
    results: dict[str, tuple[float, ...]] = {}
    for algorithm in ALGORITHMS:
        picked = "\n".join(sentences[i].text for i in summarize(sentences, algorithm, spans).pick(LENGTH))
        scores = _SCORER.score(highlights, picked)
        results[algorithm] = tuple(100 * scores[kind].fmeasure for kind in ROUGE_TYPES)
    return results


def verdict(difference: np.ndarray) -> str:
    """Mean ± paired standard error, and whether that is a win, a loss or a tie (within two standard errors)."""
    mean = float(difference.mean())
    error = float(difference.std(ddof=1) / np.sqrt(len(difference)))
    word = "ties" if abs(mean) <= 2 * error else ("wins" if mean > 0 else "loses")
    return f"{mean:+.2f}±{error:.2f} {word}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    stories = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"CNN/Daily Mail sample: {len(stories)} stories, top {LENGTH} sentences against the editors' highlights")
    print("ROUGE F1 x 100 (rouge-score, Porter stemmer; Lsum over newline-joined sentences)")
    with Pool(args.workers) as pool:
        for field in FIELDS:
            rows = pool.map(evaluate, [(story[field], story["highlights"]) for story in stories])
            scores = {a: np.array([row[a] for row in rows]) for a in ALGORITHMS}
            print(f"\nfield `{field}`\n{'algorithm':<10}" + "".join(f"{k:>22}" for k in ("R-1", "R-2", "R-Lsum")))
            for algorithm in ALGORITHMS:
                print(f"{algorithm:<10}" + "".join(f"{v:>22.2f}" for v in scores[algorithm].mean(axis=0)))
            for rival in ALGORITHMS[1:]:
                difference = scores["news"] - scores[rival]
                cells = "".join(f"{verdict(difference[:, i]):>22}" for i in range(len(ROUGE_TYPES)))
                print(f"{'- ' + rival:<10}" + cells)


if __name__ == "__main__":
    main()
