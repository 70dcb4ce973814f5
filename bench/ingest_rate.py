"""Ingest rate: `release-digest ingest FOLDER` of new release files into stores of 2k, 10k and 100k releases.

Run by hand from the project root: ``.venv/bin/python -m bench.ingest_rate [--files 2000] [--stored 2000 10000
100000] [--repeat 3] [--baseline PATH]``.

The files are the shared corpus's texts (bench/scale_store.py) written with front matter (title, date, tags, a new
id each), cycling through the texts. For each stored size a copy of the cached benchmark store (built first if
missing), brought to each code's schema once beforehand (migrations are not timed), is ingested into by the real
command in a child process. Printed per run: wall seconds and releases/s of
the whole command (start-up included); the steady rate (outcomes after the first ``BATCH`` over the time between
the first and the last outcome: what a long ingest sustains); the CPU seconds of the command and every process it
started (analysis workers and their fork server included: this process adopts them as a sub-reaper), per release;
the command process's own CPU and peak RSS; the load average. ``--baseline`` runs the same with another checkout's
code (e.g. an export of main before a change) on its own copy of the same store, alternating with this code in
each repeat; the medians of the repeats close each stored size.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scale_store import ensure, releases, texts

ROOT = Path(__file__).resolve().parents[1]
BATCH = 100  # the command saves this many releases to a transaction: its first outcomes wait for the first batch
_PR_SET_CHILD_SUBREAPER = 36


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
    "    own = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    print('PEAK', own.ru_maxrss, own.ru_utime + own.ru_stime, file=sys.stderr)\n"
)


@dataclass(frozen=True, slots=True)
class Run:
    files: int
    wall: float  # the whole command
    steady: float  # releases/s between the first and the last outcome, after the first batch
    cpu: float  # seconds, the command and every process it started
    own_cpu: float  # seconds, the command process alone
    peak_mb: float  # the command process's peak RSS
    load: float  # 1-minute load average at the end
    exit: int

    def line(self, name: str, stored: int) -> str:
        return (
            f"{name:8} stored {stored:>7,}  files {self.files:,}  {self.wall:6.1f} s  {self.files / self.wall:4.0f}/s"
            f"  steady {self.steady:4.0f}/s  CPU {self.cpu:5.1f} s ({1000 * self.cpu / self.files:4.1f} ms/release,"
            f" command {self.own_cpu:4.1f} s)  peak RSS {self.peak_mb:4.0f} MB  load {self.load:4.1f}  exit {self.exit}"
        )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_adopted() -> None:
    """Wait for the processes the command left behind (a fork server exits once its parent is gone)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run(code: Path, store: Path, folder: Path, files: int) -> Run:
    """One ingest run of ``folder`` into ``store`` with the code at ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code), "RELEASE_DIGEST_DB": str(store)}
    cpu_before = _children_cpu()
    started = time.monotonic()
    stamps: list[float] = []
    with tempfile.TemporaryFile() as errors, subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(folder)], cwd=code, env=env, stdout=subprocess.PIPE, stderr=errors
    ) as child:
        assert child.stdout is not None
        for _ in child.stdout:
            stamps.append(time.monotonic())
        code_rc = child.wait()
        errors.seek(0)
        err = errors.read().decode(errors="replace")
    wall = time.monotonic() - started
    _reap_adopted()
    peaks = [line.split() for line in err.splitlines() if line.startswith("PEAK ")]
    if code_rc:
        print(err[-2000:], file=sys.stderr)
    outcomes = stamps[:-1]  # the last line is the summary
    steady = (len(outcomes) - BATCH) / (outcomes[-1] - outcomes[BATCH - 1]) if len(outcomes) > 2 * BATCH else 0.0
    return Run(
        files=files,
        wall=wall,
        steady=steady,
        cpu=_children_cpu() - cpu_before,
        own_cpu=float(peaks[-1][2]) if peaks else float("nan"),
        peak_mb=int(peaks[-1][1]) / 1024 if peaks else float("nan"),
        load=os.getloadavg()[0],
        exit=code_rc,
    )


_MIGRATE = (
    "import asyncio, sys\n"
    "from digests.store.db import Database\n"
    "async def main():\n"
    "    await (await Database.open(sys.argv[1])).close()\n"
    "asyncio.run(main())\n"
)


def migrated(code: Path, source: Path, target: Path) -> Path:
    """A copy of ``source`` at ``code``'s schema: its migrations run once here, never inside a timed run."""
    shutil.copyfile(source, target)
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, "-c", _MIGRATE, str(target)], cwd=code, env=env, check=True)
    _reap_adopted()
    return target


def _median(runs: list[Run], name: str, stored: int) -> str:
    files = runs[0].files
    wall = statistics.median(r.wall for r in runs)
    return (
        f"{name:8} stored {stored:>7,}  MEDIAN of {len(runs)}: {wall:6.1f} s  {files / wall:4.0f}/s  steady "
        f"{statistics.median(r.steady for r in runs):4.0f}/s  CPU {statistics.median(r.cpu for r in runs):5.1f} s "
        f"({1000 * statistics.median(r.cpu for r in runs) / files:4.1f} ms/release)  peak RSS "
        f"{statistics.median(r.peak_mb for r in runs):4.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--stored", type=int, nargs="+", default=[2000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to time the same way (e.g. old main)")
    parser.add_argument("--cache", default=".cache/scale")
    args = parser.parse_args()
    # Analysis workers are the fork server's children, and it is orphaned when the command exits: adopt them, so
    # that their CPU time reaches this process's children's usage.
    ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    print(f"load average {os.getloadavg()}; {os.cpu_count()} cores", flush=True)
    codes = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    with tempfile.TemporaryDirectory(dir=Path(args.cache).resolve()) as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        write_files(folder, args.files)
        for stored in args.stored:
            source = asyncio.run(ensure(Path(args.cache), stored))
            masters = {name: migrated(code, source, Path(tmp) / f"{name}-{stored}-master.db") for name, code in codes}
            runs: dict[str, list[Run]] = {name: [] for name, _ in codes}
            for _ in range(args.repeat):
                for name, code in codes:
                    copy = Path(tmp) / f"{name}-{stored}.db"
                    shutil.copyfile(masters[name], copy)
                    done = run(code, copy, folder, args.files)
                    print(done.line(name, stored), flush=True)
                    runs[name].append(done)
                    for leftover in Path(tmp).glob(f"{name}-{stored}.db*"):
                        leftover.unlink()
            for name, _ in codes:
                print(_median(runs[name], name, stored), flush=True)
                masters[name].unlink()


if __name__ == "__main__":
    main()
