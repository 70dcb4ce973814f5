"""The command line end to end, in a temporary directory with its own database."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from digests.leases import POLLER_LEASE
from digests.store.db import Database
from digests.store.leases import LeaseRepository

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_da8454c17ebe68c9.md"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory with the seeds, used as the working directory (so no stray .env is read)."""
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("RELEASE_DIGEST_") or name.startswith("DISCORD_"):
            monkeypatch.delenv(name)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.setenv("RELEASE_DIGEST_DB", str(tmp_path / "test.db"))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_twice_then_edit(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ingest", "seeds")
    assert code == 0 and "1 added" in out
    code, out, _ = run(capsys, "ingest", "seeds")
    assert code == 0 and "skipped" in out and "1 unchanged" in out
    edited = workdir / "seeds" / SEED.name
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\nA new closing paragraph was added today.\n", "utf-8"
    )
    code, out, _ = run(capsys, "ingest", "seeds")
    assert code == 0 and "version 2" in out
    code, out, _ = run(capsys, "releases", "--json")
    releases = json.loads(out)
    assert len(releases) == 1 and releases[0]["version"] == 2


def test_digest_hmc(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", "seeds")
    code, out, _ = run(capsys, "digest", "hmc")
    assert code == 0
    assert "Change in ISIS Threat Means Evolution" in out
    assert "3 of 24 sentences" in out
    assert "Sabrina Singh, Deputy Pentagon Press Secretary" in out
    code, out, _ = run(capsys, "digest", "Higher Military Commission", "--sentences", "5", "--json")
    data = json.loads(out)
    (release,) = data["releases"]
    assert release["coverage"] == "5 of 24 sentences" and len(release["summary"]) == 5
    assert 2 <= len(release["quotes"]) <= 3
    assert all(q["speaker"] == "Sabrina Singh" for q in release["quotes"])


def test_digest_says_how_many_match_and_pages(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", "seeds")
    code, out, _ = run(capsys, "digest", "hmc")
    assert code == 0 and out.startswith("Digest: hmc — 1 release\n")
    code, out, _ = run(capsys, "digest", "hmc", "--page", "1")
    assert code == 0 and out.startswith("Digest: hmc — 1 release matches, showing 1–1\n")
    code, out, _ = run(capsys, "digest", "hmc", "--page", "2", "--json")
    assert json.loads(out)["total"] == 1 and json.loads(out)["releases"] == []


def test_digest_since_and_unknown_topic(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", "seeds")
    code, _, err = run(capsys, "digest", "hmc", "--since", "7d")
    assert code == 1 and "No releases match 'hmc' since" in err
    code, _, err = run(capsys, "digest", "hmcc")
    assert code == 1 and "Closest known topics: hmc" in err
    code, _, err = run(capsys, "digest", "hmc", "--since", "someday")
    assert code == 1 and "not a time window" in err


def test_quote(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", "seeds")
    code, out, _ = run(capsys, "quote", "withdrawal")
    assert code == 0 and "Let me be clear" in out and "Sabrina Singh" in out
    code, out, _ = run(capsys, "quote", "withdrawal", "--speaker", "singh", "--topic", "hmc", "--json")
    hits = json.loads(out)
    assert hits[0]["text"].startswith("Let me be clear") and hits[0]["speaker_title"].startswith("Deputy")
    assert hits[0]["release"]["title"].startswith("Change in ISIS")
    code, out, _ = run(capsys, "quote", '"HMC AND (')
    assert code == 0
    code, out, _ = run(capsys, "quote", "*")
    assert code == 1 and "No quotes match" in out
    code, out, _ = run(capsys, "quote", "withdrawal", "--speaker", "Nobody")
    assert code == 1


def test_releases_search(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", "seeds")
    code, out, _ = run(capsys, "releases", "--search", "Iraq AND (")
    assert code == 0 and "Change in ISIS" in out
    code, out, _ = run(capsys, "releases", "--search", "submarine NEAR(")
    assert code == 1 and "No stored release contains" in out


def test_bad_files_fail_alone(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "empty.txt").write_bytes(b"")
    (workdir / "binary.txt").write_bytes(b"\x00\x01\x02")
    (workdir / "latin.txt").write_bytes("Caf\xe9 news.".encode("latin-1"))
    (workdir / "huge.txt").write_bytes(b"word " * 2_100_000)
    code, out, err = run(capsys, "ingest", "empty.txt", "binary.txt", "latin.txt", "huge.txt", "seeds")
    assert code == 1
    assert "1 added" in out and "4 failed" in out
    for name, reason in [
        ("empty", "empty"),
        ("binary", "binary"),
        ("latin", "not UTF-8"),
        ("huge", "too large"),
    ]:
        assert any(f"{name}.txt" in line and reason in line for line in err.splitlines()), (name, err)


def test_extract_json(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = workdir / "plain.txt"
    plain.write_text((ROOT / "tests" / "data" / "seed_hmc.txt").read_text(encoding="utf-8"), encoding="utf-8")
    titled = workdir / "titled.txt"
    titled.write_text(
        "Short Title\n\nThe Army said it will grow. “We will grow the force by a lot,” Smith said.\n"
    )
    code, out, _ = run(capsys, "extract", "plain.txt", "titled.txt", "--json", "--sentences", "2")
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["source"] == "plain.txt" and first["title"] is None and len(first["summary"]) == 2
    assert len(first["quotes"]) == 5 and {q["speaker"] for q in first["quotes"]} == {"Sabrina Singh"}
    assert second["title"] == "Short Title"
    assert second["quotes"] == [
        {"text": "We will grow the force by a lot", "speaker": "Smith", "speaker_title": None}
    ]
    assert not list(workdir.glob("*.db"))  # nothing stored


def test_invalid_settings_are_reported(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELEASE_DIGEST_TIMEZONE", "Mars/Olympus")
    code, _, err = run(capsys, "releases")
    assert code == 2 and "unknown timezone" in err


def test_bot_without_token(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bot")
    assert code == 2 and "DISCORD_TOKEN is not set" in err


def test_console_script_demo(workdir: Path) -> None:
    script = Path(sys.executable).with_name("release-digest")
    result = subprocess.run([str(script), "demo"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "$ /digest hmc" in result.stdout and "$ /quote withdrawal" in result.stdout
    assert "Let me be clear" in result.stdout


@pytest.fixture
def feed_site() -> Iterator[str]:
    """A tiny feed server on 127.0.0.1 in a thread (the CLI runs its own event loop)."""
    body = "The Dockside office said the dock will reopen soon. " * 12
    feed = (
        '<rss version="2.0"><channel><title>Dockside News</title><item><title>Dockside reopens</title>'
        f"<link>https://example.gov/dock</link><description>{body}</description></item></channel></rss>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, payload = (200, feed) if self.path == "/feed.xml" else (404, b"missing")
            self.send_response(status)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_feeds_sources_why_and_poll(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, feed_site: str
) -> None:
    code, _, err = run(capsys, "ingest", "--feed", f"{feed_site}/feed.xml")
    assert code == 1 and "loopback" in err  # private addresses are refused by default
    monkeypatch.setenv("RELEASE_DIGEST_ALLOW_PRIVATE_URLS", "true")
    code, out, _ = run(capsys, "ingest", "--feed", f"{feed_site}/feed.xml")
    assert code == 0 and "Dockside reopens: new release stored" in out and "1 added" in out
    code, out, _ = run(capsys, "sources")
    assert "Dockside News  [active, global]" in out and "1 item(s)" in out
    code, out, _ = run(capsys, "why", "https://example.gov/dock?utm_medium=email")
    assert code == 0 and "Stored as release" in out and "added" in out
    code, out, _ = run(capsys, "why", "https://example.gov/other")
    assert code == 1 and "Never seen" in out
    code, out, _ = run(capsys, "poll")
    assert code == 0 and "unchanged" in out
    asyncio.run(hold_the_poller_lease(workdir / "test.db"))  # a bot or worker is polling
    code, out, _ = run(capsys, "poll")
    assert code == 0 and "Another process is polling" in out
    code, out, err = run(capsys, "ingest", "--url", f"{feed_site}/missing")
    assert code == 1 and "404" in err
    code, _, err = run(capsys, "ingest")
    assert code == 2 and "give files or folders" in err


async def hold_the_poller_lease(db_path: Path) -> None:
    db = await Database.open(db_path)
    now = datetime.now(UTC)
    assert await LeaseRepository(db).acquire(POLLER_LEASE, "another-process", now + timedelta(minutes=1), now)
    await db.close()


def test_hostile_files_fail_alone_and_the_summary_is_printed(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = ROOT / "tests" / "data" / "hostile"
    folder = workdir / "batch"
    folder.mkdir()
    names = ("yaml_alias_bomb.md", "yaml_deep_flow.md", "front_matter_date_min.md", "binary.txt", "utf16_le_bom.txt")
    for name in names:
        shutil.copy(hostile / name, folder / name)
    for n in range(3):
        (folder / f"good{n}.txt").write_text(f"Good {n}\n\nThe harbour reopened on day {n}.\n", "utf-8")
    __import__("os").mkfifo(folder / "pipe.txt")
    code, out, err = run(capsys, "ingest", str(folder))
    assert code == 1
    assert out.splitlines()[-1] == "9 file(s): 4 added, 0 updated, 0 metadata, 0 unchanged, 5 failed"
    errors = err.splitlines()
    assert len(errors) == 5 and all(line.startswith(f"error: {folder}/") for line in errors)
    assert "Traceback" not in out + err
