"""The bulk ingest pipeline: outcomes in input order, a release repeated in one run saved after its first copy, and
metadata-only changes whose topic terms are worked out before the write (the same terms as the per-release path)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digests import bulk
from digests.analysers import ThreadAnalyser
from digests.bulk import ingest_files
from digests.ingest.files import read_release
from digests.models import Analysis, TopicTerms
from digests.service import DigestService
from digests.store import release_writes
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



async def test_a_metadata_only_change_gets_its_terms_before_the_write(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk files r0..r2 and single releases s0..s2 (the per-release path) get the same new title and tags."""
    body = "The Higher Military Commission (HMC) met in Baghdad. Harbor grants were announced by the minister.\n"

    def write(title: str, tags: str) -> None:
        for n in range(3):
            (tmp_path / f"r{n}.md").write_text(f"---\nid: r{n}\ntitle: {title} {n}\ntags: [{tags}{n}]\n---\n{body}")

    async def single() -> list[str]:
        drafts = [read_release(tmp_path / f"r{n}.md", 10**6, UTC) for n in range(3)]
        saved = [await service.ingest_draft(replace(d, canonical_id=f"s{d.canonical_id[1:]}")) for d in drafts]
        return [result.status for result in saved]

    service = DigestService(ReleaseRepository(db), clock=lambda: NOW)
    write("Release", "old, tag")
    assert [o.status async for o in ingest_files(service, [tmp_path])] == ["added"] * 3
    assert await single() == ["added"] * 3
    write("Coastal grants", "ports, tide")  # same body, new title and tags: a metadata-only change

    def inside_the_transaction(*args: object) -> TopicTerms:
        raise AssertionError("topic terms worked out inside the write transaction")

    monkeypatch.setattr(release_writes, "topic_terms", inside_the_transaction)
    assert [o.status async for o in ingest_files(service, [tmp_path])] == ["metadata"] * 3
    assert await single() == ["metadata"] * 3
    for n in range(3):
        bulk, one = await stored_terms(db, f"r{n}"), await stored_terms(db, f"s{n}")
        assert bulk == one and ("hmc", "acronym", "higher military commission") in bulk
        assert (f"tide{n}", "keyword", None) in bulk and (f"tag{n}", "keyword", None) not in bulk


async def stored_terms(db: Database, canonical_id: str) -> set[tuple[str, str, str | None]]:
    rows = await db.fetch_all(
        "SELECT t.term, t.kind, t.alias FROM topic_terms t JOIN releases r ON r.id = t.release_id "
        "WHERE r.canonical_id = ?",
        (canonical_id,),
    )
    return {(row["term"], row["kind"], row["alias"]) for row in rows}


class CountingAnalyser(ThreadAnalyser):
    """A thread analyser that counts the analyses handed to it."""

    def __init__(self) -> None:
        self.started = 0

    async def analyse(self, body: str, title: str | None, tags: Sequence[str], algorithm: str) -> Analysis:
        self.started += 1
        return await super().analyse(body, title, tags, algorithm)


@pytest.mark.parametrize(("ahead_bytes", "handed_out"), [(10**6, 5 + 4 + 5), (0, 5 + 4)])
async def test_a_batch_worth_of_analyses_more_is_handed_out_before_a_write_within_the_byte_bound(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead_bytes: int, handed_out: int
) -> None:
    """Batches of 5 with one worker: when the first batch is written, its 5, the worker's 4 and (bodies within
    the bound) 5 more have been handed out, so the workers stay busy while the batch is written."""
    monkeypatch.setattr(bulk, "BATCH", 5)
    monkeypatch.setattr(bulk, "AHEAD", 5)
    monkeypatch.setattr(bulk, "AHEAD_BYTES", ahead_bytes)
    for n in range(20):
        (tmp_path / f"r{n:02}.md").write_text(f"---\nid: r{n}\n---\nThe minister met delegation {n} today.\n")
    analyser = CountingAnalyser()
    service = DigestService(ReleaseRepository(db), clock=lambda: NOW, analyser=analyser)
    at_writes: list[int] = []
    save_many = service.repo.save_many

    async def counting_save_many(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)  # the analyses handed out start once the loop runs (as they do while a write waits)
        at_writes.append(analyser.started)
        return await save_many(*args, **kwargs)

    monkeypatch.setattr(service.repo, "save_many", counting_save_many)
    assert [o.status async for o in ingest_files(service, [tmp_path])] == ["added"] * 20
    assert at_writes[0] == handed_out
    assert await service.repo.count() == 20
