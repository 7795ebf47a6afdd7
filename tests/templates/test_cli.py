"""`ordertalk templates push|list`: push a store's templates from the shell and see their status.

The store's row says where its Graph API is (here the sandbox) and holds the token, which the
commands use but never print.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ordertalk.config import get_settings
from ordertalk.stores.models import Store
from ordertalk.templates.service import template_state
from tests.api_support import database_session
from tests.conftest import SETTINGS, Sandbox
from tests.database import fresh_database
from tests.templates.conftest import STORE_ID

pytestmark = pytest.mark.database

HANDLE = ["--document-handle", "4::sample-invoice-pdf"]


@pytest.fixture
def database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox
) -> Iterator[str]:
    """The CLI's database, holding one store whose Graph API is the sandbox."""
    url = fresh_database(tmp_path)

    async def add_store() -> None:
        async with database_session(url) as session:
            session.add(
                Store(
                    id=STORE_ID,
                    name="Test",
                    country="IN",
                    language="en",
                    timezone="Asia/Kolkata",
                    phone_number_id=SETTINGS.phone_number_id,
                    waba_id=SETTINGS.waba_id,
                    access_token=SETTINGS.access_token,
                    graph_base_url=sandbox.url,
                )
            )
            await session.commit()

    asyncio.run(add_store())
    monkeypatch.setenv("ORDERTALK_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args: str) -> tuple[int, str, str]:
    from ordertalk.templates.cli import templates_app

    result = CliRunner().invoke(templates_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def status_of(url: str, name: str, language: str) -> tuple[str, str | None]:
    async def read() -> tuple[str, str | None]:
        async with database_session(url) as session:
            row = await template_state(session, STORE_ID, name, language)
            assert row is not None
            return row.status, row.reason

    return asyncio.run(read())


def test_push_creates_commits_and_prints_a_summary_without_the_token(database_url: str) -> None:
    code, out, err = invoke("push", "--store", STORE_ID, *HANDLE)

    assert code == 0, out + err
    assert "st_test: 135 created, 0 already at Meta, 0 failed, 0 skipped" in out
    assert SETTINGS.access_token not in out + err
    assert status_of(database_url, "ot_delivered", "hi")[0] == "PENDING"


def test_push_again_and_list_show_what_meta_says(database_url: str, sandbox: Sandbox) -> None:
    assert invoke("push", *HANDLE)[0] == 0  # every store with a WABA
    sandbox.receiver.wait_for(
        lambda r: sum(f == "message_template_status_update" for d in r.snapshot()
                      for f in d.fields()) >= 135,
        timeout=15,
    )  # fmt: skip

    code, out, _ = invoke("push", "--store", STORE_ID, *HANDLE)
    listed_code, listed, _ = invoke("list")

    assert code == 0
    assert "st_test: 0 created, 135 already at Meta, 0 failed, 0 skipped" in out
    assert listed_code == 0
    assert "st_test: 135 template(s)" in listed
    assert "APPROVED" in listed
    assert status_of(database_url, "ot_delivered", "hi")[0] == "APPROVED"


def test_without_a_sample_document_the_invoice_templates_are_skipped(database_url: str) -> None:
    code, out, _ = invoke("push", "--store", STORE_ID)

    assert code == 0
    assert "130 created, 0 already at Meta, 0 failed, 5 skipped" in out


def test_a_refused_token_exits_3_with_the_reason_but_not_the_token(database_url: str) -> None:
    async def revoke_token() -> None:
        async with database_session(database_url) as session:
            store = await session.get(Store, STORE_ID)
            assert store is not None
            store.access_token = "EAAG-revoked-token-0000"
            await session.commit()

    asyncio.run(revoke_token())

    code, out, err = invoke("push", "--store", STORE_ID, *HANDLE)

    assert code == 3
    assert "store st_test: Cloud API error 190" in err
    assert "EAAG-revoked-token-0000" not in out + err


def test_an_unknown_store_is_exit_2_with_a_message(database_url: str) -> None:
    code, _, err = invoke("list", "--store", "st_nope")

    assert code == 2
    assert "no store 'st_nope'" in err
