"""Reading releases from files: plain ``.txt``, or ``.md``/``.txt`` with a YAML front-matter block."""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from digests.ingest.dates import DateRangeError, checked
from digests.ingest.identity import release_key_or_none
from digests.models import ReleaseDraft

SUFFIXES = (".txt", ".md")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_END_PUNCTUATION = tuple('.!?:;…"”’)')
MAX_FRONT_MATTER_DEPTH = 20  # far more than any real front matter; the YAML composer recurses once per level
# Byte-order marks we decode, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class ReleaseFileError(ValueError):
    """A file that cannot be read as a release; the message names the file and says why in one line."""


def collect(paths: Iterable[Path]) -> list[Path]:
    """The release files named by ``paths``: files as given, folders searched recursively, sorted by name.

    In a folder, everything with a release suffix that is not itself a folder is listed, pipes and broken links
    included, so that reading refuses them by name rather than the batch skipping them unsaid.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and not p.is_dir()))
        else:
            found.append(path)
    return found


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases and with bounded nesting.

    An alias (``*name``) re-uses an anchored node: ten nested aliases of ten make a "billion laughs" title of
    gigabytes from a few hundred bytes; and the composer recurses once per nesting level, so thousands of levels
    end in RecursionError. Front matter needs neither.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, f"aliases (*name) are not allowed in front matter, line {mark.line + 1}")
        if self._depth >= MAX_FRONT_MATTER_DEPTH:
            line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, f"nested more than {MAX_FRONT_MATTER_DEPTH} levels deep, line {line}")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is refused without blocking.

    The type is checked before opening, and again on the open descriptor (the path may have been swapped); the
    open is non-blocking, so even a named pipe slipped in between cannot hang the batch.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ReleaseFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    _refuse_special(path, mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ReleaseFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        _refuse_special(path, info.st_mode)
        if info.st_size > max_bytes:
            raise ReleaseFileError(f"{path}: too large ({info.st_size:,} bytes; the limit is {max_bytes:,})")
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise ReleaseFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(raw) > max_bytes:  # grew since fstat
        raise ReleaseFileError(f"{path}: too large (over {max_bytes:,} bytes, the limit)")
    return raw


def _refuse_special(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    raise ReleaseFileError(f"{path}: {kind}, not a regular file: only regular files are read")


def _decode(path: Path, max_bytes: int) -> str:
    raw = _read_regular_file(path, max_bytes)
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is None and b"\x00" in raw:
        raise ReleaseFileError(f"{path}: binary file, not text (NUL bytes and no UTF-16/UTF-32 byte-order mark)")
    try:
        text = raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        if encoding not in (None, "utf-8-sig"):
            raise ReleaseFileError(
                f"{path}: starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} "
                f"(at byte {exc.start})"
            ) from exc
        raise ReleaseFileError(
            f"{path}: not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from exc
    if "\x00" in text:
        raise ReleaseFileError(f"{path}: binary file, not text (NUL characters)")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _as_datetime(value: object, tz: tzinfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return checked(value if value.tzinfo else value.replace(tzinfo=tz))
    if isinstance(value, date):
        return checked(datetime(value.year, value.month, value.day, tzinfo=tz))
    parsed = datetime.fromisoformat(str(value).strip())
    return checked(parsed if parsed.tzinfo else parsed.replace(tzinfo=tz))


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
            loaded = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}  # a SafeLoader, restricted
        except (yaml.YAMLError, ValueError, OverflowError) as exc:  # bad dates: 2024-02-30, 0001-01-01T00:00+14:00
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
    except DateRangeError as exc:
        raise ReleaseFileError(f"{origin}: date {exc}") from exc
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
