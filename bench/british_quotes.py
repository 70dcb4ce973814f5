"""Quotes in single marks (the British convention of the Daily Mail stories of the CNN/DM sample), checked by hand.

Run by hand: ``.venv/bin/python bench/british_quotes.py [--data FILE] [--draw]``. ``--draw`` prints 40 quotes drawn at
random (seed 2026) from the stories of ``cnndm-sample/train-100.jsonl`` that quote with single marks only, with the
text around each, as they were read; ``bench/data/british_quotes_check.tsv`` holds the verdicts written by hand.
Printed: the verdicts' tallies, and how many of the drawn quotes the extractor still finds at the same offsets
and with the same speakers (a changed extractor needs a new reading, not these verdicts).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.quote_quality import DEFAULT_DATA, Span, ours

CHECK = Path(__file__).resolve().parent / "data" / "british_quotes_check.tsv"
SEED = 2026
SIZE = 40
DOUBLE = re.compile(r"[\"“”„«»]|''|``")


def drawn(path: Path) -> list[tuple[str, str, Span]]:
    """(story id, text, quote) of the random draw."""
    stories = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [(s["id"], s["text"], q) for s in stories if not DOUBLE.search(s["text"]) for q in ours(s["text"])]
    return sorted(random.Random(SEED).sample(items, SIZE), key=lambda x: (x[0], x[2].start))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA.parent / "cnndm-sample" / "train-100.jsonl")
    parser.add_argument("--draw", action="store_true", help="print the draw with the text around each quote")
    args = parser.parse_args(argv)
    sample = drawn(args.data)
    if args.draw:
        for k, (story, text, quote) in enumerate(sample):
            print(f"#{k} {story[:10]} {quote.start} {quote.end} speaker={quote.speaker!r}")
            print("  ", text[max(0, quote.start - 260) : quote.start], "[[", quote.text, "]]", text[quote.end :][:120])
        return 0
    rows = [line.split("\t") for line in CHECK.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    quotes = Counter(row[3] for row in rows)
    speakers = Counter(row[4] for row in rows)
    same = sum((s[:10], str(q.start), str(q.end)) == tuple(r[:3]) for (s, _, q), r in zip(sample, rows, strict=True))
    moved = sum((q.speaker or "-") != r[6] for (_, _, q), r in zip(sample, rows, strict=True))
    print(f"hand-checked quotes: {len(rows)}; the extractor still finds {same} of them at the same offsets")
    print(f"speakers the extractor gives differently since the reading: {moved} (their verdicts are stale)")
    print(f"quotation right: {quotes['1']} of {len(rows)}")
    judged = speakers["right"] + speakers["wrong"]
    print(f"speaker right: {speakers['right']} of {judged} judged ({speakers['unjudged']} not judged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
