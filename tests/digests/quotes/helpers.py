"""Shared helpers of the quote extractor's tests."""

from __future__ import annotations

from pathlib import Path

from digests.models import Quote
from digests.quotes import extract_quotes
from digests.text import split_sentences

DATA = Path(__file__).resolve().parent.parent.parent / "data"
SEED = (DATA / "seed_hmc.txt").read_text(encoding="utf-8")
SAID = "“We will keep working with our partners here,”"


def quotes(body: str) -> tuple[Quote, ...]:
    return extract_quotes(body, split_sentences(body))


def only(body: str) -> Quote:
    found = quotes(body)
    assert len(found) == 1, found
    return found[0]
