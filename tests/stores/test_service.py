"""Stores at the service layer: ids and keys, settings validation, authentication, secrets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.errors import InvalidInput, NotFound, Unauthorized
from ordertalk.stores.models import ApiKey, IntegrationSecret, Store
from ordertalk.stores.schemas import StoreUpdate
from ordertalk.stores.service import (
    authenticate,
    create_api_key,
    create_store,
    integration_secret,
    revoke_api_key,
    set_integration_secret,
    update_store,
)
from tests.api_support import database_session
from tests.database import fresh_database

pytestmark = pytest.mark.database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


async def _store(session: AsyncSession, **kw: object) -> tuple[Store, str]:
    fields: dict[str, object] = {"name": "Chai Co", "country": "IN", "language": "en"} | kw
    return await create_store(session, **fields)  # type: ignore[arg-type]


# --- creating stores --------------------------------------------------------------------------


async def test_a_new_store_gets_a_public_id_and_a_key_of_which_only_the_hash_is_kept(
    session: AsyncSession,
) -> None:
    store, key = await _store(session, access_token="EAAG-token", app_secret="app-secret-1")
    await session.commit()

    assert re.fullmatch(r"st_[0-9a-f]{12}", store.id)
    assert re.fullmatch(r"ot_[A-Za-z0-9_-]{43}", key)
    row = await session.scalar(select(ApiKey).where(ApiKey.store_id == store.id))
    assert row is not None
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:9]
    # Scan every column of every row the store owns: the plaintext key is nowhere.
    for table in (Store, ApiKey):
        for obj in await session.scalars(select(table)):
            for column in table.__table__.columns:
                assert key not in str(getattr(obj, column.key)), f"{table.__name__}.{column.key}"


async def test_two_stores_never_share_an_id_or_a_key(session: AsyncSession) -> None:
    first, first_key = await _store(session)
    second, second_key = await _store(session)
    assert first.id != second.id
    assert first_key != second_key


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("IN", "Asia/Kolkata"),
        ("BR", "America/Sao_Paulo"),
        ("ES", "Europe/Madrid"),
        ("ID", "Asia/Jakarta"),
        ("US", "America/New_York"),
        ("DE", "Europe/Berlin"),  # not in the short list: from phonenumbers' example number
        ("in", "Asia/Kolkata"),  # codes are case-insensitive
    ],
)
async def test_the_default_timezone_is_the_countrys_main_zone(
    session: AsyncSession, country: str, zone: str
) -> None:
    store, _ = await _store(session, country=country)
    assert store.timezone == zone
    assert store.country == country.upper()


async def test_defaults_quiet_hours_at_night_and_accepts_explicit_settings(
    session: AsyncSession,
) -> None:
    default, _ = await _store(session)
    custom, _ = await _store(
        session, timezone="Asia/Dubai", quiet_hours=None, language="pt-BR", country="br"
    )
    assert (default.quiet_start, default.quiet_end) == (time(21, 0), time(8, 0))
    assert (custom.quiet_start, custom.quiet_end) == (None, None)
    assert custom.timezone == "Asia/Dubai"
    assert custom.language == "pt_BR"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "country"),
        ("country", "India", "country"),
        ("language", "klingon", "language"),
        ("timezone", "Mars/Olympus_Mons", "timezone"),
        ("timezone", "../../etc/passwd", "timezone"),
        ("name", "   ", "name"),
        ("order_updates_consent", "maybe", "order_updates_consent"),
        ("graph_base_url", "ftp://graph", "graph_base_url"),
        ("throughput_per_s", 5000, "throughput_per_s"),
    ],
)
async def test_bad_settings_are_refused_with_the_field_named(
    session: AsyncSession, field: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await _store(session, **{field: value})
    assert list(await session.scalars(select(Store))) == []


# --- authentication ---------------------------------------------------------------------------


async def test_the_bearer_key_authenticates_as_its_store(session: AsyncSession) -> None:
    store, key = await _store(session)
    await _store(session)  # another store, another key
    assert (await authenticate(session, f"Bearer {key}")).id == store.id
    assert (await authenticate(session, f"bearer  {key} ")).id == store.id


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer sk_live_something",
        "Bearer ot_" + "A" * 43,  # well-formed, unknown
        "Bearer ot_" + "A" * 300,
    ],
)
async def test_missing_malformed_or_unknown_keys_are_unauthorized(
    session: AsyncSession, header: str | None
) -> None:
    await _store(session)
    with pytest.raises(Unauthorized):
        await authenticate(session, header)


async def test_a_revoked_key_stops_working_and_other_keys_do_not(session: AsyncSession) -> None:
    store, first = await _store(session)
    row, second = await create_api_key(session, store)
    first_row = await session.scalar(
        select(ApiKey).where(ApiKey.store_id == store.id, ApiKey.id != row.id)
    )
    assert first_row is not None

    await revoke_api_key(session, store, first_row.id)

    with pytest.raises(Unauthorized, match="invalid or revoked"):
        await authenticate(session, f"Bearer {first}")
    assert (await authenticate(session, f"Bearer {second}")).id == store.id


async def test_a_store_cannot_revoke_another_stores_key(session: AsyncSession) -> None:
    mine, _ = await _store(session)
    theirs, their_key = await _store(session)
    their_row = await session.scalar(select(ApiKey).where(ApiKey.store_id == theirs.id))
    assert their_row is not None
    with pytest.raises(NotFound):
        await revoke_api_key(session, mine, their_row.id)
    assert (await authenticate(session, f"Bearer {their_key}")).id == theirs.id


# --- updating ---------------------------------------------------------------------------------


async def test_update_changes_only_the_fields_given(session: AsyncSession) -> None:
    store, _ = await _store(session, access_token="old-token")
    await update_store(
        session,
        store,
        StoreUpdate.model_validate(
            {"name": "Chai & Co", "quiet_hours": "off", "throughput_per_s": 200}
        ),
    )
    assert store.name == "Chai & Co"
    assert (store.quiet_start, store.quiet_end) == (None, None)
    assert store.throughput_per_s == 200
    assert store.access_token == "old-token"
    assert store.language == "en"


async def test_a_bad_field_leaves_the_whole_store_unchanged(session: AsyncSession) -> None:
    store, _ = await _store(session)
    with pytest.raises(InvalidInput, match="timezone"):
        await update_store(
            session,
            store,
            StoreUpdate.model_validate({"name": "Renamed", "timezone": "Nowhere/Special"}),
        )
    assert store.name == "Chai Co"


async def test_null_clears_a_secret_but_not_a_required_setting(session: AsyncSession) -> None:
    store, _ = await _store(session, access_token="token", app_secret="secret")
    await update_store(session, store, StoreUpdate.model_validate({"access_token": None}))
    assert store.access_token is None
    assert store.app_secret == "secret"
    with pytest.raises(InvalidInput, match="language cannot be null"):
        await update_store(session, store, StoreUpdate.model_validate({"language": None}))


async def test_one_whatsapp_number_belongs_to_one_store(session: AsyncSession) -> None:
    await _store(session, phone_number_id="106540352242922")
    other, _ = await _store(session)
    with pytest.raises(InvalidInput, match="another store"):
        await update_store(
            session, other, StoreUpdate.model_validate({"phone_number_id": "106540352242922"})
        )
    with pytest.raises(InvalidInput, match="another store"):
        await _store(session, phone_number_id="106540352242922")


# --- integration secrets ----------------------------------------------------------------------


async def test_an_integration_secret_is_set_then_replaced_not_duplicated(
    session: AsyncSession,
) -> None:
    store, _ = await _store(session)
    assert await integration_secret(session, store.id, "shopify") is None

    await set_integration_secret(session, store, "shopify", "first", {"shop": "chai.myshopify"})
    await set_integration_secret(session, store, "shopify", "second", {})

    row = await integration_secret(session, store.id, "shopify")
    assert row is not None
    assert (row.secret, row.options) == ("second", {})
    rows = list(await session.scalars(select(IntegrationSecret)))
    assert len(rows) == 1


async def test_secrets_are_per_store(session: AsyncSession) -> None:
    mine, _ = await _store(session)
    theirs, _ = await _store(session)
    await set_integration_secret(session, theirs, "aftership", "theirs", {})
    assert await integration_secret(session, mine.id, "aftership") is None


async def test_unknown_integration_sources_are_not_found(session: AsyncSession) -> None:
    store, _ = await _store(session)
    with pytest.raises(NotFound, match="shopify"):  # the message lists the known ones
        await set_integration_secret(session, store, "magento", "secret", {})
    assert await integration_secret(session, store.id, "magento") is None


async def test_an_empty_secret_is_refused(session: AsyncSession) -> None:
    store, _ = await _store(session)
    with pytest.raises(InvalidInput, match="secret"):
        await set_integration_secret(session, store, "easypost", "", {})
