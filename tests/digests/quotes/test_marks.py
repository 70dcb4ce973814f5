"""Every convention of quotation marks, and apostrophes that are none."""

from __future__ import annotations

import pytest

from tests.digests.quotes.helpers import only, quotes

SPOKEN = "We will keep working with our partners here"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("''", "''"),  # two apostrophes: the plain text of newspaper archives
        ("``", "''"),  # typewriter
        ("‘‘", "’’"),
        ("„", "“"),  # German
        ("«", "»"),
        ("« ", " »"),  # French, with inner spaces
        ("»", "«"),  # German guillemets
        ("‹", "›"),
        ("‘", "’"),  # British
        ("'", "'"),
    ],
)
def test_quote_mark_conventions(opening: str, closing: str) -> None:
    body = f"Singh spoke on Monday. {opening}{SPOKEN},{closing} Singh said. The talks went on."
    quote = only(body)
    assert (quote.text, quote.speaker) == (SPOKEN, "Singh")
    assert body[quote.start : quote.end] == SPOKEN


@pytest.mark.parametrize(
    ("opening", "closing"),
    [('"', '"'), ("“", "”"), ("''", "''"), ("``", "''"), ("„", "“"), ("«", "»"), ("‹", "›"), ("‘", "’"), ("'", "'")],
)
def test_quote_over_several_paragraphs_in_every_style(opening: str, closing: str) -> None:
    body = (
        f"Jane Doe, the mayor, spoke at length.\n\n{opening}We did what we had to do for the town.\n\n"
        f"{opening}And we will do it again next year, whatever they say,{closing} she said.\n\nThen she left."
    )
    quote = only(body)
    assert quote.text == "We did what we had to do for the town. And we will do it again next year, whatever they say"
    assert quote.speaker == "Jane Doe"


def test_single_quotes_hold_double_ones_inside() -> None:
    body = "‘They told me “we will see” and left the room at once,’ said Sir Michael Graydon."
    assert (only(body).text, only(body).speaker) == (
        "They told me “we will see” and left the room at once",
        "Sir Michael Graydon",
    )


@pytest.mark.parametrize(
    "body",
    [
        "He doesn't think the '90s were better, and the voters' choice is theirs, Jones' aide said. It's over.",
        "They played rock 'n' roll all night at the Joneses' house and 'em all danced till the '80s ended.",
        "The players’ union and the owners’ group met, and the ’90s deal was signed at last by everyone.",
        "Trump's plan, which Clinton's aides mocked, is the candidates' worst idea in years, critics said.",
        "An unclosed 'opening mark in a paragraph does not quote the rest of it, said Jones.\n\nThe end.",
    ],
)
def test_apostrophes_are_not_quotes(body: str) -> None:
    assert quotes(body) == ()


def test_nested_single_quotes_stay_inside_double_ones() -> None:
    body = "“I've always been insulted with the term 'African American outreach,' ” he told the group, Scott said."
    assert only(body).text == "I've always been insulted with the term 'African American outreach,'"


def test_three_apostrophes_close_a_single_quote_and_a_double_one() -> None:
    body = "''Barbara Bush looked at me and said, 'You weren't in line,''' Ms. Compton recalled."
    quote = only(body)
    assert (quote.text, quote.speaker) == ("Barbara Bush looked at me and said, 'You weren't in line,'", "Compton")
