"""Tests for digests.quotes: quote-mark scanning, joins across attributions, and speaker resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quote_quality import load_articles, score
from digests.models import Quote
from digests.quotes import MIN_QUOTE_WORDS, extract_quotes
from digests.text import split_sentences

DATA = Path(__file__).resolve().parent.parent / "data"
SEED = (DATA / "seed_hmc.txt").read_text(encoding="utf-8")
SAID = "“We will keep working with our partners here,”"


def quotes(body: str) -> tuple[Quote, ...]:
    return extract_quotes(body, split_sentences(body))


def only(body: str) -> Quote:
    found = quotes(body)
    assert len(found) == 1, found
    return found[0]


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
        "“We will win this race in November,” Smith said, pausing for a long moment."
        " “Nobody here doubts that at all.”"
    )
    assert len(quotes(body)) == 2


# --- attribution forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "speaker", "title"),
    [
        (f"{SAID} said Jane Roe.", "Jane Roe", None),
        (f"{SAID} Roe said.", "Roe", None),
        (f"{SAID} according to Jane Roe.", "Jane Roe", None),
        (f"{SAID} Roe told reporters.", "Roe", None),
        (f"{SAID} Roe wrote in a memo.", "Roe", None),
        (f"{SAID} Roe added.", "Roe", None),
        (f"{SAID} declares Jane Roe.", "Jane Roe", None),
        (f"{SAID} opined Jane Roe.", "Jane Roe", None),
        ("Roe asserted that “We will keep working with our partners here.”", "Roe", None),
        ("Roe said: “We will keep working with our partners here.”", "Roe", None),
        ("Roe said, “We will keep working with our partners here.”", "Roe", None),
        (
            f"{SAID} Defense Secretary Lloyd J. Austin III said.",
            "Lloyd J. Austin III",
            "Defense Secretary",
        ),
        (f"{SAID} said Army Gen. Mark Milley.", "Mark Milley", "Army Gen."),
        (
            f"{SAID} said Sgt. 1st Class John Smith.",
            "John Smith",
            "Sgt. 1st Class",
        ),
        (
            "Air Force Maj. Gen. Pat Ryder said: “We will keep working with our partners here.”",
            "Pat Ryder",
            "Air Force Maj. Gen.",
        ),
        (
            f"{SAID} said Sabrina Singh, deputy Pentagon press secretary.",
            "Sabrina Singh",
            "deputy Pentagon press secretary",
        ),
        (
            f"{SAID} Secretary of Defense Lloyd Austin said.",
            "Lloyd Austin",
            "Secretary of Defense",
        ),
        (
            f"{SAID} State Department Spokesperson Matthew Miller said.",
            "Matthew Miller",
            "State Department Spokesperson",
        ),
    ],
)
def test_attribution_forms(body: str, speaker: str, title: str | None) -> None:
    quote = only(body)
    assert quote.text.startswith("We will keep working with our partners here")
    assert (quote.speaker, quote.speaker_title) == (speaker, title)


def test_surname_resolves_to_full_name_and_title() -> None:
    body = (
        "Defense Secretary Lloyd J. Austin III visited the base on Monday.\n"
        "“Our troops have done remarkable work this year,” Austin said."
    )
    assert (only(body).speaker, only(body).speaker_title) == ("Lloyd J. Austin III", "Defense Secretary")


def test_pronouns_resolve_to_last_named_speaker_of_right_gender() -> None:
    body = (
        "Mrs. Jane Doe said the plan was ready. Mr. John Smith said he agreed.\n"
        "“We did what we had to do for the town,” she said.\n"
        "“And we will do it again next year,” he said."
    )
    first, second = quotes(body)
    assert first.speaker == "Jane Doe"
    assert second.speaker == "John Smith"


def test_description_resolves_to_last_person_with_that_title() -> None:
    body = (
        "U.S. District Judge Emmet G. Sullivan ordered more discovery, said Sen. John Smith.\n"
        "“There has been a constant drip, drip, drip of declarations,” the judge said."
    )
    assert (only(body).speaker, only(body).speaker_title) == ("Emmet G. Sullivan", "U.S. District Judge")


def test_pronoun_without_antecedent_has_no_speaker() -> None:
    assert only("“We did what we had to do for the town,” she said.").speaker is None


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        # a participle: the speaker is the subject opening the sentence
        (
            "Hillary Clinton praised the workers, saying “they have built this country with their own hands.”",
            "Hillary Clinton",
        ),
        # a mid-sentence quote with no speech verb: the named subject of the sentence
        ("On Tuesday, Gov. Jerry Brown called the plan “a reckless gamble with our future.”", "Jerry Brown"),
        # "Name:" before the quote
        ("More from the pollster - Jeffrey M. Jones: “The partisanship of each state is a starting point.”",
         "Jeffrey M. Jones"),
        # a signature paragraph below the quote
        ("“I went to Wall Street before the crash and warned them all.”\n\n- Clinton.", "Clinton"),
        # the attribution across a colon ending the paragraph before
        ("Dr. Kelli Ward stated:\n\n“The Department of Justice is not about equal justice anymore.”", "Kelli Ward"),
    ],
)
def test_attribution_without_adjacent_verb(body: str, speaker: str) -> None:
    assert only(body).speaker == speaker


def test_signature_on_the_quote_line() -> None:
    # "“…” ― Name" closing each line, with a no-break space after one name.
    body = (
        "”Mr. Trump embodies the lasting legacy of racism in this country.” ― Sonya Herridge\n"
        "“During the debate he said we live in hell. He is ignorant of our lives.”― Pamela Padilla\xa0\n"
        "“Maybe, we can build a wall around Donald Trump.” ― Steve Quinlan."
    )
    assert [q.speaker for q in quotes(body)] == ["Sonya Herridge", "Pamela Padilla", "Steve Quinlan"]


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        # a conjunction opens the speaker's clause
        (
            "Rubio suggested that someone who dodges questions can't be president, while Cruz said that the"
            " “stakes in this election are too high” for Trump.",
            "Cruz",
        ),
        # "with X -ing": the participle's own subject
        (
            "Both men saw the raid as a sign of disarray, with Gorka noting the absurdity of positioning “a couple"
            " of hundred SF guys here, a couple of hundred Marines there” around the city.",
            "Gorka",
        ),
        # a subordinate clause before the quote gives way to the attribution right after it …
        (
            "When Sanders said at a rally that he wouldn’t want the mayor’s endorsement, he “grabbed ahold of the"
            " way teachers are feeling,” said Drew Heiserman, a union member.",
            "Drew Heiserman",
        ),
        # … unless the quote is what the subordinate clause's speaker said
        (
            "But even as Trump claimed on Tuesday that “General Petraeus got in trouble for far less,” one of the"
            " former prosecutors said the two cases were different.",
            "Trump",
        ),
        # a quote that ends its sentence: the next sentence's subject is not its speaker
        (
            "Salma Hayek nodded. “America has a very severe problem with discrimination.”"
            " The star then recalled an incident at a movie theater.",
            "Salma Hayek",
        ),
        # … but a bare "Name said." after it still is
        ("“Russia, if you’re listening, I hope you’re able to find the emails.” Trump said.", "Trump"),
        # nor does an attribution later in the paragraph reach back past that full stop
        (
            "Illinois Attorney General Lisa M. Madigan (D) asserted that “trust in the Chicago Police Department"
            " is broken.” Democratic presidential candidate Hillary Clinton said Wednesday she wants an inquiry.",
            "Lisa M. Madigan",
        ),
        # an abbreviation between the attribution and the quote ends no sentence
        (
            "“It’s not new in Virginia,” said Rep. Bobby Scott (D-Va.) at the time, adding that “we’ve been electing"
            " African-Americans to office for a long time.” Analyst David Bositis agreed.",
            "Bobby Scott",
        ),
        # "[title] Name:" ending a longer clause, but not "a message to Trump:"
        (
            "The timing of the surge doesn’t surprise Republican pollster Daron Shaw: “Lesser-known candidates"
            " have seen the biggest boost.”",
            "Daron Shaw",
        ),
        (
            "Senate Majority Leader Mitch McConnell delivered a blunt message to Trump: “It’s time to quit"
            " attacking various people.”",
            "Mitch McConnell",
        ),
    ],
)
def test_attribution_in_context(body: str, speaker: str) -> None:
    assert quotes(body)[-1].speaker == speaker


def test_attribution_with_object_does_not_join_quotes() -> None:
    body = (
        "Bernie Sanders called Trump a “pathological liar for many years.” Carly Fiorina said Ted Cruz “says"
        " whatever he needs to say to get elected.”"
    )
    assert [q.speaker for q in quotes(body)] == ["Bernie Sanders", "Carly Fiorina"]


def test_quote_paragraphs_take_speakers_from_the_paragraph_before() -> None:
    body = (
        "“Changes now are dangerous and not a good idea, in my humble opinion,” Ryder wrote.\n\n"
        "If anything, Ash argued in his email, the incident shows why the rules should change.\n\n"
        "“In light of this serious breach, is it prudent to keep going?”\n\n"
        "Buddy Valastro praised Christie’s leadership in the aftermath of Hurricane Sandy.\n\n"
        "“We need someone who’s going to cut through it and bring people together.”"
    )
    assert [q.speaker for q in quotes(body)] == ["Ryder", "Ash", "Buddy Valastro"]


def test_later_passage_in_paragraph_keeps_the_speaker() -> None:
    body = (
        "“His legend lives on,” Spencer said, as a few young fighters worked out inside the gym."
        " “His stories will live on and his example will live on here.”"
    )
    assert [q.speaker for q in quotes(body)] == ["Spencer"]


def test_apposition_and_appositive_place_are_skipped() -> None:
    body = (
        "“We have a ton of work to do before November,” Harry Bond, 30, of Raleigh, N.C., said.\n"
        "“The gap is too wide for anyone to close,” said a Nevada Democrat."
    )
    first, second = quotes(body)
    assert first.speaker == "Harry Bond"
    assert second.speaker == "a Nevada Democrat"


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


def test_ten_megabyte_body_is_processed() -> None:
    # Functional only: the timing is reported by ``bench/quote_quality.py --speed``.
    copies = 10_000_000 // len(SEED) + 1
    found = extract_quotes("\n".join([SEED] * copies), ())
    assert len(found) == 5 * copies
    assert {q.speaker for q in found} == {"Sabrina Singh"}


# --- regression on a PolNeAR sample (scored exactly as bench/quote_quality.py) ------------------------------


def test_polnear_sample_quality() -> None:
    articles = load_articles(DATA / "polnear")
    assert len(articles) == 5
    result = score(articles)
    # Measured: P 1.000, R 1.000, speaker accuracy 0.960 (24 of 25 named speakers right).
    assert result.gold >= 30
    assert result.precision >= 0.95
    assert result.recall >= 0.95
    assert result.speaker_accuracy >= 0.92
    assert result.speaker_overall >= 0.92
