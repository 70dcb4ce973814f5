from digests.analyse import analyse


def test_seed_analysis(seed_text: str) -> None:
    result = analyse(seed_text)
    assert len(result.sentences) == 24
    assert sorted(result.summary.order) == list(range(24))
    assert len(result.quotes) == 5
    assert {q.speaker for q in result.quotes} == {"Sabrina Singh"}
    assert sorted(q.rank for q in result.quotes) == list(range(5))
    best = min(result.quotes, key=lambda q: q.rank)
    assert best.text.startswith("Let me be clear")
    assert result.topics.acronyms == {"HMC": "Higher Military Commission"}


def test_summary_never_starts_with_a_quote_fragment(seed_text: str) -> None:
    result = analyse(seed_text)
    fragments = {18, 19, 20}  # continuation sentences of the "Let me be clear" quotation
    assert not fragments & set(result.summary.pick(5))


def test_empty_and_quote_free_bodies() -> None:
    empty = analyse("")
    assert empty.sentences == () and empty.quotes == () and empty.summary.order == ()
    plain = analyse("The Army grew. The Navy shrank. Nobody was quoted.")
    assert plain.quotes == () and len(plain.summary.pick(3)) == 3


def test_every_algorithm_ranks_quotes_in_range(seed_text: str) -> None:
    from digests.summarize import ALGORITHMS

    for algorithm in ALGORITHMS:
        quotes = analyse(seed_text, algorithm=algorithm).quotes
        assert sorted(q.rank for q in quotes) == list(range(5)), algorithm
        assert all(0.0 <= q.score <= 1.0 for q in quotes), algorithm
        assert min(quotes, key=lambda q: q.rank).text.startswith("Let me be clear"), algorithm
