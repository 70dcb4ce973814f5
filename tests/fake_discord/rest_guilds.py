"""REST handlers of the fake Discord for identity, the application, gateway info, guilds, members and channels.

Read-only views of the world in state.py (plus typing, which only checks the channel).
"""

from __future__ import annotations

from aiohttp import web

from .models import FakeDiscordError, RecordedRequest
from .rest import RestServer
from .wire import _json


class RestGuilds(RestServer):
    """Users, application, gateway, guilds, members, channels."""

    async def _get_me(self, record: RecordedRequest) -> web.Response:
        return _json({**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None})

    async def _get_my_guilds(self, record: RecordedRequest) -> web.Response:
        return _json([g.partial_payload(self.bot_user) for g in self.guilds])

    async def _get_user(self, record: RecordedRequest, user_id: str) -> web.Response:
        user = self._users().get(user_id)
        if user is None:
            raise FakeDiscordError(404, "Unknown User", 10013)
        return _json(user.payload())

    async def _get_application(self, record: RecordedRequest) -> web.Response:
        return _json(
            {
                "id": self.application_id,
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.bot_user.payload(),
                "owner": self.admin.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 1 << 23,
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _get_gateway(self, record: RecordedRequest) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json(
            {"url": self.gateway_url.rstrip("/"), "shards": self.recommended_shards, "session_start_limit": limit}
        )

    async def _get_guild(self, record: RecordedRequest, guild_id: str) -> web.Response:
        data = self._guild_or_404(guild_id).payload()
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large"):
            data.pop(key)  # GET /guilds/{id} returns the guild without its gateway-only fields
        return _json(data)

    async def _get_guild_channels(self, record: RecordedRequest, guild_id: str) -> web.Response:
        return _json([c.payload() for c in self._guild_or_404(guild_id).channels])

    async def _get_member(self, record: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        guild = self._guild_or_404(guild_id)
        for member in guild.members:
            if member.user.id == user_id:
                return _json(member.payload())
        raise FakeDiscordError(404, "Unknown Member", 10007)

    async def _get_channel(self, record: RecordedRequest, channel_id: str) -> web.Response:
        return _json(self._channel_or_404(channel_id).payload())

    async def _typing(self, record: RecordedRequest, channel_id: str) -> web.Response:
        self._channel_or_404(channel_id)
        return web.Response(status=204)
