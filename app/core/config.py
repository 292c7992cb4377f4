"""Settings read from the environment (and an optional `.env` file)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    """Every knob of the service; each field is an environment variable of the same name."""

    # An empty variable counts as unset (compose files pass unset ones as empty strings).
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    # --- store ---
    database_url: str = "sqlite+aiosqlite:///./lapor-bridge.db"
    # A fixed pool by default: SQLAlchemy closes an overflow connection as soon as it is returned,
    # so under steady load above `db_pool_size` every request would open a new connection (a new
    # PostgreSQL backend process). Measured in bench/create_reports.py: a 10 + 10 pool files about
    # a quarter fewer reports per second than a fixed 20 at 32 concurrent requests.
    db_pool_size: int = Field(20, ge=1)
    db_max_overflow: int = Field(0, ge=0)
    db_pool_timeout: float = Field(10.0, gt=0)
    db_statement_timeout_ms: int = Field(15_000, ge=0)

    # --- the regency ---
    tracking_prefix: str = Field("KOBAR", pattern=r"^[A-Z0-9]{2,12}$")
    timezone: str = "Asia/Jakarta"
    open311_jurisdiction_id: str = Field(
        "kotawaringinbaratkab.go.id", min_length=1, description="The Open311 jurisdiction_id accepted"
    )
    open311_agency_name: str = Field(
        "Pemerintah Kabupaten Kotawaringin Barat",
        description="Open311 agency_responsible for a report no agency holds yet",
    )

    # --- limits ---
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_attachment_bytes: int = Field(10 * 1_048_576, ge=1024)
    attachment_dir: Path = Path("./data/attachments")
    attachment_max_pixels: int = Field(
        40_000_000,
        ge=1,
        le=89_478_485,
        description="Largest image (width x height, from its header) an attachment may be; bounds decoding memory",
    )
    page_size_default: int = Field(50, ge=1)
    page_size_max: int = Field(100, ge=1)
    api_key_cache_seconds: float = Field(5.0, ge=0)
    rate_limit_per_minute: int = Field(600, ge=0, description="Requests a minute per API key; 0 turns it off")
    public_lookups_per_minute: int = Field(
        30, ge=0, description="Public status lookups a minute per client address; 0 turns it off"
    )
    idempotency_ttl_hours: int = Field(72, ge=1)
    reporter_retention_days: int = Field(
        0,
        ge=0,
        le=36_500,
        description="Days a closed report keeps its reporter's identity after its last change; 0 keeps it",
    )
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR|debug|info|warning|error)$")
    log_format: str = Field("json", pattern="^(json|text)$")

    # --- the officials' workspace (app/dashboard, app/accounts) ---
    workspace_session_hours: float = Field(8.0, gt=0, le=168, description="How long a sign-in lasts")
    sign_in_window_minutes: int = Field(
        15, ge=1, le=1440, description="How long wrong passwords count against an account and an address"
    )
    sign_in_max_failures_per_account: int = Field(
        5, ge=1, description="Wrong passwords per account per window"
    )
    sign_in_max_failures_per_address: int = Field(
        20, ge=1, description="Wrong passwords per address per window"
    )
    sign_in_device_days: int = Field(
        180,
        ge=1,
        le=730,
        description="How long a browser stays trusted (its device cookie) after signing in to an account",
    )

    # --- deadlines (SLA), docs/domain.md ---
    sla_disposition_working_days: int = Field(3, ge=1)
    sla_follow_up_working_days: int = Field(5, ge=1)
    sla_auto_complete_working_days: int = Field(10, ge=1)
    sla_resolution_days: int = Field(60, ge=1)
    extra_days_off: str = Field(
        "", description="Extra non-working dates (regional holidays), comma-separated YYYY-MM-DD"
    )

    # --- HTTP server ---
    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxies whose X-Forwarded-For/-Proto `serve` believes (comma-separated, or *)",
    )
    environment: str = Field("development", pattern="^(development|production)$")
    secret_key: SecretStr = Field(
        SecretStr(DEFAULT_SECRET_KEY),
        description=(
            "Derives the reporters' lookup codes and the workspace's device-cookie key; "
            "must be set in production"
        ),
    )

    # --- national LAPOR (app/sync) ---
    lapor_base_url: str | None = None
    lapor_environment: Literal["production", "sandbox"] = Field(
        "production",
        description="Which national environment LAPOR_BASE_URL is; only a sandbox takes the probe's --write",
    )
    lapor_auth_secret: SecretStr = SecretStr("")
    lapor_token: SecretStr = SecretStr("")
    lapor_institution_id: int | None = None
    lapor_rate_limit_per_minute: int = Field(60, ge=1)
    lapor_timeout_seconds: float = Field(20.0, gt=0)
    lapor_max_connections: int = Field(10, ge=1)
    lapor_connect_timeout_seconds: float = Field(5.0, gt=0)
    lapor_rate_limit_burst: int = Field(1, ge=1)
    lapor_has_list_call: bool = Field(
        False, description="Whether the gateway offers GET /complaints; false (poll mode) is the normal case"
    )
    lapor_auth_form: Literal["both", "auth_bearer", "authorization"] = Field(
        "both", description="Which header carries the secret (see docs/national-api.md)"
    )
    lapor_auth_header_name: str = Field("Authorization", min_length=1, pattern=r"^[A-Za-z0-9-]+$")
    lapor_retry_max_attempts: int = Field(5, ge=1)
    lapor_retry_max_seconds: float = Field(120.0, gt=0)
    lapor_retry_base_delay_seconds: float = Field(0.5, ge=0)
    lapor_retry_max_delay_seconds: float = Field(30.0, ge=0)
    lapor_breaker_failures: int = Field(5, ge=1)
    lapor_breaker_cooldown_seconds: float = Field(60.0, ge=0)
    lapor_default_category_id: int | None = Field(
        None, description="National category for local categories without one"
    )
    lapor_location_id: int | None = Field(
        None, description="National location id of the regency, for filings"
    )
    lapor_district_locations: dict[int, str] = Field(
        default_factory=dict,
        description='National location id → local district code, as JSON: {"620101": "arut-selatan"}',
    )
    lapor_forward_to_institution_id: int | None = Field(
        None, description="Institution a forwarded (not our authority) report is passed to upstream"
    )

    # --- sync (app/sync: pull, push) ---
    sync_pull_interval_seconds: float = Field(30.0, gt=0)
    sync_sweep_interval_seconds: float = Field(900.0, gt=0)
    sync_overlap_seconds: float = Field(300.0, ge=0)
    sync_poll_budget_share: float = Field(
        0.6, gt=0, le=1, description="Poll mode: share of the rate budget polls may use"
    )
    sync_poll_active_seconds: float = Field(
        75.0, gt=0, description="Poll mode: interval of a complaint changed in the last day"
    )
    sync_poll_quiet_seconds: float = Field(
        1500.0, gt=0, description="Poll mode: interval of a complaint quiet for a week"
    )
    sync_poll_closed_grace_hours: float = Field(
        72.0, ge=0, description="Poll mode: how long a closed complaint is still polled"
    )
    sync_push_max_attempts: int = Field(10, ge=1)
    sync_push_base_delay_seconds: float = Field(5.0, ge=0)
    sync_push_max_delay_seconds: float = Field(3600.0, ge=0)
    sync_lease_seconds: float = Field(120.0, gt=0)

    # --- webhooks (app/webhooks; README "Webhooks") ---
    webhook_timeout_seconds: float = Field(15.0, gt=0, description="Whole-request timeout of one attempt")
    webhook_concurrency: int = Field(16, ge=1, description="Attempts in flight at once, per worker")
    webhook_poll_seconds: float = Field(0.25, gt=0, description="How often an idle worker looks for due work")
    webhook_lease_seconds: float = Field(
        60.0, gt=0, description="How long a claimed delivery is a worker's before another may take it"
    )
    webhook_retry_schedule: str = Field(
        "5,300,1800,7200,18000,36000,50400,72000,86400",
        description="Seconds to wait before each retry, comma-separated (the first attempt is immediate)",
    )
    webhook_retry_jitter: float = Field(0.1, ge=0, le=1, description="Each wait varies by this fraction")
    webhook_retry_after_max_seconds: float = Field(86400.0, ge=0, description="Cap on a Retry-After wait")
    webhook_disable_after_seconds: float = Field(
        5 * 86400.0, gt=0, description="A subscription failing this long without a success is disabled"
    )
    webhook_secret_overlap_seconds: float = Field(
        86400.0, ge=0, description="After a rotation the old secret keeps signing this long"
    )
    webhook_allowed_hosts: str = Field(
        "", description="Hosts exempt from the private-address rule, comma-separated (e.g. 127.0.0.1)"
    )
    webhook_allow_http: bool = Field(False, description="Allowed hosts may also use plain http")

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _valid_retry_schedule(cls, value: str) -> str:
        try:
            waits = [float(p) for p in value.split(",") if p.strip()]
        except ValueError as exc:
            raise ValueError("WEBHOOK_RETRY_SCHEDULE: comma-separated seconds, e.g. 5,300,1800") from exc
        if any(w < 0 for w in waits):
            raise ValueError("WEBHOOK_RETRY_SCHEDULE: no wait may be negative")
        return value

    @field_validator("webhook_lease_seconds")
    @classmethod
    def _lease_outlasts_attempt(cls, value: float, info: ValidationInfo) -> float:
        timeout = info.data.get("webhook_timeout_seconds", 0.0)
        if value <= timeout:
            raise ValueError("WEBHOOK_LEASE_SECONDS must be longer than WEBHOOK_TIMEOUT_SECONDS")
        return value

    @property
    def webhook_retry_waits(self) -> tuple[float, ...]:
        """WEBHOOK_RETRY_SCHEDULE as seconds: one more attempt per wait."""
        return tuple(float(p) for p in self.webhook_retry_schedule.split(",") if p.strip())

    @property
    def webhook_allowed_host_set(self) -> frozenset[str]:
        """WEBHOOK_ALLOWED_HOSTS, lower-cased."""
        return frozenset(h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip())

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("extra_days_off")
    @classmethod
    def _valid_dates(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                date.fromisoformat(part)
            except ValueError as exc:
                raise ValueError(f"EXTRA_DAYS_OFF: {part!r} is not a YYYY-MM-DD date") from exc
        return value

    @property
    def extra_days_off_dates(self) -> frozenset[date]:
        """EXTRA_DAYS_OFF as dates."""
        return frozenset(date.fromisoformat(p.strip()) for p in self.extra_days_off.split(",") if p.strip())

    def production_problems(self) -> list[str]:
        """What makes these settings unfit for production (empty in development)."""
        if self.environment != "production":
            return []
        problems = []
        secret = self.secret_key.get_secret_value()
        if not secret or secret == DEFAULT_SECRET_KEY or len(secret) < 32:
            problems.append("SECRET_KEY is missing, the default, or shorter than 32 characters")
        return problems

    @property
    def is_sqlite(self) -> bool:
        """True when the store is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
