import pytest

from digests.stories import fingerprint as fingerprint_module
from digests.stories.fingerprint import BANDS, containment, fingerprint, same_story, shingles

PARAGRAPHS = [
    "The Higher Military Commission met in Baghdad on Thursday to discuss the future of the coalition mission.",
    "Officials from both governments agreed to form working groups on the threat posed by ISIS and on the "
    "operational environment in Iraq.",
    "The working groups will report on the requirements for a transition to a bilateral security partnership.",
    "A spokesperson said the talks were constructive and that the next meeting would be held within months.",
    "The commission was established under the 2008 Strategic Framework Agreement between the two countries.",
]
ORIGINAL = "\n\n".join(PARAGRAPHS)
REWRITE = (
    "Iraqi and American defence officials gathered in the Iraqi capital this week. They set up committees to study "
    "the Islamic State threat and the security situation, with an eye to moving toward a two-way partnership. "
    "Both sides described the meeting as productive, and another session is expected soon under the 2008 accord."
)


def test_a_republished_copy_is_the_same_story() -> None:
    copy = "\n\n".join(
        ["By Jane Miller, Staff Writer", PARAGRAPHS[1], PARAGRAPHS[0], *PARAGRAPHS[2:4], "Click here to subscribe."]
    )
    assert same_story(fingerprint(ORIGINAL), fingerprint(copy))
    assert containment(fingerprint(ORIGINAL), fingerprint(copy)) > 0.6


def test_the_same_event_in_other_words_is_another_story() -> None:
    assert not same_story(fingerprint(ORIGINAL), fingerprint(REWRITE))


def test_a_one_liner_is_never_merged() -> None:
    line = "The meeting was held on Thursday in Baghdad."
    assert not same_story(fingerprint(line), fingerprint(line))


def test_fingerprints_are_deterministic_and_copies_share_band_keys() -> None:
    first, again = fingerprint(ORIGINAL), fingerprint(ORIGINAL)
    assert first == again and len(first.band_keys()) == BANDS
    trimmed = fingerprint("\n\n".join(PARAGRAPHS[:4]))
    assert set(first.band_keys()) & set(trimmed.band_keys())
    assert not set(first.band_keys()) & set(fingerprint(REWRITE).band_keys())


def test_shingles_ignore_case_and_punctuation() -> None:
    assert list(shingles("One two, THREE four five!")) == list(shingles("one two three four five"))
    assert len(shingles("one two three four five six")) == 2
    assert len(shingles("")) == 0 and len(shingles("two words")) == 1


def test_shingles_hashed_in_batches_give_the_same_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    body = " ".join(f"word{i} of the release" for i in range(60))
    whole = fingerprint_module.fingerprint(body)
    monkeypatch.setattr(fingerprint_module, "SHINGLE_BATCH", 7)
    assert fingerprint_module.fingerprint(body) == whole
