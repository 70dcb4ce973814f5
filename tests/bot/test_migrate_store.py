"""``release-digest migrate-store``: the seeds' SQLite store moved to PostgreSQL, then answered from there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith(("RELEASE_DIGEST_", "DISCORD_")):
            monkeypatch.delenv(name)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path


def test_migrate_store_prints_counts_and_the_store_answers_the_same(
    workdir: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEASE_DIGEST_DB", str(workdir / "old.db"))
    assert main(["ingest", "seeds"]) == 0
    capsys.readouterr()
    assert main(["digest", "hmc", "--json"]) == 0
    before = capsys.readouterr().out
    assert "Higher Military Commission" in before
    # trust authentication ignores the password: it is here to show it is never printed
    with_password = pg_url.replace("postgres@", "postgres:s3cret-pw@")
    assert main(["migrate-store", str(workdir / "old.db"), with_password]) == 0
    out, err = capsys.readouterr()
    assert "s3cret-pw" not in out + err
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if len(line.split()) == 3}
    assert rows["releases"] == ["1", "1"] and rows["quotes_fts"] == ["5", "5"]
    assert "every table's row count matches" in out
    monkeypatch.setenv("RELEASE_DIGEST_DB", with_password)
    assert main(["digest", "hmc", "--json"]) == 0
    assert capsys.readouterr().out == before
    assert main(["migrate-store", str(workdir / "old.db"), with_password]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["migrate-store", str(workdir / "old.db"), str(workdir / "new.db")]) == 2


def test_an_unreachable_postgresql_store_is_one_line_without_the_password(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], postgres: PostgresServer
) -> None:
    for url in (
        "postgresql://rd:s3cret-pw@127.0.0.1:1/rd",  # nothing listens on port 1
        postgres.database_url("no_such_database").replace("postgres@", "postgres:s3cret-pw@"),
    ):
        monkeypatch.setenv("RELEASE_DIGEST_DB", url)
        assert main(["releases"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: cannot open the PostgreSQL store at 127.0.0.1:") and err.count("\n") == 1
        assert "s3cret-pw" not in err
