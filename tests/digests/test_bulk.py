"""The bulk ingest pipeline: outcomes in input order, a release repeated in one run saved after its first copy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from digests.bulk import ingest_files
from digests.service import DigestService
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def test_outcomes_in_input_order_and_a_repeat_sees_its_first_copy(db: Database, tmp_path: Path) -> None:
    for n in range(5):
        (tmp_path / f"r{n}.md").write_text(f"---\nid: r{n}\ntitle: Release {n}\n---\nThe minister met {n}.\n")
    (tmp_path / "r5.md").write_text("---\nid: r1\ntitle: Release 1, corrected\n---\nThe minister met 1.\n")
    (tmp_path / "r6.txt").write_bytes(b"\x00binary")
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    outcomes = [outcome async for outcome in ingest_files(service, [tmp_path])]
    assert [Path(o.origin).name for o in outcomes] == [f"r{n}.{'txt' if n == 6 else 'md'}" for n in range(7)]
    assert [o.status for o in outcomes] == ["added"] * 5 + ["metadata", "failed"]
    assert (await service.repo.by_canonical_id("r1")).title == "Release 1, corrected"  # type: ignore[union-attr]
    assert await service.repo.count() == 5
