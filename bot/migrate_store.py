"""``release-digest migrate-store SQLITE_FILE postgresql://…``: move a store from SQLite to PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

from digests.health import store_location
from digests.store.copy import CopyError, copy_store, counts_table
from digests.store.db import is_postgres_url, store_outage


async def migrate_store(sqlite_file: Path, postgres_url: str) -> int:
    """Copy the store, print the row counts of every table on both sides; the process exit code."""
    target = store_location(postgres_url)  # never print the password
    if not is_postgres_url(postgres_url):
        print(f"error: {target} is not a postgresql:// URL", file=sys.stderr)
        return 2
    try:
        counts = await copy_store(sqlite_file, postgres_url, lambda table: print(f"copied {table}", flush=True))
    except (CopyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if (outage := store_outage(exc)) is None:
            raise
        # The copy is one transaction: the target is left empty, as it was.
        print(f"error: the PostgreSQL store became unavailable while copying ({outage}); nothing was kept: "
              "run migrate-store again once it is back", file=sys.stderr)  # fmt: skip
        return 1
    print(counts_table(counts))
    print(f"{sqlite_file} copied into {target}: every table's row count matches.")
    return 0
