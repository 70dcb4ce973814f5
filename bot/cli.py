"""The ``release-digest`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.app import Services, load_settings, open_services
from digests.bulk import ingest_files
from digests.config import Settings
from digests.failures import describe
from digests.ingest.files import ReleaseFileError, collect, read_release
from digests.leases import POLLER_LEASE
from digests.periods import parse_since
from digests.render import (
    digest_heading,
    digest_json,
    extraction_json,
    hit_json,
    release_json,
    render_digest,
    render_extraction,
    render_item,
    render_quote_hits,
    render_releases,
)
from digests.service import IngestOutcome, IngestReport, UnknownTopicError
from digests.sources import PollResult
from digests.store.db import StoreError, store_outage

DEMO_TOPIC = "hmc"
PROGRESS_SECONDS = 5.0
DEMO_QUERY = "withdrawal"


def _sentences(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 10:
        raise argparse.ArgumentTypeError("must be between 1 and 10")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="release-digest", description="Digests of official news releases: summaries and key quotes."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("demo", help="load the seeds and show /digest hmc and /quote withdrawal")

    ingest = commands.add_parser("ingest", help="store releases from files, folders, feeds or web pages")
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    ingest.add_argument("--feed", action="append", default=[], metavar="URL", help="follow a feed for every server")
    ingest.add_argument("--url", action="append", default=[], metavar="URL", help="fetch one release page")

    commands.add_parser("sources", help="list followed feeds and their health")
    commands.add_parser("poll", help="poll every followed feed that is due")
    why = commands.add_parser("why", help="what happened to an article URL: fetched, duplicate, edit, failure")
    why.add_argument("url")

    digest = commands.add_parser("digest", help="the digest of a topic")
    digest.add_argument("topic")
    digest.add_argument("--since", help="only releases this recent: 7d, 12h, 2w or a date")
    digest.add_argument("--sentences", type=_sentences, help="summary sentences per release (1-10)")
    digest.add_argument("--page", type=_positive, help="only this page (from 1) of --per-page releases; default: all")
    digest.add_argument("--per-page", type=_positive, default=10, help="releases per page with --page (default 10)")
    digest.add_argument("--json", action="store_true")

    quote = commands.add_parser("quote", help="find quotes by full-text relevance")
    quote.add_argument("query")
    quote.add_argument("--speaker")
    quote.add_argument("--topic")
    quote.add_argument("--limit", type=int, default=5)
    quote.add_argument("--json", action="store_true")

    releases = commands.add_parser("releases", help="list stored releases")
    releases.add_argument("--search")
    releases.add_argument("--limit", type=int, default=50)
    releases.add_argument("--json", action="store_true")

    extract = commands.add_parser("extract", help="analyse files without storing them")
    extract.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    extract.add_argument("--sentences", type=_sentences, help="summary sentences (1-10)")
    extract.add_argument("--json", action="store_true")

    commands.add_parser("bot", help="run the Discord bot")
    commands.add_parser("doctor", help="check settings, store, feeds and the bot's Discord access (exit 1 on failure)")
    commands.add_parser("worker", help="poll feeds in a process of its own (beside shard processes)")
    move = commands.add_parser("migrate-store", help="copy an SQLite store into an empty PostgreSQL database")
    move.add_argument("sqlite_file", type=Path, metavar="SQLITE_FILE")
    move.add_argument("postgres_url", metavar="POSTGRESQL_URL")
    return parser


def _print_outcome(outcome: IngestOutcome) -> None:
    stream = sys.stderr if outcome.status == "failed" else sys.stdout
    print(("error: " if outcome.status == "failed" else "") + outcome.detail, file=stream)


def _print_counts(counts: Counter[str], noun: str) -> None:
    listed = ", ".join(f"{counts[s]} {s}" for s in ("added", "updated", "metadata", "unchanged", "failed"))
    print(f"{counts.total()} {noun}: {listed}")


def _print_report(report: IngestReport, noun: str = "file(s)") -> None:
    for outcome in report.outcomes:
        _print_outcome(outcome)
    _print_counts(Counter(outcome.status for outcome in report.outcomes), noun)


async def _ingest_files(services: Services, paths: list[Path]) -> bool:
    """Ingest files and folders, printing each outcome as it is saved and, on long runs at a terminal, a progress
    line on stderr every PROGRESS_SECONDS; ``True`` if any file failed."""
    counts: Counter[str] = Counter()
    started = last = time.monotonic()
    progress = sys.stderr.isatty()  # a person watching; logs and pipes get only the outcomes
    async for outcome in ingest_files(services.digests, paths):
        _print_outcome(outcome)
        counts[outcome.status] += 1
        now = time.monotonic()
        if progress and now - last >= PROGRESS_SECONDS:
            done = counts.total()
            print(f"… {done:,} file(s) so far, {done / (now - started):.0f}/s", file=sys.stderr, flush=True)
            last = now
    _print_counts(counts, "file(s)")
    return counts["failed"] > 0


def _print_poll(result: PollResult) -> bool:
    """Print one poll; ``True`` if anything failed."""
    name = result.source.name
    if result.error:
        print(f"error: {name}: {result.error}", file=sys.stderr)
        if result.paused_now:
            print(f"error: {name} is paused: {result.source.paused_reason}", file=sys.stderr)
        return True
    if result.not_modified:
        print(f"{name}: not modified since the last poll")
        return False
    _print_report(IngestReport(result.outcomes), noun=f"item(s) from {name}")
    return result.count("failed") > 0


async def _ingest(services: Services, args: argparse.Namespace) -> int:
    if not (args.paths or args.feed or args.url):
        print("error: give files or folders, --feed URL or --url URL", file=sys.stderr)
        return 2
    failed = False
    if args.paths:
        failed = await _ingest_files(services, args.paths)
    for url in args.feed:
        try:
            _, _, result = await services.sources.add(url)
        except ValueError as exc:
            print(f"error: {url}: {exc}", file=sys.stderr)
            failed = True
            continue
        failed = _print_poll(result) or failed
    if args.url:
        report = IngestReport([await services.sources.ingest_url(url) for url in args.url])
        _print_report(report, noun="page(s)")
        failed = failed or report.failed
    return 1 if failed else 0


async def _sources(services: Services) -> int:
    sources = await services.sources.sources()
    if not sources:
        print("No sources followed. Add one with: release-digest ingest --feed URL")
    tz = services.settings.tz
    for source in sources:
        state = f"paused: {source.paused_reason}" if source.paused_reason else "active"
        if source.is_global:
            state += ", global"
        else:
            state += f", {source.followers} server(s)" if source.followers else ", not polled: no server follows it"
        ok = _when(source.last_ok_at, tz)
        print(f"{source.id:>4}  {source.name}  [{state}]")
        print(f"      {source.url} · {source.item_count} item(s) · last success {ok}")
        if source.last_error:
            print(f"      last error ({_when(source.last_error_at, tz)}): {source.last_error}")
    return 0


def _when(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


async def _why(services: Services, url: str) -> int:
    report = await services.sources.why(url)
    tz = services.settings.tz
    if report.release:
        release = report.release
        print(f"Stored as release {release.id} (version {release.version}): {release.display_title}")
    elif not report.events:
        print(f"Never seen: {url}")
        return 1
    else:
        print(f"Not stored: {url}")
    for event in report.events:
        via = f" via {event.source_url}" if event.source_url else ""
        print(f"  {_when(event.at, tz)}  {event.outcome:<9} {event.detail}{via}")
    return 0


def _emit(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


async def _digest(services: Services, args: argparse.Namespace) -> int:
    settings = services.settings
    since = parse_since(args.since, services.clock(), settings.tz) if args.since else None
    service = services.digests
    if args.page:
        digest = await service.digest(args.topic, since, args.sentences, page=args.page, per_page=args.per_page)
        if args.json:
            _emit(digest_json(digest))
        else:
            print(render_digest(digest, settings.tz))
        return 0
    # Every matching release, read a page at a time; the heading says how many there are.
    pages = service.whole_digest(args.topic, since, args.sentences)
    if args.json:
        found = [page async for page in pages]
        whole = replace(found[0], items=tuple(item for page in found for item in page.items))
        _emit(digest_json(whole))
        return 0
    async for page in pages:
        if page.offset == 0:
            print(digest_heading(page, settings.tz, whole=True))
        for item in page.items:
            print("\n" + render_item(item, settings.tz))
    return 0


async def _quote(services: Services, args: argparse.Namespace) -> int:
    hits = await services.digests.search_quotes(args.query, args.speaker, args.topic, limit=args.limit)
    if args.json:
        _emit([hit_json(hit) for hit in hits])
    else:
        print(render_quote_hits(args.query, hits, services.settings.tz))
    return 0 if hits else 1


async def _demo(services: Services) -> int:
    report = await services.digests.ingest_paths([services.settings.seeds_dir])
    _print_report(report)
    tz = services.settings.tz
    print(f"\n$ /digest {DEMO_TOPIC}\n")
    print(render_digest(await services.digests.digest(DEMO_TOPIC), tz))
    print(f"\n$ /quote {DEMO_QUERY}\n")
    print(render_quote_hits(DEMO_QUERY, await services.digests.search_quotes(DEMO_QUERY), tz))
    return 1 if report.failed else 0


def _extract(settings: Settings, args: argparse.Namespace) -> int:
    from digests.analyse import analyse  # NLTK and sumy load slowly: only the commands that analyse here pay

    failed = False
    count = args.sentences or settings.summary_sentences
    for path in collect(args.paths):
        try:
            draft = read_release(path, settings.max_release_bytes, settings.tz)
            analysis = analyse(draft.body, draft.title, draft.tags, settings.algorithm)
        except ReleaseFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        except Exception as exc:  # whatever one file provokes is that file's error; the others still go
            print(f"error: {path}: {describe(exc)}", file=sys.stderr)
            failed = True
            continue
        if args.json:
            print(json.dumps(extraction_json(str(path), draft.title, analysis, count), ensure_ascii=False))
        else:
            print(render_extraction(str(path), draft.title, analysis, count) + "\n")
    return 1 if failed else 0


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "bot":
        from bot.runner import run_bot  # the Discord stack loads only for this command

        return await run_bot(settings)
    if args.command == "doctor":
        from bot.doctor import run_doctor

        return await run_doctor(settings)
    if args.command == "worker":
        from bot.worker import run_worker

        return await run_worker(settings)
    async with open_services(settings) as services:
        if args.command == "demo":
            return await _demo(services)
        if args.command == "ingest":
            return await _ingest(services, args)
        if args.command == "sources":
            return await _sources(services)
        if args.command == "poll":
            async with services.leases.holding(POLLER_LEASE) as polling:
                # One poller at a time, also with cron: a running bot or worker may hold the lease.
                results = await services.sources.poll_due(polling.lost) if polling else []
            if not polling:
                print("Another process is polling the feeds (it holds the poller lease); nothing to do.")
                return 0
            if not results and not polling.lost.is_set():  # lost: the one line logged says it stopped
                print("No sources are due.")
            failures = [_print_poll(result) for result in results]
            return 1 if any(failures) else 0
        if args.command == "why":
            return await _why(services, args.url)
        if args.command == "digest":
            return await _digest(services, args)
        if args.command == "quote":
            return await _quote(services, args)
        releases = await services.digests.releases(args.search, args.limit)
        if args.json:
            _emit([release_json(release) for release in releases])
        elif args.search and not releases:
            print(f"No stored release contains {args.search!r}.")
        else:
            print(render_releases(releases, settings.tz))
        return 1 if args.search and not releases else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``release-digest`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        return 2
    if args.command == "extract":
        return _extract(settings, args)
    if args.command == "migrate-store":
        from bot.migrate_store import migrate_store

        return asyncio.run(migrate_store(args.sqlite_file, args.postgres_url))
    try:
        return asyncio.run(_run(settings, args))
    except (UnknownTopicError, ValueError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if (outage := store_outage(exc)) is None:
            raise
        # Each write is one transaction: what it committed stays, the one under way was rolled back.
        print(f"error: {args.command}: the store became unavailable ({outage}); nothing half-written was kept: "
              "run the command again once the store is back", file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
