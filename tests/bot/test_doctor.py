"""The bot's permissions in a channel, computed from REST payloads as Discord does."""

from __future__ import annotations

from typing import Any

from bot.doctor import channel_permissions, missing

GUILD, BOT, OWNER, BOT_ROLE, MUTED = 100, 200, 300, 400, 500
VIEW, SEND, EMBED, ADMIN = 1 << 10, 1 << 11, 1 << 14, 1 << 3
ALL_THREE = ["View Channel", "Send Messages", "Embed Links"]


def guild(everyone: int = VIEW | SEND | EMBED, bot_role: int = 0) -> dict[str, Any]:
    roles = [{"id": str(GUILD), "permissions": str(everyone)}, {"id": str(BOT_ROLE), "permissions": str(bot_role)}]
    roles.append({"id": str(MUTED), "permissions": "0"})
    return {"id": str(GUILD), "owner_id": str(OWNER), "roles": roles}


def member(*roles: int) -> dict[str, Any]:
    return {"roles": [str(role) for role in roles]}


def channel(*overwrites: tuple[int, int, int, int]) -> dict[str, Any]:
    """Overwrites as (id, type, allow, deny)."""
    return {
        "permission_overwrites": [
            {"id": str(i), "type": kind, "allow": str(allow), "deny": str(deny)} for i, kind, allow, deny in overwrites
        ]
    }


def lacks(g: dict[str, Any], m: dict[str, Any], c: dict[str, Any], user: int = BOT) -> list[str]:
    return missing(channel_permissions(g, m, c, user))


def test_everyone_permissions_are_enough() -> None:
    assert lacks(guild(), member(BOT_ROLE), channel()) == []


def test_an_everyone_deny_in_the_channel_is_lifted_by_a_role_allow() -> None:
    deny_send = channel((GUILD, 0, 0, SEND))
    assert lacks(guild(), member(BOT_ROLE), deny_send) == ["Send Messages", "Embed Links"]  # no send, no embeds
    assert lacks(guild(), member(BOT_ROLE), channel((GUILD, 0, 0, SEND), (BOT_ROLE, 0, SEND, 0))) == []


def test_role_allows_win_over_role_denies_and_the_member_overwrite_wins_last() -> None:
    both = channel((BOT_ROLE, 0, 0, EMBED), (MUTED, 0, EMBED, 0))
    assert lacks(guild(), member(BOT_ROLE, MUTED), both) == []
    assert lacks(guild(), member(BOT_ROLE), channel((BOT_ROLE, 0, SEND, 0), (BOT, 1, 0, SEND))) == [
        "Send Messages",
        "Embed Links",
    ]


def test_without_view_channel_nothing_else_counts() -> None:
    assert lacks(guild(), member(BOT_ROLE), channel((GUILD, 0, 0, VIEW))) == ALL_THREE


def test_permissions_come_from_the_roles_the_member_has() -> None:
    assert lacks(guild(everyone=0, bot_role=VIEW | SEND), member(BOT_ROLE), channel()) == ["Embed Links"]
    assert lacks(guild(everyone=0, bot_role=VIEW | SEND), member(), channel()) == ALL_THREE


def test_administrators_and_the_owner_bypass_overwrites() -> None:
    hidden = channel((GUILD, 0, 0, VIEW | SEND), (BOT, 1, 0, VIEW))
    assert lacks(guild(everyone=0, bot_role=ADMIN), member(BOT_ROLE), hidden) == []
    assert lacks(guild(everyone=0), member(), hidden, user=OWNER) == []
