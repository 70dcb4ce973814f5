"""Text made safe and short enough for Discord: its hard embed limits, mention neutralising, truncation, links
and dates. Pure functions, used by the embed builders (bot/embeds.py) and the cogs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from urllib.parse import urlsplit

import discord

# Discord's hard limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_COUNT_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
MESSAGE_EMBED_COUNT_LIMIT = 10
# Summed over every embed of one message: title + description + fields + footer text + author name.
MESSAGE_EMBED_TOTAL_LIMIT = 6000

ELLIPSIS = "…"
ZWSP = "\u200b"

WHITESPACE = re.compile(r"\s+")
_EVERYONE_HERE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MENTION_OPEN = re.compile(r"<(@[!&]?|#)")  # <@user>, <@!user>, <@&role>, <#channel>


def neutralise_mentions(text: str) -> str:
    """Break ``@everyone``, ``@here`` and ``<@…>``/``<@&…>``/``<#…>`` with a zero-width space."""
    text = _EVERYONE_HERE.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
    return _MENTION_OPEN.sub(lambda m: f"<{m.group(1)[0]}{ZWSP}{m.group(1)[1:]}", text)


def clean_text(text: str) -> str:
    """Third-party text made safe to show: whitespace collapsed, Markdown escaped, mentions neutralised."""
    collapsed = WHITESPACE.sub(" ", text).strip()
    return neutralise_mentions(discord.utils.escape_markdown(collapsed))


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near, ending in "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    # Prefer a word boundary unless it would throw away most of the room (one huge "word").
    if space >= len(cut) // 2:
        cut = cut[:space]
    # A dangling backslash would escape the ellipsis; a dangling zero-width space is invisible noise.
    cut = cut.rstrip(" \\" + ZWSP)
    return cut + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL Discord will accept, else ``None``."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return None
    return url


def format_date(when: datetime | None, tz: tzinfo) -> str:
    """``when`` shown in ``tz`` ("12 Mar 2026, 14:05 CET"); naive datetimes are taken as UTC.

    A release dated by day only is stored at midnight: it shows as the day alone ("25 Jan 2024").
    """
    if when is None:
        return "undated"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(tz)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{local:%d %b %Y}"
    zone = local.tzname() or ""
    return f"{local:%d %b %Y, %H:%M} {zone}".rstrip()
