"""Discord's global rate limit as the fake enforces it: at most N requests in any one-second window per bot token,
however many connections (processes, shards) they come on."""

from __future__ import annotations

from collections import deque


class GlobalRateLimit:
    """A sliding one-second window of accepted requests per token (the strictest reading of "50 a second")."""

    def __init__(self) -> None:
        self._recent: dict[str, deque[float]] = {}

    def check(self, token: str, now: float, per_second: int) -> float | None:
        """Record a request of ``token`` at ``now`` (monotonic seconds) and return ``None``, or, when ``per_second``
        requests are already in the last second, record nothing and return how long until a request would be
        accepted (the 429's retry_after)."""
        recent = self._recent.setdefault(token, deque())
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= per_second:
            return max(0.001, recent[0] + 1.0 - now)
        recent.append(now)
        return None
