"""Where release analysis runs: off the event loop, in a worker thread or (for real work) a process pool.

Analysis is pure CPU work in Python, so threads share one core; a process pool uses every core and keeps the
event loop's process free. The composition root picks one; tests use the thread (no process start-up).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

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
        return await asyncio.to_thread(analyse_release, body, title, tuple(tags), algorithm)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on a thread."""
        return await asyncio.to_thread(function, *args)

    async def close(self) -> None:
        """Nothing to stop."""


class ProcessAnalyser:
    """Analysis in a pool of worker processes (one per core by default), started on first use or by :meth:`start`.

    Workers are forked from a fork server (``forkserver``) that imported the analysis modules once: each worker
    starts with them loaded instead of importing them again (about a second of CPU each), and nothing is forked
    from a process that runs an event loop and database threads (a held lock could be copied into the child).
    Starting the pool waits for that server, so it happens on a thread, never on the event loop.
    """

    PRELOAD = ("digests.analyse",)

    def __init__(self, workers: int | None = None) -> None:
        self._workers = max(1, workers or os.cpu_count() or 1)
        self._pool: Executor | None = None
        self._starting: asyncio.Future[Executor] | None = None

    @property
    def workers(self) -> int:
        """How many processes analyse at once."""
        return self._workers

    def _start_pool(self) -> Executor:
        """Create the pool and bring up every worker (blocking: run on a thread)."""
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(self.PRELOAD))  # read when the fork server starts (once a process)
        pool = ProcessPoolExecutor(
            self._workers, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
        )
        try:
            # Tasks submitted while no worker is idle each bring up one more: all of them, ready before real work.
            for ready in [pool.submit(_ready) for _ in range(self._workers)]:
                ready.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return pool

    async def start(self) -> None:
        """Bring up the workers now (off the loop), so that the first analyses do not wait for them."""
        await self._executor()

    async def _executor(self) -> Executor:
        if self._pool is not None:
            return self._pool
        if self._starting is None:
            self._starting = asyncio.ensure_future(asyncio.to_thread(self._start_pool))
        starting = self._starting
        try:
            pool = await asyncio.shield(starting)
        except BaseException:
            if self._starting is starting and starting.done():
                self._starting = None  # a failed start is tried again by the next caller
            raise
        self._pool = pool
        return pool

    async def analyse(self, body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
        """:func:`digests.analyse.analyse` in a worker process."""
        return await self.run(analyse_release, body, title, tuple(tags), algorithm)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process."""
        pool = await self._executor()
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)

    async def close(self) -> None:
        """Stop the workers (waiting for running analyses, off the loop)."""
        starting, self._starting = self._starting, None
        if self._pool is None and starting is not None:
            try:
                self._pool = await starting
            except Exception:
                return
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)


def analyse_release(body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
    """:func:`digests.analyse.analyse`, imported on first use: a process that only hands analyses to workers
    (the ingest command, the bot) never loads NLTK, sumy and SciPy (over a second of start-up)."""
    from digests.analyse import analyse

    return analyse(body, title, tags, algorithm)


def _exit_with(parent: int) -> None:
    """A worker's initializer: the worker ends when the process that started the pool is gone without closing it
    (killed): blocked on its task queue, it would otherwise live on, and with it the fork server."""
    threading.Thread(target=_wait_for_exit, args=(parent,), name="exit-with-parent", daemon=True).start()


def _wait_for_exit(parent: int) -> None:
    try:
        handle = os.pidfd_open(parent)  # readable once the process has ended (Linux 5.3+)
    except OSError:  # gone already, or no pidfd here: ask every second instead
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _alive(parent):
            time.sleep(1.0)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ready() -> None:
    """A worker's first task: it is up (and has the analysis modules, from the fork server)."""
