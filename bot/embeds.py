"""Discord embeds for digests, quotes and release lists.

Pure functions: they only build :class:`discord.Embed` objects and never touch the network. Every builder
keeps within Discord's documented limits (the ``*_LIMIT`` constants of :mod:`bot.embed_text`), truncating at
sentence or word boundaries with "…" rather than letting Discord reject the message.

Third-party text (release titles, sentences, quotes, speakers) goes through :func:`clean_text`: Markdown is
escaped and mention syntax is broken with a zero-width space. Every send must *also* use
``discord.AllowedMentions.none()``; the text neutralisation is defence in depth, not the main guard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TypeVar

import discord

from bot.embed_text import (
    ELLIPSIS,
    EMBED_AUTHOR_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    MESSAGE_EMBED_COUNT_LIMIT,
    MESSAGE_EMBED_TOTAL_LIMIT,
    WHITESPACE,
    clean_text,
    format_date,
    neutralise_mentions,
    safe_url,
    truncate,
)
from digests.models import Digest, DigestItem, Quote, QuoteHit, Release

# Our own budgets, well inside the hard limits so that several releases share one message.
DIGEST_SUMMARY_BUDGET = 2000
DIGEST_QUOTE_COUNT = 3
DIGEST_QUOTE_BUDGET = 320
DIGEST_DESCRIPTION_BUDGET = 3500
ALSO_BUDGET = 400  # the "Also published by" line of a story with copies
FOOTER_BUDGET = 300
QUOTE_LIST_QUOTE_BUDGET = 1000
LIST_TITLE_BUDGET = 120
MAX_LINK_URL_LENGTH = 512  # longer URLs are not linked; they would eat the character budget
MAX_SUGGESTIONS = 10

DIGEST_COLOUR = discord.Colour.blurple()
ERROR_COLOUR = discord.Colour.red()

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    """What fits in one Discord message: up to 10 embeds within 6000 characters, and the releases shown."""

    embeds: list[discord.Embed]
    releases: list[Release] = field(default_factory=list)

    @property
    def release_ids(self) -> list[int]:
        """Ids of the releases on this page, in display order."""
        return [release.id for release in self.releases]


def _link(text: str, url: str | None) -> str:
    """Masked link ``[text](url)`` if the URL is usable, else plain ``text``. ``text`` must be clean."""
    target = safe_url(url)
    if target is None or len(target) > MAX_LINK_URL_LENGTH:
        return text
    # Parentheses would end the Markdown link early; percent-encoding them keeps the URL equivalent.
    target = target.replace("(", "%28").replace(")", "%29")
    return f"[{text}]({target})"


def _attribution(quote: Quote) -> str:
    """The " — **Speaker**, *title*" suffix of a quote (parts omitted when unknown)."""
    if not quote.speaker:
        return ""
    text = f" — **{truncate(clean_text(quote.speaker), 100)}**"
    if quote.speaker_title:
        text += f", *{truncate(clean_text(quote.speaker_title), 150)}*"
    return text


def quote_line(quote: Quote, text_budget: int) -> str:
    """One quote as “text” — **Speaker**, *title*, with the quoted words cut to ``text_budget``."""
    return f"“{truncate(clean_text(quote.text), text_budget)}”{_attribution(quote)}"


def _join_within(parts: Iterable[str], budget: int, sep: str) -> tuple[str, int]:
    """Join whole ``parts`` while they fit in ``budget``; returns the text and how many parts were used."""
    text = ""
    used = 0
    for part in parts:
        candidate = part if not text else text + sep + part
        if len(candidate) > budget:
            break
        text = candidate
        used += 1
    return text, used


def _summary_text(item: DigestItem, budget: int) -> str:
    """Summary sentences, same-paragraph sentences run together, cut at a sentence boundary when possible."""
    chunks: list[str] = []
    previous_paragraph: int | None = None
    for sentence in item.summary:
        text = clean_text(sentence.text)
        if not text:
            continue
        if chunks and sentence.paragraph == previous_paragraph:
            chunks[-1] += " " + text
        else:
            chunks.append(text)
        previous_paragraph = sentence.paragraph
    full = "\n\n".join(chunks)
    if len(full) <= budget:
        return full
    # Too long: keep whole sentences (split back out of paragraphs) and mark the cut.
    sentences = [clean_text(s.text) for s in item.summary if s.text.strip()]
    kept, used = _join_within(sentences, budget - len(ELLIPSIS) - 1, " ")
    if used == 0:
        return truncate(sentences[0], budget)
    return f"{kept} {ELLIPSIS}"


def _digest_description(item: DigestItem, tz: tzinfo) -> str:
    """Date line, summary, then the key quotes as block quotes, within DIGEST_DESCRIPTION_BUDGET."""
    date_line = f"*{format_date(item.release.published_at, tz)}*"
    summary = _summary_text(item, DIGEST_SUMMARY_BUDGET) or "*No summary available.*"
    lines = [f"> {quote_line(q, DIGEST_QUOTE_BUDGET)}" for q in item.quotes[:DIGEST_QUOTE_COUNT]]
    room = DIGEST_DESCRIPTION_BUDGET - len(date_line) - len(summary) - 100 - (ALSO_BUDGET if item.also else 0)
    quotes, used = _join_within(lines, room, "\n")
    parts = [date_line, summary]
    if item.also:
        parts.append(_also_line(item.also, ALSO_BUDGET))
    if quotes:
        parts.append(quotes)
    hidden = len(item.quotes) - used
    if hidden > 0:
        parts.append(f"*+{hidden} more quote{'s' if hidden != 1 else ''}*")
    return truncate("\n\n".join(parts), DIGEST_DESCRIPTION_BUDGET)


def _also_line(copies: Sequence[Release], budget: int) -> str:
    """ "Also published by" with each other source's name linked to its copy, within ``budget``."""
    label = "Also published by "
    names = [_link(truncate(clean_text(c.source or c.display_title), 60), c.url) for c in copies]
    text, used = _join_within(names, budget - len(label) - 20, ", ")
    if used < len(names):
        text = f"{text}, +{len(names) - used} more" if text else f"{len(names)} other sources"
    return f"*{label}*{text}"


def _footer(*parts: str | None) -> str:
    """Footer text from the non-empty ``parts``; footers are plain text, so no Markdown escaping."""
    text = " · ".join(neutralise_mentions(WHITESPACE.sub(" ", p).strip()) for p in parts if p and p.strip())
    return truncate(text, FOOTER_BUDGET)


def release_embed(item: DigestItem, tz: tzinfo) -> discord.Embed:
    """One release of a digest: linked title, date, summary, key quotes, coverage and source."""
    release = item.release
    embed = discord.Embed(
        title=truncate(clean_text(release.display_title), EMBED_TITLE_LIMIT),
        url=safe_url(release.url),
        description=_digest_description(item, tz),
        colour=DIGEST_COLOUR,
    )
    embed.set_footer(text=_footer(item.coverage, release.source))
    return embed


def _page_author(digest: Digest, tz: tzinfo, label: str | None = None) -> str:
    """Header naming the digest (and ``label``, e.g. which subscription posted it), set as the author line of
    each page's first embed."""
    text = f"Release Digest · {neutralise_mentions(WHITESPACE.sub(' ', digest.topic).strip())}"
    if digest.since is not None:
        text += f" · since {format_date(digest.since, tz)}"
    if label:
        text += f" · {label}"
    return truncate(text, EMBED_AUTHOR_LIMIT)


def digest_pages(digest: Digest, tz: tzinfo, label: str | None = None) -> list[Page]:
    """A digest laid out as messages: one embed per release, as many per page as Discord allows; ``label`` is
    added to each page's header.

    Always returns at least one page (an empty digest yields a single "no releases" page).
    """
    author = _page_author(digest, tz, label)
    if not digest.items:
        embed = discord.Embed(
            title="No matching releases",
            description=f"Nothing found for **{clean_text(digest.topic)}**.",
            colour=DIGEST_COLOUR,
        )
        embed.set_author(name=author)
        return [Page(embeds=[embed])]

    # A digest that is one page of many says so on each message: "40,130 releases match, showing 11–20".
    counted = f" · {digest.count_line}" if digest.total else ""
    author = truncate(author, EMBED_AUTHOR_LIMIT - len(counted)) + counted
    budget = MESSAGE_EMBED_TOTAL_LIMIT - len(author)
    shown = [(release_embed(item, tz), item.release) for item in digest.items]
    pages = [
        Page(embeds=[embed for embed, _ in group], releases=[release for _, release in group])
        for group in _pack(shown, lambda pair: len(pair[0]), MESSAGE_EMBED_COUNT_LIMIT, budget)
    ]
    for page in pages:
        page.embeds[0].set_author(name=author)
    return pages


def field_pages(title: str, fields: Sequence[tuple[str, str]], footer: str, per_page: int) -> list[discord.Embed]:
    """Embeds titled ``title`` holding the (name, value) ``fields`` in order, at most ``per_page`` each and each
    within one message's characters; every page gets ``footer``."""
    budget = MESSAGE_EMBED_TOTAL_LIMIT - len(title) - len(footer)
    pages = []
    for group in _pack(fields, lambda pair: len(pair[0]) + len(pair[1]), per_page, budget):
        embed = discord.Embed(title=title, colour=DIGEST_COLOUR)
        for name, value in group:
            embed.add_field(name=name, value=value, inline=False)
        pages.append(embed.set_footer(text=footer))
    return pages


def _pack(items: Iterable[T], size: Callable[[T], int], most: int, budget: int) -> list[list[T]]:
    """``items`` in order, split into groups of at most ``most`` whose sizes add up to at most ``budget`` (an item
    too big for the budget gets a group to itself). Always at least one group."""
    groups: list[list[T]] = []
    group: list[T] = []
    total = 0
    for item in items:
        if group and (len(group) == most or total + size(item) > budget):
            groups.append(group)
            group, total = [], 0
        group.append(item)
        total += size(item)
    groups.append(group)
    return groups


def quote_list_pages(release: Release, quotes: Sequence[Quote]) -> list[discord.Embed]:
    """Every quote of one release, numbered, split over as many embeds as needed (each sendable alone)."""
    title = truncate(f"Quotes — {clean_text(release.display_title)}", EMBED_TITLE_LIMIT)
    url = safe_url(release.url)
    if not quotes:
        embed = discord.Embed(title=title, url=url, description="*No quotes in this release.*", colour=DIGEST_COLOUR)
        embed.set_footer(text=_footer(release.source))
        return [embed]

    lines = [f"**{n}.** {quote_line(q, QUOTE_LIST_QUOTE_BUDGET)}" for n, q in enumerate(quotes, start=1)]
    chunks: list[tuple[int, int, str]] = []  # (first number, last number, text)
    start = 0
    while start < len(lines):
        text, used = _join_within(lines[start:], EMBED_DESCRIPTION_LIMIT, "\n\n")
        chunks.append((start + 1, start + used, text))
        start += used
    embeds = []
    for first, last, text in chunks:
        embed = discord.Embed(title=title, url=url, description=text, colour=DIGEST_COLOUR)
        span = f"Quote {first}" if first == last else f"Quotes {first}–{last}"
        embed.set_footer(text=_footer(f"{span} of {len(quotes)}", release.source))
        embeds.append(embed)
    return embeds


def quote_hits_embed(query: str, hits: Sequence[QuoteHit], tz: tzinfo) -> discord.Embed:
    """``/quote`` results: each quote with its speaker, release (linked) and date; extra hits are counted."""
    embed = discord.Embed(
        title=truncate(f"Quotes matching “{clean_text(query)}”", EMBED_TITLE_LIMIT),
        colour=DIGEST_COLOUR,
    )
    if not hits:
        embed.description = "*No quotes found.*"
        return embed
    entries = []
    for hit in hits:
        source = _link(truncate(clean_text(hit.release.display_title), LIST_TITLE_BUDGET), hit.release.url)
        entry = f"{quote_line(hit.quote, 400)}\n{source} · {format_date(hit.release.published_at, tz)}"
        if hit.also:
            entry += "\n" + _also_line(hit.also, 300)
        entries.append(entry)
    # Room for the "+N more" line at the end.
    text, used = _join_within(entries, EMBED_DESCRIPTION_LIMIT - 40, "\n\n")
    if used < len(hits):
        text += f"\n\n*+{len(hits) - used} more — refine the search to see them.*"
    embed.description = text
    embed.set_footer(text=f"{len(hits)} quote{'s' if len(hits) != 1 else ''}")
    return embed


def _release_line(release: Release, tz: tzinfo, budget: int) -> str:
    """One ``/releases`` line (id, linked title, date, source, version) within ``budget`` characters."""
    title = truncate(clean_text(release.display_title), LIST_TITLE_BUDGET)
    rest = [format_date(release.published_at, tz)]
    if release.source:
        rest.append(truncate(clean_text(release.source), 60))
    if release.version > 1:
        rest.append(f"v{release.version}")
    if release.is_copy:
        rest.append(f"copy of `{release.story}`")
    linked = " · ".join([f"`{release.id}`", _link(title, release.url), *rest])
    if len(linked) <= budget:
        return linked
    # Plain text can be cut safely; a cut Markdown link could not.
    return truncate(" · ".join([f"`{release.id}`", title, *rest]), budget)


def releases_pages(releases: Sequence[Release], tz: tzinfo, per_page: int = 10) -> list[discord.Embed]:
    """``/releases``: ``per_page`` releases per embed (1–25), one line each with id, link, date and source."""
    per_page = max(1, min(per_page, 25))
    if not releases:
        return [discord.Embed(title="Stored releases", description="*No releases stored.*", colour=DIGEST_COLOUR)]
    total_pages = (len(releases) + per_page - 1) // per_page
    line_budget = EMBED_DESCRIPTION_LIMIT // per_page - 1  # so that a full page always fits
    embeds = []
    for index in range(total_pages):
        lines = [_release_line(r, tz, line_budget) for r in releases[index * per_page : (index + 1) * per_page]]
        embed = discord.Embed(
            title="Stored releases",
            description="\n".join(lines),
            colour=DIGEST_COLOUR,
        )
        embed.set_footer(text=f"Page {index + 1} of {total_pages} · {len(releases)} releases")
        embeds.append(embed)
    return embeds


def error_embed(message: str, suggestions: Sequence[str] = ()) -> discord.Embed:
    """A red error embed, optionally ending in "Did you mean: …" with up to MAX_SUGGESTIONS suggestions."""
    description = truncate(clean_text(message), 1000)
    shown = [s.replace("`", "'").strip() for s in suggestions[:MAX_SUGGESTIONS] if s.strip()]
    if shown:
        # Inside inline code Markdown is inert, but mentions still need breaking.
        listed = ", ".join(f"`{neutralise_mentions(truncate(s, 100))}`" for s in shown)
        description += f"\n\nDid you mean: {listed}?"
    return discord.Embed(title="Sorry", description=description, colour=ERROR_COLOUR)


UPDATES_PER_EMBED = 10


def update_pages(releases: Sequence[Release], topic: str, tz: tzinfo, label: str | None = None) -> list[Page]:
    """Short "updated" notes for releases edited after a subscription posted them: a linked title and date
    per line, ten to an embed, one embed per message (no buttons: the full digest was posted before)."""
    pages: list[Page] = []
    author = _page_author(Digest(topic=topic, items=()), tz, label)
    line_budget = EMBED_DESCRIPTION_LIMIT // UPDATES_PER_EMBED - 1  # so that a full embed always fits
    for start in range(0, len(releases), UPDATES_PER_EMBED):
        chunk = releases[start : start + UPDATES_PER_EMBED]
        lines = []
        for release in chunk:
            title = truncate(clean_text(release.display_title), LIST_TITLE_BUDGET)
            date = format_date(release.published_at, tz)
            linked = f"{_link(title, release.url)} · {date} · updated"
            # A cut Markdown link would break; fall back to the plain title when the link does not fit.
            lines.append(linked if len(linked) <= line_budget else truncate(f"{title} · {date} · updated", line_budget))
        embed = discord.Embed(
            title="Updated releases" if len(chunk) > 1 else "Updated release",
            description="\n".join(lines),
            colour=DIGEST_COLOUR,
        )
        embed.set_author(name=author)
        pages.append(Page(embeds=[embed], releases=list(chunk)))
    return pages
