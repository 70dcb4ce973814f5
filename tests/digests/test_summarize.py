"""Tests for digests.summarize: sumy rankings of every sentence, the news ranking, and the numpy paths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from rouge_score.rouge_scorer import RougeScorer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from digests import sentence_graph
from digests import summarize as summarize_module
from digests.models import Sentence
from digests.summarize import (
    ALGORITHMS,
    STOP_WORDS,
    build_document,
    news_centrality,
    quote_fragments,
    stem,
    summarize,
    term_counts,
    title_echo,
)
from digests.text import split_sentences

DATA = Path(__file__).resolve().parent.parent / "data"
SEED = (DATA / "seed_hmc.txt").read_text(encoding="utf-8")
SEED_TITLE = "Change in ISIS Threat Means Evolution in Long-Term U.S.-Iraq Relationship"


def quote_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each pair of double quotes on a line: a stand-in for the quotes module."""
    return [match.span(1) for match in re.finditer(r"[\"“]([^\"“”\n]+)[\"”]", body)]


def bbc_samples() -> list[tuple[str, str, str, list[str]]]:
    """(name, title, article body, reference sentences) of each sample in tests/data/bbc."""
    samples = []
    for summary in sorted((DATA / "bbc").glob("*.summary.txt")):
        article = summary.with_name(summary.name.replace(".summary", ""))
        title, _, body = article.read_text(encoding="utf-8").partition("\n")
        samples.append((article.stem, title.strip(), body.strip(), summary.read_text(encoding="utf-8").splitlines()))
    return samples


def make_sentences(texts: list[str]) -> list[Sentence]:
    """One sentence per paragraph, offsets as if joined by newlines."""
    sentences, start = [], 0
    for idx, text in enumerate(texts):
        sentences.append(Sentence(idx=idx, paragraph=idx, text=text, start=start, end=start + len(text)))
        start += len(text) + 1
    return sentences


@pytest.fixture(scope="module")
def seed() -> tuple[Sentence, ...]:
    return split_sentences(SEED)


def test_seed_has_24_sentences(seed: tuple[Sentence, ...]) -> None:
    assert len(seed) == 24


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_ranks_every_sentence(seed: tuple[Sentence, ...], algorithm: str) -> None:
    summary = summarize(seed, algorithm)
    assert summary.algorithm == algorithm
    assert sorted(summary.order) == list(range(len(seed)))
    assert len(summary.scores) == len(seed)


def test_document_model_aligns_with_our_sentences(seed: tuple[Sentence, ...]) -> None:
    document = build_document(seed)
    assert [str(s) for s in document.sentences] == [s.text for s in seed]
    assert len(document.paragraphs) == len({s.paragraph for s in seed})


def test_seed_quote_fragments_are_the_continuations(seed: tuple[Sentence, ...]) -> None:
    # Sentence 18 opens the quote “The United States … Resolve.”; 19 and 20 continue it.
    assert quote_fragments(seed, quote_spans(SEED)) == {19, 20}


@pytest.mark.parametrize("title", [SEED_TITLE, None])
def test_news_summary_of_seed_is_useful(seed: tuple[Sentence, ...], title: str | None) -> None:
    summary = summarize(seed, "news", quote_spans(SEED), title=title)
    picked = summary.pick(3)
    assert len(picked) == 3
    assert 0 in picked or 2 in picked  # the lead, or the sentence defining the HMC
    assert not {19, 20} & set(picked)
    assert set(summary.order[-2:]) == {19, 20}  # quote fragments rank last


# Two stories in one release that share no content word: a clinic (sentences 0 and 3) and a budget (1 and 2).
TWO_STORIES = [
    "Officials opened a new veterans clinic in Tucson on Monday after months of construction.",
    "The budget for the coming year adds money for road repairs and school buses across the county.",
    "The county also plans new bus routes and repairs to roads damaged in last winter's storms.",
    "Council members said the clinic will serve about 4,000 veterans and their families.",
]


def test_news_favours_sentences_that_echo_the_title() -> None:
    # Neither story links to the other, so the random jumps and the lead prior share the ranking: the first two
    # sentences lead whatever the title; after them, a headline on one story lifts that story's other sentence.
    sentences = make_sentences(TWO_STORIES)
    assert summarize(sentences).order[:2] == (0, 1)
    assert summarize(sentences, title="County budget adds road repairs and bus routes").order[2] == 2
    assert summarize(sentences, title="New veterans clinic opens in Tucson").order[2] == 3


@pytest.mark.parametrize("title", [None, "", "The", "2024", "Zebras"])
def test_a_title_without_shared_content_words_changes_nothing(title: str | None) -> None:
    sentences = make_sentences(TWO_STORIES)
    assert summarize(sentences, title=title) == summarize(sentences)


def test_title_echo_is_the_share_of_title_terms_a_sentence_holds() -> None:
    terms = term_counts(build_document(make_sentences(TWO_STORIES)))
    # The title's content terms, stemmed as sumy stems them: veteran, clinic, open, tucson ("new" and "in" are
    # stop words). Sentence 0 holds all four ("opened" stems to "open"), sentence 3 two.
    echo = title_echo(terms, "New veterans clinic opens in Tucson")
    assert echo.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.5])
    assert title_echo(terms, None).tolist() == [0.0] * 4


@pytest.mark.parametrize("algorithm", [a for a in ALGORITHMS if a != "news"])
def test_sumy_algorithms_ignore_the_title(seed: tuple[Sentence, ...], algorithm: str) -> None:
    assert summarize(seed, algorithm, title=SEED_TITLE) == summarize(seed, algorithm)


def test_news_centrality_has_no_self_loops_and_loses_no_mass() -> None:
    # 0 and 1 share terms, 2 shares none. Without self-loops the walk bounces between 0 and 1, and 2, a dangling
    # node, jumps away: p2 = (1 - d) / 3 + d * p2 / 3, so p2 = (1 - d) / (3 - d). sumy's self-loop would instead
    # keep 2's share and give it 1/3, as much as either of the linked pair.
    sentences = make_sentences(
        ["The Navy tested a radar at sea.", "The radar the Navy tested tracks drones.", "Bakers sell bread daily."]
    )
    scores = news_centrality(term_counts(build_document(sentences)), np.full(3, 1 / 3))
    isolated = (1 - TextRankSummarizer.damping) / (3 - TextRankSummarizer.damping)
    assert scores.tolist() == pytest.approx([(1 - isolated) / 2, (1 - isolated) / 2, isolated], abs=1e-3)


def test_shared_products_match_a_dense_product(seed: tuple[Sentence, ...]) -> None:
    terms = term_counts(build_document(seed))
    values = np.arange(1.0, len(terms.counts) + 1)
    dense = np.zeros((terms.sentences, len(terms.frequency)))
    shared = terms.frequency[terms.cols] > 1
    dense[terms.rows[shared], terms.cols[shared]] = values[shared]
    assert np.allclose(terms.shared_products(values), dense @ dense.T)


def test_news_without_quote_spans_is_still_a_full_ranking(seed: tuple[Sentence, ...]) -> None:
    summary = summarize(seed)
    assert summary.algorithm == "news"
    assert sorted(summary.order) == list(range(len(seed)))


def test_news_penalises_very_short_sentences() -> None:
    sentences = make_sentences(
        [
            "The Army fielded a new air defense radar at Fort Sill this week, officials said.",
            "It works.",
            "The radar tracks drones and cruise missiles at longer range than the system it replaces.",
        ]
    )
    assert summarize(sentences).order[-1] == 1


def test_news_controls_redundancy() -> None:
    repeated = "The Navy commissioned the destroyer USS Example in Norfolk on Saturday."
    sentences = make_sentences(
        [
            repeated,
            repeated,
            "The ship carries a crew of about 300 sailors and a pair of helicopters.",
            "Its namesake served in the Pacific during the Second World War.",
        ]
    )
    assert summarize(sentences).order[1] != 1


def test_unknown_algorithm_is_rejected(seed: tuple[Sentence, ...]) -> None:
    with pytest.raises(ValueError, match="unknown algorithm"):
        summarize(seed, "bogus")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_no_sentences(algorithm: str) -> None:
    summary = summarize([], algorithm)
    assert summary.scores == () and summary.order == ()
    assert summary.pick(3) == ()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize(
    "texts",
    [
        ["The Pentagon announced new talks with Iraq today."],
        ["The Pentagon announced new talks with Iraq today."] * 4,
        ["123 456.", "!!!", "42."],
        ["It is what it is.", "We are here.", "He is."],
        ["2024.", "The Army tested a new radar.", "The Army radar works well.", "—"],
    ],
    ids=["one", "identical", "no-words", "stop-words-only", "mixed"],
)
def test_edge_cases_give_a_full_ranking(algorithm: str, texts: list[str]) -> None:
    summary = summarize(make_sentences(texts), algorithm)
    assert sorted(summary.order) == list(range(len(texts)))
    assert len(summary.scores) == len(texts)
    assert all(score == score for score in summary.scores)  # no NaN


@pytest.mark.parametrize(
    ("algorithm", "summarizer_class"), [("lexrank", LexRankSummarizer), ("textrank", TextRankSummarizer)]
)
def test_numpy_rankings_pick_what_sumy_picks(algorithm: str, summarizer_class: type) -> None:
    seed = split_sentences(SEED)
    variants = [seed, seed[:7], seed[5:17], seed[::2]] + [split_sentences(body) for _, _, body, _ in bbc_samples()]
    for variant in variants:
        sentences = tuple(Sentence(i, s.paragraph, s.text, s.start, s.end) for i, s in enumerate(variant))
        summarizer = summarizer_class(stem)
        summarizer.stop_words = STOP_WORDS
        for count in (1, 3, 5):
            expected = tuple(s.idx for s in summarizer(build_document(sentences), count))
            assert summarize(sentences, algorithm).pick(count) == expected


@pytest.mark.parametrize("algorithm", ["news", "lexrank", "textrank"])
def test_long_releases_never_take_sumys_pure_python_loops(monkeypatch: pytest.MonkeyPatch, algorithm: str) -> None:
    # sumy's own similarity loops are O(n²) in Python and take seconds on a 500-sentence transcript (bench/speed.py
    # measures the numpy paths); a structural guard rather than a timed test, which a busy machine would fail.
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("sumy's pure-Python similarity loop was called")

    for summarizer_class, method in [
        (TextRankSummarizer, "rate_sentences"),
        (TextRankSummarizer, "_create_matrix"),
        (LexRankSummarizer, "_create_matrix"),
        (LexRankSummarizer, "cosine_similarity"),
    ]:
        monkeypatch.setattr(summarizer_class, method, refuse)
    sentences = split_sentences("\n".join([SEED] * 21))  # 504 sentences
    summary = summarize(sentences, algorithm)
    assert sorted(summary.order) == list(range(len(sentences)))


@pytest.mark.parametrize(
    ("title", "body", "reference"),
    [pytest.param(title, body, reference, id=name) for name, title, body, reference in bbc_samples()],
)
def test_news_beats_lead_on_bbc_samples(title: str, body: str, reference: list[str]) -> None:
    # A regression guard on three samples (bench/summary_quality.py measures the whole set): news at least
    # matches the lead on ROUGE-1 at the reference's length and at 3 sentences.
    scorer = RougeScorer(["rouge1"], use_stemmer=True)
    sentences = split_sentences(body)

    def rouge1(picked: tuple[int, ...]) -> float:
        text = "\n".join(sentences[i].text for i in picked)
        return float(scorer.score("\n".join(reference), text)["rouge1"].fmeasure)

    news = summarize(sentences, "news", quote_spans(body), title=title)
    lead = summarize(sentences, "lead")
    for count in (len(reference), 3):
        assert rouge1(news.pick(count)) >= rouge1(lead.pick(count)), count


def test_shared_products_in_batches_equal_one_batch(
    monkeypatch: pytest.MonkeyPatch, seed: tuple[Sentence, ...]
) -> None:
    terms = term_counts(build_document(seed))
    whole = terms.shared_products(terms.counts)
    monkeypatch.setattr(sentence_graph, "PAIR_BATCH", 3)  # a few terms per batch
    assert np.allclose(terms.shared_products(terms.counts), whole)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sentences_past_the_ranked_limit_follow_in_document_order(
    monkeypatch: pytest.MonkeyPatch, seed: tuple[Sentence, ...], algorithm: str
) -> None:
    full = summarize(seed[:10], algorithm, quote_spans(SEED))
    monkeypatch.setattr(summarize_module, "RANKED_SENTENCES", 10)
    capped = summarize(seed, algorithm, quote_spans(SEED))
    assert capped.order == full.order + tuple(range(10, len(seed)))
    assert capped.scores[:10] == full.scores and len(capped.scores) == len(seed)
    assert set(capped.scores[10:]) == {min(full.scores)}


def test_quote_fragments_with_nested_and_overlapping_spans() -> None:
    sentences = make_sentences(["a" * 9] * 5)  # starts 0, 10, 20, 30, 40
    assert quote_fragments(sentences, [(5, 25), (12, 14), (38, 39)]) == {1, 2}
    assert quote_fragments(sentences, [(10, 45)]) == {2, 3, 4}  # the sentence opening the quote is not one
    assert quote_fragments(sentences, []) == set()


def test_news_never_picks_boilerplate() -> None:
    body = (
        "By . Rob Cooper . PUBLISHED: . 03:53 EST, 23 July 2013 . | . UPDATED: . 11:25 EST, 23 July 2013 . "
        "Retailers are selling bizarre souvenirs of the royal baby across the country this week. "
        "Scroll down for video. "
        "A knitted baby doll and a potty chair are among the souvenirs that retailers are selling. "
        "Click here to see the full range of royal baby souvenirs on sale. "
        "Shoppers said the souvenirs of the royal baby were selling well in the shops."
    )
    sentences = split_sentences(body)
    picked = [sentences[i].text for i in summarize(sentences).pick(3)]
    assert picked == [s.text for s in sentences if "souvenirs" in s.text and "Click" not in s.text]
