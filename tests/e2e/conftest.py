"""The `shop` fixture: a store on a running Ordertalk, its number served by the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.database import fresh_database
from tests.e2e.harness import Shop, open_shop


@pytest.fixture
def shop(tmp_path: Path, sandbox: Sandbox) -> Iterator[Shop]:
    """A fresh database, Ordertalk serving it, and a store whose templates are approved."""
    yield from open_shop(tmp_path, fresh_database(tmp_path), sandbox)
