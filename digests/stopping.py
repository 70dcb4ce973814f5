"""Running a step unless an event comes first: a lost lease, or SIGTERM while a connection attempt hangs."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """The event was set before the step finished; the step was cancelled."""


async def unless_set(event: asyncio.Event, step: Coroutine[Any, Any, T]) -> T:
    """``step``'s result (or what it raised), or :class:`Stopped` once ``event`` is set first.

    Only for steps that write nothing, or whose writes are each one transaction: cancelling one rolls back what it
    had not committed.
    """
    task = asyncio.ensure_future(step)
    waiting = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    if task.cancelled():
        raise Stopped
    return task.result()
