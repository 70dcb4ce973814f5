"""Running ``release-digest`` commands as real processes for end-to-end tests (start, SIGKILL, SIGTERM)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """Named ``release-digest`` processes sharing one environment; each one's output goes to ``logs/NAME.log``.

    Commands run as ``python -m bot.cli ARGS`` (what the ``release-digest`` script runs) with this checkout on
    ``PYTHONPATH``, from ``cwd`` so that no ``.env`` of the checkout is read.
    """

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.cwd = cwd
        self.logs = cwd / "logs"
        self.logs.mkdir(exist_ok=True)
        self.running: dict[str, asyncio.subprocess.Process] = {}

    async def start(self, name: str, *args: str, **env: str) -> asyncio.subprocess.Process:
        """Start ``release-digest ARGS`` as ``name`` (with extra environment ``env``)."""
        log = (self.logs / f"{name}.log").open("ab")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *args, cwd=self.cwd, env={**self.env, **env}, stdout=log, stderr=log
        )
        log.close()  # the child has its own copy
        self.running[name] = process
        return process

    async def kill(self, name: str) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop(self, name: str, timeout: float = 30.0) -> int:
        """SIGTERM and wait for the exit code."""
        process = self.running.pop(name)
        process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(process.wait(), timeout)

    async def stop_all(self) -> None:
        """Stop whatever still runs (SIGKILL when SIGTERM is not enough)."""
        for name in list(self.running):
            try:
                await self.stop(name, timeout=10)
            except TimeoutError:
                await self.kill(name)

    def output(self) -> str:
        """Every process's log, for a failure message."""
        logs = sorted(self.logs.iterdir())
        return "\n".join(f"===== {log.name}\n{log.read_text(errors='replace')[-6000:]}" for log in logs)
