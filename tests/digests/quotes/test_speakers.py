"""Speaker resolution: surnames, he/she and descriptions against the names seen before."""

from __future__ import annotations

from tests.digests.quotes.helpers import only, quotes


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
