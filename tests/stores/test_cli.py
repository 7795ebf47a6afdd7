"""`ordertalk store create|list`: a store and its key from the shell, scriptable with --json."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ordertalk.config import get_settings
from ordertalk.stores.cli import store_app
from ordertalk.stores.service import authenticate
from tests.api_support import database_session
from tests.database import fresh_database

pytestmark = pytest.mark.database

CREATE = ["create", "--name", "Chai Co", "--country", "IN", "--language", "en"]


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI's database (ORDERTALK_DATABASE_URL), with the settings cache around it cleared."""
    url = fresh_database(tmp_path)
    monkeypatch.setenv("ORDERTALK_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _store_for(url: str, key: str) -> str:
    async def lookup() -> str:
        async with database_session(url) as session:
            return (await authenticate(session, f"Bearer {key}")).id

    return asyncio.run(lookup())


def test_create_json_prints_exactly_one_object_with_a_working_key(database_url: str) -> None:
    result = CliRunner().invoke(store_app, [*CREATE, "--json"])

    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1
    created = json.loads(result.stdout)
    assert set(created) == {"id", "api_key", "name"}
    assert created["name"] == "Chai Co"
    assert created["api_key"].startswith("ot_")
    assert _store_for(database_url, created["api_key"]) == created["id"]


def test_create_for_people_shows_the_id_and_the_key_once(database_url: str) -> None:
    result = CliRunner().invoke(
        store_app,
        [*CREATE, "--quiet-hours", "off", "--phone-number-id", "106540352242922",
         "--access-token", "EAAG-cli-secret"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ot_") == 1
    assert "st_" in result.stdout
    assert "EAAG-cli-secret" not in result.output


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--country", "XX"], "country"),
        (["--language", "klingon"], "language"),
        (["--timezone", "Mars/Olympus_Mons"], "timezone"),
        (["--quiet-hours", "after dinner"], "quiet_hours"),
    ],
)
def test_bad_input_is_exit_2_with_a_message_and_no_traceback(
    database_url: str, args: list[str], mentions: str
) -> None:
    result = CliRunner().invoke(store_app, [*CREATE, *args, "--json"])
    assert result.exit_code == 2
    assert mentions in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_list_shows_stores_without_keys_or_secrets(database_url: str) -> None:
    runner = CliRunner()
    created = json.loads(
        runner.invoke(store_app, [*CREATE, "--access-token", "EAAG-cli-secret", "--json"]).stdout
    )
    result = runner.invoke(store_app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    stores = json.loads(result.stdout)
    assert [(s["id"], s["name"], s["timezone"]) for s in stores] == [
        (created["id"], "Chai Co", "Asia/Kolkata")
    ]
    assert created["api_key"] not in result.stdout
    assert "EAAG-cli-secret" not in result.stdout
    table = runner.invoke(store_app, ["list"])
    assert created["id"] in table.stdout
