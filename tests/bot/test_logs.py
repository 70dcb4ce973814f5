"""Log records: a job cancelled by a shutdown is one info line, other job errors keep their traceback."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.logs import CancelledJobs, ShardConnectRetries, StoreOutages
from digests.store.db import StoreUnavailableError


def job_error(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
    return logging.LogRecord(
        "apscheduler.executors.default", logging.ERROR, __file__, 1, 'Job "%s" raised an exception', ("poll",), info
    )


def test_a_cancelled_job_is_one_info_line() -> None:
    record = job_error(asyncio.CancelledError())
    assert CancelledJobs().filter(record)
    assert (record.levelname, record.getMessage(), record.exc_info) == ("INFO", 'Job "poll" was cancelled', None)


def test_a_failing_job_keeps_its_traceback() -> None:
    record = job_error(ValueError("bad feed"))
    assert CancelledJobs().filter(record)
    assert record.levelname == "ERROR" and record.exc_info is not None


def test_a_shard_that_cannot_reach_the_gateway_is_one_line() -> None:
    try:
        raise ConnectionRefusedError(111, "Connect call failed ('1.2.3.4', 443)")
    except OSError:
        info = sys.exc_info()
    record = logging.LogRecord(
        "discord.shard", logging.ERROR, __file__, 1, "Failed to connect for shard_id: %s. Retrying...", (0,), info
    )
    assert ShardConnectRetries().filter(record)
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == (
        "Discord unreachable (gateway of shard 0: Connection refused); retrying in 5 s"
    )


def test_a_job_failing_because_the_store_is_away_is_one_warning_line() -> None:
    record = job_error(StoreUnavailableError("cannot reach the PostgreSQL store at db:5432/rd: Connection refused"))
    assert StoreOutages().filter(record)
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert record.getMessage() == (
        'Job "poll" raised an exception: the store is unavailable '
        "(cannot reach the PostgreSQL store at db:5432/rd: Connection refused)"
    )
    other = job_error(ValueError("bad feed"))
    assert StoreOutages().filter(other)
    assert other.levelname == "ERROR" and other.exc_info is not None
