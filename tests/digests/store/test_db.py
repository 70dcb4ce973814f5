import asyncio
from pathlib import Path
from typing import Any

import pytest

from digests.store import engine
from digests.store.db import Database, MigrationError, is_postgres_url, migrations, url_secrets
from digests.store.postgres_engine import placeholders, rowcount
from digests.store.sqlite_engine import SQLiteEngine, connect, migrate
from tests.pg_server import PostgresServer


async def test_migrates_an_empty_file_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "digest.db"
    conn = await connect(path)
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(migrations())  # type: ignore[index]
        async with conn.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
        assert await migrate(conn) == len(migrations())
    finally:
        await conn.close()
    again = await connect(path)
    await again.close()


async def test_refuses_a_database_from_the_future(tmp_path: Path) -> None:
    path = tmp_path / "digest.db"
    conn = await connect(path)
    await conn.execute("PRAGMA user_version = 999")
    await conn.commit()
    await conn.close()
    with pytest.raises(MigrationError, match="newer than this program"):
        await connect(path)


def test_migrations_are_numbered_without_gaps() -> None:
    assert [number for number, _, _ in migrations()] == list(range(1, len(migrations()) + 1))


def test_both_dialects_have_the_same_migration_numbers() -> None:
    assert [n for n, _, _ in migrations("sqlite")] == [n for n, _, _ in migrations("postgresql")]


async def test_postgres_processes_starting_together_migrate_once(postgres: PostgresServer) -> None:
    url = await postgres.create_empty()
    opened = await asyncio.gather(*(Database.open(url) for _ in range(4)))
    try:
        rows = await opened[0].fetch_all("SELECT version FROM schema_version ORDER BY version")
        assert [row["version"] for row in rows] == list(range(1, len(migrations("postgresql")) + 1))
        await opened[0].execute("INSERT INTO schema_version (version, applied_at) VALUES (999, 'x')")
    finally:
        for db in opened:
            await db.close()
    with pytest.raises(MigrationError, match="newer than this program"):
        await Database.open(url)


def test_a_migration_outside_the_dialect_folders_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for folder in ("sqlite", "postgresql"):
        (tmp_path / "migrations" / folder).mkdir(parents=True)
    (tmp_path / "migrations" / "0005_new.sql").write_text("SELECT 1;")
    monkeypatch.setattr(engine.resources, "files", lambda _package: tmp_path)
    with pytest.raises(MigrationError, match="belong in migrations/sqlite/ and migrations/postgresql/"):
        migrations("sqlite")


def test_placeholders_become_numbered_outside_quotes() -> None:
    sql = "SELECT '?', \"a?\", x FROM t WHERE a = ? AND b LIKE ? ESCAPE '\\' AND c = ? -- why?\nAND d IN (?, ?)"
    assert placeholders(sql) == (
        "SELECT '?', \"a?\", x FROM t WHERE a = $1 AND b LIKE $2 ESCAPE '\\' AND c = $3 -- why?\nAND d IN ($4, $5)"
    )
    assert placeholders("SELECT 'it''s ?' || ?") == "SELECT 'it''s ?' || $1"


def test_row_counts_from_command_status() -> None:
    assert [rowcount(s) for s in ("INSERT 0 1", "UPDATE 3", "DELETE 0", "CREATE TABLE")] == [1, 3, 0, 0]


def test_the_url_password_is_known_to_the_log_filter() -> None:
    assert url_secrets("postgresql://rd:p%40ss@db.example:5432/rd") == ["p%40ss", "p@ss"]
    assert url_secrets("postgresql://db.example/rd") == [] and url_secrets("release-digest.db") == []


def test_which_engine_a_setting_names() -> None:
    assert is_postgres_url("postgresql://u:secret@db.example/rd") and is_postgres_url("postgres://h/rd")
    assert not is_postgres_url("release-digest.db") and not is_postgres_url(Path("/var/lib/rd/postgresql.db"))


def test_repositories_hold_no_dialect_specific_sql() -> None:
    store = Path(engine.__file__).parent
    for name in ("releases.py", "sources.py", "subscriptions.py", "deliveries.py", "state.py"):
        text = (store / name).read_text(encoding="utf-8")
        for word in (" MATCH ", "bm25", "tsvector", "tsquery", "ILIKE", "PRAGMA", "lastrowid", "$1"):
            assert word not in text, f"{word!r} in {name}: dialect SQL belongs in dialect.py / fts_*.py"


async def test_postgres_times_and_terms_compare_bytewise_as_in_sqlite(pg_url: str) -> None:
    # ISO 8601 text is time order only bytewise; a server's default collation (e.g. en_US) may order otherwise.
    db = await Database.open(pg_url)
    try:
        rows = await db.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND data_type = 'text' AND (column_name LIKE '%\\_at' OR column_name IN ('term', 'speaker', 'key')) "
            "AND collation_name IS DISTINCT FROM 'C' ORDER BY table_name, column_name"
        )
    finally:
        await db.close()
    assert [(row["table_name"], row["column_name"]) for row in rows] == []


async def _insert_sources(db: Database, names: list[str], fail: bool = False) -> int:
    for name in names:
        assert await db.execute("INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?)", (name, "v", "t"))
    if fail:
        raise ValueError("boom")
    row = await db.fetch_one("SELECT COUNT(*) AS n FROM app_state")
    assert row is not None
    return int(row["n"])


async def test_a_batch_commits_all_its_statements_together(db: Database) -> None:
    assert await db.batch(lambda inner: _insert_sources(inner, ["a", "b"])) == 2
    rows = await db.fetch_all("SELECT key FROM app_state ORDER BY key")
    assert [row["key"] for row in rows] == ["a", "b"]


async def test_a_failing_batch_leaves_nothing(db: Database) -> None:
    with pytest.raises(ValueError, match="boom"):
        await db.batch(lambda inner: _insert_sources(inner, ["a", "b"], fail=True))
    assert await db.fetch_all("SELECT key FROM app_state") == []
    assert await db.batch(lambda inner: _insert_sources(inner, ["c"])) == 1  # the connection is usable after


async def test_a_batch_inside_a_transaction_joins_it(db: Database) -> None:
    with pytest.raises(ValueError, match="later"):
        async with db.transaction():
            assert await db.batch(lambda inner: _insert_sources(inner, ["a"])) == 1
            raise ValueError("later")
    assert await db.fetch_all("SELECT key FROM app_state") == []


async def test_a_sqlite_batch_that_awaits_anything_else_is_refused_and_rolled_back() -> None:
    db = await Database.open(":memory:")

    async def wanders(inner: Database) -> None:
        await _insert_sources(inner, ["a"])
        await asyncio.sleep(0)  # would suspend inside the database thread's call

    try:
        with pytest.raises(RuntimeError, match="awaited something other"):
            await db.batch(wanders)
        assert await db.fetch_all("SELECT key FROM app_state") == []
    finally:
        await db.close()


async def test_a_sqlite_statement_is_one_hand_over_to_the_connections_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read, a write and an insert each reach aiosqlite's thread once (its cursors took three: execute, fetch,
    close), and give the same answers."""
    db = await Database.open(":memory:")
    engine = db.engine
    assert isinstance(engine, SQLiteEngine)
    hand_overs: list[object] = []
    execute = engine.conn._execute

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hand_overs.append(function)
        return await execute(function, *args, **kwargs)

    monkeypatch.setattr(engine.conn, "_execute", counted)
    try:
        await db.fetch_one("SELECT 1 AS one")
        assert len(hand_overs) == 1
        row_id = await db.insert("INSERT INTO sources (url, key, created_at) VALUES (?, ?, ?)", ("u", "k", "now"))
        changed = await db.execute("UPDATE sources SET title = ? WHERE key = ?", ("t", "k"))
        rows = await db.fetch_all("SELECT id, key, title FROM sources")
        assert changed == 1 and [tuple(row) for row in rows] == [(row_id, "k", "t")]
        assert rows[0]["title"] == "t"
        assert len(hand_overs) == 1 + 2 + 2 + 1  # an insert and an update: the statement and the commit each
    finally:
        await db.close()
