"""Parsing RSS 0.9x/1.0/2.0 and Atom feeds into plain-text entries (pure: bytes in, values out)."""

from __future__ import annotations

import calendar
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from digests.ingest.dates import checked_or_none
from digests.ingest.pages import is_mislabelled_utf8

TEASER_MIN_CHARS = 400
TEASER_MIN_SENTENCES = 2

# Elements that end a line of text when an HTML summary is flattened.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_TRUNCATED = re.compile(r"(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\]|read more|continue reading|more\s*»)\W*$", re.I)
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class FeedError(ValueError):
    """A document that is not a usable feed; the message names the URL and says why in one line."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item. ``summary_text`` is the longest text the feed gives (full content if present, else the
    summary), as plain text with one paragraph per line. Dates are aware UTC datetimes; ``published_at``
    falls back to the updated date when the feed gives only that."""

    guid: str | None
    link: str | None
    title: str | None
    summary_text: str
    published_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed. ``bozo_error`` describes a problem the parser recovered from (malformed XML, wrong
    declared encoding), or is ``None``."""

    title: str | None
    entries: list[FeedEntry]
    bozo_error: str | None


class _TextExtractor(HTMLParser):
    """Flattens HTML to text: block elements become line breaks, scripts and styles vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._skipping = 0

    def _break(self) -> None:
        line = " ".join("".join(self._current).split())
        if line:
            self.lines.append(line)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._break()


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, one paragraph (block element) per line."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return "\n".join(extractor.lines)


def _plain(detail: Any, fallback: str | None = None) -> str:
    """The text of a feedparser ``*_detail`` dict (HTML flattened, plain text whitespace-normalised)."""
    value = detail.get("value") if detail else fallback
    if not value:
        return ""
    if detail and detail.get("type") not in _HTML_TYPES:
        return "\n".join(" ".join(line.split()) for line in str(value).splitlines() if line.strip())
    return html_to_text(str(value))


def _utc(parsed: time.struct_time | None) -> datetime | None:
    # feedparser normalises every date to a UTC struct_time.
    if parsed is None:
        return None
    try:
        return checked_or_none(datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC))
    except (OverflowError, OSError, ValueError):  # a date far outside the platform's range: no date
        return None


def _entry(raw: Any) -> FeedEntry:
    texts = [_plain(content) for content in raw.get("content") or []]
    texts.append(_plain(raw.get("summary_detail"), raw.get("summary")))
    title = _plain(raw.get("title_detail"), raw.get("title")).replace("\n", " ") or None
    # dict.get, not raw.get: feedparser's own get() would fall back to the published date, with a warning.
    updated = _utc(dict.get(raw, "updated_parsed"))
    return FeedEntry(
        guid=(raw.get("id") or "").strip() or None,
        link=(raw.get("link") or "").strip() or None,
        title=title,
        summary_text=max(texts, key=len),
        published_at=_utc(dict.get(raw, "published_parsed")) or updated,
        updated_at=updated,
    )


# A character reference to a lone surrogate (&#xD800;, also escaped once more inside HTML content) makes
# feedparser's HTML sanitiser raise UnicodeEncodeError; it becomes a reference to U+FFFD.
_SURROGATE_REF = re.compile(rb"&((?:amp;)?)#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*5[5-7][0-9]{3});")


def _surrogate_ref(match: re.Match[bytes]) -> bytes:
    text = match.group(0)
    number = text.rsplit(b"#", 1)[1][:-1]
    value = int(number[1:], 16) if number[:1] in (b"x", b"X") else int(number)
    return b"&" + match.group(1) + b"#xFFFD;" if 0xD800 <= value <= 0xDFFF else text


def parse_feed(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    """Parse a feed document fetched from ``url`` (``content_type`` is the full Content-Type header, whose
    charset helps decoding). Relative links are resolved against ``url``; HTML is sanitised and flattened.

    Raises :class:`FeedError` when the document is not a feed at all (no feed format recognised, nothing
    recovered). A valid feed without items gives an empty ``entries`` list.
    """
    headers = {"content-location": url}
    body = _SURROGATE_REF.sub(_surrogate_ref, body)
    if content_type:
        headers["content-type"] = content_type
    declared = _CHARSET_PARAM.search(content_type or "") or _XML_ENCODING.match(body)
    label = declared.group(1) if declared else None
    if is_mislabelled_utf8(body, label.decode("ascii") if isinstance(label, bytes) else label):
        # feedparser would trust the label and make mojibake; an HTTP charset overrides the XML declaration.
        headers["content-type"] = "application/xml; charset=utf-8"
    # A stream, never bytes or str: feedparser fetches a str that looks like a URL and opens bytes that name
    # an existing file, so a hostile body such as b"/etc/passwd" would read a local file.
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=True, resolve_relative_uris=True
    )
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(bozo, feedparser.NonXMLContentType):
        bozo = None  # a feed served as text/html or without a type parses fine; not worth a warning
    bozo_error = f"{type(bozo).__name__}: {bozo}" if bozo is not None else None
    entries = [_entry(raw) for raw in parsed.entries]
    if not entries and not parsed.get("version"):
        reason = bozo_error or "no RSS or Atom feed found"
        raise FeedError(f"{url} is not a usable feed ({reason})")
    feed = parsed.get("feed", {})
    title = _plain(feed.get("title_detail"), feed.get("title")).replace("\n", " ") or None
    return ParsedFeed(title=title, entries=entries, bozo_error=bozo_error)


def is_teaser(entry: FeedEntry, min_chars: int = TEASER_MIN_CHARS, min_sentences: int = TEASER_MIN_SENTENCES) -> bool:
    """Whether ``entry``'s text is only a teaser, so the release must be read from its page.

    True when the text is shorter than ``min_chars`` characters or ``min_sentences`` sentences, or ends like
    a cut-off excerpt ("…", "[...]", "Read more").
    """
    text = entry.summary_text.strip()
    if len(text) < min_chars or _TRUNCATED.search(text[-40:]):
        return True
    from digests.text import split_sentences  # NLTK's import is slow: paid only where the checks run (a worker)

    return len(split_sentences(text)) < min_sentences
