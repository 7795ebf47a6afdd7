"""The dispatcher's test rig, shared by the messaging tests: a store on the sandbox whose
templates are all approved, and a database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ordertalk.db import create_engine, session_factory
from tests.conftest import Sandbox
from tests.database import fresh_database
from tests.e2e.harness import _prepare_store
from tests.messaging.test_dispatcher import Rig


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def rig(database_url: str, sandbox: Sandbox) -> AsyncIterator[Rig]:
    store_id, _ = await _prepare_store(database_url, sandbox)
    engine = create_engine(database_url)
    rig = Rig(engine, session_factory(engine), sandbox, store_id)

    async def approved() -> bool:
        return await rig.pending_templates() == 0

    try:
        # Meta approves templates by webhook: apply them until every pushed one is approved.
        await rig.wait(approved, "template approvals")
        yield rig
    finally:
        for pool in rig.pools:
            await pool.aclose()
        await engine.dispose()
