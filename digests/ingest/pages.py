"""Extracting a release's text from its web page with trafilatura (pure: never fetches anything)."""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin

import trafilatura
from trafilatura.settings import Document

from digests.ingest.dates import checked_or_none

MIN_ARTICLE_CHARS = 50

# Where pages state their publication time, most precise first; trafilatura only yields a date.
_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "publish-date",
    "date",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*("(?:[^"\\]|\\.)*")')
# A paragraph that is only a date: "May 7, 2024", "7 May 2024", "2024-05-07", optionally with a weekday.
_DATE_LINE = re.compile(
    r"^(?:[A-Z][a-z]+day,? )?(?:[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4}|"
    r"\d{4}-\d{2}-\d{2})$"
)
# Single-byte Western charsets: bytes labelled so that are valid UTF-8 are almost surely mislabelled UTF-8.
_WESTERN = frozenset({"ascii", "iso8859-1", "iso8859-15", "cp1252"})


class PageError(ValueError):
    """A page without extractable article text; the message names the URL and says why in one line."""


@dataclass(frozen=True, slots=True)
class Article:
    """The main text of a web page: ``text`` has one paragraph per line. ``canonical_url`` is the page's
    declared canonical link (or ``og:url``), else the URL it was fetched from. ``published_at`` is aware."""

    title: str | None
    text: str
    published_at: datetime | None
    canonical_url: str


def _codec(label: str | None) -> str | None:
    """Python's codec name for a charset label, or ``None`` if unknown."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def is_mislabelled_utf8(raw: bytes, label: str | None) -> bool:
    """Whether ``raw`` is labelled with a single-byte Western charset (ASCII, Latin-1, Windows-1252) yet is
    valid non-ASCII UTF-8: then it is almost surely UTF-8, since Latin-1 text is very rarely valid UTF-8."""
    if _codec(label) not in _WESTERN or raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(raw: bytes, charset: str | None = None) -> str:
    """Decode an HTML page, trusting labels only as far as the bytes agree with them.

    Order: a byte-order mark; the HTTP ``charset``, then the ``<meta>`` charset, each if the bytes decode
    strictly (but bytes labelled ASCII/Latin-1/Windows-1252 that are valid UTF-8 are read as UTF-8, the usual
    mislabelling); then strict UTF-8; then Windows-1252 (a Latin-1 page labelled UTF-8); finally UTF-8 with
    replacement characters.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw.decode("utf-8-sig", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    meta = _META_CHARSET.search(raw[:4096])
    labels = [charset, meta.group(1).decode("ascii") if meta else None]
    for label in [*labels, "utf-8", "cp1252"]:
        name = "utf-8" if is_mislabelled_utf8(raw, label) else _codec(label)
        if name is None:
            continue
        try:
            return raw.decode(name)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


class _MetaScanner(HTMLParser):
    """Collects ``<meta>`` values by lower-cased property/name/itemprop, the first ``<time datetime>`` and
    the ``<link rel="canonical">`` target."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.time: str | None = None
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").lower() if name == "rel" else value or "" for name, value in attrs}
        if tag == "meta" and values.get("content"):
            for attr in ("property", "name", "itemprop"):
                key = values.get(attr, "").strip().lower()
                if key:
                    self.meta.setdefault(key, values["content"].strip())
        elif tag == "time" and self.time is None and values.get("datetime"):
            self.time = values["datetime"].strip()
        elif tag == "link" and self.canonical is None and "canonical" in values.get("rel", "").split():
            self.canonical = values.get("href", "").strip() or None


def _as_aware(value: str | None) -> datetime | None:
    """Parse an ISO 8601 date or datetime into UTC; naive values are taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # An edge date (0001-01-01T00:00:00+14:00) overflows in UTC: no usable date, try the page's next one.
    checked = checked_or_none(parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed)
    return checked.astimezone(UTC) if checked else None


def _published(html: str, scanner: _MetaScanner, fallback_date: str | None) -> datetime | None:
    candidates = [scanner.meta.get(key) for key in _PUBLISHED_KEYS]
    match = _JSON_LD_PUBLISHED.search(html)
    if match:
        with contextlib.suppress(ValueError):
            candidates.append(str(json.loads(match.group(1))))
    candidates += [scanner.time, fallback_date]
    return next((parsed for value in candidates if (parsed := _as_aware(value)) is not None), None)


def extract_article(html: bytes | str, url: str, charset: str | None = None) -> Article:
    """Extract the article of a page fetched from ``url``; ``charset`` is the HTTP charset, if any.

    Raises :class:`PageError` when no article text can be found (empty, script-only or non-HTML content).
    """
    text = decode_html(html, charset) if isinstance(html, bytes) else html
    if not text.strip():
        raise PageError(f"{url}: empty page")
    # bare_extraction works on the string given; unlike fetch_url it never touches the network.
    document = trafilatura.bare_extraction(
        text, url=url, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
    )
    body = (document.text or "").strip() if isinstance(document, Document) else ""
    if not isinstance(document, Document) or not body:
        raise PageError(f"{url}: no article text found")
    title = (document.title or "").strip() or None
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    # trafilatura keeps the headline and a date line as paragraphs; title and date are stored separately.
    if title and len(lines) > 1 and lines[0].casefold() == title.casefold():
        lines = lines[1:]
    if len(lines) > 1 and _DATE_LINE.match(lines[0]):
        lines = lines[1:]
    article_text = "\n".join(lines)
    if len(article_text) < MIN_ARTICLE_CHARS:  # a menu or a cookie notice, not a release
        raise PageError(f"{url}: only {len(article_text)} characters of text found, not an article")
    scanner = _MetaScanner()
    scanner.feed(text)
    scanner.close()
    # trafilatura drops a relative canonical link; resolved here, it still names the page better than url.
    canonical = urljoin(url, scanner.canonical) if scanner.canonical else (document.url or "").strip()
    return Article(
        title=title,
        text=article_text,
        published_at=_published(text, scanner, document.date),
        canonical_url=canonical or url,
    )
