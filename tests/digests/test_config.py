from pathlib import Path

import pytest
from pydantic import ValidationError

from digests.config import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"


def env_names(field: str) -> set[str]:
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if alias is not None:
        return {str(choice) for choice in getattr(alias, "choices", [alias])}
    return {f"RELEASE_DIGEST_{field.upper()}"}


def test_every_setting_is_documented_in_env_example() -> None:
    documented = {
        line.split("=", 1)[0] for line in EXAMPLE.read_text().splitlines() if "=" in line and not line.startswith("#")
    }
    missing = [field for field in Settings.model_fields if not env_names(field) & documented]
    assert missing == []


def test_env_example_as_is_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith(("RELEASE_DIGEST_", "DISCORD_"))]:
        monkeypatch.delenv(name)
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.discord_guild_id is None and settings.summary_sentences == 3


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown timezone"):
        Settings(_env_file=None, timezone="Mars/Base")  # type: ignore[call-arg]
    for folder_or_long in ("America", "a" * 300):
        with pytest.raises(ValidationError, match="unknown timezone"):
            Settings(_env_file=None, timezone=folder_or_long)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="unknown algorithm"):
        Settings(_env_file=None, algorithm="magic")  # type: ignore[call-arg]


def test_shard_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", " 2, 0 ")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.discord_shard_count, settings.shard_ids, settings.shard_share) == (4, (2, 0), 0.5)
    assert Settings(_env_file=None, discord_shard_count=None, discord_shard_ids=None).shard_share == 1.0  # type: ignore[call-arg]
    for ids, count, message in [
        ("0,1", None, "needs DISCORD_SHARD_COUNT"),
        ("0,2", 2, r"shard ids \[2\] are outside 0..1"),
        ("0,x", 2, "numbers separated by commas"),
        ("1,1", 2, "listed twice"),
        (",", 2, "numbers separated by commas"),
    ]:
        monkeypatch.delenv("DISCORD_SHARD_COUNT")
        if count is not None:
            monkeypatch.setenv("DISCORD_SHARD_COUNT", str(count))
        monkeypatch.setenv("DISCORD_SHARD_IDS", ids)
        with pytest.raises(ValidationError, match=message):
            Settings(_env_file=None)  # type: ignore[call-arg]
        monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")


def test_the_database_is_a_file_path_or_a_postgresql_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_DIGEST_DB", "postgresql://rd:secret@db.example:5432/rd")
    assert Settings(_env_file=None).db == "postgresql://rd:secret@db.example:5432/rd"  # type: ignore[call-arg]
    monkeypatch.setenv("RELEASE_DIGEST_DB", "data/digest.db")
    assert Settings(_env_file=None).db == Path("data/digest.db")  # type: ignore[call-arg]
