"""A PostgreSQL that is not up yet, appears, goes away and comes back: a TCP forwarder on a port of its own to the
session's throw-away server. A URL naming the forwarder's port reaches the server only while it listens; leaving
it drops every connection made through it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import asyncpg


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[tuple[int, asyncio.Event]]:
    """A port on 127.0.0.1 whose server accepts connections and never answers (a hanging connection), and the
    event set once a client has connected."""
    accepted = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], accepted
    finally:
        server.close()


@contextlib.asynccontextmanager
async def silent_store() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A PostgreSQL URL on a :func:`silent_server`, and the event set once a client has connected."""
    async with silent_server() as (port, accepted):
        yield f"postgresql://postgres@127.0.0.1:{port}/silent", accepted


@contextlib.asynccontextmanager
async def forwarder(port: int, target_port: int, *, closes: asyncio.Event | None = None) -> AsyncIterator[None]:
    """Listen on 127.0.0.1:``port`` and pass every connection on to 127.0.0.1:``target_port`` (a server appears).

    With ``closes``, a connection the server closes stays open towards the client until ``closes`` is set: the
    client has read the server's last words (say, "terminating connection") but not yet seen the socket close.
    """

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, held: asyncio.Event | None) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            if held is not None:
                await held.wait()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    tasks: set[asyncio.Task[None]] = set()
    clients: set[asyncio.StreamWriter] = set()

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.add(writer)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        for task in (pipe(reader, upstream_writer, None), pipe(upstream_reader, writer, closes)):
            tasks.add(asyncio.create_task(task))

    server = await asyncio.start_server(connect, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in clients:  # also those still being connected upstream: the server is gone for everyone
            writer.close()


async def terminate_idle(url: str) -> list[int]:
    """End every idle connection to ``url``'s database from the server's side (``pg_terminate_backend``), as a
    restart or an idle-session timeout does, and wait until they are gone; their process ids."""
    admin = await asyncpg.connect(url)
    try:
        pids: list[int] = [
            row[0]
            for row in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state = 'idle'"
            )
        ]
        await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
        async with asyncio.timeout(15):
            while await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", pids):
                await asyncio.sleep(0.01)
        return pids
    finally:
        await admin.close()


class Lines(logging.Handler):
    """The messages logged under ``bot``."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def starting(self, with_text: str) -> list[str]:
        return [line for line in self.lines if line.startswith(with_text)]

    async def until(self, predicate: Callable[[Lines], bool], timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await asyncio.sleep(0.01)
