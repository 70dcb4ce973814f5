"""Gateway sessions and websocket connections of the fake Discord.

A *session* (created by IDENTIFY) outlives its websocket so that a client can RESUME it: events
dispatched while the client is away are kept and replayed, as on Discord.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15


class GatewayConnection:
    """One websocket connection; frames are zlib-stream compressed when the client asked for it."""

    def __init__(self, ws: web.WebSocketResponse, *, zlib_stream: bool) -> None:
        self.ws = ws
        self.session: GatewaySession | None = None
        # A single compression context spans the whole connection, as Discord's zlib-stream does.
        self._compressor = zlib.compressobj() if zlib_stream else None
        # Serialises compression + send so frames reach the client in compression order.
        self._lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        """Send one gateway payload; silently drops it if the socket is already closing."""
        text = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return
            if self._compressor is None:
                await self.ws.send_str(text)
            else:
                data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)


@dataclass
class GatewaySession:
    """State of one identified client: sequence number, intents and the events sent so far."""

    intents: int
    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    # False once the client closed with 1000/1001: Discord ends the session then, so no RESUME.
    resumable: bool = True
    # Set once READY and the GUILD_CREATEs went out: from then on events may be dispatched.
    ready: bool = False
    # (shard id, shard count) from IDENTIFY: the session gets the guilds with (guild_id >> 22) % count == id.
    shard: tuple[int, int] = (0, 1)

    def covers(self, guild_id: str | int) -> bool:
        """Whether ``guild_id`` is on this session's shard (Discord's formula)."""
        index, count = self.shard
        return (int(guild_id) >> 22) % count == index

    def wants(self, intent: int) -> bool:
        """Whether the client identified with ``intent``."""
        return bool(self.intents & intent)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Number, remember and (if connected) send a DISPATCH payload."""
        self.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.sent.append(payload)
        if self.connection is not None:
            await self.connection.send(payload)

    async def replay_after(self, seq: int) -> None:
        """Re-send the events the client missed (those numbered above ``seq``) after a RESUME."""
        assert self.connection is not None
        for payload in self.sent:
            if payload["s"] > seq:
                await self.connection.send(payload)
