"""The pronoun path of speaker resolution ("she said" → the person named before), on hand-labelled quotes.

Run by hand: ``.venv/bin/python bench/pronoun_speakers.py [--data DIR] [--errors] [--draw]``.

``bench/data/pronoun_speakers_train.tsv`` holds 120 gold quotes of PolNeAR TRAIN (as ``bench/quote_quality.py``
builds them) whose annotated source is "he" or "she", drawn at random (seed 2026; ``--draw`` prints that draw with
the text before each quote, as it was read for labelling), each labelled by hand with the person the pronoun
refers to; ``--split dev`` uses ``pronoun_speakers_dev.tsv``, 40 such quotes of dev, labelled after the rules
were written and measured once. For each, the extractor runs on the whole article; the quote it found that
overlaps the labelled span most is right when its speaker shares a word with the label's name (as the
benchmark's ``speaker_right``). Printed: how many labelled quotes were found, and how many got the right speaker,
over all and over those found.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.quote_quality import DEFAULT_DATA, Span, gold_quotes, load_articles, name_keys, ours, speaker_right

DATA = Path(__file__).resolve().parent / "data"
SEED = 2026
SIZE = {"train": 120, "dev": 40}


def load_labels(path: Path) -> list[tuple[str, int, int, str]]:
    """(text id, start, end, speaker) of each labelled quote."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, start, end, _pronoun, speaker = line.split("\t")
            rows.append((name, int(start), int(end), speaker))
    return rows


def draw(split: Path, size: int) -> None:
    """Print the random draw of pronoun-attributed gold quotes, with the text before each, for labelling."""
    items = [
        (article, quote)
        for article in load_articles(split)
        for quote in gold_quotes(article)
        if (quote.speaker or "").strip().lower() in {"he", "she"}
    ]
    picked = sorted(random.Random(SEED).sample(items, size), key=lambda x: (x[0].name, x[1].start))
    for article, quote in picked:
        before = article.body[max(0, quote.start - 550) : quote.start].replace("\n", " ¶ ")
        print(f"{article.name}\t{quote.start}\t{quote.end}\t{quote.speaker}")
        print(f"  …{before}\n  QUOTE: {quote.text[:150]}\n")


def _best(predicted: list[Span], start: int, end: int) -> Span | None:
    overlaps = [(min(end, p.end) - max(start, p.start), p) for p in predicted]
    best = max(overlaps, default=(0, None), key=lambda pair: pair[0])
    return best[1] if best[0] > 0 else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", action="store_true", help="list the quotes given a wrong speaker or missed")
    parser.add_argument("--draw", action="store_true", help="print the draw the labels were written for")
    parser.add_argument("--split", choices=sorted(SIZE), default="train")
    args = parser.parse_args(argv)
    train = args.data / args.split
    if args.draw:
        draw(train, SIZE[args.split])
        return 0
    labels = load_labels(DATA / f"pronoun_speakers_{args.split}.tsv")
    found = right = 0
    cache: dict[str, list[Span]] = {}
    for name, start, end, speaker in labels:
        if name not in cache:
            cache[name] = ours((train / "text" / f"{name}.txt").read_text(encoding="utf-8"))
        quote = _best(cache[name], start, end)
        found += quote is not None
        ok = quote is not None and speaker_right(quote.speaker, name_keys(speaker))
        right += ok
        if args.errors and not ok:
            print(f"WRONG {name} {start} label={speaker!r} ours={quote.speaker if quote else 'MISSED'!r}")
    print(f"hand-labelled pronoun-attributed quotes (PolNeAR {args.split}): {len(labels)}")
    print(f"found by the extractor: {found}; right speaker: {right}")
    print(f"accuracy over all: {right / len(labels):.3f}; over those found: {right / max(found, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
