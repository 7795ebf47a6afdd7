"""One settings object, read from ORDERTALK_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ordertalk.config import Settings


def test_settings_come_from_ordertalk_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERTALK_DATABASE_URL", "postgresql+asyncpg://x@127.0.0.1/test")
    monkeypatch.setenv("ORDERTALK_GRAPH_BASE_URL", "http://127.0.0.1:8990")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://x@127.0.0.1/test"
    assert settings.graph_base_url == "http://127.0.0.1:8990"


def test_secrets_are_masked_when_settings_are_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERTALK_WHATSAPP_APP_SECRET", "very-secret")
    assert "very-secret" not in repr(Settings())
    assert "very-secret" not in Settings().model_dump_json()


def test_a_malformed_api_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERTALK_GRAPH_API_VERSION", "25")
    with pytest.raises(ValidationError, match="graph_api_version"):
        Settings()
