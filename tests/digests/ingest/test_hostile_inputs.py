"""Each hostile input the attack on main found, small: a clear one-line error naming the item, or a correct reading."""

from __future__ import annotations

import codecs
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.ingest.dates import DateRangeError, checked, checked_or_none
from digests.ingest.feeds import parse_feed
from digests.ingest.files import MAX_FRONT_MATTER_DEPTH, ReleaseFileError, read_release
from digests.ingest.pages import extract_article
from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

LIMIT = 100_000
BODY = "The minister announced new funding for the harbour on Monday. Work starts in the spring."
EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def bad(tmp_path: Path, content: bytes | str, name: str = "bad.md") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with pytest.raises(ReleaseFileError) as info:
        read_release(path, LIMIT)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


@pytest.mark.parametrize("edge", EDGES)
def test_edge_dates_in_front_matter_are_refused_clearly(tmp_path: Path, edge: str) -> None:
    assert "out of range" in bad(tmp_path, f"---\ndate: {edge}\n---\n{BODY}\n")
    assert "out of range" in bad(tmp_path, f"---\ndate: '{edge}'\n---\n{BODY}\n")


def test_date_range_checks() -> None:
    assert checked(datetime(2024, 5, 7, tzinfo=UTC)).year == 2024
    for edge in EDGES:
        with pytest.raises(DateRangeError, match="out of range"):
            checked(datetime.fromisoformat(edge))
        assert checked_or_none(datetime.fromisoformat(edge)) is None


@pytest.mark.parametrize("edge", EDGES)
def test_edge_dates_in_a_page_are_dropped_and_the_page_kept(edge: str) -> None:
    html = (
        f'<html><head><title>T</title><meta property="article:published_time" content="{edge}">'
        f'<script type="application/ld+json">{{"datePublished": "{edge}"}}</script></head>'
        f"<body><article><h1>T</h1><p>{BODY} {BODY}</p></article></body></html>"
    )
    article = extract_article(html.encode(), "https://example.gov/x")
    assert article.published_at is None and article.text.startswith("The minister")
    fallback = html.replace("</head>", '<meta name="date" content="2024-05-07T10:00:00+02:00"></head>')
    assert extract_article(fallback, "https://example.gov/x").published_at == datetime(2024, 5, 7, 8, tzinfo=UTC)


def test_edge_dates_in_a_feed_are_dropped() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><title>A</title><link>https://example.gov/a</link>"
        b"<pubDate>Fri, 31 Dec 9999 23:59:59 -1400</pubDate><description>x</description></item>"
        b"</channel></rss>"
    )
    (entry,) = parse_feed(feed, "https://example.gov/feed", "application/rss+xml").entries
    assert entry.published_at is None and entry.link == "https://example.gov/a"


def test_deep_yaml_is_refused_before_recursion(tmp_path: Path) -> None:
    assert f"nested more than {MAX_FRONT_MATTER_DEPTH} levels" in bad(
        tmp_path, "---\ntitle: " + "[" * 5000 + "]" * 5000 + f"\n---\n{BODY}\n"
    )
    shallow = tmp_path / "ok.md"
    shallow.write_text(f"---\ntitle: x\ntags: [[a, b], [c]]\n---\n{BODY}\n", "utf-8")
    assert read_release(shallow, LIMIT).tags == ("['a', 'b']", "['c']")


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = '---\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    bomb += "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\ntitle: *c\n---\nbody\n"
    assert "aliases (*name) are not allowed in front matter" in bad(tmp_path, bomb)


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        (codecs.BOM_UTF16_LE + f"Wide\n\n{BODY}\n".encode("utf-16-le"), "Wide"),
        (codecs.BOM_UTF16_BE + f"---\ntitle: Big\n---\n{BODY}\n".encode("utf-16-be"), "Big"),
        (f"Wider\r\n\r\n{BODY}\r\n".encode("utf-32"), "Wider"),
    ],
)
def test_utf16_and_utf32_with_a_bom_are_decoded(tmp_path: Path, raw: bytes, title: str) -> None:
    path = tmp_path / "wide.md"
    path.write_bytes(raw)
    draft = read_release(path, LIMIT)
    assert draft.title == title and draft.body == BODY


def test_broken_utf16_and_bomless_nul_bytes_are_described(tmp_path: Path) -> None:
    assert "UTF-16 byte-order mark but is not valid UTF-16" in bad(
        tmp_path, codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8", "odd.txt"
    )
    assert "binary file" in bad(tmp_path, "no mark".encode("utf-16-le"), "nomark.txt")


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    with pytest.raises(ReleaseFileError, match="a named pipe, not a regular file"):
        read_release(pipe, LIMIT)  # nobody writes to it: opening it for reading would block forever


def test_devices_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    with pytest.raises(ReleaseFileError, match="a character device"):
        read_release(link, LIMIT)


async def test_lone_surrogates_in_a_draft_are_stored_as_replacement_characters(db: Database) -> None:
    service = DigestService(ReleaseRepository(db), clock=lambda: datetime(2026, 11, 28, tzinfo=UTC))
    draft = ReleaseDraft(canonical_id="s", title="Half \ud800", body=f"A lone \udfff half. {BODY}")
    result = await service.ingest_draft(draft)
    stored = await service.repo.get(result.release_id)
    assert stored is not None and stored.title == "Half \ufffd"


async def test_a_draft_with_an_edge_date_is_refused_by_the_service(db: Database) -> None:
    service = DigestService(ReleaseRepository(db), clock=lambda: datetime(2026, 11, 28, tzinfo=UTC))
    draft = ReleaseDraft(canonical_id="e", body=BODY, published_at=datetime.fromisoformat(EDGES[0]), origin="feed x")
    with pytest.raises(ReleaseFileError, match=r"feed x: date .* out of range"):
        await service.ingest_draft(draft)
