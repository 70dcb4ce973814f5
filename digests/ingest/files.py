"""Reading releases from files: plain ``.txt``, or ``.md``/``.txt`` with a YAML front-matter block."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

import yaml

from digests.ingest.identity import release_key_or_none
from digests.models import ReleaseDraft

SUFFIXES = (".txt", ".md")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_END_PUNCTUATION = tuple('.!?:;…"”’)')


class ReleaseFileError(ValueError):
    """A file that cannot be read as a release; the message names the file and says why in one line."""


def collect(paths: Iterable[Path]) -> list[Path]:
    """The release files named by ``paths``: files as given, folders searched recursively, sorted by name."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        else:
            found.append(path)
    return found


def _decode(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReleaseFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if size > max_bytes:
        raise ReleaseFileError(f"{path}: too large ({size:,} bytes; the limit is {max_bytes:,})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReleaseFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if b"\x00" in raw:
        raise ReleaseFileError(f"{path}: binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReleaseFileError(
            f"{path}: not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _as_datetime(value: object, tz: tzinfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    parsed = datetime.fromisoformat(str(value).strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _plain_title(text: str) -> tuple[str | None, str]:
    """A short first line without end punctuation, followed by a blank line, is a title."""
    first, sep, rest = text.lstrip("\n").partition("\n")
    first = first.strip()
    if sep and rest.startswith("\n") and 0 < len(first) <= 200 and not first.endswith(_END_PUNCTUATION):
        return first, rest
    return None, text


def parse_release(text: str, origin: str, tz: tzinfo = UTC) -> ReleaseDraft:
    """Turn a file's text into a draft; ``origin`` names it in messages and identifies it when nothing else does."""
    meta: dict[str, object] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except (yaml.YAMLError, ValueError) as exc:  # YAML raises ValueError for dates like 2024-02-30
            raise ReleaseFileError(f"{origin}: front matter is not valid YAML ({str(exc).splitlines()[0]})") from exc
        if not isinstance(loaded, dict):
            raise ReleaseFileError(f"{origin}: front matter must be a block of 'key: value' lines")
        meta = {str(key).lower(): value for key, value in loaded.items()}
        body = text[match.end() :]
        title = str(meta["title"]).strip() if meta.get("title") else None
    else:
        title, body = _plain_title(text)
    body = body.strip()
    if not body:
        raise ReleaseFileError(f"{origin}: empty release (no body text)")
    try:
        published = _as_datetime(meta.get("date") or meta.get("published"), tz)
    except ValueError as exc:
        raise ReleaseFileError(f"{origin}: date {meta.get('date')!r} is not an ISO date") from exc
    url = meta.get("url") or meta.get("source_url")
    # The same id a feed or page ingest gives the release at this URL, so the two are one release.
    identity = meta.get("id") or ((release_key_or_none(str(url)) or str(url)) if url else f"file:{Path(origin).stem}")
    return ReleaseDraft(
        canonical_id=str(identity),
        body=body,
        title=title,
        url=str(url) if url else None,
        source=str(meta["source"]) if meta.get("source") else None,
        published_at=published,
        tags=_tags(meta.get("tags")),
        origin=origin,
    )


def read_release(path: Path, max_bytes: int, tz: tzinfo = UTC) -> ReleaseDraft:
    """Read one release file, raising :class:`ReleaseFileError` with a one-line reason when it can't be used."""
    return parse_release(_decode(path, max_bytes), str(path), tz)
