import pytest

from digests.topics import closest, find_acronyms, keywords, normalise, query_words, topic_terms


def test_seed_defines_hmc(seed_text: str) -> None:
    assert find_acronyms(seed_text) == {"HMC": "Higher Military Commission"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the U.S.-Iraq Higher Military Commission, or HMC, met", {"HMC": "Higher Military Commission"}),
        (
            "the Joint Security Cooperation Dialogue (JSCD) met",
            {"JSCD": "Joint Security Cooperation Dialogue"},
        ),
        ("the HMC (Higher Military Commission) met", {"HMC": "Higher Military Commission"}),
        ("the Department of Defense, or DoD, said", {"DoD": "Department of Defense"}),
        ("the Islamic State of Iraq and Syria (ISIS) group", {"ISIS": "Islamic State of Iraq and Syria"}),
        ("the meeting (in June) was long", {}),
        ("he said (OK) twice", {}),
    ],
)
def test_acronym_definitions(text: str, expected: dict[str, str]) -> None:
    assert find_acronyms(text) == expected


def test_keywords_are_names_not_sentence_starts(seed_text: str) -> None:
    found = keywords(None, seed_text)
    assert {"iraq", "hmc", "isis"} <= set(found)
    assert "discussions" not in found


def test_topic_terms_include_tags() -> None:
    terms = topic_terms("Budget", "The Army said so. The Army agreed.", tags=["Army Budget", ""])
    assert terms.keywords[0] == "army budget"
    assert "army" in terms.keywords


def test_query_words_drop_fts_syntax() -> None:
    assert query_words('"HMC AND ( * NEAR(') == ["hmc", "and", "near"]
    assert query_words("*") == []
    assert normalise("  Higher   Military\tCommission ") == "higher military commission"


def test_closest_topics() -> None:
    known = ["hmc", "iraq", "isis", "higher military commission"]
    assert closest("hmcc", known)[0] == "hmc"
    assert closest("higher", known) == ["higher military commission"]
    assert closest("zzzz", known) == []


def test_a_capitalised_word_also_written_in_lower_case_is_no_keyword() -> None:
    body = "Iraq talks. Iraq talks went on. Discussions began. The discussions ended. Iraq's army, iraq's neighbours."
    assert keywords(None, body) == ()  # "iraq's" and "discussions" appear in lower case too
    assert keywords(None, "Iraq talks. Iraq talks went on. Discussions began. Discussions ended.") == (
        "iraq",
        "discussions",
    )
