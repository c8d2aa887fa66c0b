from __future__ import annotations

import pytest
from pydantic import ValidationError

from skillnest.settings import PLACEHOLDER, Settings


def test_placeholder_secrets_are_refused_outside_development(monkeypatch):
    monkeypatch.delenv("SKILLNEST_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SKILLNEST_SECRET_KEY"):
        Settings(env="production", secret_key=PLACEHOLDER, pseudonym_key="real-key", _env_file=None)
    with pytest.raises(ValidationError, match="SKILLNEST_PSEUDONYM_KEY"):
        Settings(env="production", secret_key="real-key", pseudonym_key=PLACEHOLDER, _env_file=None)


def test_development_accepts_placeholders():
    settings = Settings(
        env="development", secret_key=PLACEHOLDER, pseudonym_key=PLACEHOLDER, _env_file=None
    )
    assert settings.is_sqlite


def test_database_urls_get_async_drivers():
    common = {"env": "development", "_env_file": None}
    assert Settings(database_url="postgresql://u@h/db", **common).database_url.startswith(
        "postgresql+psycopg://"
    )
    assert (
        Settings(database_url="sqlite:///x.db", **common).database_url == "sqlite+aiosqlite:///x.db"
    )
    replicas = Settings(database_replica_urls="postgresql://a/db, postgresql://b/db", **common)
    assert replicas.database_replica_urls == ["postgresql://a/db", "postgresql://b/db"]


def test_replica_urls_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SKILLNEST_DATABASE_REPLICA_URLS", "postgresql://r1/db, postgresql://r2/db")
    assert Settings(env="development", _env_file=None).database_replica_urls == [
        "postgresql://r1/db",
        "postgresql://r2/db",
    ]
    monkeypatch.setenv("SKILLNEST_DATABASE_REPLICA_URLS", '["postgresql://r3/db"]')
    assert Settings(env="development", _env_file=None).database_replica_urls == [
        "postgresql://r3/db"
    ]
    monkeypatch.delenv("SKILLNEST_DATABASE_REPLICA_URLS")
    assert Settings(env="development", _env_file=None).database_replica_urls == []
