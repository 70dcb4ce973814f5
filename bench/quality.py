"""Summary and quote quality in one run: ROUGE on BBC News Summary and PolNeAR headlines, attribution on PolNeAR dev.

Run by hand (``make bench``); reads ``../shared/data``. Extra arguments go to the summary benchmark.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run the quality benchmarks one after the other, and fail if any fails."""
    status = 0
    for script, args in (("summary_quality.py", sys.argv[1:]), ("headline_quality.py", []), ("quote_quality.py", [])):
        print(f"\n## {script}\n", flush=True)
        status |= subprocess.run([sys.executable, str(HERE / script), *args], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
