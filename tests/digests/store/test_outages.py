"""Which errors mean "the store's server is out of reach, try again shortly" (store_outage), on a real PostgreSQL:
a connection the server dropped (mid-query, or while the pool held it idle), a port nobody listens on; and that the
pool reconnects once it is back."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from digests.store.db import Database, StoreRefusedError, StoreUnavailableError, store_outage
from tests.e2e.outages import forwarder, terminate_idle
from tests.pg_server import PostgresServer, free_port

SLEEPING = "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"


async def test_a_connection_dropped_mid_query_is_an_outage_and_the_next_query_reconnects(pg_url: str) -> None:
    db = await Database.open(pg_url)
    other = await asyncpg.connect(pg_url)
    try:
        slow = asyncio.create_task(db.fetch_one("SELECT pg_sleep(30)"))
        async with asyncio.timeout(15):
            while not (row := await other.fetchrow(SLEEPING)):
                await asyncio.sleep(0.02)
        await other.execute("SELECT pg_terminate_backend($1)", row[0])  # the server drops it (a restart, say)
        with pytest.raises(Exception) as dropped:
            await slow
        assert store_outage(dropped.value) is not None, repr(dropped.value)
        assert (await db.fetch_one("SELECT 2"))[0] == 2  # type: ignore[index]
    finally:
        await other.close()
        await db.close()


async def test_a_query_on_an_idle_connection_the_server_ended_is_an_outage(
    postgres: PostgresServer, pg_url: str
) -> None:
    port = free_port()
    closes = asyncio.Event()  # the server's last message reaches the pool's connection, the socket's close not yet
    async with forwarder(port, postgres.port, closes=closes):
        db = await Database.open(pg_url.replace(f":{postgres.port}/", f":{port}/"))
        try:
            await db.fetch_one("SELECT 1")
            assert await terminate_idle(pg_url)
            with pytest.raises(asyncpg.InternalClientError) as broken:  # "cannot switch to state …"
                async with db.transaction():
                    await db.fetch_one("SELECT 2")
            assert store_outage(broken.value) is not None, repr(broken.value)
            assert (await db.fetch_one("SELECT 3"))[0] == 3  # type: ignore[index]  # the pool dropped that one
        finally:
            closes.set()
            await db.close()


async def test_nobody_listening_is_an_outage() -> None:
    with pytest.raises(OSError) as refused:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    assert "Connect call failed" in (store_outage(refused.value) or "")


async def test_a_bad_query_or_an_error_of_elsewhere_is_not(pg_url: str) -> None:
    db = await Database.open(pg_url)
    try:
        with pytest.raises(asyncpg.PostgresError) as bad:
            await db.fetch_one("SELECT * FROM no_such_table")
    finally:
        await db.close()
    assert store_outage(bad.value) is None
    assert store_outage(asyncpg.InternalClientError("no binary format encoder for type x (OID 1)")) is None  # a bug
    assert store_outage(asyncpg.InterfaceError("a connection is already acquired")) is None
    try:
        raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.1', 443)")  # a feed's server, say
    except OSError as exc:
        assert store_outage(exc) is None


def test_what_the_store_raises_itself() -> None:
    assert store_outage(StoreUnavailableError("cannot open the PostgreSQL store at db:5432/x: refused")) == (
        "cannot open the PostgreSQL store at db:5432/x: refused"
    )
    assert store_outage(StoreRefusedError('role "nobody" does not exist')) is None  # the setting, not an outage
    try:
        try:
            raise StoreUnavailableError("gone")
        except StoreUnavailableError as exc:
            raise RuntimeError("the command failed") from exc
    except RuntimeError as wrapped:
        assert store_outage(wrapped) == "gone"  # found behind what it caused
    assert store_outage(ValueError("bad input")) is None
