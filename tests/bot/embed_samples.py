"""Sample releases, digests and quotes for the embed and view tests, and checks of Discord's limits on embeds."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord

from bot import embed_text as T
from bot.embeds import Page
from digests.models import Digest, DigestItem, Quote, Release, Sentence

BERLIN = ZoneInfo("Europe/Berlin")
PUBLISHED = datetime(2026, 3, 12, 13, 5, tzinfo=UTC)  # 14:05 CET
MENTIONS = "@everyone @here <@123> <@!123456789012345678> <@&456> <#789> @Here"
RAW_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d|<#\d", re.IGNORECASE)


# ---- model factories ----------------------------------------------------------------------------------


def make_release(
    release_id: int = 1,
    title: str | None = "Minister announces new rail funding",
    url: str | None = "https://example.gov/news/rail-funding",
    source: str | None = "Ministry of Transport",
    published_at: datetime | None = PUBLISHED,
    sentence_count: int = 24,
) -> Release:
    """A stored release with sensible defaults."""
    return Release(
        id=release_id,
        canonical_id=f"mot-{release_id}",
        title=title,
        url=url,
        source=source,
        published_at=published_at,
        tags=("transport",),
        version=1,
        version_id=release_id * 10,
        ingested_at=PUBLISHED + timedelta(hours=1),
        sentence_count=sentence_count,
    )


def make_sentences(*texts: str, paragraph: int = 0) -> tuple[Sentence, ...]:
    """Sentences with consecutive indexes, all in one paragraph."""
    return tuple(Sentence(idx=i, paragraph=paragraph, text=t, start=0, end=len(t)) for i, t in enumerate(texts))


def make_quote(
    text: str = "This investment will transform how people travel",
    speaker: str | None = "Jane Doe",
    speaker_title: str | None = "Minister of Transport",
    rank: int = 0,
) -> Quote:
    """A quote attributed to a speaker by default."""
    return Quote(
        text=text,
        speaker=speaker,
        speaker_title=speaker_title,
        sentence_idx=0,
        paragraph=0,
        start=0,
        end=len(text),
        score=1.0 / (rank + 1),
        rank=rank,
    )


def make_item(release: Release | None = None, n_quotes: int = 2) -> DigestItem:
    """A typical digest item: three summary sentences and ``n_quotes`` quotes."""
    return DigestItem(
        release=release or make_release(),
        summary=make_sentences(
            "The government will invest 2 billion in regional rail.",
            "Work starts in spring.",
            "Twelve lines will be electrified by 2030.",
        ),
        quotes=tuple(make_quote(f"Quote number {i} about trains", rank=i) for i in range(n_quotes)),
    )


def make_digest(*items: DigestItem, topic: str = "rail") -> Digest:
    """A digest of ``items``."""
    return Digest(topic=topic, items=items, since=PUBLISHED - timedelta(days=7))


# ---- limit checks ----------------------------------------------------------------------------------


def assert_embed_limits(embed: discord.Embed) -> None:
    """Every per-embed limit Discord enforces, plus the 6000 total for the embed alone."""
    assert len(embed.title or "") <= T.EMBED_TITLE_LIMIT
    assert len(embed.description or "") <= T.EMBED_DESCRIPTION_LIMIT
    assert len(embed.fields) <= T.EMBED_FIELD_COUNT_LIMIT
    for f in embed.fields:
        assert len(f.name or "") <= T.EMBED_FIELD_NAME_LIMIT
        assert len(f.value or "") <= T.EMBED_FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= T.EMBED_FOOTER_LIMIT
    assert len(embed.author.name or "") <= T.EMBED_AUTHOR_LIMIT
    assert len(embed) <= T.MESSAGE_EMBED_TOTAL_LIMIT
    if embed.url is not None:
        assert embed.url.startswith(("http://", "https://"))
    embed.to_dict()  # serialisable


def assert_message_limits(embeds: Sequence[discord.Embed]) -> None:
    """What one message may carry."""
    assert 1 <= len(embeds) <= T.MESSAGE_EMBED_COUNT_LIMIT
    for embed in embeds:
        assert_embed_limits(embed)
    assert sum(len(e) for e in embeds) <= T.MESSAGE_EMBED_TOTAL_LIMIT


def assert_pages_ok(pages: list[Page], digest: Digest) -> None:
    """Every page sendable; each release shown exactly once, in digest order, with one embed each."""
    assert pages
    for page in pages:
        assert_message_limits(page.embeds)
        assert len(page.embeds) == len(page.releases)
    assert [rid for p in pages for rid in p.release_ids] == [item.release.id for item in digest.items]


def as_text(embeds: Sequence[discord.Embed]) -> str:
    """Everything the embeds would send, as one string."""
    return json.dumps([e.to_dict() for e in embeds], ensure_ascii=False)
