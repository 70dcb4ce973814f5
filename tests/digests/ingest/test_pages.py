"""Article extraction from pages: text, title, date, canonical link, encodings, garbage."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from digests.ingest.pages import PageError, decode_html, extract_article, is_mislabelled_utf8
from tests.digests.ingest import DATA

URL = "https://www.example.gov/News/Releases/Release/Article/3657212/"


def test_article_text_title_date_and_canonical_link() -> None:
    article = extract_article((DATA / "article.html").read_bytes(), URL)
    assert article.title == "Secretary Announces New Coastal Resilience Grants"
    lines = article.text.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("WASHINGTON — The Secretary of Examples announced today $40 million")
    assert lines[-1] == (
        "Recipients must begin work within one year and report progress every quarter to the department."
    )
    # Headline and date line are metadata, not paragraphs; menus, scripts, styles and the footer are gone.
    assert article.title not in lines and "May 7, 2024" not in lines
    for noise in ("Home", "window.analytics", "font-family", "Privacy policy"):
        assert noise not in article.text
    assert article.published_at == datetime(2024, 5, 7, 18, 30, tzinfo=UTC)  # meta time, -04:00
    assert article.canonical_url == (
        "https://www.example.gov/News/Releases/Release/Article/3657212/"
        "secretary-announces-new-coastal-resilience-grants/"
    )


def test_json_ld_date_and_relative_canonical_link() -> None:
    html = (DATA / "harbor.html").read_text(encoding="utf-8")
    article = extract_article(html, "https://port.example/h?session=42")
    assert article.title == "Harbor dredging resumes"
    assert article.published_at == datetime(2024, 5, 8, 12, 0, tzinfo=UTC)
    assert article.canonical_url == "https://port.example/news/harbor-dredging-resumes"
    assert len(article.text.splitlines()) == 3


@pytest.mark.parametrize(
    ("name", "charset"),
    [
        ("latin1_declared_utf8.html", "utf-8"),
        ("latin1_declared_utf8.html", None),
        ("utf8_declared_latin1.html", "iso-8859-1"),
        ("utf8_declared_latin1.html", None),
        ("utf8_declared_latin1.html", "no-such-charset"),
    ],
)
def test_wrongly_declared_encodings_are_read_correctly(name: str, charset: str | None) -> None:
    article = extract_article((DATA / name).read_bytes(), "https://ecologie.example/plan", charset=charset)
    assert article.title == "Le Ministère annonce un plan pour les côtes"
    assert "Le Ministère de l'Écologie a présenté mercredi à Genève" in article.text
    assert "Zürich et de São Paulo" in article.text
    assert "Ã" not in article.text and "\ufffd" not in article.text
    assert article.canonical_url == "https://ecologie.example/plan"  # the page declares none


def test_decode_html_order() -> None:
    text = "<p>café</p>"
    assert decode_html(text.encode("utf-8"), "utf-8") == text
    assert decode_html(text.encode("cp1252"), "utf-8") == text  # Latin-1 labelled UTF-8
    assert decode_html(text.encode("utf-8"), "latin-1") == text  # UTF-8 labelled Latin-1
    assert decode_html("<p>привет</p>".encode("koi8-r"), "koi8-r") == "<p>привет</p>"
    assert decode_html(b'<meta charset="koi8-r"><p>' + "привет".encode("koi8-r"), None).endswith("привет")
    assert decode_html(codecs.BOM_UTF8 + text.encode("utf-8"), "latin-1") == text
    assert decode_html("<p>\u0430</p>".encode("utf-16")) == "<p>\u0430</p>"
    assert decode_html(b"<p>\x81\x8d</p>") == "<p>\ufffd\ufffd</p>"  # undecodable: replacement characters


def test_is_mislabelled_utf8() -> None:
    assert is_mislabelled_utf8("é".encode(), "ISO-8859-1")
    assert is_mislabelled_utf8("é".encode(), "windows-1252")
    assert not is_mislabelled_utf8(b"plain ascii", "latin-1")
    assert not is_mislabelled_utf8("é".encode("latin-1"), "latin-1")
    assert not is_mislabelled_utf8("é".encode(), "utf-8")
    assert not is_mislabelled_utf8("é".encode(), None)


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"   \n ",
        b"<html></html>",
        b"<html><body><script>var a = 1;</script><style>p {}</style></body></html>",
        b"\x00\xff\xfe\x01\x02 binary garbage " * 20,
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
    ],
)
def test_pages_without_an_article_raise(html: bytes | str) -> None:
    with pytest.raises(PageError, match=r"^https://example\.gov/x: "):
        extract_article(html, "https://example.gov/x")
