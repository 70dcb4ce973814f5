"""Settings, read from the environment or a ``.env`` file by the composition root (never at import)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from digests.algorithms import ALGORITHMS
from digests.ingest.fetch import DEFAULT_USER_AGENT
from digests.store.db import is_postgres_url


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

    db: Path | str = Path("release-digest.db")  # an SQLite file, or a postgresql:// URL
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
    analysis_workers: int = Field(default=2, ge=0)
    fetch_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    user_agent: str = DEFAULT_USER_AGENT
    # A daily digest missed while the bot was down is made up at start when it is less late than this;
    # older misses roll into the next run (nothing is lost either way).
    catch_up_grace_hours: float = Field(default=6.0, ge=0, le=168)
    # Channel posts per second shared by all subscriptions (Discord allows 50 per bot in total).
    delivery_requests_per_second: float = Field(default=45.0, gt=0, le=50)
    log_level: str = "INFO"
    # Whether `release-digest bot` also takes part in feed polling. Exactly one process polls at a time whatever
    # this says (a lease in the database); set false on shard processes when `release-digest worker` runs.
    poll_in_bot: bool = True
    # How long the poller's and a subscription run's lease lasts without renewal: a dead holder's work is taken
    # over by another process within about this long (renewed every quarter of it).
    lease_seconds: float = Field(default=40.0, ge=1, le=600)
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "RELEASE_DIGEST_DISCORD_TOKEN")
    )
    discord_guild_id: int | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_GUILD_ID", "RELEASE_DIGEST_DISCORD_GUILD_ID")
    )
    # Shards: the total count and the ones this process runs (unset: Discord's recommended count, all of them).
    discord_shard_count: int | None = Field(
        default=None, ge=1, validation_alias=AliasChoices("DISCORD_SHARD_COUNT", "RELEASE_DIGEST_DISCORD_SHARD_COUNT")
    )
    discord_shard_ids: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_SHARD_IDS", "RELEASE_DIGEST_DISCORD_SHARD_IDS")
    )
    # Discord's REST base URL; change it only to go through a rate-limit sharing HTTP proxy (or a test fake).
    discord_api_base: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_API_BASE", "RELEASE_DIGEST_DISCORD_API_BASE")
    )

    @field_validator("db", mode="before")
    @classmethod
    def _file_or_url(cls, value: object) -> Path | str:
        # A URL stays text (a Path would fold its "//"); anything else is a file path.
        text = str(value)
        return text if is_postgres_url(text) else Path(text)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        # OSError: a folder of the zone database ("America") or a name too long for the file system
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/Paris") from exc
        return value

    @field_validator("algorithm")
    @classmethod
    def _known_algorithm(cls, value: str) -> str:
        if value not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {value!r}; choose one of {', '.join(ALGORITHMS)}")
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _shard_list(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            raise ValueError(f"shard ids must be numbers separated by commas, e.g. 0,1; got {value!r}")
        if len(set(map(int, parts))) != len(parts):
            raise ValueError(f"a shard is listed twice in {value!r}")
        return ",".join(str(int(part)) for part in parts)

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        ids = self.shard_ids
        if ids is None:
            return self
        if self.discord_shard_count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
        wrong = [i for i in ids if i >= self.discord_shard_count]
        if wrong:
            raise ValueError(f"shard ids {wrong} are outside 0..{self.discord_shard_count - 1} (DISCORD_SHARD_COUNT)")
        return self

    @property
    def shard_ids(self) -> tuple[int, ...] | None:
        """The shards this process runs (``None``: all of them)."""
        if self.discord_shard_ids is None:
            return None
        return tuple(int(part) for part in self.discord_shard_ids.split(","))

    @property
    def shard_share(self) -> float:
        """This process's share of the bot's guilds (and so of its request budget): its shards over all shards."""
        ids = self.shard_ids
        if ids is None or self.discord_shard_count is None:
            return 1.0
        return len(ids) / self.discord_shard_count

    @property
    def tz(self) -> ZoneInfo:
        """The display timezone."""
        return ZoneInfo(self.timezone)
