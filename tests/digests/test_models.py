"""The values an analysis is made of pickle as their class and field values (they cross from the analysis workers
to the writer): every field, in order, and they come back equal."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from digests.models import Analysis, Quote, Sentence, Summary, TopicTerms
from digests.stories.fingerprint import Fingerprint, fingerprint

BODY = "The minister met the delegation in Brussels today. " * 8

SENTENCE = Sentence(idx=1, paragraph=0, text="The minister met.", start=5, end=22)
SUMMARY = Summary(scores=(0.5, 0.25), order=(1, 0), algorithm="news")
QUOTE = Quote("We agree", "Jane Doe", "minister", 1, 0, 6, 14, score=0.75, rank=2)
TOPICS = TopicTerms({"EU": "European Union"}, ("brussels", "minister"))
ANALYSIS = Analysis((SENTENCE,), SUMMARY, (QUOTE,), TOPICS, fingerprint(BODY))


@pytest.mark.parametrize("value", [SENTENCE, SUMMARY, QUOTE, TOPICS, ANALYSIS, ANALYSIS.fingerprint])
def test_pickled_as_the_class_and_every_field_in_order(value: Any) -> None:
    rebuild, args = value.__reduce__()
    assert rebuild is type(value)
    assert args == tuple(getattr(value, f.name) for f in dataclasses.fields(value))
    assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value


def test_an_analysis_without_a_fingerprint_comes_back_equal() -> None:
    bare = dataclasses.replace(ANALYSIS, fingerprint=None)
    assert pickle.loads(pickle.dumps(bare)) == bare
    assert isinstance(ANALYSIS.fingerprint, Fingerprint)
