"""The word lists ship as package data and load as the extractor expects."""

from __future__ import annotations

from importlib.resources import files

from digests.quotes import lexicon


def test_every_data_file_loads_without_blanks_or_comments() -> None:
    names = sorted(p.name for p in files("digests.quotes").joinpath("data").iterdir() if p.name.endswith(".txt"))
    assert "speech_verbs.txt" in names
    for name in names:
        entries = lexicon.load(name.removesuffix(".txt"))
        assert entries, name
        assert all(e == e.strip() and e and not e.startswith("#") for e in entries), name


def test_lists_keep_their_shape() -> None:
    assert {"said", "according to", "saying"} <= lexicon.SPEECH_VERBS
    assert "saying" in lexicon.PARTICIPLES and "said" not in lexicon.PARTICIPLES
    assert {"monday", "secretary", "gen"} <= lexicon.TIME_WORDS | lexicon.TITLE_WORDS
    assert "new hampshire" in lexicon.PLACES
    assert lexicon.NOT_IN_TITLE >= lexicon.PREPOSITIONS
