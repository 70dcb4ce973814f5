"""REST handlers of the fake Discord for channel messages: list, get, post (permissions, nonces), edit, delete."""

from __future__ import annotations

import time

from aiohttp import web

from .models import FakeDiscordError, RecordedRequest
from .payloads import SEND_MESSAGES, VIEW_CHANNEL
from .rest import RestServer
from .wire import _json, _public


def _nonce_window_s() -> float:
    # The window stays a knob of server.py, where tests and benches set it (``server.NONCE_WINDOW_S = 0``).
    from . import server

    return server.NONCE_WINDOW_S


class RestMessages(RestServer):
    """Messages in channels, as the bot sends them over REST."""

    async def _get_channel_messages(self, record: RecordedRequest, channel_id: str) -> web.Response:
        self._channel_or_404(channel_id)
        found = self.messages_in(channel_id)
        if "before" in record.query:
            found = [m for m in found if int(m["id"]) < int(record.query["before"])]
        limit = int(record.query.get("limit", 50))
        if "after" in record.query:
            found = [m for m in found if int(m["id"]) > int(record.query["after"])]
            if "before" not in record.query:  # as on Discord: the `limit` messages right after it, newest first
                return _json(list(reversed(found[:limit])))
        return _json(list(reversed(found))[:limit])  # newest first, as on Discord

    async def _get_channel_message(self, record: RecordedRequest, channel_id: str, message_id: str) -> web.Response:
        return _json(self._message_or_404(message_id, channel_id))

    async def _post_channel_message(self, record: RecordedRequest, channel_id: str) -> web.Response:
        channel = self._channel_or_404(channel_id)
        needed = VIEW_CHANNEL | SEND_MESSAGES
        if self._guild_or_404(channel.guild_id).permissions_in(channel, self.bot_user) & needed != needed:
            raise FakeDiscordError(403, "Missing Permissions", 50013)
        body = record.json or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord returns the earlier message for a repeated nonce within a few minutes.
            for message in self.messages_in(channel_id):
                if message.get("nonce") == nonce and time.time() - message["_created"] < _nonce_window_s():
                    return _json(_public(message))
        message = await self._create_message(channel, self.bot_user, body, record.files)
        return _json(_public(message))

    async def _patch_message(self, record: RecordedRequest, channel_id: str, message_id: str) -> web.Response:
        message = self._message_or_404(message_id, channel_id)
        if message["author"]["id"] != self.bot_user.id:
            raise FakeDiscordError(403, "Cannot edit a message authored by another user", 50005)
        return _json(_public(await self._edit_message(message, record.json or {}, record.files)))

    async def _delete_message(self, record: RecordedRequest, channel_id: str, message_id: str) -> web.Response:
        await self._delete(self._message_or_404(message_id, channel_id))
        return web.Response(status=204)
