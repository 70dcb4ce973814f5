"""REST plumbing of the fake Discord: recording, injected faults, the global rate limit, routing.

The handlers themselves are in rest_guilds.py, rest_messages.py and rest_interactions.py.
"""

from __future__ import annotations

import math
import re
import time
import traceback
from typing import Any

from aiohttp import web

from .message_store import MessageStore
from .models import FakeDiscordError, Fault, Hold, RecordedRequest
from .wire import JSON_HEADERS, _default_error_body, _json, _read_body


class RestServer(MessageStore):
    """Every REST request passes here before its handler."""

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        scope: str = "user",
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """Make the next ``count`` requests matching ``method`` ("*" = any) and ``path_regex`` fail.

        ``path_regex`` must fully match the path after ``/api/v10``, e.g. ``r"/channels/\\d+/messages"``.
        A 429 carries ``retry_after`` (s) in its body and Retry-After / X-RateLimit-* headers.
        Returns the Fault; its ``hits`` counts the requests it failed.
        """
        fault = Fault(method.upper(), re.compile(path_regex), status, count, retry_after, is_global, scope, body)
        self.faults.append(fault)
        return fault

    def hold_next(self, method: str, path_regex: str) -> Hold:
        """Keep requests matching ``method`` ("*" = any) and ``path_regex`` (as for :meth:`fail_next`) unanswered
        until the returned Hold is released; its ``hits`` counts those that arrived. ``("GET", "/")`` holds a
        gateway (websocket) connection before its handshake."""
        hold = Hold(method.upper(), re.compile(path_regex))
        self.holds.append(hold)
        return hold

    def _rate_limited(self, retry_after: float, *, is_global: bool, scope: str) -> web.Response:
        self.rate_limited_count += 1
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        headers = {
            **JSON_HEADERS,
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": str(self.global_rate_limit or 5),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and does not retry.
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json(body, 429, headers)

    def _check_faults(self, method: str, path: str, token: str = "") -> web.Response | None:
        """The injected failure or global-rate-limit 429 for this request, if any."""
        for fault in self.faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                fault.hits += 1
                if fault.status == 429:
                    return self._rate_limited(fault.retry_after, is_global=fault.is_global, scope=fault.scope)
                body = fault.body or _default_error_body(fault.status)
                return _json(body, fault.status)
        if self.global_rate_limit is None or path.startswith(("/interactions/", "/webhooks/")):
            return None
        retry_after = self._global_limit.check(token, time.monotonic(), self.global_rate_limit)
        if retry_after is not None:
            return self._rate_limited(round(retry_after, 3), is_global=True, scope="global")
        return None

    # ------------------------------------------------------------------ REST plumbing

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, time.time(), files)
        self.requests.append(record)
        for hold in [hold for hold in self.holds if hold.matches(request.method, path)]:
            hold.hits += 1
            await hold.released.wait()
        try:
            response = self._check_faults(request.method, path, request.headers.get("Authorization", ""))
            if response is None:
                response = await self._route(request, record)
        except FakeDiscordError as exc:
            response = _json({"message": exc.message, "code": exc.code}, exc.status)
        except Exception as exc:
            # A bug in the fake: answer 400 (a 500 would make discord.py retry for ~25 s) and keep it
            # in ``internal_errors`` so the fixture can fail the test.
            self.internal_errors.append(f"{record.method} {path}: {traceback.format_exc()}")
            response = _json({"message": f"fake discord internal error: {exc!r}", "code": 0}, 400)
        record.status = response.status
        self._touch()
        await self._notify()
        return response

    async def _route(self, request: web.Request, record: RecordedRequest) -> web.Response:
        auth = request.headers.get("Authorization", "")
        is_webhook = record.path.startswith(("/interactions/", "/webhooks/"))
        # Interaction callbacks and followups are authenticated by the interaction token instead.
        if self.token is not None and not is_webhook and auth != f"Bot {self.token}":
            raise FakeDiscordError(401, "401: Unauthorized", 0)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(record.path)
            if match and method == record.method:
                return await handler(record, **match.groupdict())
        self.unhandled.append(record)
        raise FakeDiscordError(404, "404: Not Found", 0)
