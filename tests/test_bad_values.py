"""Values the database cannot hold are the caller's mistake: a 422 with a reason, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api_support import api_client, auth, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database


@pytest.fixture
def url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/orders/a%00b",  # NUL: PostgreSQL text cannot store it
        "/v1/contacts/3000000000",  # beyond PostgreSQL's integer ids
        "/v1/contacts/3000000000/consent",
        "/v1/contacts/99999999999999999999999",  # beyond SQLite's 64-bit integers
    ],
)
async def test_an_unstorable_value_in_a_request_is_a_clear_4xx(url: str, path: str) -> None:
    async with api_client(url, worker=False) as client:
        _, key = await new_store(client)
        response = await client.get(path, headers=auth(key))
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"]["code"] in ("not_found", "invalid_input")
