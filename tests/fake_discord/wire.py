"""Wire encoding of the fake Discord's REST answers and requests: JSON responses, message payloads, uploads.

Kept apart so every REST area and the gateway encode exactly as Discord does (see ``_json`` for why the
content type must be exact).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from .payloads import snowflake

API_PREFIX = "/api/v10"
JSON_HEADERS = {"Content-Type": "application/json"}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json" (bytes body, so aiohttp adds no "; charset=..."): discord.py
    # treats the body of any other content type as plain text.
    return web.Response(status=status, body=json.dumps(data).encode(), headers=headers or JSON_HEADERS)


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A message payload without the fake's private bookkeeping keys."""
    return {k: v for k, v in message.items() if not k.startswith("_")}


def _default_error_body(status: int) -> dict[str, Any]:
    return {
        401: {"message": "401: Unauthorized", "code": 0},
        403: {"message": "Missing Permissions", "code": 50013},
        404: {"message": "Unknown Message", "code": 10008},
    }.get(status, {"message": f"{status}: Internal Server Error", "code": 0})


def _attachments(body: dict[str, Any], files: list[str]) -> list[dict[str, Any]]:
    names = {str(a.get("id")): a.get("filename") for a in body.get("attachments") or []}
    found = []
    for index, name in enumerate(files):
        filename = names.get(str(index)) or name
        found.append(
            {
                "id": snowflake(),
                "filename": filename,
                "size": 0,
                "url": f"https://cdn.example.invalid/attachments/{filename}",
                "proxy_url": f"https://cdn.example.invalid/attachments/{filename}",
            }
        )
    return found


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    """JSON body (from ``payload_json`` for multipart uploads) and the uploaded file names."""
    if not request.body_exists:
        return None, []
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[str] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # discord.py never nests multipart bodies
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files.append(part.filename or str(part.name))
                await part.read()
        return payload, files
    text = await request.text()
    return (json.loads(text) if text else None), []
