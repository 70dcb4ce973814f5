"""Attributions: speech verbs, weaker evidence and the speaker each quote gets."""

from __future__ import annotations

import pytest

from tests.digests.quotes.helpers import SAID, only, quotes

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
        (
            "More from the pollster - Jeffrey M. Jones: “The partisanship of each state is a starting point.”",
            "Jeffrey M. Jones",
        ),
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
        "”The mayor has done more for this town than anyone before her.” ― Ana Ruiz\n"
        "“During the meeting he said we waste money. He does not know our budget.”― Tom Becker\xa0\n"
        "“Maybe, we can build a new bridge over the river.” ― Lee Park."
    )
    assert [q.speaker for q in quotes(body)] == ["Ana Ruiz", "Tom Becker", "Lee Park"]


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


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        # "said by telephone": "by" names the speaker only after a passive ("was asked by")
        ("“I think the government should tighten its gun control,” Ms. Gao said by telephone.", "Gao"),
        # who is told is not the speaker
        (
            "‘We have to regard it as the greatest threat to us now,’ the Foreign Secretary told BBC1's Breakfast.",
            "the Foreign Secretary",
        ),
        # a hyphenated title word before the name
        (
            "Republican front-runner Donald Trump is questioning whether he would go “if it were held in a mosque.”",
            "Donald Trump",
        ),
        # a middle initial is part of the name, a participle phrase in apposition is not the speaker
        ("“We were not very happy when it was first announced,” said Jock A. Finlayson.", "Jock A. Finlayson"),
        (
            "“The young people love me because I'm like them,” Larry David, playing Sanders on NBC's SNL, said.",
            "Larry David",
        ),
        # two apostrophes with a space before the closing pair
        ("''The reason he has been so successful is that he built coalitions, '' said Mr. Gunnels.", "Gunnels"),
    ],
)
def test_attribution_edge_cases(body: str, speaker: str | None) -> None:
    assert only(body).speaker == speaker
