"""Quote extraction quality on PolNeAR (political news with hand-annotated attributions).

Run by hand: ``.venv/bin/python bench/quote_quality.py [--split dev] [--limit N] [--data DIR] [--errors]
[--speed]``; prints a table (``--speed`` adds the time to extract quotes from a 10 MB body: speed is measured
here, never asserted by a timed unit test). ``tests/digests/quotes/test_regression.py`` imports the loading and scoring
from here, so the regression test on the small sample in ``tests/data/polnear/`` scores exactly as this bench
does.

Data: BRAT standoff. ``T`` lines are spans (Source / Cue / Content / Attribution, fragments ``s e;s e``), ``E``
lines link one attribution's spans. When several annotators annotated a text, the first ``.ann`` file in
sorted order is used.

Gold quotes
    A plain quote-mark scan (curly and straight marks; a passage left open at a paragraph end continues when
    the next paragraph opens with a mark; a curly mark whose context plainly contradicts it, as in a paragraph
    typed ”Mr. Trump embodies …”, is read by its context) finds quoted passages. A passage is gold when most
    of it lies inside an annotated Content span; consecutive passages of the same attribution separated only
    by text outside its content (“…,” Singh said. “…”) form one gold quote. Gold quotes of fewer than 5 words
    are dropped. The gold speaker is the text of the attribution's Source span.

Matching
    Quotes are compared as sets of lower-cased word tokens (``digests.text.words``). Gold and extractor cut
    quotations differently: a gold quote joins every passage of one attribution, even across a long
    interruption (“…,” Sanders said, invoking the 2008 race. “…”), while the extractor joins passages only
    across a bare attribution, which annotators sometimes split into two attributions. So a predicted and a
    gold quote are linked when one lies mostly (by characters) inside the other, and each connected group is
    pooled: its quotes all match when the pooled words have Jaccard similarity ≥ 0.5. Quotes left over are
    matched one-to-one by Jaccard ≥ 0.5, greedily, best pair first. Precision = matched predicted / predicted,
    recall = matched gold / gold; a gold quote's predicted speaker is that of the linked quote overlapping it
    most.

Speakers
    A gold speaker names someone when, after dropping parentheses, an apposition after a comma, and a tail
    such as "Carper of Delaware" ("of"/"from" after a capitalised word that is not an office such as
    "Secretary of State …"), "an adviser to Trump" ("to"/"for"/"at"/"with" after a lower-case word) or
    "who …", a conjunct ("Trump and Ryan" has two) ends in a capitalised word that is not a pronoun and does
    not open with an indefinite word. Names: "Trump", "Mr. Trump", "Sen. Ted Cruz (R-Texas)", "Sen. Tom Carper of
    Delaware", "Monte Shaw, executive director of …", "Democrats". Not names: "he", "Another", "a campaign
    spokesman", "the Trump campaign", "a Nevada Democrat", "an adviser to Trump". The keys are those last
    words ("Cruz", "Shaw"); a predicted speaker is right when one of its words equals a key, ignoring case.
    "spk acc" is over matched gold quotes with a named speaker; "spk all" is over every gold quote with a
    named speaker, an unmatched quote or a missing speaker counting as wrong.

The baseline is the plain quote-mark scan itself: every passage of 5 words or more, no attribution at all.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from digests.quotes import extract_quotes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the bench package is beside it

# The stages live in modules of their own; their names are re-exported here for the benches and the regression
# test that import them from this module.
from bench.quote_data import Article, Attribution, Span, load_articles, parse_ann
from bench.quote_gold import baseline, gold_quotes, plain_scan
from bench.quote_scoring import MATCH_JACCARD, Score, match, ours, score
from bench.quote_speakers import name_keys, speaker_right

__all__ = [
    "MATCH_JACCARD",
    "Article",
    "Attribution",
    "Score",
    "Span",
    "baseline",
    "gold_quotes",
    "load_articles",
    "match",
    "name_keys",
    "ours",
    "parse_ann",
    "plain_scan",
    "score",
    "speaker_right",
]

DEFAULT_DATA = Path("/work/shared/data/polnear")
SEED = Path(__file__).resolve().parent.parent / "tests" / "data" / "seed_hmc.txt"
SPEED_BYTES = 10_000_000
# Dev articles that shaped rules or tests: the former regression sample of tests/data/polnear, and the article
# the inline dash signature ("“…” ― Name") and a paragraph opened by a backwards ” were written from.
# ``--unseen`` leaves them out, so the dev figure is one on articles no rule was written from.
SEEN_DEV = frozenset(
    {
        "breitbart_2016-09-15_pat-caddell-democrat-voters-worr",
        "huff-post_2016-09-20_elizabeth-warren-hammers-wells-f",
        "politico_2016-09-08_flynn-says-trump-absolutely-righ",
        "politico_2016-09-16_sanders-clinton-needs-to-get-awa",
        "west-journal_2016-09-14_clinton-hid-past-health-problems",
        "huff-post_2016-09-27_latinos-share-their-most-honest-",
    }
)


def speed(size: int = SPEED_BYTES) -> tuple[float, int]:
    """Seconds to extract quotes from a body of ``size`` characters (copies of the seed release), and how many
    quotes were found. Speed is measured here, never asserted by a timed unit test."""
    seed = SEED.read_text(encoding="utf-8")
    body = "\n".join([seed] * (size // len(seed) + 1))
    started = time.perf_counter()
    found = extract_quotes(body, ())
    return time.perf_counter() - started, len(found)


def british(path: Path) -> None:
    """Print how many stories of a CNN/DM JSONL file (``text`` field) quote with single marks only (no double
    mark of any kind: the British convention of the Daily Mail), how many quotes are found in them and how many
    of those have a speaker; for the reader to check by eye with ``--errors``-style listing below."""
    stories = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    single = [text for text in stories if not re.search(r"[\"“”„«»]|''|``", text)]
    found = [q for text in single for q in ours(text)]
    print(f"{len(stories)} stories, {len(single)} quote with single marks only")
    print(f"quotes found in those: {len(found)}, with a speaker: {sum(q.speaker is not None for q in found)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", action="store_true", help="list missed, extra and mis-attributed quotes")
    parser.add_argument("--speed", action="store_true", help="also time extraction on a 10 MB body")
    parser.add_argument("--unseen", action="store_true", help="leave out the dev articles rules were written from")
    parser.add_argument("--british", type=Path, default=None, help="CNN/DM JSONL: quotes in single-mark stories")
    args = parser.parse_args(argv)
    if args.british is not None:
        british(args.british)
        return 0
    articles = load_articles(args.data / args.split, args.limit)
    if args.unseen:
        articles = [a for a in articles if a.name not in SEEN_DEV]
    print(f"PolNeAR {args.split}: {len(articles)} articles" + (" (unseen)" if args.unseen else ""))
    header = (
        f"{'extractor':<10} {'pred':>5} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6} {'spk acc':>8} {'spk all':>8}"
        f" {'sec':>6}"
    )
    print(header)
    print("-" * len(header))
    for extractor in ("baseline", "ours"):
        started = time.perf_counter()
        result = score(articles, extractor, keep_errors=args.errors and extractor == "ours")
        elapsed = time.perf_counter() - started
        speaker = extractor == "ours"
        acc = f"{result.speaker_accuracy:8.3f}" if speaker else f"{'-':>8}"
        overall = f"{result.speaker_overall:8.3f}" if speaker else f"{'-':>8}"
        print(
            f"{extractor:<10} {result.predicted:>5} {result.gold:>5} {result.precision:6.3f} {result.recall:6.3f}"
            f" {result.f1:6.3f} {acc} {overall} {elapsed:6.2f}"
        )
        if speaker:
            print(f"named-speaker gold quotes: {result.named_gold}, of them matched: {result.named_matched}")
        for line in result.errors:
            print(line)
    if args.speed:
        seconds, found = speed()
        print(f"10 MB body: {seconds:.2f} s, {found} quotes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
