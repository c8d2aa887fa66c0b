"""Runtime settings, read once from the environment (prefix ``SKILLNEST_``)."""

from __future__ import annotations

import json
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER = "change-me"
VAR_DIR = Path("var")


_OAUTH_ENV = re.compile(
    r"^SKILLNEST_OAUTH_([A-Z0-9]+)_(CLIENT_ID|CLIENT_SECRET|SERVER_METADATA_URL|GITHUB_URL|API_URL)$"
)


class OAuthClient(BaseModel):
    """One sign-in provider: OpenID Connect by its metadata URL, or GitHub's built-in endpoints."""

    client_id: str
    client_secret: SecretStr
    server_metadata_url: str | None = None
    # GitHub only: GitHub Enterprise Server lives elsewhere than github.com.
    github_url: str = "https://github.com"
    api_url: str = "https://api.github.com"


def oauth_clients_from_env(environ: dict[str, str]) -> dict[str, dict[str, str]]:
    """Gather ``SKILLNEST_OAUTH_<NAME>_<FIELD>`` variables into one entry per provider."""
    found: dict[str, dict[str, str]] = {}
    for key, value in environ.items():
        match = _OAUTH_ENV.match(key)
        if match:
            found.setdefault(match[1].lower(), {})[match[2].lower()] = value
    return found


class Settings(BaseSettings):
    """Every knob of skillnest; tests build their own instance instead of patching globals."""

    model_config = SettingsConfigDict(
        env_prefix="SKILLNEST_",
        env_file=(".env", "var/secrets.env"),
        extra="ignore",
    )

    env: Literal["development", "test", "production"] = "production"
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'skillnest.db'}"
    # NoDecode: the environment gives a comma-separated list, not JSON.
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr(PLACEHOLDER)
    # Keyed hashing for pseudonyms (help module). Lives only in the environment or the
    # local secrets file, never in the database or a backup.
    pseudonym_key: SecretStr = SecretStr(PLACEHOLDER)
    slow_query_ms: int = 200
    session_days: int = 7
    login_failures_per_account: int = 10
    login_failures_per_address: int = 50
    login_window_minutes: int = 15
    # Connection pool of the PostgreSQL engine (SQLite has no pool to tune).
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    db_pool_recycle: int = Field(default=3600, ge=-1, description="Seconds; -1 never recycles.")
    db_pool_pre_ping: bool = True
    db_pool_timeout: float = Field(default=30.0, gt=0)
    # libpq's sslmode for PostgreSQL; overrides a ?sslmode= in the URL when set.
    db_sslmode: (
        Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None
    ) = None
    log_level: str = "INFO"
    # Mail: no SMTP URL means mails go to the log and to files under mail_dir.
    smtp_url: SecretStr | None = None
    mail_from: str = "skillnest <no-reply@skillnest.dev>"
    mail_dir: Path = VAR_DIR / "mail"
    mail_attempts: int = 4
    mail_timeout_seconds: float = 10.0
    password_reset_minutes: int = 30
    email_verification_hours: int = 48
    # Domains counted as academic besides .edu, .edu.<cc> and .ac.<cc>.
    # NoDecode: a plain comma-separated list in the environment, not JSON.
    academic_domains: Annotated[list[str], NoDecode] = Field(default_factory=list)
    oauth: dict[str, OAuthClient] = Field(default_factory=dict)
    # console: one readable line per event; json: one JSON object per line for collectors.
    log_format: Literal["console", "json"] = "console"
    access_log: bool = True
    # When set, /metrics answers only to ``Authorization: Bearer <token>``.
    metrics_token: SecretStr | None = None
    # Period of the maintenance jobs; every server wakes at each period boundary and one
    # worker across all of them runs the jobs.
    maintenance_seconds: int = Field(default=60, ge=1)
    # How long an idle keep-alive connection stays open. Longer than the proxy's or browser's
    # reuse window (nginx's upstream keepalive_timeout is 60 s): with uvicorn's 5 s default a
    # client reusing an idle connection races the server closing it, and a POST lost that way
    # cannot be retried by the proxy.
    keep_alive_seconds: int = Field(default=75, ge=1)
    # Uploaded files (avatars); served under /media.
    media_dir: Path = VAR_DIR / "media"
    # Where people reach the site; an https URL marks the session cookie Secure.
    public_url: str = "http://127.0.0.1:8000"
    # Largest request body accepted (413 beyond); JSON documents have their own, smaller caps.
    # 6 MiB: an avatar upload (at most 5 MB) with its multipart envelope fits.
    max_body_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)
    # Browser origins allowed to call the API (comma-separated); none by default.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        """One of Python's logging level names."""
        level = value.strip().upper()
        if level not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
            raise ValueError("must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
        return level

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """A comma-separated list of origins such as ``https://app.example``."""
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the usual URL spellings and pick the async driver for each."""
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        return value

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _split_replicas(cls, value: object) -> object:
        """Allow a comma-separated list (or a JSON array) in the environment."""
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("academic_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        """Allow a comma-separated list in the environment."""
        if isinstance(value, str) and not value.startswith("["):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        """Links are built as ``{public_url}/path``."""
        return value.rstrip("/")

    @model_validator(mode="before")
    @classmethod
    def _oauth_from_env(cls, values: object) -> object:
        """Providers come from ``SKILLNEST_OAUTH_<NAME>_...`` variables, one group per name."""
        if isinstance(values, dict) and "oauth" not in values:
            found = oauth_clients_from_env(dict(os.environ))
            if found:
                return {**values, "oauth": found}
        return values

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        """Outside development a placeholder secret is a deployment mistake: stop early."""
        if self.env == "development":
            return self
        for name in ("secret_key", "pseudonym_key"):
            value: SecretStr = getattr(self, name)
            if value.get_secret_value() in ("", PLACEHOLDER):
                raise ValueError(
                    f"SKILLNEST_{name.upper()} is unset or the placeholder; set a real secret "
                    "(or SKILLNEST_ENV=development for local use)"
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the primary database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies must only travel over HTTPS (the public URL is https)."""
        return self.public_url.lower().startswith("https://")

    @property
    def sync_database_url(self) -> str:
        """The same database through a synchronous driver (Alembic, backups)."""
        return self.database_url.replace("+aiosqlite", "").replace("+psycopg", "+psycopg")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def write_local_secrets(path: Path = VAR_DIR / "secrets.env") -> bool:
    """Create the development secrets file once; return whether it was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Generated on first run for local development. Never commit or back up.\n"
        f"SKILLNEST_SECRET_KEY={secrets.token_urlsafe(32)}\n"
        f"SKILLNEST_PSEUDONYM_KEY={secrets.token_urlsafe(32)}\n"
    )
    path.chmod(0o600)
    return True
