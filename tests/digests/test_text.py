from digests.text import CHUNK_LIMIT, OfflineTokenizer, chunk_spans, split_sentences, words


def texts(body: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(body)]


def test_abbreviations_do_not_end_sentences() -> None:
    body = "Army Sgt. 1st Class John Doe arrived Oct. 5 at the Pentagon. Gen. Smith met him. Lt. Col. Ray agreed."
    assert texts(body) == [
        "Army Sgt. 1st Class John Doe arrived Oct. 5 at the Pentagon.",
        "Gen. Smith met him.",
        "Lt. Col. Ray agreed.",
    ]


def test_initialisms_inside_and_at_the_end_of_sentences() -> None:
    body = "U.S. forces met in Washington, D.C. The talks ended. The U.S.-Iraq talks went on in the U.S. Army base."
    assert texts(body) == [
        "U.S. forces met in Washington, D.C.",
        "The talks ended.",
        "The U.S.-Iraq talks went on in the U.S. Army base.",
    ]


def test_quotes_stay_with_their_sentence() -> None:
    body = '“We will not leave,” Singh said. “The HMC is not a negotiation.” She left. He said "Go home." Then he went.'
    assert texts(body) == [
        "“We will not leave,” Singh said.",
        "“The HMC is not a negotiation.”",
        "She left.",
        'He said "Go home."',
        "Then he went.",
    ]


def test_paragraphs_and_offsets(seed_text: str) -> None:
    sentences = split_sentences(seed_text)
    assert len(sentences) == 24
    assert sentences[0].paragraph == 0 and sentences[3].paragraph == sentences[4].paragraph == 3
    for sentence in sentences:
        assert seed_text[sentence.start : sentence.end] == sentence.text
    assert [s.idx for s in sentences] == list(range(24))


def test_empty_and_blank_bodies() -> None:
    assert split_sentences("") == ()
    assert split_sentences("\n \n\t\n") == ()


def test_words_and_sumy_protocol() -> None:
    assert words("The U.S.-Iraq commission’s 10 aims, Singh's view") == (
        "The",
        "US",
        "Iraq",
        "commission’s",
        "aims",
        "Singh's",
        "view",
    )
    tokenizer = OfflineTokenizer()
    assert tokenizer.language == "english"
    assert tokenizer.to_sentences("Gen. Smith spoke. He left.") == ("Gen. Smith spoke.", "He left.")
    assert tokenizer.to_words("Gen. Smith spoke.") == ("Gen", "Smith", "spoke")


def test_no_am_pm_and_number_signs() -> None:
    assert texts("He said no. The plan changed.") == ["He said no.", "The plan changed."]
    assert texts("Room No. 5 is open. Next.") == ["Room No. 5 is open.", "Next."]
    assert texts("The talks ended at 5 p.m. The next round is Monday.") == [
        "The talks ended at 5 p.m.",
        "The next round is Monday.",
    ]
    assert texts("They met at 5 p.m. on Monday.") == ["They met at 5 p.m. on Monday."]


def test_an_oversized_paragraph_is_cut_at_sentence_ends_not_after_abbreviations() -> None:
    text = "Mr. Smith left. The Army met Gen. Ray. It rained. " * 4
    pieces = list(chunk_spans(text, limit=40))
    assert all(end - start <= 40 for start, end in pieces)
    assert all(text[end - 1] == "." and not text[:end].endswith(("Mr.", "Gen.")) for _, end in pieces[:-1])
    assert "".join(text[start:end] + " " for start, end in pieces).split() == text.split()


def test_a_paragraph_without_sentence_ends_is_cut_at_spaces_or_at_the_limit() -> None:
    assert list(chunk_spans(" ".join(["word"] * 10), limit=12)) == [(0, 9), (10, 19), (20, 29), (30, 39), (40, 49)]
    assert list(chunk_spans("x" * 25, limit=10)) == [(0, 10), (10, 20), (20, 25)]


def test_a_huge_paragraph_of_short_sentences_splits_like_short_ones() -> None:
    paragraph = " ".join(f"Item {i} is ready." for i in range(3000))  # about 60,000 characters, one line
    assert len(paragraph) > CHUNK_LIMIT
    assert texts(paragraph) == [f"Item {i} is ready." for i in range(3000)]


def test_an_agency_tag_is_left_out_of_the_lead_sentence() -> None:
    body = "WASHINGTON (CNN) -- The talks ended on Monday. Both sides left."
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == ["The talks ended on Monday.", "Both sides left."]
    assert body[sentences[0].start : sentences[0].end] == sentences[0].text
