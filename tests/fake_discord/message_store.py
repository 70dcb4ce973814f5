"""The fake Discord's messages: create (mentions, replies, interaction metadata), edit, delete.

Every way a message comes to be (REST, interaction callbacks, followups, simulated users) goes through
here, so that the payloads and the MESSAGE_* gateway events are the same whatever the route.
"""

from __future__ import annotations

import time
from typing import Any

from .gateway import INTENT_GUILD_MESSAGES
from .gateway_server import FakeGateway
from .models import FLAG_EPHEMERAL, FLAG_LOADING, INTERACTION_COMMAND, MENTION_RE, FakeDiscordError, InteractionResult
from .payloads import FakeChannel, FakeUser, iso_now, snowflake
from .wire import _attachments, _public


class MessageStore(FakeGateway):
    """Creates, edits and deletes messages and tells the gateway."""

    async def _create_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: dict[str, Any],
        files: list[str],
        *,
        interaction: InteractionResult | None = None,
        flags: int = 0,
        reference: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        reference = reference or body.get("message_reference")
        referenced = self.message(str(reference["message_id"])) if reference else None
        if reference and referenced is None and reference.get("fail_if_not_exists", True):
            raise FakeDiscordError(400, "Invalid Form Body (message_reference: Unknown message)", 50035)
        allowed = body.get("allowed_mentions")
        # Replies ping the replied-to author unless allowed_mentions says otherwise (Discord's default).
        ping_reply = allowed is None or bool(allowed.get("replied_user", False))
        is_original = interaction is not None and interaction.original_message_id is None
        message: dict[str, Any] = {
            "id": snowflake(),
            "channel_id": channel.id,
            "guild_id": channel.guild_id,
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": _attachments(body, files),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": 19 if referenced else 0,
            "flags": flags,
            "nonce": body.get("nonce"),
            "_created": time.time(),
        }
        message["mentions"] = self._mentions(message["content"], referenced if ping_reply else None)
        if referenced is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": channel.id,
                "guild_id": channel.guild_id,
            }
            message["referenced_message"] = _public(referenced)
        if interaction is not None:
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
            user = interaction.payload["member"]["user"]
            metadata: dict[str, Any] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": {"0": channel.guild_id},
            }
            if not is_original:
                metadata["original_response_message_id"] = interaction.original_message_id
            if "message" in interaction.payload:
                metadata["interacted_message_id"] = interaction.payload["message"]["id"]
            message["interaction_metadata"] = metadata
            if interaction.type == INTERACTION_COMMAND and is_original:
                message["type"] = 20  # CHAT_INPUT_COMMAND
        self._messages[message["id"]] = message
        self._by_channel.setdefault(channel.id, []).append(message["id"])
        if not flags & FLAG_EPHEMERAL:
            await self._dispatch_message_event("MESSAGE_CREATE", message)
        return message

    def _mentions(self, content: str, referenced: dict[str, Any] | None) -> list[dict[str, Any]]:
        ids = set(MENTION_RE.findall(content))
        if referenced is not None:
            ids.add(referenced["author"]["id"])
        users = self._users()
        return [users[i].payload() for i in sorted(ids) if i in users]

    async def _edit_message(self, message: dict[str, Any], body: dict[str, Any], files: list[str]) -> dict[str, Any]:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            message["attachments"] = _attachments(body, files)
        if "content" in body:
            replied = message.get("referenced_message")
            pinged = replied is not None and any(u["id"] == replied["author"]["id"] for u in message["mentions"])
            message["mentions"] = self._mentions(message["content"], replied if pinged else None)
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = iso_now()
        if not message["flags"] & FLAG_EPHEMERAL:
            await self._dispatch_message_event("MESSAGE_UPDATE", message)
        return message

    async def _delete(self, message: dict[str, Any]) -> None:
        self._deleted.add(message["id"])
        if not message["flags"] & FLAG_EPHEMERAL:
            data = {"id": message["id"], "channel_id": message["channel_id"], "guild_id": message["guild_id"]}
            for session in self._sessions_with(INTENT_GUILD_MESSAGES, message["guild_id"]):
                await session.dispatch("MESSAGE_DELETE", data)
