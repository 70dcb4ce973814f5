"""Ingest rate: `release-digest ingest FOLDER` of new release files into stores of 2k, 10k and 100k releases.

Run by hand from the project root: ``.venv/bin/python -m bench.ingest_rate [--files 1000] [--stored 2000 10000
100000] [--baseline PATH]``.

The files are the shared corpus's texts (bench/scale_store.py) written with front matter (title, date, tags, a new
id each), cycling through the texts. For each stored size a copy of the cached benchmark store (built first if
missing) is ingested into by the real command in a child process; printed: files, wall seconds, releases/s, the
child's peak RSS. ``--baseline`` runs the same with another checkout's code (e.g. a worktree of main before this
change) on its own copy of the same store, in the same run, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scale_store import ensure, releases, texts

ROOT = Path(__file__).resolve().parents[1]


def write_files(folder: Path, count: int) -> None:
    """``count`` new release files with front matter."""
    corpus = texts()
    for n, (_, draft, _) in enumerate(releases(count, corpus)):
        date = draft.published_at.date().isoformat() if draft.published_at else ""
        tags = ", ".join(draft.tags)
        title = (draft.title or "").replace('"', "'")
        front = f'---\ntitle: "{title}"\ndate: {date}\nid: ingest-bench-{n}\ntags: [{tags}]\n---\n'
        (folder / f"{n:06d}.md").write_text(front + draft.body + "\n", encoding="utf-8")


_CHILD = (
    "import resource, runpy, sys\n"
    "sys.argv = ['release-digest', 'ingest', sys.argv[1]]\n"
    "try:\n"
    "    runpy.run_module('bot.cli', run_name='__main__')\n"
    "finally:\n"
    "    print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def run(code: Path, store: Path, folder: Path) -> tuple[float, float, int]:
    """Wall seconds and the command process's own peak RSS (MB; analysis workers not included) of one ingest run
    with ``code``, and its exit code."""
    env = {**os.environ, "PYTHONPATH": str(code), "RELEASE_DIGEST_DB": str(store)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder)], cwd=code, env=env, capture_output=True, check=False
    )
    wall = time.monotonic() - started
    err = done.stderr.decode()
    peaks = [line.split()[1] for line in err.splitlines() if line.startswith("PEAK ")]
    if done.returncode:
        print(err[-2000:], file=sys.stderr)
    return wall, int(peaks[-1]) / 1024 if peaks else float("nan"), done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--stored", type=int, nargs="+", default=[2000, 10000, 100000])
    parser.add_argument("--baseline", type=Path, help="another checkout to time the same way (e.g. old main)")
    parser.add_argument("--cache", default=".cache/scale")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(dir=Path(args.cache).resolve()) as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        write_files(folder, args.files)
        for stored in args.stored:
            source = asyncio.run(ensure(Path(args.cache), stored))
            for name, code in (("this", ROOT), ("baseline", args.baseline)):
                if code is None:
                    continue
                copy = Path(tmp) / f"{name}-{stored}.db"
                shutil.copyfile(source, copy)
                wall, peak, code_rc = run(code, copy, folder)
                print(
                    f"{name:8} stored {stored:>7,}  files {args.files:,}  {wall:7.1f} s  "
                    f"{args.files / wall:6.0f} releases/s  peak RSS {peak:5.0f} MB  exit {code_rc}",
                    flush=True,
                )
                copy.unlink()


if __name__ == "__main__":
    main()
