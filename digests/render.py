"""Plain-text and JSON renderings of digests, quotes and release lists for the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from digests.models import Analysis, Digest, DigestItem, Quote, QuoteHit, Release

_WIDTH = 100


def _date(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d") if moment else "undated"


def attribution(quote: Quote) -> str:
    """ "Sabrina Singh, Deputy Pentagon Press Secretary", or "unattributed"."""
    if not quote.speaker:
        return "unattributed"
    return f"{quote.speaker}, {quote.speaker_title}" if quote.speaker_title else quote.speaker


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=first, subsequent_indent=rest)


def _quote_lines(quote: Quote) -> list[str]:
    """A quote, wrapped, and who said it on the line below."""
    return [_wrap(f"“{quote.text}”", "  ", "   "), f"     — {attribution(quote)}"]


def release_heading(release: Release, tz: tzinfo) -> list[str]:
    """Title line and a "date · source · link" line."""
    details = [_date(release.published_at, tz)]
    details += [part for part in (release.source, release.url) if part]
    return [release.display_title, " · ".join(details)]


def _copy_label(copy: Release) -> str:
    """A copy's source (or title) and link."""
    name = copy.source or copy.display_title
    return f"{name} ({copy.url})" if copy.url else name


def render_item(item: DigestItem, tz: tzinfo) -> str:
    """One release of a digest: heading, summary sentences and key quotes."""
    lines = release_heading(item.release, tz)
    if item.also:
        lines.append(_wrap("; ".join(_copy_label(copy) for copy in item.also), "Also published by: ", "  "))
    lines.append(f"Summary ({item.coverage}):")
    lines += [_wrap(sentence.text, "  • ", "    ") for sentence in item.summary]
    if item.quotes:
        lines.append("Key quotes:")
        for quote in item.quotes:
            lines += _quote_lines(quote)
    return "\n".join(lines)


def digest_heading(digest: Digest, tz: tzinfo, whole: bool = False) -> str:
    """The first line of a digest: how many releases match (and which are shown, unless ``whole``)."""
    total = max(digest.total, len(digest.items))
    count = f"{total:,} release{'s' if total != 1 else ''}" if whole else digest.count_line
    header = f"Digest: {digest.topic} — {count}"
    return header + (f" since {_date(digest.since, tz)}" if digest.since else "")


def render_digest(digest: Digest, tz: tzinfo) -> str:
    """The terminal answer to ``digest TOPIC --page N``: one page and what it shows of the whole."""
    return "\n\n".join([digest_heading(digest, tz), *(render_item(item, tz) for item in digest.items)])


def render_quote_hits(query: str, hits: Sequence[QuoteHit], tz: tzinfo) -> str:
    """The terminal answer to ``quote QUERY``."""
    if not hits:
        return f"No quotes match {query!r}."
    blocks = [f"Quotes for {query!r}:"]
    for number, hit in enumerate(hits, 1):
        release = hit.release
        link = f" {release.url}" if release.url else ""
        blocks.append(
            "\n".join(
                [
                    _wrap(f"“{hit.quote.text}”", f"{number}. ", "   "),
                    f"   — {attribution(hit.quote)}",
                    f"   {release.display_title} ({_date(release.published_at, tz)}){link}",
                    *([_wrap("; ".join(map(_copy_label, hit.also)), "   Also in: ", "     ")] if hit.also else []),
                ]
            )
        )
    return "\n\n".join(blocks)


def render_releases(releases: Sequence[Release], tz: tzinfo) -> str:
    """The terminal answer to ``releases``."""
    if not releases:
        return "No releases stored."
    return "\n".join(
        f"{release.id:>4}  {_date(release.published_at, tz)}  v{release.version}  {release.display_title}"
        + (f"  (copy of {release.story})" if release.is_copy else "")
        for release in releases
    )


def quote_json(quote: Quote) -> dict[str, Any]:
    """A quote as JSON: text, speaker and title."""
    return {"text": quote.text, "speaker": quote.speaker, "speaker_title": quote.speaker_title}


def release_json(release: Release) -> dict[str, Any]:
    """A release's metadata as JSON."""
    return {
        "id": release.id,
        "title": release.title,
        "url": release.url,
        "source": release.source,
        "published_at": release.published_at.isoformat() if release.published_at else None,
        "version": release.version,
        "tags": list(release.tags),
        "sentence_count": release.sentence_count,
        "copy_of": release.story if release.is_copy else None,
    }


def also_json(copies: Sequence[Release]) -> list[dict[str, Any]]:
    """The other copies of a story: ``{"source", "url", "title", "date"}`` each."""
    return [
        {
            "source": copy.source,
            "url": copy.url,
            "title": copy.title,
            "date": copy.published_at.isoformat() if copy.published_at else None,
        }
        for copy in copies
    ]


def digest_json(digest: Digest) -> dict[str, Any]:
    """A digest as JSON."""
    return {
        "topic": digest.topic,
        "since": digest.since.isoformat() if digest.since else None,
        "total": max(digest.total, len(digest.items)),
        "offset": digest.offset,
        "releases": [
            {
                **release_json(item.release),
                "summary": [sentence.text for sentence in item.summary],
                "coverage": item.coverage,
                "quotes": [quote_json(quote) for quote in item.quotes],
                "also": also_json(item.also),
            }
            for item in digest.items
        ],
    }


def hit_json(hit: QuoteHit) -> dict[str, Any]:
    """A quote search hit as JSON."""
    return {**quote_json(hit.quote), "release": release_json(hit.release), "also": also_json(hit.also)}


def extraction_json(source: str, title: str | None, analysis: Analysis, sentences: int) -> dict[str, Any]:
    """``extract --json``: one file's title, summary (document order) and every quote."""
    picked = analysis.summary.pick(sentences)
    return {
        "source": source,
        "title": title,
        "summary": [analysis.sentences[i].text for i in picked],
        "quotes": [quote_json(quote) for quote in analysis.quotes],
    }


def render_extraction(source: str, title: str | None, analysis: Analysis, sentences: int) -> str:
    """``extract`` without ``--json``: the same, readable."""
    data = extraction_json(source, title, analysis, sentences)
    lines = [
        f"{source}" + (f" — {title}" if title else ""),
        f"Summary ({len(data['summary'])} of {len(analysis.sentences)} sentences):",
    ]
    lines += [_wrap(text, "  • ", "    ") for text in data["summary"]]
    lines.append(f"Quotes ({len(analysis.quotes)}):")
    for quote in analysis.quotes:
        lines += _quote_lines(quote)
    return "\n".join(lines)
