"""The one settings object: every knob is an ORDERTALK_* environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Ordertalk's configuration, read from the environment (prefix ``ORDERTALK_``) or ``.env``."""

    model_config = SettingsConfigDict(env_prefix="ORDERTALK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./ordertalk.db",
        description="SQLAlchemy async URL; postgresql+asyncpg://... for scale-out.",
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis (redis://[:password@]host:port/db) for rate limits shared by every worker;"
            " unset, each process paces its sends on its own."
        ),
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # The WhatsApp Cloud API endpoint: Meta's Graph API, or the local sandbox.
    graph_base_url: str = "https://graph.facebook.com"
    graph_api_version: str = Field(default="v25.0", pattern=r"^v\d{2}\.0$")
    graph_timeout_s: float = Field(default=10.0, gt=0)

    # The Meta app's secret and verify token for stores that have none of their own (unset by
    # default: a well-known default would let anyone sign webhooks for those stores).
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None

    webhooks_allow_private: bool = Field(
        default=False,
        description=(
            "Let stores send outgoing webhooks to private or loopback addresses (only for a"
            " single-tenant install: otherwise any store could reach the internal network)."
        ),
    )
    media_dir: Path = Field(
        default=Path(".ordertalk/media"),
        description=(
            "Where photos, videos, audio and documents customers send are kept (content-addressed,"
            " one folder per store); relative paths are taken from the working directory."
        ),
    )
    media_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        gt=0,
        description=(
            "The largest customer media file kept, on top of WhatsApp's own limit per kind"
            " (image 5 MB, video and audio 16 MB, document 100 MB, sticker 500 KB)."
        ),
    )
    worker: bool = Field(
        default=True, description="Run the outbox dispatcher inside the API process."
    )
    dispatch_lease_s: float = Field(
        default=60.0,
        gt=0,
        description=(
            "How long a worker holds the outbox rows it claimed: a worker that dies mid-pass"
            " leaves them to the others for this long. Longer than any pass takes."
        ),
    )
    reconcile_wait_s: float = Field(
        default=120.0,
        gt=0,
        description=(
            "How long a send whose response was lost (a timeout, a 5xx, a worker that died)"
            " waits for a status webhook to settle it before it is sent again. Longer than"
            " status webhooks take to arrive, or a message could go twice."
        ),
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "Where customers reach this Ordertalk (e.g. https://track.example.com): messages"
            " then carry short tracking links /t/{code}; unset, they carry the carrier's link."
        ),
    )
    public_rate_per_s: float = Field(
        default=10.0,
        ge=0,
        description=(
            "Requests a second each client address may make, on average, to the public routes"
            " (the tracking page and its form, the opt-in widget, the dashboard login); 0 turns"
            " the limit off. Webhooks and the API (which needs a key) are never limited by it."
        ),
    )
    public_rate_burst: float = Field(
        default=30.0,
        ge=1,
        description="Requests a client address may make at once before the rate applies.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Signs dashboard session cookies; set the same value on every API process (unset:"
            " a random one per process, so logins do not survive a restart)."
        ),
    )

    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
