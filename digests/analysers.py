"""Where release analysis runs: off the event loop, in a worker thread or (for real work) a process pool.

Analysis is pure CPU work in Python, so threads share one core; a process pool uses every core and keeps the
event loop's process free. The composition root picks one; tests use the thread (no process start-up).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from digests.analyse import analyse
from digests.models import Analysis

T = TypeVar("T")


class Analyser(Protocol):
    """Runs CPU-heavy pure functions away from the event loop."""

    async def analyse(self, body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
        """:func:`digests.analyse.analyse`, off the loop."""
        ...

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Any other pure CPU-heavy function (picklable, with picklable arguments), off the loop."""
        ...

    @property
    def workers(self) -> int:
        """How many analyses can run at once."""
        ...

    async def close(self) -> None:
        """Stop the workers."""
        ...


class ThreadAnalyser:
    """Analysis on a worker thread (one at a time in effect: the GIL); for tests and tiny inputs."""

    workers = 1

    async def analyse(self, body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
        """:func:`digests.analyse.analyse` on a thread."""
        return await asyncio.to_thread(analyse, body, title, tuple(tags), algorithm)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on a thread."""
        return await asyncio.to_thread(function, *args)

    async def close(self) -> None:
        """Nothing to stop."""


class ProcessAnalyser:
    """Analysis in a pool of worker processes (one per core by default), started on first use.

    Workers are started with ``spawn``: forking a process that runs an event loop and database threads could
    copy a held lock into the child.
    """

    def __init__(self, workers: int | None = None) -> None:
        self._workers = max(1, workers or os.cpu_count() or 1)
        self._pool: Executor | None = None

    @property
    def workers(self) -> int:
        """How many processes analyse at once."""
        return self._workers

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    async def analyse(self, body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
        """:func:`digests.analyse.analyse` in a worker process."""
        return await self.run(analyse, body, title, tuple(tags), algorithm)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process."""
        return await asyncio.get_running_loop().run_in_executor(self._executor(), function, *args)

    async def close(self) -> None:
        """Stop the workers (waiting for running analyses, off the loop)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
