"""Tests of the web ingestion layer, plus the helpers they share.

Every test fetcher gets a :class:`MapResolver`, so no test can reach real DNS or the network: names it does
not know fail as unresolvable, and IP-literal URLs only ever point at the local test server.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

from aiohttp.abc import AbstractResolver, ResolveResult

DATA = Path(__file__).resolve().parents[2] / "data" / "web"


class MapResolver(AbstractResolver):
    """A resolver answering from a fixed table; each name maps to a list of answers, one per lookup (the last
    answer repeats), so tests can make a name change its address between lookups."""

    def __init__(self, table: Mapping[str, Sequence[str] | str] | None = None) -> None:
        self.table = {
            name: [answers] if isinstance(answers, str) else list(answers)
            for name, answers in (table or {}).items()
        }
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        answers = self.table.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, f"test resolver does not know {host}")
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            ResolveResult(
                hostname=host, host=address, port=port, family=family, proto=0, flags=socket.AI_NUMERICHOST
            )
        ]

    async def close(self) -> None:
        pass
