"""Frozen value objects shared by every part of the library."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digests.stories.fingerprint import Fingerprint

# _PICKLING: an analysis travels from a worker process to the writer as a pickle. The values an analysis is made of
# pickle as their class and field values (``__reduce__``), rebuilt by the constructor: a frozen slots dataclass
# otherwise pickles a state per object and unpickles it field by field through ``__setstate__``, which cost the
# writer process 128 µs an analysis (33 µs this way; 54 -> 33 µs to pickle in the worker; 800 corpus analyses).


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a release body; ``start``/``end`` are character offsets into the body."""

    idx: int
    paragraph: int
    text: str
    start: int
    end: int

    def __reduce__(self) -> tuple[type[Sentence], tuple[Any, ...]]:
        return (Sentence, (self.idx, self.paragraph, self.text, self.start, self.end))  # see _PICKLING


@dataclass(frozen=True, slots=True)
class Summary:
    """A ranking of every sentence of one release.

    ``scores[i]`` is sentence ``i``'s score; ``order`` lists sentence indexes best first (the summariser's
    selection order, which may differ from plain score order when it controls redundancy).
    """

    scores: tuple[float, ...]
    order: tuple[int, ...]
    algorithm: str

    def __reduce__(self) -> tuple[type[Summary], tuple[Any, ...]]:
        return (Summary, (self.scores, self.order, self.algorithm))  # see _PICKLING

    def pick(self, count: int) -> tuple[int, ...]:
        """The ``count`` best sentence indexes, in document order."""
        return tuple(sorted(self.order[: max(count, 0)]))


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation: ``text`` is the quoted words without the quote marks.

    ``start``/``end`` are offsets of ``text`` in the body; ``sentence_idx`` is the sentence the quote starts in.
    ``score`` ranks key quotes (higher is better); ``rank`` is its position among the release's quotes (0 = best).
    """

    text: str
    speaker: str | None
    speaker_title: str | None
    sentence_idx: int
    paragraph: int
    start: int
    end: int
    score: float = 0.0
    rank: int = 0

    def __reduce__(self) -> tuple[type[Quote], tuple[Any, ...]]:
        fields = (self.sentence_idx, self.paragraph, self.start, self.end, self.score, self.rank)
        return (Quote, (self.text, self.speaker, self.speaker_title, *fields))  # see _PICKLING


@dataclass(frozen=True, slots=True)
class TopicTerms:
    """Topic vocabulary of one release: acronyms defined in it (``{"HMC": "Higher Military Commission"}``)
    and normalised keywords."""

    acronyms: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[type[TopicTerms], tuple[Any, ...]]:
        return (TopicTerms, (self.acronyms, self.keywords))  # see _PICKLING


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything computed once per release version at ingest."""

    sentences: tuple[Sentence, ...]
    summary: Summary
    quotes: tuple[Quote, ...]
    topics: TopicTerms
    fingerprint: Fingerprint | None = None  # finds copies of this text from other sources (stories)

    def __reduce__(self) -> tuple[type[Analysis], tuple[Any, ...]]:
        return (Analysis, (self.sentences, self.summary, self.quotes, self.topics, self.fingerprint))  # see _PICKLING


@dataclass(frozen=True, slots=True)
class ReleaseDraft:
    """A release as read from a file, feed or page, before it is stored."""

    canonical_id: str
    body: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    tags: tuple[str, ...] = ()
    origin: str = ""  # where it came from (file path or URL), for messages


@dataclass(frozen=True, slots=True)
class Release:
    """A stored release at its current version."""

    id: int
    canonical_id: str
    title: str | None
    url: str | None
    source: str | None
    published_at: datetime | None
    tags: tuple[str, ...]
    version: int
    version_id: int
    ingested_at: datetime
    sentence_count: int
    story_id: int = 0  # the id of the story's first release; 0 = not known (the release is its own story)

    @property
    def story(self) -> int:
        """The story this release belongs to (its own id when it is the first or only copy)."""
        return self.story_id or self.id

    @property
    def is_copy(self) -> bool:
        """Whether an earlier stored release carries the same story."""
        return self.story != self.id

    @property
    def display_title(self) -> str:
        """A title fit to show even when the release has none."""
        return self.title or f"Release {self.canonical_id}"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One release in a digest: its summary sentences (document order) and its best quotes."""

    release: Release
    summary: tuple[Sentence, ...]
    quotes: tuple[Quote, ...]
    also: tuple[Release, ...] = ()  # the same story from other sources ("Also published by")

    @property
    def coverage(self) -> str:
        """Human-readable coverage, e.g. ``"3 of 24 sentences"``."""
        return f"{len(self.summary)} of {self.release.sentence_count} sentences"


@dataclass(frozen=True, slots=True)
class Digest:
    """The answer to ``/digest TOPIC``: one page of the matching releases, newest first, and how many match."""

    topic: str
    items: tuple[DigestItem, ...]
    since: datetime | None = None
    total: int = 0  # how many releases match in all; ``items`` show one page of them
    offset: int = 0  # how many matching releases come before this page
    shown: int = 0  # how many matching releases this page holds (copies of one story make one item)

    @property
    def count_line(self) -> str:
        """What the page shows of the whole, e.g. ``"40,130 releases match, showing 1–10"``."""
        shown = max(self.shown, len(self.items))
        return matches_line(max(self.total, self.offset + shown), self.offset, shown)

    @property
    def more_follow(self) -> bool:
        """Whether matching releases follow this page."""
        return self.offset + max(self.shown, len(self.items)) < self.total


def matches_line(total: int, offset: int, shown: int) -> str:
    """``"40,130 releases match, showing 11–20"``: ``shown`` releases after the first ``offset`` of ``total``."""
    noun = "release matches" if total == 1 else "releases match"
    if not shown:
        return f"{total:,} {noun}, none on this page"
    return f"{total:,} {noun}, showing {offset + 1:,}–{offset + shown:,}"


@dataclass(frozen=True, slots=True)
class QuoteHit:
    """A quote found by a quote search, with the release it comes from."""

    quote: Quote
    quote_id: int
    release: Release
    also: tuple[Release, ...] = ()  # other copies of the release's story that carry the quote


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's daily digest of a topic at ``time_of_day`` (``HH:MM``) in ``timezone`` (an IANA name).

    ``include``/``exclude`` are lower-cased words: a release must contain one of ``include`` (when given) and
    none of ``exclude``. ``paused_reason`` is ``None`` while the subscription is active.
    """

    id: int
    guild_id: int
    channel_id: int
    notify_channel_id: int | None
    topic: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    sentences: int | None
    time_of_day: str
    timezone: str
    created_by: int
    created_at: datetime
    last_run_at: datetime
    last_delivery_at: datetime | None
    paused_reason: str | None
    paused_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether digests are being delivered."""
        return self.paused_reason is None

    @property
    def hour(self) -> int:
        """The local hour of the daily run."""
        return int(self.time_of_day[:2])

    @property
    def minute(self) -> int:
        """The local minute of the daily run."""
        return int(self.time_of_day[3:])
