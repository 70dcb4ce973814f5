"""Hostile user text: lone surrogates, huge speaker names and repeated words are safe, quick and explained."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository
from digests.userinput import MAX_QUERY_WORDS, InputTooLongError, bounded, encodable, search_words

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def service(db: Database) -> DigestService:
    service = DigestService(ReleaseRepository(db), clock=lambda: datetime(2026, 11, 28, tzinfo=UTC))
    await service.ingest_paths([ROOT / "seeds"])
    return service


def test_surrogates_become_replacement_characters() -> None:
    assert encodable("Sing\ud800h") == "Sing\ufffdh"
    assert encodable("Singh").encode("utf-8") == b"Singh"


def test_words_are_kept_once_and_capped() -> None:
    assert search_words("withdrawal " * 400) == ["withdrawal"]
    assert len(search_words(" ".join(f"w{n}" for n in range(500)))) == MAX_QUERY_WORDS


def test_too_long_text_says_what_and_the_limit() -> None:
    with pytest.raises(InputTooLongError, match=r"speaker name is too long: 60,000 characters \(at most 200\)"):
        bounded("a" * 60_000, "speaker name", 200)


async def test_surrogate_speaker_and_prefix_do_not_crash(service: DigestService) -> None:
    assert await service.search_quotes("withdrawal", speaker="Sing\ud800") == []
    assert await service.speakers("\udcff") == []
    assert await service.topics("hm\ud800") == ["hmc"]  # the stray half is dropped with the punctuation
    assert await service.speakers("x" * 60_000) == []  # autocomplete input is cut, not refused


async def test_huge_speaker_is_refused_with_a_clear_message(service: DigestService) -> None:
    with pytest.raises(InputTooLongError, match="speaker name is too long"):
        await service.search_quotes("withdrawal", speaker="S" * 60_000)


async def test_a_query_of_one_repeated_word_is_one_word(service: DigestService) -> None:
    once = await service.search_quotes("withdrawal")
    assert once and await service.search_quotes(("withdrawal " * 90).strip()) == once
