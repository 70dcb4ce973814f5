"""Quote marks and passages: the seed release, marks that quote and marks that do not, continuations."""

from __future__ import annotations

import pytest

from digests.quotes import MIN_QUOTE_WORDS, extract_quotes
from digests.text import split_sentences
from tests.digests.quotes.helpers import SEED, only, quotes

# --- the seed release -------------------------------------------------------------------------------------


def test_seed_has_five_quotes_all_from_singh() -> None:
    found = quotes(SEED)
    assert len(found) == 5
    singh = ("Sabrina Singh", "Deputy Pentagon Press Secretary")
    assert {(q.speaker, q.speaker_title) for q in found} == {singh}
    assert found[0].text.startswith("Expert working groups")
    assert [q.start for q in found] == sorted(q.start for q in found)
    assert all(q.score == 0.0 and q.rank == 0 for q in found)


def test_seed_joins_quote_resumed_after_attribution() -> None:
    clear = next(q for q in quotes(SEED) if q.text.startswith("Let me be clear"))
    assert clear.text.startswith(
        "Let me be clear, the HMC meeting is not a negotiation about the withdrawal of U.S. forces from Iraq"
        " … The United States and the coalition are in Iraq"
    )
    assert SEED[clear.start :].startswith("Let me be clear")
    assert SEED[: clear.end].endswith("Operation Inherent Resolve.")
    assert sum(" … " in q.text for q in quotes(SEED)) == 2


def test_seed_offsets_sentences_and_scare_quote() -> None:
    sentences = split_sentences(SEED)
    found = extract_quotes(SEED, sentences)
    for quote in found:
        sentence = sentences[quote.sentence_idx]
        assert sentence.start <= quote.start < sentence.end
        assert quote.paragraph == sentence.paragraph
        assert "“" not in quote.text and "”" not in quote.text
    assert not any(q.text == "withdrawal" for q in found)
    first = found[0]
    assert SEED[first.start : first.end] == first.text


# --- quote marks ------------------------------------------------------------------------------------------


def test_scare_quotes_are_not_quotes() -> None:
    assert quotes("One thing Singh said the meetings will not involve is U.S. “withdrawal” from Iraq.") == ()
    assert MIN_QUOTE_WORDS == 5


def test_apostrophes_are_not_quote_marks() -> None:
    body = "That’s the coalition’s plan. “It’s the coalition’s job to finish what we started,” Singh said."
    quote = only(body)
    assert quote.text == "It’s the coalition’s job to finish what we started"
    assert quote.speaker == "Singh"


def test_straight_quotes() -> None:
    quote = only('"We will not back down from this fight," the mayor said.')
    assert quote.text == "We will not back down from this fight"
    assert quote.speaker == "the mayor"


def test_quote_over_several_sentences() -> None:
    quote = only("“We came. We saw. We helped the people who needed us,” Jones said.")
    assert quote.text == "We came. We saw. We helped the people who needed us"


def test_multi_paragraph_continuation() -> None:
    body = (
        "“The first paragraph of a long statement ends without a closing mark.\n"
        "“The second one carries on with the same speaker,” Smith said."
    )
    quote = only(body)
    assert quote.text == (
        "The first paragraph of a long statement ends without a closing mark. "
        "The second one carries on with the same speaker"
    )
    assert quote.speaker == "Smith"
    assert (quote.paragraph, quote.sentence_idx) == (0, 0)
    assert body[quote.end :] == "”, Smith said." or body[quote.end :].startswith(",”")


@pytest.mark.parametrize(
    "body",
    [
        "“Unbalanced quote with enough words to count. No closing mark at all",
        "Closing mark only” here, and nothing else of note said”.",
        "“Two openings “in a row with no closing mark anywhere at all",
        "",
        "   \n\n  ",
        "“”",
        '"',
    ],
)
def test_unbalanced_marks_do_not_crash(body: str) -> None:
    for quote in quotes(body):
        assert len(quote.text.split()) >= MIN_QUOTE_WORDS
        assert 0 <= quote.start <= quote.end <= len(body)


def test_no_attribution_means_no_speaker() -> None:
    assert only("The sign read “No entry for anyone without a pass”.").speaker is None


def test_no_join_when_gap_is_not_an_attribution() -> None:
    body = (
        "“We will win this race in November,” Smith said, pausing for a long moment. “Nobody here doubts that at all.”"
    )
    assert len(quotes(body)) == 2


def test_attribution_with_object_does_not_join_quotes() -> None:
    body = (
        "Bernie Sanders called Trump a “pathological liar for many years.” Carly Fiorina said Ted Cruz “says"
        " whatever he needs to say to get elected.”"
    )
    assert [q.speaker for q in quotes(body)] == ["Bernie Sanders", "Carly Fiorina"]


def test_titles_and_markup_are_not_quotes() -> None:
    assert quotes("His new book, “Crippled America: How to Make America Great Again,” is out.") == ()
    assert quotes('<tweet author="We will keep working with our partners here">') == ()
    # Marks inside a tag (over several lines, too) neither quote nor swallow the quote after it.
    body = (
        '<tweet tweet-author="just look at Western Europe" tweet-date="\n— Cut taxes">.\n\n'
        '<tweet tweet-id="7286"><tweet/>.\n\n'
        "“I’ve invited him for a meeting with GOP leaders next week,” Ryan tweeted Friday."
    )
    assert [(q.text, q.speaker) for q in quotes(body)] == [
        ("I’ve invited him for a meeting with GOP leaders next week", "Ryan")
    ]
