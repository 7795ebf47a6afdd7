"""The web tests' database and in-process app (a file may override either)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api_support import ApiClient, api_client
from tests.database import fresh_database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url, worker=False) as client:
        yield client
