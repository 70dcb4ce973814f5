"""Every parser over the whole hostile corpus (tests/data/hostile, written by its generate.py): each file is a
result or that parser's own one-line error, never another exception. A new parser joins this test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.ingest.feeds import FeedError, is_teaser, parse_feed
from digests.ingest.files import ReleaseFileError, read_release
from digests.ingest.pages import PageError, extract_article
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile"
CORPUS = sorted(p for p in HOSTILE.iterdir() if p.name not in ("generate.py", "README.md"))
URL = "https://example.gov/news/hostile"


def as_file(path: Path) -> object:
    return read_release(path, 2_000_000)


def as_page(path: Path) -> object:
    return extract_article(path.read_bytes(), URL)


def as_feed(path: Path) -> object:
    feed = parse_feed(path.read_bytes(), URL, "application/rss+xml")
    return [(entry, is_teaser(entry)) for entry in feed.entries]


PARSERS: dict[str, tuple[Callable[[Path], object], type[Exception]]] = {
    "file": (as_file, ReleaseFileError),
    "page": (as_page, PageError),
    "feed": (as_feed, FeedError),
}


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_every_parser_survives_every_hostile_file(parser: str) -> None:
    parse, own_error = PARSERS[parser]
    unexpected = []
    for path in CORPUS:
        try:
            parse(path)
        except own_error as exc:
            message = str(exc)
            assert message and "\n" not in message and len(message) < 1000, (path.name, message)
        except Exception as exc:  # the point of the test: name every file that gets through
            unexpected.append(f"{path.name}: {type(exc).__name__}: {exc}")
    assert unexpected == []


async def test_ingesting_the_corpus_accounts_for_every_file(db: Database) -> None:
    service = DigestService(ReleaseRepository(db), clock=lambda: datetime(2026, 11, 28, tzinfo=UTC))
    files = [p for p in CORPUS if p.suffix in (".txt", ".md")]
    report = await service.ingest_paths(files)
    assert [o.origin for o in report.outcomes] == [str(p) for p in files]
    assert all("\n" not in o.detail and o.detail for o in report.outcomes)
    status = {Path(o.origin).name: o.status for o in report.outcomes}
    assert {name for name, s in status.items() if s == "added"} >= {
        "utf16_le_bom.txt",
        "utf16_be_bom.md",
        "utf32_bom.txt",
        "huge_paragraph.txt",
        "control_chars.txt",
        "crlf_and_cr.txt",
    }
    assert await service.repo.count() == report.count("added")
