"""Simulated users of the fake Discord: slash commands, autocomplete, clicks, messages and @mention replies.

Builds the interaction payloads a real Discord client would send (options checked against the synced
commands) and waits for the bot's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from .message_store import MessageStore
from .models import (
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    OPTION_GROUP,
    OPTION_SUBCOMMAND,
    InteractionResult,
)
from .payloads import FakeChannel, FakeGuild, FakeRole, FakeUser, snowflake
from .wire import _public


class SimulatedUsers(MessageStore):
    """What humans do in the fake guilds."""

    def _member_payload(self, guild: FakeGuild, user: FakeUser) -> dict[str, Any]:
        return {**guild.member(user).payload(), "permissions": str(guild.permissions(user))}

    def _base_interaction(
        self, kind: int, data: dict[str, Any], user: FakeUser, channel: FakeChannel, locale: str
    ) -> dict[str, Any]:
        guild = self._guild_or_404(channel.guild_id)
        return {
            "id": snowflake(),
            "application_id": self.application_id,
            "type": kind,
            "data": data,
            "guild_id": guild.id,
            "guild": {"id": guild.id, "locale": "en-US", "features": []},
            "channel_id": channel.id,
            "channel": {**channel.payload(), "permissions": str(guild.permissions(user))},
            "member": self._member_payload(guild, user),
            "token": "itk-" + snowflake(),
            "version": 1,
            "app_permissions": str(guild.permissions(self.bot_user)),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _find_command(self, root: str, guild_id: str) -> dict[str, Any]:
        for cmd in [*self.guild_commands.get(guild_id, []), *self.global_commands]:
            if cmd["name"] == root and cmd["type"] == 1:
                return cmd
        known = sorted(c["name"] for c in [*self.guild_commands.get(guild_id, []), *self.global_commands])
        raise LookupError(f"/{root} is not synced to the fake (known: {known}); call bot.tree.sync() first")

    def _command_data(
        self, name: str, options: dict[str, Any], guild: FakeGuild, focused: str | None
    ) -> dict[str, Any]:
        root, *path = name.split()
        command = self._find_command(root, guild.id)
        resolved: dict[str, dict[str, Any]] = {}
        defs = command.get("options") or []
        wrappers: list[dict[str, Any]] = []
        for part in path:  # walk "group sub" down to the leaf subcommand's option definitions
            sub = next(
                (o for o in defs if o["name"] == part and o["type"] in (OPTION_SUBCOMMAND, OPTION_GROUP)),
                None,
            )
            if sub is None:
                raise LookupError(f"/{name}: no subcommand {part!r}")
            wrappers.append({"name": part, "type": sub["type"]})
            defs = sub.get("options") or []
        types = {o["name"]: o["type"] for o in defs}
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in options]
        if missing and focused is None:  # Discord's client never sends a command without them
            raise LookupError(f"/{name} needs option(s) {missing}")
        leaf = []
        for key, value in options.items():
            if key not in types:
                raise LookupError(f"/{name} has no option {key!r} (has {sorted(types)})")
            option: dict[str, Any] = {
                "name": key,
                "type": types[key],
                "value": self._option_value(value, guild, resolved),
            }
            if key == focused:
                option["focused"] = True
            leaf.append(option)
        for wrapper in reversed(wrappers):
            wrapper["options"] = leaf
            leaf = [wrapper]
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1, "options": leaf}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(self, value: Any, guild: FakeGuild, resolved: dict[str, dict[str, Any]]) -> Any:
        """The option's wire value; entity options also fill the interaction's ``resolved`` data."""
        if isinstance(value, FakeUser):
            resolved.setdefault("users", {})[value.id] = value.payload()
            with contextlib.suppress(KeyError):
                member = self._member_payload(guild, value)
                member.pop("user")
                resolved.setdefault("members", {})[value.id] = member
            return value.id
        if isinstance(value, FakeChannel):
            channel = {**value.payload(), "permissions": str(guild.permissions(self.bot_user))}
            resolved.setdefault("channels", {})[value.id] = channel
            return value.id
        if isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[value.id] = value.payload()
            return value.id
        return value

    async def _interact(self, payload: dict[str, Any], wait: bool, timeout: float, settle: float) -> InteractionResult:
        result = InteractionResult(self, payload["id"], payload["token"], payload["type"], payload, time.monotonic())
        self._interactions[result.id] = result
        await self.send_event("INTERACTION_CREATE", payload, timeout)
        result.dispatched_at = time.monotonic()
        if wait:
            await result.wait_for(InteractionResult.answered, timeout)
            await self.settle(settle)
        return result

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float = 5.0,
        settle: float = 0.1,
    ) -> InteractionResult:
        """Invoke a synced slash command as ``user`` (default: ``member``) and return what the bot answered.

        ``name`` may include subcommands ("digest show"). Option values are plain values, or a
        FakeUser / FakeChannel / FakeRole for entity options. With ``wait`` it returns once the
        callback arrived, any "thinking…" message was filled, and REST was quiet for ``settle`` s.
        """
        channel = channel or self.channel
        data = self._command_data(name, options or {}, self._guild_or_404(channel.guild_id), None)
        payload = self._base_interaction(INTERACTION_COMMAND, data, user or self.member, channel, locale)
        return await self._interact(payload, wait, timeout, settle)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Send an autocomplete interaction (type 4) with ``focused`` as the option being typed.

        The returned result's ``choices`` holds the bot's ``[{"name", "value"}]`` answer.
        """
        channel = channel or self.channel
        data = self._command_data(name, options, self._guild_or_404(channel.guild_id), focused)
        payload = self._base_interaction(INTERACTION_AUTOCOMPLETE, data, user or self.member, channel, locale)
        return await self._interact(payload, True, timeout, 0.0)

    async def click(
        self,
        custom_id: str,
        message: dict[str, Any],
        *,
        user: FakeUser | None = None,
        values: list[str] | None = None,
        component_type: int = 2,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float = 5.0,
        settle: float = 0.1,
    ) -> InteractionResult:
        """Click a button (component_type 2) or choose ``values`` in a select menu (3) on ``message``.

        ``message`` is a message payload from the fake (e.g. ``result.original``); it must exist.
        """
        current = self._message_or_404(message["id"])
        channel = self._channel_or_404(current["channel_id"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload = self._base_interaction(INTERACTION_COMPONENT, data, user or self.member, channel, locale)
        payload["message"] = _public(current)
        return await self._interact(payload, wait, timeout, settle)

    async def send_message(
        self,
        content: str,
        *,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Post a message as a human (default: ``member``); clients get MESSAGE_CREATE. Returns it."""
        channel = channel or self.channel
        await self.wait_until_connected()
        reference = {"message_id": reply_to["id"]} if reply_to is not None else None
        message = await self._create_message(
            channel, user or self.member, {"content": content}, [], reference=reference
        )
        await self._notify()
        return message

    async def mention_reply(
        self,
        message: dict[str, Any],
        text: str,
        *,
        user: FakeUser | None = None,
        expect: int = 1,
        timeout: float = 5.0,
        settle: float = 0.1,
    ) -> list[dict[str, Any]]:
        """Reply to ``message`` with "@bot text" and return the messages the bot posted afterwards.

        Waits for ``expect`` bot messages in that channel (``expect=0``: just waits ``settle`` s),
        then for REST to be quiet for ``settle`` s.
        """
        channel = self._channel_or_404(message["channel_id"])
        before = {m["id"] for m in self.bot_messages(channel.id)}
        await self.send_message(f"{self.bot_user.mention} {text}", user=user, channel=channel, reply_to=message)

        def new_messages() -> list[dict[str, Any]]:
            return [m for m in self.bot_messages(channel.id) if m["id"] not in before]

        if expect == 0:
            await asyncio.sleep(settle)  # give an unwanted reply the chance to show up
        await self.wait_for(lambda: len(new_messages()) >= expect, timeout, what=f"{expect} bot repl(ies)")
        await self.settle(settle)
        return new_messages()
