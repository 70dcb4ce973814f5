from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.ingest.files import ReleaseFileError, collect, parse_release, read_release

LIMIT = 100_000


def test_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text(
        "---\ntitle: Big News\ndate: 2024-01-25\nurl: https://example.org/a/1\nsource: DoD\ntags: [Iraq, HMC]\n---\n"
        "The body. It has two sentences.\n",
        encoding="utf-8",
    )
    draft = read_release(path, LIMIT)
    assert draft.title == "Big News"
    assert draft.published_at == datetime(2024, 1, 25, tzinfo=UTC)
    assert draft.url == "https://example.org/a/1" and draft.canonical_id == "example.org/a/1"
    assert draft.source == "DoD" and draft.tags == ("Iraq", "HMC")
    assert draft.body == "The body. It has two sentences."


def test_plain_text_title_rule() -> None:
    titled = parse_release("Pentagon Update\n\nThe body is here.\n", "a.txt")
    assert titled.title == "Pentagon Update" and titled.body == "The body is here."
    assert titled.canonical_id == "file:a"
    untitled = parse_release("The Pentagon said today that it met.\n\nMore text.\n", "b.txt")
    assert untitled.title is None and untitled.body.startswith("The Pentagon said")
    no_blank = parse_release("Pentagon Update\nThe body is here.\n", "c.txt")
    assert no_blank.title is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty release"),
        (b"   \n\n  ", "empty release"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("caf\xe9 au lait".encode("latin-1"), "not UTF-8"),
        (b"---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        (b"---\ndate: someday\n---\nbody\n", "not an ISO date"),
        (b"---\ndate: 2024-02-30\n---\nbody\n", "front matter is not valid YAML"),
        (b"x" * (LIMIT + 1), "too large"),
    ],
)
def test_bad_files_get_one_line_errors_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ReleaseFileError, match=message) as info:
        read_release(path, LIMIT)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReleaseFileError, match="cannot read"):
        read_release(tmp_path / "nope.txt", LIMIT)


def test_collect_folders_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.txt", "a.md", "sub/c.txt", "skip.pdf"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in collect([tmp_path])] == ["a.md", "b.txt", "sub/c.txt"]
