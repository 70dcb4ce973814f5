"""Feed parsing: RSS 0.9x/1.0/2.0, Atom, broken and empty feeds, encodings, teaser detection."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from digests.ingest.feeds import FeedEntry, FeedError, ParsedFeed, html_to_text, is_teaser, parse_feed
from tests.digests.ingest import DATA


def parse(name: str, url: str = "https://feeds.example/feed", content_type: str | None = None) -> ParsedFeed:
    return parse_feed((DATA / name).read_bytes(), url, content_type)


def entry(text: str) -> FeedEntry:
    return FeedEntry(guid=None, link=None, title=None, summary_text=text, published_at=None, updated_at=None)


def test_rss2_full_text_entries() -> None:
    feed = parse("rss2.xml", content_type="application/rss+xml")
    assert feed.title == "Department of Examples & Samples: Releases"
    assert feed.bozo_error is None
    first, second = feed.entries
    assert first.guid == "example-gov-3657212"
    assert first.link is not None and "Article/3657212/" in first.link
    assert first.title == "Secretary Announces New Coastal Resilience Grants"
    # content:encoded wins over the one-line description, one paragraph per line.
    lines = first.summary_text.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("WASHINGTON — The Secretary of Examples announced today $40 million")
    assert lines[1].startswith('"These grants will protect communities')
    assert first.published_at == datetime(2024, 5, 7, 18, 30, tzinfo=UTC)  # -0400 converted to UTC
    assert first.updated_at is None
    assert second.published_at == datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
    assert not any(is_teaser(item) for item in feed.entries)


def test_atom_entries_resolve_relative_links_and_flatten_html() -> None:
    feed = parse("atom.xml", url="https://ministry.example/releases.atom")
    assert feed.title == "Ministry of Samples"
    rail, water = feed.entries
    assert rail.link == "https://ministry.example/releases/88231/minister-opens-new-rail-link"
    assert rail.title == "Minister opens new rail link"
    assert rail.guid == "tag:ministry.example,2024:release-88231"
    assert rail.published_at == datetime(2024, 5, 8, 8, 0, tzinfo=UTC)
    assert rail.updated_at == datetime(2024, 5, 8, 10, 15, tzinfo=UTC)
    assert len(rail.summary_text.splitlines()) == 3 and "<p>" not in rail.summary_text
    # xhtml content, no <published>: the updated date stands in.
    assert water.summary_text.startswith("The public consultation on water charges closed")
    assert water.published_at == water.updated_at == datetime(2024, 5, 7, 16, 45, tzinfo=UTC)


def test_rss1_entries_use_dc_date() -> None:
    feed = parse("rss1.rdf")
    (only,) = feed.entries
    assert feed.title == "Agency Example News"
    assert only.link == "https://agency.example/news/2024/agency-awards-research-contracts"
    assert only.published_at == datetime(2024, 5, 9, 13, 0, tzinfo=UTC)
    assert only.published_at is not None and only.published_at.tzinfo is UTC
    assert not is_teaser(only)


def test_empty_feed_has_no_entries() -> None:
    feed = parse("empty.xml")
    assert (feed.title, feed.entries, feed.bozo_error) == ("Quiet Office", [], None)


def test_malformed_feed_keeps_recovered_entries_with_a_warning() -> None:
    feed = parse("broken.xml")
    assert feed.bozo_error is not None and "not well-formed" in feed.bozo_error
    (only,) = feed.entries
    assert only.title == "Office reopens after repairs & upgrades"
    assert only.summary_text.splitlines()[0] == "The office reopened on Friday after three months of repairs."


@pytest.mark.parametrize("body", [b"", b"\x00\xff\x10 binary", b"just text, no markup at all"])
def test_nothing_usable_is_a_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError, match=re.escape("https://feeds.example/x is not a usable feed")):
        parse_feed(body, "https://feeds.example/x", None)


def test_a_body_naming_a_local_file_is_not_read_as_that_file() -> None:
    local_feed = str(DATA / "rss2.xml").encode()
    with pytest.raises(FeedError):
        parse_feed(local_feed, "https://feeds.example/x", "application/rss+xml")


def test_an_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedError, match="no RSS or Atom feed found"):
        parse("not_a_feed.html", content_type="text/html; charset=utf-8")


@pytest.mark.parametrize(
    "content_type", [None, "application/rss+xml; charset=utf-8", "text/xml; charset=ISO-8859-1"]
)
def test_latin1_feed_declared_utf8_is_read_correctly(content_type: str | None) -> None:
    feed = parse("feed_latin1_declared_utf8.xml", content_type=content_type)
    assert feed.title == "Ministère de l'Écologie"
    assert feed.entries[0].title == "Plan côtier : 40 millions d'euros"
    assert "« Nous protégerons" in feed.entries[0].summary_text


@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/xml; charset=iso-8859-1"])
def test_utf8_feed_declared_latin1_is_read_as_utf8(content_type: str | None) -> None:
    feed = parse("feed_utf8_declared_latin1.xml", content_type=content_type)
    assert feed.title == "Ministère de l'Écologie"
    assert "Ã" not in feed.entries[0].summary_text


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<div><p>One  &amp;\n two.</p><script>x()</script><ul><li>Three</li><li>Four<br>Five</li></ul>"
    assert html_to_text(html) == "One & two.\nThree\nFour\nFive"


@pytest.mark.parametrize(
    ("text", "teaser"),
    [
        ("The Secretary announced new grants.", True),
        ("A" * 500, True),  # long but one "sentence"
        ("The Secretary announced grants today. " * 12 + "The rest is on the website…", True),
        ("The Secretary announced grants today. " * 12 + "[...]", True),
        ("The Secretary announced grants today. " * 12 + "Read more", True),
        ("The Secretary announced grants today. " * 12, False),
    ],
)
def test_is_teaser(text: str, teaser: bool) -> None:
    assert is_teaser(entry(text)) is teaser


def test_is_teaser_thresholds_are_parameters() -> None:
    short = entry("One sentence here. Another one there.")
    assert is_teaser(short)
    assert not is_teaser(short, min_chars=10)
    assert is_teaser(short, min_chars=10, min_sentences=3)
