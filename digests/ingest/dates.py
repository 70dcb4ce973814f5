"""Publication dates from untrusted sources, kept to a range every later step can handle.

``datetime`` accepts 0001-01-01T00:00:00+14:00, but converting it to UTC (to store it) overflows, and so does
showing 9999-12-31 in a timezone ahead of UTC. A release dated outside years MIN_YEAR..MAX_YEAR is a typo or an
attack, never news: files are refused with a message, pages and feeds drop the date and keep the release.
"""

from __future__ import annotations

from datetime import UTC, datetime

MIN_YEAR = 1000
MAX_YEAR = 9000


class DateRangeError(ValueError):
    """A date outside MIN_YEAR..MAX_YEAR, or one that cannot be converted to UTC."""


def checked(moment: datetime) -> datetime:
    """``moment`` if it converts to UTC and falls within MIN_YEAR..MAX_YEAR; else :class:`DateRangeError`."""
    try:
        year = moment.astimezone(UTC).year
    except (OverflowError, ValueError):
        raise DateRangeError(f"{moment.isoformat()} is out of range (years {MIN_YEAR} to {MAX_YEAR})") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateRangeError(f"{moment.isoformat()} is out of range (years {MIN_YEAR} to {MAX_YEAR})")
    return moment


def checked_or_none(moment: datetime | None) -> datetime | None:
    """:func:`checked`, but ``None`` for a missing or unusable date (pages and feeds: the release still counts)."""
    if moment is None:
        return None
    try:
        return checked(moment)
    except DateRangeError:
        return None
