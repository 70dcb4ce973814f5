from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digests.periods import parse_since

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("7d", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_since(text, NOW, UTC) == NOW - delta


def test_dates_are_in_the_given_timezone() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert parse_since("2024-01-25", NOW, paris) == datetime(2024, 1, 25, tzinfo=paris)


def test_nonsense_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not a time window"):
        parse_since("yesterday-ish", NOW, UTC)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0500-01-01"])
def test_a_date_out_of_range_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_since(text, NOW, UTC)
