"""Same stored rows: ingest the same files with this code and another checkout's, then compare the two stores.

Run from the project root: ``.venv/bin/python -m bench.ingest_same --baseline PATH [--files 300] [--stored 2000]``.
The files are bench/ingest_rate.py's (corpus texts with front matter and new ids); each code ingests them with the
real command (a child process) into its own copy of the cached benchmark store, migrated to its schema first. Then
every table of the two stores is compared row by row, in rowid order, without the columns that record when a row
was written (``*_at`` but ``published_at``); the full-text indexes are compared through fts5vocab (every term,
with how many rows and how many times it occurs) and FTS5's integrity check. Prints one line per table and exits
1 on any difference.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from bench.ingest_rate import ROOT, migrated, write_files
from bench.scale_store import ensure

FULL_TEXT = ("releases_fts", "quotes_fts")


def _ingest(code: Path, store: Path, folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(code), "RELEASE_DIGEST_DB": str(store)}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", str(folder)],
        cwd=code,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")
    return sorted(name for (name,) in rows if not name.startswith(("sqlite_", *(f"{t}_" for t in FULL_TEXT))))


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    kept = [c for c in columns if not c.endswith("_at") or c == "published_at"]
    without_rowid = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    order = "" if "WITHOUT ROWID" in without_rowid.upper() else " ORDER BY rowid"
    return conn.execute(f"SELECT {', '.join(kept)} FROM {table}{order}").fetchall()


def _vocabulary(conn: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    conn.execute(f"CREATE VIRTUAL TABLE temp.{table}_words USING fts5vocab(main, {table}, 'row')")
    conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    return conn.execute(f"SELECT term, doc, cnt FROM temp.{table}_words ORDER BY term").fetchall()


def compare(first: Path, second: Path) -> bool:
    """Print each table's comparison; whether every one is the same."""
    same = True
    with closing(sqlite3.connect(first)) as a, closing(sqlite3.connect(second)) as b:
        for conn in (a, b):  # the full-text content views read bodies through this function
            from digests.store.bodies import _inflate

            conn.create_function("rd_inflate", 1, _inflate, deterministic=True)
        tables = _tables(a)
        if tables != _tables(b):
            print(f"tables differ: {tables} / {_tables(b)}")
            return False
        for table in tables:
            left, right = _rows(a, table), _rows(b, table)
            equal = left == right
            print(f"{table:22} {len(left):>9,} rows  {'same' if equal else 'DIFFERENT'}")
            same = same and equal
        for table in FULL_TEXT:
            left, right = _vocabulary(a, table), _vocabulary(b, table)
            equal = left == right
            print(f"{table:22} {len(left):>9,} terms {'same' if equal else 'DIFFERENT'} (integrity-check passed)")
            same = same and equal
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout (e.g. a worktree at main)")
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--stored", type=int, default=2000)
    parser.add_argument("--cache", default=".cache/scale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path(args.cache).resolve()) as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        write_files(folder, args.files)
        source = asyncio.run(ensure(Path(args.cache), args.stored))
        stores = []
        for name, code in (("this", ROOT), ("baseline", args.baseline.resolve())):
            store = migrated(code, source, Path(tmp) / f"{name}.db")
            _ingest(code, store, folder)
            stores.append(store)
        same = compare(*stores)
    print("stores the same" if same else "stores DIFFER")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
