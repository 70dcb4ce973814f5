"""REST handlers of the fake Discord for application commands, interaction callbacks and followup webhooks.

Enforces what Discord enforces on them: the 3 s deadline, one callback per interaction, callback types
that fit the interaction, and that the first followup after a deferral replaces the "thinking…" message.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .models import (
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_TYPES,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FakeDiscordError,
    InteractionResult,
    RecordedRequest,
)
from .payloads import snowflake
from .rest import RestServer
from .wire import _json, _public


class RestInteractions(RestServer):
    """Command sync, interaction callbacks and followups."""

    async def _get_commands(self, record: RecordedRequest, app: str, guild_id: str | None = None) -> web.Response:
        return _json(self.commands(guild_id))

    async def _put_commands(self, record: RecordedRequest, app: str, guild_id: str | None = None) -> web.Response:
        if guild_id is not None:
            self._guild_or_404(guild_id)
        existing = {(c["name"], c["type"]): c["id"] for c in self.commands(guild_id)}
        stored = []
        for cmd in record.json or []:
            kind = cmd.get("type", 1)
            stored.append(
                {
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    "description_localizations": None,
                    "name_localizations": None,
                    **cmd,
                    # Bulk overwrite keeps the id of a command with the same name and type, as on Discord.
                    "id": existing.get((cmd["name"], kind)) or snowflake(),
                    "type": kind,
                    "application_id": self.application_id,
                    "version": snowflake(),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return _json(stored)

    async def _callback(self, record: RecordedRequest, interaction_id: str, token: str) -> web.Response:
        result = self._interactions.get(interaction_id)
        late = (
            result is not None
            and not result.callbacks
            and self.interaction_deadline is not None
            and time.monotonic() - result.dispatched_at > self.interaction_deadline
        )
        if result is None or result.token != token or late:
            raise FakeDiscordError(404, "Unknown interaction", 10062)
        if result.callbacks:
            raise FakeDiscordError(400, "Interaction has already been acknowledged.", 40060)
        body = record.json or {}
        kind = body.get("type")
        data = body.get("data") or {}
        updates_message = kind in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE)
        if kind not in CALLBACK_TYPES or (updates_message and "message" not in result.payload):
            raise FakeDiscordError(400, f"Interaction callback type {kind} is invalid here", 50035)
        result.callbacks.append(body)
        channel = self._channel_or_404(result.payload["channel_id"])
        message: dict[str, Any] | None = None
        if kind == CALLBACK_MESSAGE:
            message = await self._create_message(
                channel, self.bot_user, data, record.files, interaction=result, flags=data.get("flags", 0)
            )
        elif kind == CALLBACK_DEFERRED_MESSAGE:
            flags = FLAG_LOADING | (data.get("flags", 0) & FLAG_EPHEMERAL)
            message = await self._create_message(channel, self.bot_user, {}, [], interaction=result, flags=flags)
        elif updates_message:
            message = self._message_or_404(result.payload["message"]["id"])
            if kind == CALLBACK_UPDATE_MESSAGE:
                message = await self._edit_message(message, data, record.files)
        if message is not None:
            result.original_message_id = message["id"]
        response: dict[str, Any] = {
            "interaction": {
                "id": result.id,
                "type": result.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == CALLBACK_DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(message and message["flags"] & FLAG_EPHEMERAL),
            }
        }
        if kind != CALLBACK_AUTOCOMPLETE:
            response["resource"] = {"type": kind}
            if message is not None and kind != CALLBACK_DEFERRED_UPDATE:
                response["resource"]["message"] = _public(message)
        return _json(response)

    def _interaction_by_token(self, app: str, token: str) -> InteractionResult:
        for result in self._interactions.values():
            if result.token == token and app == self.application_id:
                return result
        raise FakeDiscordError(404, "Unknown Webhook", 10015)

    async def _post_followup(self, record: RecordedRequest, app: str, token: str) -> web.Response:
        result = self._interaction_by_token(app, token)
        if not result.callbacks:
            raise FakeDiscordError(404, "Unknown Webhook", 10015)
        body = record.json or {}
        original = result.original
        if original is not None and original["flags"] & FLAG_LOADING:
            # After a deferral the first followup replaces the "thinking…" message, as on Discord.
            message = await self._edit_message(original, body, record.files)
        else:
            channel = self._channel_or_404(result.payload["channel_id"])
            message = await self._create_message(
                channel, self.bot_user, body, record.files, interaction=result, flags=body.get("flags", 0)
            )
            result.followup_ids.append(message["id"])
        if record.query.get("wait") in ("1", "true", "True"):
            return _json(_public(message))
        return web.Response(status=204)

    def _webhook_message(self, app: str, token: str, message_id: str) -> dict[str, Any]:
        result = self._interaction_by_token(app, token)
        if message_id == "@original":
            if result.original_message_id is None:
                raise FakeDiscordError(404, "Unknown Message", 10008)
            message_id = result.original_message_id
        elif message_id not in result.followup_ids and message_id != result.original_message_id:
            raise FakeDiscordError(404, "Unknown Message", 10008)
        return self._message_or_404(message_id)

    async def _get_webhook_message(
        self, record: RecordedRequest, app: str, token: str, message_id: str
    ) -> web.Response:
        return _json(_public(self._webhook_message(app, token, message_id)))

    async def _patch_webhook_message(
        self, record: RecordedRequest, app: str, token: str, message_id: str
    ) -> web.Response:
        message = self._webhook_message(app, token, message_id)
        return _json(_public(await self._edit_message(message, record.json or {}, record.files)))

    async def _delete_webhook_message(
        self, record: RecordedRequest, app: str, token: str, message_id: str
    ) -> web.Response:
        await self._delete(self._webhook_message(app, token, message_id))
        return web.Response(status=204)
