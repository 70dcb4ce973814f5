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
    with pytest.raises(ValidationError, match="unknown algorithm"):
        Settings(_env_file=None, algorithm="magic")  # type: ignore[call-arg]
