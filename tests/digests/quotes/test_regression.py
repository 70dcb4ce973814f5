"""Whole bodies: a long one, and a PolNeAR sample scored exactly as bench/quote_quality.py scores."""

from __future__ import annotations

from bench.quote_quality import load_articles, score
from digests.quotes import extract_quotes
from tests.digests.quotes.helpers import DATA, SEED


def test_megabyte_body_is_processed() -> None:
    # Functional only: the time on 10 MB is reported by ``bench/quote_quality.py --speed``.
    copies = 1_000_000 // len(SEED) + 1
    found = extract_quotes("\n".join([SEED] * copies), ())
    assert len(found) == 5 * copies
    assert {q.speaker for q in found} == {"Sabrina Singh"}


# --- regression on a PolNeAR sample (scored exactly as bench/quote_quality.py) ------------------------------


def test_polnear_sample_quality() -> None:
    # Six TRAIN articles drawn by bench/polnear_sample.py (rules are developed on train; dev is measured).
    articles = load_articles(DATA / "polnear")
    assert len(articles) == 6
    result = score(articles)
    # Measured: P 1.000, R 0.979 (46 of 47 gold), speaker accuracy and overall 0.900 (27 of 30 named).
    assert result.gold >= 40
    assert result.precision >= 0.95
    assert result.recall >= 0.95
    assert result.speaker_accuracy >= 0.85
    assert result.speaker_overall >= 0.85
