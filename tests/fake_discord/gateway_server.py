"""The fake Discord's gateway endpoint: HELLO, IDENTIFY (per shard), RESUME, member chunks, event dispatch.

Sessions and connections themselves are in gateway.py; this is what the server does with them.
"""

from __future__ import annotations

import contextlib
import json
import traceback
from typing import Any

from aiohttp import WSMsgType, web

from .gateway import (
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    GatewayConnection,
    GatewaySession,
)
from .state import FakeState
from .wire import _public


class FakeGateway(FakeState):
    """The websocket side of the fake."""

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        for hold in [hold for hold in self.holds if hold.matches("GET", "/")]:  # hold_next("GET", "/"): a slow connect
            hold.hits += 1
            await self._notify()
            await hold.released.wait()
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = GatewayConnection(ws, zlib_stream=request.query.get("compress") == "zlib-stream")
        self._connections.add(conn)
        try:
            await conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    await self._gateway_message(conn, json.loads(msg.data))
                except Exception:
                    self.internal_errors.append(f"gateway: {traceback.format_exc()}")
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                # A client closing with 1000/1001 ends its session; other closes leave it resumable.
                if ws.close_code in (1000, 1001):
                    session.resumable = False
            await self._notify()
        return ws

    async def _gateway_message(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data: dict[str, Any] = payload["d"] if isinstance(payload.get("d"), dict) else {}
        if "token" in data:
            self.gateway_received.append({**payload, "d": {**data, "token": "<redacted>"}})
        else:
            self.gateway_received.append(payload)
        if op == OP_HEARTBEAT:
            await conn.send({"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data)
        elif op == OP_RESUME:
            await self._resume(conn, data)
        elif op == OP_REQUEST_GUILD_MEMBERS and conn.session is not None:
            guild = self._guild_or_404(str(data["guild_id"]))
            chunk = {
                "guild_id": guild.id,
                "members": [m.payload() for m in guild.members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "nonce": data.get("nonce"),
            }
            await conn.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        # Presence updates (op 3) and voice state updates need no answer.

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        index, count = data.get("shard") or (0, 1)
        session = GatewaySession(intents=int(data.get("intents", 0)), connection=conn, shard=(int(index), int(count)))
        conn.session = session
        self.sessions.append(session)
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [g.unavailable_payload() for g in self.guilds if session.covers(g.id)],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": self.application_id, "flags": 1 << 23},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "auth": {},
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
        }
        await session.dispatch("READY", ready)
        for guild in self.guilds:
            if session.covers(guild.id):
                await session.dispatch("GUILD_CREATE", guild.payload())
        session.ready = True
        await self._notify()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if session is None or not session.resumable or (self.token is not None and data.get("token") != self.token):
            await conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        if session.connection is not None and session.connection is not conn:
            await session.connection.ws.close(code=4000)
        session.connection = conn
        conn.session = session
        await session.replay_after(int(data.get("seq") or 0))
        await session.dispatch("RESUMED", {})
        await self._notify()

    async def _dispatch_message_event(self, event: str, message: dict[str, Any]) -> None:
        for session in self._sessions_with(INTENT_GUILD_MESSAGES, message["guild_id"]):
            await session.dispatch(event, self._as_seen_by_bot(session, message))

    def _as_seen_by_bot(self, session: GatewaySession, message: dict[str, Any]) -> dict[str, Any]:
        data = _public(message)
        author_id = message["author"]["id"]
        guild = next(g for g in self.guilds if g.id == message["guild_id"])
        with contextlib.suppress(KeyError):
            member = guild.member(author_id)
            data["member"] = {k: v for k, v in member.payload().items() if k != "user"}
        mentioned = any(u["id"] == self.bot_user.id for u in message["mentions"])
        if not (session.wants(INTENT_MESSAGE_CONTENT) or author_id == self.bot_user.id or mentioned):
            # Without the privileged intent Discord blanks other users' message content.
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    async def send_event(self, event: str, data: dict[str, Any], timeout: float = 5.0) -> None:
        """Dispatch a raw gateway event to every connected client (waits for one to be connected); an event of
        a guild (``guild_id`` in ``data``) goes only to the clients on that guild's shard."""
        guild_id = data.get("guild_id")
        await self.wait_until_connected(timeout, guild_id=guild_id)
        for session in self._sessions_with(guild_id=guild_id):
            await session.dispatch(event, data)
        await self._notify()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client drops the socket and RESUMEs its session."""
        for session in self._sessions_with():
            if session.connection is not None:
                await session.connection.send({"op": OP_RECONNECT, "d": None})
