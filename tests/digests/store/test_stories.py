from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from digests.analyse import analyse
from digests.models import ReleaseDraft
from digests.store.db import Database
from digests.store.releases import ReleaseRepository

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
async def repo(db: Database) -> AsyncIterator[ReleaseRepository]:
    yield ReleaseRepository(db)


async def store(repo: ReleaseRepository, canonical_id: str, body: str, source: str) -> int:
    draft = ReleaseDraft(canonical_id=canonical_id, body=body, title=canonical_id, source=source)
    return (await repo.save(draft, analyse(body, draft.title), "news", NOW)).release_id


async def test_a_copy_from_another_source_joins_the_story(repo: ReleaseRepository, seed_text: str) -> None:
    first = await store(repo, "dod", seed_text, "DoD")
    copy = await store(repo, "outlet", "By Staff Reporter\n\n" + seed_text[: len(seed_text) * 3 // 4], "Outlet")
    other = await store(repo, "other", "An unrelated release about harbour dredging. " * 20, "Port")
    releases = {r.id: r for r in await repo.get_many([first, copy, other])}
    assert releases[first].story == first and not releases[first].is_copy
    assert releases[copy].story == first and releases[copy].is_copy
    assert releases[other].story == other
    members = await repo.story_members([first])
    assert [r.id for r in members[first]] == [first, copy]


async def test_a_new_version_keeps_its_story(repo: ReleaseRepository, seed_text: str) -> None:
    first = await store(repo, "dod", seed_text, "DoD")
    copy = await store(repo, "outlet", seed_text + "\n\nMedia contact: press office.", "Outlet")
    edited = await store(repo, "outlet", seed_text + "\n\nMedia contact: the press office, 555-0100.", "Outlet")
    assert edited == copy
    release = await repo.get(copy)
    assert release is not None and release.version == 2 and release.story == first


async def test_a_release_without_fingerprint_is_its_own_story(repo: ReleaseRepository, seed_text: str) -> None:
    await store(repo, "dod", seed_text, "DoD")
    draft = ReleaseDraft(canonical_id="bare", body=seed_text, title="bare")
    bare = replace(analyse(seed_text), fingerprint=None)
    saved = await repo.save(draft, bare, "news", NOW)
    release = await repo.get(saved.release_id)
    assert release is not None and release.story == release.id


async def test_near_copies_from_one_source_stay_separate_releases(repo: ReleaseRepository, seed_text: str) -> None:
    first = await store(repo, "notice-1", seed_text, "DoD")
    second = await store(repo, "notice-2", seed_text.replace("Thursday", "Friday"), "DoD")
    release = await repo.get(second)
    assert release is not None and release.story == second != first
