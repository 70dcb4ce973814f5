"""Where the benchmarks find the shared evaluation data: ``../shared/data`` beside the repository.

``DIGEST_SHARED_DATA`` overrides it (a git worktree elsewhere, say).
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(os.environ.get("DIGEST_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
