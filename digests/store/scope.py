"""Which releases and sources a server may see: the one place the visibility rule is written in SQL.

A release is visible in a server when it is global (the operator's: files, pages, sources added on the command
line) or when a source that server follows carried it. ``guild_id=None`` is the operator (the command line),
who sees everything. Direct messages have no server: callers pass :data:`NO_GUILD`, which follows nothing, so
only global releases show there.

Each helper returns one composable SQL condition and its parameters (portable SQL: EXISTS and joins only), so
that a query can be tuned here once for every repository.
"""

from __future__ import annotations

from typing import Any

# Not a Discord snowflake (those are positive): the scope of a viewer outside any server, e.g. a DM.
NO_GUILD = 0


def visible_release(guild_id: int | None, release: str = "r") -> tuple[str, list[Any]]:
    """The condition (on the ``releases`` row aliased ``release``) that a server sees that release."""
    if guild_id is None:
        return "1 = 1", []
    return (
        f"({release}.is_global = 1 OR EXISTS (SELECT 1 FROM release_sources rs "
        "JOIN source_follows f ON f.source_id = rs.source_id "
        f"WHERE rs.release_id = {release}.id AND f.guild_id = ?))",
        [guild_id],
    )


def visible_source(guild_id: int | None, source: str = "s") -> tuple[str, list[Any]]:
    """The condition (on the ``sources`` row aliased ``source``) that a server sees that source: it follows it or
    it is global."""
    if guild_id is None:
        return "1 = 1", []
    return (
        f"({source}.is_global = 1 OR EXISTS (SELECT 1 FROM source_follows f "
        f"WHERE f.source_id = {source}.id AND f.guild_id = ?))",
        [guild_id],
    )
