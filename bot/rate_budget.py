"""This process's share of the bot's request budget, kept so that Discord never counts more than its share in any
one second, whatever the latency.

Discord counts a request when it arrives, somewhere between our sending it and our reading the answer; a token
bucket that only spaces the *starts* lets requests delayed on a busy machine arrive together and burst past the
limit (two shard processes at 24/s each were seen arriving 64 in one second). Here a request holds its place from
just before it is sent until one second after its answer was read, and at most ``capacity`` places are held at
once. Whatever the delays, the requests Discord receives in any one-second window were all holding a place at the
moment the last of them was sent, so there are at most ``capacity`` of them. Shares that add up to Discord's limit
(see :mod:`bot.budget_shares` for how processes split it) therefore never meet a 429.

The cost is throughput: each request holds its place for its own latency plus a second, so at 20 ms latency a
share of 24 sends about 23.5 a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

WINDOW = 1.0  # seconds: Discord's global limit is per second


class RateLimiter:
    """A token bucket shared by every delivery: at most ``rate`` requests a second, in bursts of ``burst``."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for a token. Waiters are served in arrival order (the lock is FIFO)."""
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._tokens = 1.0
                self._updated = time.monotonic()
            self._tokens -= 1

    @contextlib.asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """A token for one request sent in the block (the same call as :meth:`RequestBudget.request`, whichever
        limiter a caller was given)."""
        await self.acquire()
        yield


class RequestBudget(RateLimiter):
    """At most ``capacity`` requests holding a place (in flight, or answered less than ``window`` ago) at once;
    ``rate`` (the share, requests per second) can change while running. Waiters are served in arrival order."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(rate)
        self.clock = clock
        self._in_flight = 0
        self._waiting = 0  # requests waiting for a place
        self._answered: deque[float] = deque()  # when the requests still holding a place were answered, in order
        self._changed = asyncio.Event()

    @property
    def capacity(self) -> int:
        """Places: the share rounded down (a share below one request a second gets one place, held longer; a
        share of 0 none: nothing is sent until it grows)."""
        return max(1, math.floor(self.rate + 1e-9)) if self.rate > 0 else 0

    @property
    def window(self) -> float:
        """How long after its answer a request keeps its place: a second, or longer for a share below 1/s."""
        return max(WINDOW, 1 / self.rate) if self.rate > 0 else WINDOW

    def set_rate(self, rate: float) -> None:
        """Change the share (another process joined or left; 0: send nothing for now); waiters re-check at once."""
        if rate < 0:
            raise ValueError("rate cannot be negative")
        self.rate = rate
        self._changed.set()

    @property
    def busy(self) -> bool:
        """Whether a request is waiting for a place or in flight."""
        return bool(self._waiting or self._in_flight)

    def held(self) -> int:
        """Places held now: requests in flight, or answered less than a window ago."""
        return self._held(self.clock())

    @contextlib.asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """Hold a place for one request sent and answered in the block."""
        self._waiting += 1
        try:
            await self._take()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(self.clock())
            self._changed.set()

    async def acquire(self) -> None:
        """A place for a request whose answer is not reported (it counts as answered at once): only for a request
        whose sending the caller does not see; any other holds its place with :meth:`request`."""
        async with self.request():
            pass

    def _held(self, now: float) -> int:
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        return self._in_flight + len(self._answered)

    async def _take(self) -> None:
        async with self._lock:  # FIFO: the first waiter gets the next free place
            while True:
                now = self.clock()
                if self._held(now) < self.capacity:
                    self._in_flight += 1
                    return
                self._changed.clear()
                # A place frees when the oldest answered request leaves the window; with none answered yet, when
                # one is answered (or the share grows).
                timeout = self._answered[0] + self.window - now if self._answered else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
