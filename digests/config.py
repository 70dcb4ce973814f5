"""Settings, read from the environment or a ``.env`` file by the composition root (never at import)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from digests.ingest.fetch import DEFAULT_USER_AGENT
from digests.summarize import ALGORITHMS


class Settings(BaseSettings):
    """Every setting of Release Digest; ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="RELEASE_DIGEST_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # A blank line copied from .env.example ("DISCORD_GUILD_ID=") means "not set", not an error.
        env_ignore_empty=True,
    )

    db: Path = Path("release-digest.db")
    seeds_dir: Path = Path("seeds")
    summary_sentences: int = Field(default=3, ge=1, le=10)
    key_quotes: int = Field(default=3, ge=1, le=10)
    timezone: str = "UTC"
    algorithm: str = "news"
    max_release_bytes: int = Field(default=2_000_000, ge=1_000)
    allow_private_urls: bool = False
    poll_minutes: int = Field(default=15, ge=1, le=1440)
    feed_max_failures: int = Field(default=5, ge=1, le=100)
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, ge=10_000)
    fetch_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    user_agent: str = DEFAULT_USER_AGENT
    # A daily digest missed while the bot was down is made up at start when it is less late than this;
    # older misses roll into the next run (nothing is lost either way).
    catch_up_grace_hours: float = Field(default=6.0, ge=0, le=168)
    # Channel posts per second shared by all subscriptions (Discord allows 50 per bot in total).
    delivery_requests_per_second: float = Field(default=45.0, gt=0, le=50)
    log_level: str = "INFO"
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "RELEASE_DIGEST_DISCORD_TOKEN")
    )
    discord_guild_id: int | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_GUILD_ID", "RELEASE_DIGEST_DISCORD_GUILD_ID")
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/Paris") from exc
        return value

    @field_validator("algorithm")
    @classmethod
    def _known_algorithm(cls, value: str) -> str:
        if value not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {value!r}; choose one of {', '.join(ALGORITHMS)}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The display timezone."""
        return ZoneInfo(self.timezone)
