"""Parsing what users type for time windows ("7d") and times of day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from digests.ingest.dates import checked

_DURATION = re.compile(r"^\s*(\d{1,5})\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime, tz: tzinfo) -> datetime:
    """``"7d"``, ``"12h"``, ``"2w"``, ``"30m"`` before ``now``, or an ISO date/time (in ``tz`` when naive)."""
    match = _DURATION.match(text)
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2).lower()]
        return now - timedelta(**{unit: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time window: use e.g. 7d, 12h, 2w or a date like 2024-01-25") from None
    # 0001-01-01T00:00:00+14:00 parses but overflows when compared in UTC: a clear error, not a crash.
    return checked(moment if moment.tzinfo else moment.replace(tzinfo=tz))
