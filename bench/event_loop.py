"""Event-loop stalls while a big feed and a big page are ingested (issue 11: nothing slow on the loop).

Run by hand from the project root: ``.venv/bin/python -m bench.event_loop [--megabytes 5]``.

A loopback HTTP server (aiohttp, in the same process) serves an RSS feed of about ``--megabytes`` MB (items whose
description is a whole shared-corpus text, so every item is a full release) and an HTML page of about the same
size (one article of many paragraphs). The real services ingest the feed (``SourceService.add``, the operator's
``ingest --feed``) and then the page (``ingest_url``) while a heartbeat task sleeps 10 ms in a loop; printed: each
phase's wall time and the longest and 99th-percentile gap between heartbeats beyond their 10 ms (the stall).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bench.scale_store import texts
from bot.app import open_services
from digests.config import Settings

BEAT = 0.010


def feed_xml(megabytes: float) -> str:
    """An RSS 2.0 feed of whole corpus texts, about ``megabytes`` MB."""
    items, size, n = [], 0, 0
    corpus = texts()
    while size < megabytes * 1e6:
        draft = corpus[n % len(corpus)]
        item = (
            f"<item><title>{html.escape(draft.title or 'Untitled')} {n}</title>"
            f"<link>http://127.0.0.1/item/{n}</link><guid>item-{n}</guid>"
            f"<pubDate>Mon, 02 Dec 2024 10:00:00 GMT</pubDate>"
            f"<description>{html.escape(draft.body)}</description></item>"
        )
        items.append(item)
        size += len(item)
        n += 1
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{"".join(items)}</channel></rss>'


def page_html(megabytes: float) -> str:
    """One article page of about ``megabytes`` MB: paragraphs of corpus text."""
    paragraphs, size, n = [], 0, 0
    corpus = texts()
    while size < megabytes * 1e6:
        for line in corpus[n % len(corpus)].body.split("\n"):
            if line.strip():
                paragraphs.append(f"<p>{html.escape(line)}</p>")
                size += len(paragraphs[-1])
        n += 1
    body = "".join(paragraphs)
    head = "<html><head><title>Big release</title></head><body><article><h1>Big release</h1>"
    return f"{head}{body}</article></body></html>"


async def heartbeat(gaps: list[float], stop: asyncio.Event) -> None:
    """Sleep BEAT in a loop, recording how late each wake-up was."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(BEAT)
        gaps.append(time.perf_counter() - started - BEAT)


async def phase(name: str, work: asyncio.Future[object] | object) -> None:
    gaps: list[float] = []
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(gaps, stop))
    started = time.perf_counter()
    await work  # type: ignore[misc]
    wall = time.perf_counter() - started
    stop.set()
    await beat
    p99 = statistics.quantiles(gaps, n=100)[98] if len(gaps) > 2 else max(gaps, default=0)
    print(f"{name:6} {wall:6.1f} s   longest stall {max(gaps, default=0) * 1000:7.1f} ms   p99 {p99 * 1000:6.1f} ms")


async def run(megabytes: float) -> None:
    feed, page = feed_xml(megabytes), page_html(megabytes)
    print(f"feed {len(feed) / 1e6:.1f} MB, page {len(page) / 1e6:.1f} MB")
    app = web.Application()
    app.router.add_get("/feed.xml", lambda _: web.Response(text=feed, content_type="application/rss+xml"))
    app.router.add_get("/page.html", lambda _: web.Response(text=page, content_type="text/html"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, db=Path(folder) / "loop.db", allow_private_urls=True)  # type: ignore[call-arg]
        async with open_services(settings) as services:
            await phase("feed", services.sources.add(f"http://127.0.0.1:{port}/feed.xml"))
            await phase("page", services.sources.ingest_url(f"http://127.0.0.1:{port}/page.html"))
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    asyncio.run(run(parser.parse_args().megabytes))


if __name__ == "__main__":
    main()
