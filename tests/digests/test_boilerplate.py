import pytest

from digests.boilerplate import boilerplate, content_start, is_boilerplate


@pytest.mark.parametrize(
    "text",
    [
        "By .",
        "By John Smith, Associated Press",
        "By Harriet Arkell For Mailonline .",
        "PUBLISHED: .",
        "| .",
        "UPDATED: .",
        "14:11 EST, 25 October 2013 .",
        "Last updated at 2:18 PM on 30th December 2011 .",
        "Scroll down for video",
        "Click here to see the pictures",
        "Photo: Getty Images",
        "(Photo: AP)",
        "Image copyright Reuters",
        "(CNN) --",
        "###",
    ],
)
def test_boilerplate_sentences(text: str) -> None:
    assert is_boilerplate(text)


@pytest.mark.parametrize(
    "text",
    [
        "By the end of the year, the army had grown by a third.",
        "By Tuesday, the army left.",
        "Updated figures show a rise.",
        "Reuters reported that the talks failed.",
        "Pictures of the event were released on Monday by the Army.",
        "He said the press contact was late.",
    ],
)
def test_content_is_not_boilerplate(text: str) -> None:
    assert not is_boilerplate(text)


def test_the_name_after_a_bare_by_is_part_of_the_by_line() -> None:
    texts = ["By .", "Associated Press .", "The bishop warned hundreds of people.", "By .", "A long sentence of words."]
    assert boilerplate(texts) == [True, True, False, True, True]  # five words after "By .": still a name line


def test_an_agency_tag_opening_a_sentence_is_not_content() -> None:
    text = "Canberra, Australia (CNN) -- At first glance, it doesn't look like much."
    assert text[content_start(text, 0, len(text)) :].startswith("At first glance")
    assert content_start("(CNN) --", 0, 8) == 0  # nothing would be left: the sentence stays (and is boiler-plate)
    assert content_start("The CNN report.", 0, 15) == 0
