"""Logging set-up: one format for everything, and secrets never written out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot.startup import describe, is_outage
from digests.store.db import store_outage

REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces any secret (e.g. the Discord token) in a record's rendered message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message now, scrub it, and drop the arguments so nothing re-renders the original."""
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


class CancelledJobs(logging.Filter):
    """APScheduler logs a job cancelled by a shutdown (SIGTERM, or a reconnect after an outage) as an exception
    with a traceback; it is expected: one line instead, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Turn a cancelled job's error record into an info line."""
        cancelled = record.exc_info is not None and isinstance(record.exc_info[1], asyncio.CancelledError)
        if cancelled and record.name.startswith("apscheduler.executors"):
            record.msg = f"{record.getMessage().replace(' raised an exception', '')} was cancelled"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class StoreOutages(logging.Filter):
    """A job, a lease renewal or asyncpg's pool failing because the store's server is out of reach (PostgreSQL
    restarting) logs a traceback per failure; it is expected: one warning line saying what failed instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Turn an error record caused by the store being out of reach into a one-line warning."""
        outage = store_outage(record.exc_info[1]) if record.exc_info and record.exc_info[1] else None
        if outage is not None:
            record.msg = f"{record.getMessage()}: the store is unavailable ({outage})"
            record.args = None
            record.exc_info = record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class ShardConnectRetries(logging.Filter):
    """discord.py's sharded client retries a gateway connection that fails at start every 5 s, logging a traceback
    each time; when the failure is an outage, one line saying what failed instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Turn a failed shard connection caused by an outage into a one-line warning."""
        error = record.exc_info[1] if record.exc_info else None
        if record.name == "discord.shard" and error is not None and is_outage(error):
            shard = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = f"Discord unreachable (gateway of shard {shard}: {describe(error)}); retrying in 5 s"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at ``level`` with secrets redacted from every record."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(CancelledJobs())
    handler.addFilter(ShardConnectRetries())
    handler.addFilter(StoreOutages())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # APScheduler logs every job run at INFO (the poller's lease job runs every few seconds); our jobs log what
    # they did themselves.
    logging.getLogger("apscheduler.executors.default").setLevel(max(logging.WARNING, root.level))
