"""Canonical URLs and release keys."""

from __future__ import annotations

import pytest

from digests.ingest.identity import article_number, canonical_url, release_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.GOV/News/Item", "https://example.gov/News/Item"),
        ("https://example.gov:443/a/", "https://example.gov/a"),
        ("http://example.gov:80/a", "https://example.gov/a"),
        ("http://example.gov:8080/a", "https://example.gov:8080/a"),
        ("https://example.gov", "https://example.gov/"),
        ("https://example.gov/a#section-2", "https://example.gov/a"),
        ("https://user:pw@example.gov./a", "https://example.gov/a"),
        ("https://example.gov//a//b/", "https://example.gov/a/b"),
        ("https://example.gov/a?utm_source=rss&utm_medium=feed&fbclid=1&gclid=2", "https://example.gov/a"),
        ("https://example.gov/a?mc_cid=1&mc_eid=2&ref=home&source=twitter", "https://example.gov/a"),
        ("https://example.gov/a?b=2&a=1&utm_campaign=x", "https://example.gov/a?a=1&b=2"),
        ("https://example.gov/a?id=", "https://example.gov/a?id="),
        ("https://example.gov/caf%c3%a9/%7euser", "https://example.gov/caf%C3%A9/~user"),
        ("https://example.gov/café", "https://example.gov/caf%C3%A9"),
        ("https://example.gov/a%2Fb", "https://example.gov/a%2Fb"),
        ("https://[2001:DB8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url", ["ftp://example.gov/a", "mailto:press@example.gov", "https:///nohost", "/relative"]
)
def test_canonical_url_refuses_non_web_urls(url: str) -> None:
    with pytest.raises(ValueError):
        canonical_url(url)


def test_canonical_url_keeps_path_case() -> None:
    assert canonical_url("https://example.gov/News/A") != canonical_url("https://example.gov/news/a")


@pytest.mark.parametrize(
    ("url", "number"),
    [
        ("https://www.defense.gov/News/Releases/Release/Article/3657212/slug-of-the-title/", "3657212"),
        ("https://example.gov/news/123456-minister-visits-port", "123456"),
        ("https://example.gov/news/987654.html", "987654"),
        ("https://example.gov/section/12345/article/67890/title", "67890"),
        ("https://example.gov/news/20240501/title", None),  # a date, not an article
        ("https://example.gov/news/2024/05/title", None),  # too short
        ("https://example.gov/news/title?id=123456", None),  # only path segments count
        ("https://example.gov/news/abc12345", None),
    ],
)
def test_article_number(url: str, number: str | None) -> None:
    assert article_number(url) == number


def test_release_key_survives_a_move_to_a_new_domain() -> None:
    old = "https://www.defense.gov/News/Releases/Release/Article/3657212/statement-on-cooperation/"
    new = "https://www.war.gov/News/Releases/Release/Article/3657212/statement-on-cooperation-updated/"
    assert release_key(old) == release_key(new) == "article:3657212"


def test_release_key_ignores_guid_changes_scheme_and_tracking() -> None:
    first = release_key("https://www.example.gov/news/accord?utm_source=rss", guid="a1b2")
    second = release_key("http://example.gov/news/accord/#top", guid="urn:uuid:7d0c5a4e")
    assert first == second == "example.gov/news/accord"


def test_release_key_uses_the_guid_only_when_the_link_says_nothing() -> None:
    assert release_key("https://example.gov/news/x", guid="https://example.gov/p/55555") == "article:55555"
    assert release_key(None, guid="https://example.gov/news/x?utm_medium=rss") == "example.gov/news/x"
    assert release_key(None, guid=" tag:example.gov,2024:42 ") == "guid:tag:example.gov,2024:42"
    assert release_key("not a url", guid="g-1") == "guid:g-1"


def test_release_key_needs_something() -> None:
    with pytest.raises(ValueError, match="link or a GUID"):
        release_key(None, guid="  ")
