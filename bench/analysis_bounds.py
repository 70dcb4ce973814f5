"""Time and peak memory of analysing one large release, whatever its shape.

Run by hand (``make bench``): ``.venv/bin/python bench/analysis_bounds.py [--size BYTES] [--shapes a,b]``.

Each shape is a release body of ``--size`` bytes (default 2,000,000, the ingest cap) built from BBC News articles in
``../shared/data`` (text with quotes, names and acronyms, as news releases have):

- ``paragraph``: the whole body as one paragraph (one line);
- ``lines``: one sentence per line;
- ``tiny``: 100,000 tiny paragraphs ("Item 123: Army." and the like), about 20 bytes each;
- ``table``: rows of a pipe-separated table with numbers and capitalised names.

Each body is analysed by :func:`digests.analyse.analyse` (sentences, the default summary, quotes, topics) in a fresh
subprocess, so that the figures are that release's alone: wall time of the call, its CPU time (user + system, from
``resource.getrusage``: on a shared machine the wall time also counts waiting for a core), and the process's peak RSS
(``ru_maxrss``) after it, beside the RSS the process had before the call (imports and the body itself).
Goal (issue 11): < 5 s and < 300 MB peak RSS for every shape.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from shared_data import SHARED_DATA  # a sibling: the benchmarks run as scripts from bench/

DATA = SHARED_DATA / "bbc-news-summary" / "articles"
SHAPES = ("paragraph", "lines", "tiny", "table")
GOAL_SECONDS = 5.0
GOAL_MB = 300.0


def _bbc_sentences() -> list[str]:
    from digests.text import split_sentences

    sentences: list[str] = []
    for path in sorted(DATA.glob("*/*.txt")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        sentences += [s.text for s in split_sentences(text.partition("\n")[2])]
    return sentences


def _fill(pieces: list[str], size: int, separator: str) -> str:
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        piece = pieces[i % len(pieces)]
        out.append(piece)
        total += len(piece.encode("utf-8")) + len(separator)
        i += 1
    return separator.join(out)


def body(shape: str, size: int) -> str:
    """A release body of about ``size`` bytes in the given shape."""
    if shape == "tiny":
        words = ("Army", "Navy", "budget", "Iraq", "report", "NATO", "U.S.", "talks")
        return _fill([f"Item {i}: {words[i % len(words)]}." for i in range(100_000)], size, "\n")
    if shape == "table":
        regions = ("North East", "London", "Wales", "Scotland", "South West", "Northern Ireland")
        rows = [f"| {2000 + i % 25} | {regions[i % 6]} | {i * 37 % 9973:,} | {i % 100}.{i % 7}% |" for i in range(5000)]
        return _fill(rows, size, "\n")
    sentences = _bbc_sentences()
    return _fill(sentences, size, " " if shape == "paragraph" else "\n")


def measure(shape: str, size: int) -> dict[str, float]:
    """Analyse one body in this process; the figures as a dict (run in a subprocess)."""
    from digests.analyse import analyse

    text = body(shape, size)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before, cpu_before = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    result = analyse(text, title="A large release")
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    return {
        "bytes": len(text.encode("utf-8")),
        "sentences": len(result.sentences),
        "quotes": len(result.quotes),
        "seconds": elapsed,
        "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
        "rss_before_mb": before,
        "peak_rss_mb": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2_000_000)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one shape and print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.size)))
        return 0

    print(f"analyse() of one release of {args.size:,} bytes per shape, each in a fresh subprocess")
    print(f"goal: < {GOAL_SECONDS:.0f} s and < {GOAL_MB:.0f} MB peak RSS\n")
    header = (
        f"{'shape':<10} {'bytes':>10} {'sentences':>9} {'quotes':>7} {'seconds':>8} {'CPU s':>6} {'RSS before':>10}"
        f" {'peak RSS':>9}"
    )
    print(header)
    print("-" * len(header))
    status = 0
    for shape in args.shapes.split(","):
        run = subprocess.run(
            [sys.executable, __file__, "--one", shape, "--size", str(args.size)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if run.returncode:
            error = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}"
            print(f"{shape:<10} failed: {error}")
            status = 1
            continue
        r = json.loads(run.stdout)
        within = r["seconds"] < GOAL_SECONDS and r["peak_rss_mb"] < GOAL_MB
        status |= 0 if within else 1
        print(
            f"{shape:<10} {r['bytes']:>10,} {r['sentences']:>9,} {r['quotes']:>7,} {r['seconds']:>8.2f}"
            f" {r['cpu_seconds']:>6.2f}"
            f" {r['rss_before_mb']:>8.0f}MB {r['peak_rss_mb']:>7.0f}MB{'' if within else '  (over the goal)'}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
