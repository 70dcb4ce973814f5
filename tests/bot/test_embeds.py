"""Embed builders: content, escaping, and every Discord limit on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot import embed_text as T
from bot import embeds as E
from bot.embeds import digest_pages, error_embed, quote_hits_embed, quote_list_pages, releases_pages
from digests.models import DigestItem, QuoteHit, Sentence
from tests.bot.embed_samples import (
    BERLIN,
    MENTIONS,
    RAW_MENTION,
    as_text,
    assert_embed_limits,
    assert_message_limits,
    assert_pages_ok,
    make_digest,
    make_item,
    make_quote,
    make_release,
    make_sentences,
)

# ---- digest pages ------------------------------------------------------------------------------------


def test_one_normal_release() -> None:
    digest = make_digest(make_item())
    pages = digest_pages(digest, BERLIN)
    assert_pages_ok(pages, digest)
    assert len(pages) == 1
    [embed] = pages[0].embeds
    assert embed.title == "Minister announces new rail funding"
    assert embed.url == "https://example.gov/news/rail-funding"
    assert embed.footer.text == "3 of 24 sentences · Ministry of Transport"
    assert embed.author.name is not None and embed.author.name.startswith("Release Digest · rail · since")
    description = embed.description or ""
    assert description.startswith("*12 Mar 2026, 14:05 CET*")
    assert "The government will invest 2 billion in regional rail. Work starts in spring." in description
    assert "> “Quote number 0 about trains” — **Jane Doe**, *Minister of Transport*" in description
    assert "more quote" not in description


def test_summary_keeps_paragraphs_apart() -> None:
    item = DigestItem(
        release=make_release(),
        summary=(
            Sentence(0, 0, "First paragraph.", 0, 16),
            Sentence(1, 0, "Still first.", 17, 29),
            Sentence(5, 2, "Later paragraph.", 80, 96),
        ),
        quotes=(),
    )
    description = digest_pages(make_digest(item), BERLIN)[0].embeds[0].description or ""
    assert "First paragraph. Still first.\n\nLater paragraph." in description


def test_thirty_releases_spread_over_pages() -> None:
    digest = make_digest(*(make_item(make_release(i, title=f"Release {i} " + "words " * 30)) for i in range(30)))
    pages = digest_pages(digest, BERLIN)
    assert_pages_ok(pages, digest)
    assert len(pages) >= 3  # at most 10 embeds per message
    for page in pages:
        assert page.embeds[0].author.name  # every page says which digest it belongs to


def test_many_large_releases_pack_by_characters() -> None:
    long_sentences = make_sentences(*("A fairly long sentence about rail policy and funding. " * 8,) * 6)
    items = [
        DigestItem(make_release(i), long_sentences, tuple(make_quote("word " * 100, rank=r) for r in range(3)))
        for i in range(12)
    ]
    digest = make_digest(*items)
    pages = digest_pages(digest, BERLIN)
    assert_pages_ok(pages, digest)
    # The 6000-character total, not the 10-embed count, is what splits these pages.
    assert max(len(p.embeds) for p in pages) < T.MESSAGE_EMBED_COUNT_LIMIT


def test_huge_sentence_and_500_quotes() -> None:
    release = make_release(7, sentence_count=3)
    item = DigestItem(
        release=release,
        summary=make_sentences("x" * 20_000, "Another sentence " * 50),
        quotes=tuple(make_quote("blah " * 400 + str(i), rank=i) for i in range(500)),
    )
    digest = make_digest(item)
    pages = digest_pages(digest, BERLIN)
    assert_pages_ok(pages, digest)
    description = pages[0].embeds[0].description or ""
    assert "x" * 100 in description and "xxx…" in description
    assert "*+497 more quotes*" in description
    assert description.count("> “") == E.DIGEST_QUOTE_COUNT


def test_summary_cut_at_sentence_boundary() -> None:
    sentences = make_sentences(*(f"Sentence number {i} is of a moderate length indeed." for i in range(100)))
    item = DigestItem(make_release(), sentences, ())
    description = digest_pages(make_digest(item), BERLIN)[0].embeds[0].description or ""
    assert len(description) <= E.DIGEST_DESCRIPTION_BUDGET
    assert "indeed. …" in description  # whole sentences, then the cut marker


def test_long_titles_are_truncated() -> None:
    title = "Word " * 200  # 1000 characters
    digest = make_digest(make_item(make_release(title=title)))
    [page] = digest_pages(digest, BERLIN)
    embed_title = page.embeds[0].title or ""
    assert len(embed_title) <= T.EMBED_TITLE_LIMIT
    assert embed_title.endswith("Word…")
    for embed in quote_list_pages(make_release(title=title), [make_quote()]):
        assert_embed_limits(embed)
    assert_embed_limits(releases_pages([make_release(title=title)], BERLIN)[0])


def test_missing_title_uses_display_title() -> None:
    [page] = digest_pages(make_digest(make_item(make_release(3, title=None))), BERLIN)
    assert page.embeds[0].title == "Release mot-3"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.gov/x",
        "file:///etc/passwd",
        "example.gov/news",
        "https://",
        None,
        "",
    ],
)
def test_non_http_urls_are_dropped(url: str | None) -> None:
    release = make_release(url=url)
    embeds = [
        *digest_pages(make_digest(make_item(release)), BERLIN)[0].embeds,
        *quote_list_pages(release, [make_quote()]),
        quote_hits_embed("q", [QuoteHit(make_quote(), 1, release)], BERLIN),
        *releases_pages([release], BERLIN),
    ]
    for embed in embeds:
        assert embed.url is None
        assert "](" not in (embed.description or "")


def test_http_urls_are_linked_safely() -> None:
    release = make_release(url="http://example.gov/a_(b)")
    text = releases_pages([release], BERLIN)[0].description or ""
    assert "(http://example.gov/a_%28b%29)" in text
    assert digest_pages(make_digest(make_item(release)), BERLIN)[0].embeds[0].url == "http://example.gov/a_(b)"


def test_mentions_are_neutralised_everywhere() -> None:
    release = make_release(title=f"Title {MENTIONS}", source=f"Source {MENTIONS}")
    item = DigestItem(
        release=release,
        summary=make_sentences(f"Sentence {MENTIONS}."),
        quotes=(make_quote(f"Quote {MENTIONS}", speaker=f"Speaker {MENTIONS}", speaker_title=f"T {MENTIONS}"),),
    )
    hit = QuoteHit(item.quotes[0], 1, release)
    embeds = [
        *digest_pages(make_digest(item, topic=f"topic {MENTIONS}"), BERLIN)[0].embeds,
        *quote_list_pages(release, item.quotes),
        quote_hits_embed(f"query {MENTIONS}", [hit], BERLIN),
        *releases_pages([release], BERLIN),
        error_embed(f"Unknown topic {MENTIONS}", [f"s {MENTIONS}"]),
    ]
    text = as_text(embeds)
    assert "everyone" in text and "123" in text  # still readable…
    assert not RAW_MENTION.search(text)  # …but inert
    assert "@\u200beveryone" in text and "<@\u200b123>" in text and "<@\u200b&456>" in text


def test_markdown_in_third_party_text_is_escaped() -> None:
    release = make_release(title="**Bold** claim_with_underscores [click](https://evil.example)")
    embed = digest_pages(make_digest(make_item(release)), BERLIN)[0].embeds[0]
    assert embed.title is not None
    assert "\\*\\*Bold\\*\\*" in embed.title and "claim\\_with" in embed.title
    assert "\\[click](https://evil.example)" in embed.title  # masked link shown literally


def test_empty_digest_has_one_page() -> None:
    [page] = digest_pages(make_digest(), BERLIN)
    assert page.releases == [] and page.release_ids == []
    assert_message_limits(page.embeds)
    assert "rail" in (page.embeds[0].description or "")


def test_naive_and_missing_dates() -> None:
    naive = make_release(published_at=datetime(2026, 7, 1, 10, 0))  # noqa: DTZ001 - naive on purpose: read as UTC
    undated = make_release(2, published_at=None)
    text = as_text(releases_pages([naive, undated], BERLIN))
    assert "01 Jul 2026, 12:00 CEST" in text
    assert "undated" in text


# ---- helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("one two three four", 12, "one two…"),
        ("x" * 50, 10, "xxxxxxxxx…"),
        ("abc \\*def", 7, "abc…"),
        ("anything", 1, "…"),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    result = T.truncate(text, limit)
    assert result == expected
    assert len(result) <= limit


# ---- quotes, hits, releases, errors ----------------------------------------------------------------


def test_quote_list_pages_cover_all_quotes_in_order() -> None:
    release = make_release()
    quotes = [make_quote(f"Quote {i} " + "long " * (i % 300), rank=i) for i in range(500)]
    embeds = quote_list_pages(release, quotes)
    assert len(embeds) > 1
    numbers: list[int] = []
    for embed in embeds:
        assert_embed_limits(embed)  # each is sent as its own page
        numbers += [int(n) for n in re.findall(r"^\*\*(\d+)\.\*\*", embed.description or "", re.MULTILINE)]
        assert embed.url == release.url
    assert numbers == list(range(1, 501))
    first_count = len(re.findall(r"^\*\*\d+\.\*\*", embeds[0].description or "", re.MULTILINE))
    assert embeds[0].footer.text == f"Quotes 1–{first_count} of 500 · Ministry of Transport"
    assert (embeds[-1].footer.text or "").endswith("of 500 · Ministry of Transport")


def test_quote_list_single_and_none() -> None:
    [one] = quote_list_pages(make_release(), [make_quote(speaker=None)])
    assert one.footer.text == "Quote 1 of 1 · Ministry of Transport"
    assert one.description == "**1.** “This investment will transform how people travel”"
    [none] = quote_list_pages(make_release(), [])
    assert "No quotes" in (none.description or "")


def test_quote_hits_embed() -> None:
    release = make_release(5)
    hit = QuoteHit(make_quote(), 11, release)
    embed = quote_hits_embed("transform", [hit], BERLIN)
    assert_embed_limits(embed)
    assert embed.title == "Quotes matching “transform”"
    description = embed.description or ""
    assert "**Jane Doe**, *Minister of Transport*" in description
    assert "[Minister announces new rail funding](https://example.gov/news/rail-funding)" in description
    assert "12 Mar 2026, 14:05 CET" in description
    assert embed.footer.text == "1 quote"


def test_quote_hits_many_and_none() -> None:
    hits = [QuoteHit(make_quote("z " * 300, rank=i), i, make_release(i, title="T " * 200)) for i in range(200)]
    embed = quote_hits_embed("q" * 1000, hits, BERLIN)
    assert_embed_limits(embed)
    assert re.search(r"\*\+\d+ more — refine the search to see them\.\*$", embed.description or "")
    empty = quote_hits_embed("nothing", [], BERLIN)
    assert empty.description == "*No quotes found.*"


def test_releases_pages() -> None:
    releases = [make_release(i, source="Src" if i % 2 else None) for i in range(1, 24)]
    embeds = releases_pages(releases, BERLIN, per_page=10)
    assert len(embeds) == 3
    for embed in embeds:
        assert_embed_limits(embed)
    assert (embeds[0].description or "").count("\n") == 9
    assert embeds[2].footer.text == "Page 3 of 3 · 23 releases"
    assert (embeds[0].description or "").startswith("`1` · [Minister announces")
    assert len(releases_pages(releases, BERLIN, per_page=1000)) == 1  # clamped to 25 per page
    assert "No releases" in (releases_pages([], BERLIN)[0].description or "")


def test_releases_full_page_with_long_urls_keeps_links_whole() -> None:
    releases = [
        make_release(i, title="Long title " * 30, url="https://example.gov/" + "a" * 500, source="S " * 100)
        for i in range(25)
    ]
    [embed] = releases_pages(releases, BERLIN, per_page=25)
    assert_embed_limits(embed)
    lines = (embed.description or "").split("\n")
    assert len(lines) == 25
    for release, line in zip(releases, lines, strict=True):
        # The link does not fit in a 25th of the description, so it is left out rather than cut in half.
        assert line.startswith(f"`{release.id}` · Long title")
        assert "](" not in line


def test_error_embed() -> None:
    embed = error_embed("Unknown topic **x**", ["ukraine", "uk`raine", "", "trade"])
    assert_embed_limits(embed)
    assert embed.colour == E.ERROR_COLOUR
    assert embed.description == "Unknown topic \\*\\*x\\*\\*\n\nDid you mean: `ukraine`, `uk'raine`, `trade`?"
    assert error_embed("plain").description == "plain"


def test_release_links_are_shown_as_published() -> None:
    link = "http://www.example.gov/news/1?ref=home&source=press"  # an http-only, www-only site
    embed = E.release_embed(DigestItem(release=make_release(url=link), summary=(), quotes=()), UTC)
    assert embed.url == link
