"""The fake's global rate limit: per bot token, across every connection."""

from __future__ import annotations

import pytest

from tests.fake_discord.ratelimit import GlobalRateLimit


def test_the_window_is_per_token_and_slides() -> None:
    limit = GlobalRateLimit()
    assert limit.check("Bot a", 0.0, 2) is None and limit.check("Bot a", 0.5, 2) is None
    assert limit.check("Bot a", 0.9, 2) == pytest.approx(0.1)  # full until the first leaves the window
    assert limit.check("Bot b", 0.9, 2) is None  # another bot has its own budget
    assert limit.check("Bot a", 1.0, 2) is None  # the request at 0.0 has left the window
    assert limit.check("Bot a", 1.2, 2) is not None  # 0.5 and 1.0 are still in it: a 429 is not recorded
    assert limit.check("Bot a", 1.51, 2) is None
