"""Many processes on one database, as deployed (docs/deploy.md): two shard processes and the feed poller.

Real ``release-digest bot`` and ``release-digest worker`` processes (the services of deploy/compose.yaml) on one
PostgreSQL database against the fake Discord: four servers, two on each shard, with subscriptions due at once;
one shard process is killed with SIGKILL in the middle of its deliveries and started again; the polling worker is
killed and the standby one takes over. Every subscription gets its digest exactly once, and none is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import open_services
from digests.config import Settings
from digests.leases import POLLER_LEASE
from digests.store.db import Database
from digests.store.leases import LeaseRepository
from tests.e2e.processes import ROOT, Processes
from tests.e2e.subscription_runs import add_release, digest_posts, release_ids, subscribe
from tests.fake_discord import server as fake_server
from tests.fake_discord.payloads import FakeChannel, FakeGuild
from tests.fake_discord.server import FakeDiscord
from tests.pg_server import PostgresServer

TOKEN = "fake-token-for-processes"
SHARDS = 2
HITS = web.AppKey("hits", list[float])
FEED = (
    '<rss version="2.0"><channel><title>Harbortest News</title><item><title>Harbortest</title>'
    "<link>https://example.gov/h</link><description>"
    + "The Harbortest office said the harbor will reopen soon. " * 12
    + "</description></item></channel></rss>"
)

# Starting five Python processes dominates the run; on a loaded machine that alone can take a minute.
STARTUP = 120.0
pytestmark = pytest.mark.timeout(360)


def service(name: str) -> tuple[list[str], dict[str, str]]:
    """A service of deploy/compose.yaml: its ``release-digest`` arguments and its environment (but the database,
    which the test provides)."""
    spec = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))["services"][name]
    program, *args = spec["command"]
    assert program == "release-digest"
    env = {key: str(value) for key, value in spec.get("environment", {}).items() if key != "RELEASE_DIGEST_DB"}
    return args, env


@pytest.fixture
async def feed_server() -> AsyncIterator[TestServer]:
    """A feed on loopback that counts its fetches."""

    async def feed(request: web.Request) -> web.Response:
        request.app[HITS].append(asyncio.get_running_loop().time())
        return web.Response(body=FEED.encode(), content_type="application/rss+xml")

    app = web.Application()
    app[HITS] = []
    app.router.add_get("/feed.xml", feed)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """An empty, migrated PostgreSQL database on the session's throw-away server."""
    url = postgres.acquire()
    yield url
    postgres.release(url)


async def until(predicate: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Wait for an asynchronous condition (checked every 50 ms)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.05)


async def test_two_shards_and_the_poller_survive_sigkill_with_every_digest_posted_once(
    tmp_path: Path, pg_url: str, feed_server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Discord's nonce check would hide a second post of the same message: turn it off, so only our ledger counts.
    monkeypatch.setattr(fake_server, "NONCE_WINDOW_S", 0)
    async with FakeDiscord(token=TOKEN, global_rate_limit=50) as fake:
        fake.recommended_shards = SHARDS
        guilds = [fake.add_guild(f"Server {n}", shard=(n % SHARDS, SHARDS)) for n in range(4)]
        channels: dict[str, list[FakeChannel]] = {}  # guild id → its digest channels
        for guild in guilds:
            channels[guild.id] = [guild.channels[0], guild.add_channel("news"), guild.add_channel("briefings")]
        feed_url = f"http://127.0.0.1:{feed_server.port}/feed.xml"
        release_ids_ = await arrange(pg_url, tmp_path, guilds, channels, feed_url)

        shards = {name: service(name) for name in ("shard-0", "shard-1")}
        worker_args, worker_env = service("worker")
        assert [env["DISCORD_SHARD_IDS"] for _, env in shards.values()] == ["0", "1"]
        assert {env["DISCORD_SHARD_COUNT"] for _, env in shards.values()} == {str(SHARDS)}
        processes = Processes(
            {
                # What .env gives the services in production, and what the test needs instead of the real ones:
                "DISCORD_TOKEN": TOKEN,
                "DISCORD_API_BASE": fake.api_base,
                "RELEASE_DIGEST_DB": pg_url,
                "RELEASE_DIGEST_ALLOW_PRIVATE_URLS": "true",
                "RELEASE_DIGEST_POLL_MINUTES": "1",
                # Short enough for a test: a dead holder's work is taken over within about 2 s.
                "RELEASE_DIGEST_LEASE_SECONDS": "2",
                # Slow posting (2 a second in each shard process), so that the kill lands mid-delivery.
                "RELEASE_DIGEST_DELIVERY_REQUESTS_PER_SECOND": "4",
            },
            tmp_path,
        )
        db = await Database.open(pg_url)
        leases = LeaseRepository(db)

        async def poller() -> str | None:
            """The worker holding the poller lease, if any."""
            lease = await leases.get(POLLER_LEASE)
            pid = lease.owner.split(":")[1] if lease is not None else None
            return next((n for n, p in processes.running.items() if n.startswith("worker") and str(p.pid) == pid), None)

        shard0 = [c.id for g in guilds if (int(g.id) >> 22) % SHARDS == 0 for c in channels[g.id]]
        every = [c.id for g in guilds for c in channels[g.id]]

        def posted(in_channels: list[str]) -> int:
            return sum(len(digest_posts(fake, channel_id)) for channel_id in in_channels)

        async def nothing_pending() -> bool:
            row = await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
            return row is not None and row[0] == 0

        try:
            for name in ("worker-1", "worker-2"):  # the worker service runs two replicas
                await processes.start(name, *worker_args, **worker_env)
            for name in ("shard-0", "shard-1"):
                await processes.start(name, *shards[name][0], **shards[name][1])

            await fake.wait_for(lambda: posted(shard0) >= 2, timeout=STARTUP, what="shard 0 started posting")
            await processes.kill("shard-0")
            at_kill = posted(shard0)
            await processes.start("shard-0", *shards["shard-0"][0], **shards["shard-0"][1])
            await fake.wait_for(lambda: posted(every) >= len(every), timeout=STARTUP, what="every digest posted")
            await until(nothing_pending, 10, "every post confirmed in the ledger")

            await until(lambda: asyncio.sleep(0, bool(feed_server.app[HITS])), STARTUP, "a worker polled")
            leader = await poller()
            assert leader is not None
            standby = "worker-2" if leader == "worker-1" else "worker-1"
            polls = len(feed_server.app[HITS])
            await processes.kill(leader)

            async def taken_over() -> bool:
                return await poller() == standby

            await until(taken_over, 30, "the standby worker took the poller lease over")
            await until(lambda: asyncio.sleep(0, len(feed_server.app[HITS]) > polls), 10, "polling resumed")

            codes = [await processes.stop(name) for name in ("shard-0", "shard-1", standby)]
        except BaseException:
            print(processes.output())
            raise
        finally:
            await processes.stop_all()
            await db.close()

        assert 2 <= at_kill < len(shard0), "the kill landed in the middle of shard 0's deliveries"
        for channel_id in every:
            (post,) = digest_posts(fake, channel_id)  # exactly one message per subscription...
            assert sorted(release_ids(post)) == sorted(release_ids_)  # ...with every release, once
            assert len(fake.requests_to("POST", f"/channels/{channel_id}/messages")) == 1  # never sent twice
        assert fake.rate_limited_count == 0
        assert codes == [0, 0, 0], processes.output()  # SIGTERM: clean shutdown
        assert fake.internal_errors == []


async def arrange(
    db_url: str, folder: Path, guilds: list[FakeGuild], channels: dict[str, list[FakeChannel]], feed_url: str
) -> list[int]:
    """Three releases, a subscription per channel due a minute ago (created two hours ago, so each process
    catches it up as soon as it starts), and a followed feed; returns the release ids."""
    now = datetime.now(UTC)
    settings = Settings(_env_file=None, db=db_url, allow_private_urls=True, seeds_dir=folder / "none")  # type: ignore[call-arg]
    async with open_services(settings, clock=lambda: now - timedelta(hours=2)) as services:
        ids = [await add_release(services, f"tide{n}", f"harbour works number {n}") for n in range(3)]
        due = f"{now - timedelta(minutes=1):%H:%M}"
        for guild in guilds:
            for channel in channels[guild.id]:
                await subscribe(services, channel.id, guild.id, time=due)
        await services.sources.add(feed_url)  # followed by the operator: global, polled by the worker
    return ids
