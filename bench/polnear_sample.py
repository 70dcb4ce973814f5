"""Draw the small PolNeAR sample of ``tests/data/polnear/`` from the TRAIN split (never dev).

Run by hand: ``.venv/bin/python bench/polnear_sample.py [--data DIR] [--copy]``. One article per outlet, drawn
at random (seed 13) among those with 5–12 gold quotes and under 7,000 characters (for nyt, one written with
two-apostrophe quote marks); ``--copy`` copies each text and its first annotator's ``.ann`` file into the
test data. ``tests/digests/quotes/test_regression.py`` scores that sample as ``bench/quote_quality.py`` does.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.quote_quality import DEFAULT_DATA, Article, gold_quotes, load_articles

TARGET = Path(__file__).resolve().parent.parent / "tests" / "data" / "polnear"
OUTLETS = ("nyt", "politico", "huff-post", "breitbart", "usa-today", "wash-post")


def draw(articles: Sequence[Article], seed: int = 13) -> list[Article]:
    """One article per outlet (see the module docstring)."""
    rng = random.Random(seed)
    picked: list[Article] = []
    for outlet in OUTLETS:
        fitting = [
            a
            for a in articles
            if a.name.startswith(outlet + "_")
            and 5 <= len(gold_quotes(a)) <= 12
            and len(a.body) < 7000
            and (outlet != "nyt" or "''" in a.body)
        ]
        if fitting:
            picked.append(rng.choice(sorted(fitting, key=lambda a: a.name)))
    return picked


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--copy", action="store_true")
    args = parser.parse_args(argv)
    train = args.data / "train"
    for article in draw(load_articles(train)):
        print(article.name)
        if args.copy:
            ann = sorted((train / "attributions").glob(article.name + "_*.ann"))[0]
            shutil.copy(train / "text" / f"{article.name}.txt", TARGET / "text")
            shutil.copy(ann, TARGET / "attributions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
