"""One bad item is that item's one-line error, never the batch's: whatever a file provokes, the rest go in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.failures import describe
from digests.models import ReleaseDraft
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class FaultyService(DigestService):
    """Fault injection: ingesting any file named ``bad*`` raises ``fault`` from inside the ingest."""

    def __init__(self, repo: ReleaseRepository, fault: BaseException) -> None:
        super().__init__(repo, clock=lambda: NOW)
        self.fault = fault

    async def prepare(
        self, draft: ReleaseDraft, *, source_id: int | None = None, is_global: bool = True
    ) -> tuple[ReleaseDraft, bool]:
        # every ingest (one draft, or the bulk pipeline's files) goes through prepare
        if Path(draft.origin or "").name.startswith("bad"):
            raise self.fault
        return await super().prepare(draft, source_id=source_id, is_global=is_global)


def write_batch(folder: Path, good: int) -> None:
    for i in range(good):
        (folder / f"good{i:02}.txt").write_text(f"Release {i}\n\nThe minister met number {i} today.\n", "utf-8")
    (folder / "bad.txt").write_text("Bad\n\nThis one trips the fault.\n", "utf-8")


@pytest.mark.parametrize(
    "fault",
    [
        MemoryError(),
        RecursionError("maximum recursion depth exceeded"),
        OverflowError("date value out of range"),
        TimeoutError("regular-expression match exceeded its 5.0s time limit"),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
        KeyError("boom"),
    ],
)
async def test_any_exception_fails_only_its_file(db: Database, tmp_path: Path, fault: Exception) -> None:
    write_batch(tmp_path, good=6)
    report = await FaultyService(ReleaseRepository(db), fault).ingest_paths([tmp_path])
    assert report.count("added") == 6 and report.count("failed") == 1
    (failed,) = [o for o in report.outcomes if o.status == "failed"]
    assert failed.origin.endswith("bad.txt") and failed.detail.startswith(str(tmp_path / "bad.txt") + ": ")
    assert "\n" not in failed.detail and "Traceback" not in failed.detail
    assert type(fault).__name__ in failed.detail


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), SystemExit(3), asyncio.CancelledError()])
async def test_interruptions_still_stop_the_batch(db: Database, tmp_path: Path, fault: BaseException) -> None:
    write_batch(tmp_path, good=2)
    with pytest.raises(type(fault)):
        await FaultyService(ReleaseRepository(db), fault).ingest_paths([tmp_path])


def test_describe_is_one_plain_line() -> None:
    assert describe(MemoryError()) == "out of memory while reading it (MemoryError)"
    assert describe(ValueError("first\nsecond")) == "first"
    assert describe(RuntimeError()) == "RuntimeError"
    assert len(describe(RuntimeError("x" * 10_000))) < 400
