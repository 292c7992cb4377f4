"""Settings read from the environment (and an optional `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; each field is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # --- store ---
    database_url: str = "sqlite+aiosqlite:///./lapor-bridge.db"
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    db_pool_timeout: float = Field(10.0, gt=0)
    db_statement_timeout_ms: int = Field(15_000, ge=0)

    # --- the regency ---
    tracking_prefix: str = Field("KOBAR", pattern=r"^[A-Z0-9]{2,12}$")
    timezone: str = "Asia/Jakarta"

    # --- limits ---
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_attachment_bytes: int = Field(10 * 1_048_576, ge=1024)
    attachment_dir: Path = Path("./data/attachments")
    page_size_default: int = Field(50, ge=1)
    page_size_max: int = Field(100, ge=1)
    api_key_cache_seconds: float = Field(5.0, ge=0)

    # --- HTTP server ---
    host: str = "127.0.0.1"
    port: int = 8000

    # --- national LAPOR (app/sync) ---
    lapor_base_url: str | None = None
    lapor_auth_secret: SecretStr = SecretStr("")
    lapor_token: SecretStr = SecretStr("")
    lapor_institution_id: int | None = None
    lapor_rate_limit_per_minute: int = Field(60, ge=1)
    lapor_timeout_seconds: float = Field(20.0, gt=0)
    lapor_max_connections: int = Field(10, ge=1)
    lapor_connect_timeout_seconds: float = Field(5.0, gt=0)
    lapor_rate_limit_burst: int = Field(1, ge=1)
    lapor_has_list_call: bool = True
    lapor_retry_max_attempts: int = Field(5, ge=1)
    lapor_retry_max_seconds: float = Field(120.0, gt=0)
    lapor_retry_base_delay_seconds: float = Field(0.5, ge=0)
    lapor_retry_max_delay_seconds: float = Field(30.0, ge=0)
    lapor_breaker_failures: int = Field(5, ge=1)
    lapor_breaker_cooldown_seconds: float = Field(60.0, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def is_sqlite(self) -> bool:
        """True when the store is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
