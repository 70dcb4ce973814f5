"""Release bodies as SQLite stores them: zlib-compressed UTF-8 (about half the bytes of the text).

Nothing searches a stored body with SQL (the full-text index does that), so it is kept compressed; the summary
sentences are sliced from it after reading. PostgreSQL compresses large text itself (TOAST) and keeps the text.
The SQL functions ``rd_deflate``/``rd_inflate`` are registered on every SQLite connection for the migration that
converted existing bodies and for the full-text index's content view, which reads bodies to remove old entries.
"""

from __future__ import annotations

import zlib
from typing import Any

import aiosqlite


def pack(body: str) -> bytes:
    """A body as stored in SQLite."""
    return zlib.compress(body.encode("utf-8"))


def unpack(stored: bytes) -> str:
    """The text of a body stored by :func:`pack`."""
    return zlib.decompress(stored).decode("utf-8")


def _inflate(stored: Any) -> str | None:
    return None if stored is None else unpack(stored)


def _deflate(text: Any) -> bytes | None:
    # a body already packed stays as it is, so the conversion can never pack twice
    return None if text is None else text if isinstance(text, bytes) else pack(text)


async def register(conn: aiosqlite.Connection) -> None:
    """Make ``rd_inflate``/``rd_deflate`` callable in this connection's SQL."""
    await conn.create_function("rd_inflate", 1, _inflate, deterministic=True)
    await conn.create_function("rd_deflate", 1, _deflate, deterministic=True)
