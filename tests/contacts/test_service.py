"""Contacts and the consent ledger at the service layer (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.keywords import Keyword
from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.contacts.service import (
    ConsentSource,
    apply_keyword,
    apply_user_preference,
    consent_history,
    ensure_order_consent,
    find_by_wa_id,
    mark_unreachable,
    note_inbound,
    record_consent,
    upsert_contact,
)
from ordertalk.errors import InvalidInput
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from tests.api_support import database_session
from tests.database import fresh_database

pytestmark = pytest.mark.database

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def store(session: AsyncSession) -> Store:
    store, _ = await create_store(
        session, name="Chai Co", country="IN", language="hi", timezone="Asia/Kolkata"
    )
    return store


@pytest.fixture
async def contact(session: AsyncSession, store: Store) -> Contact:
    return await upsert_contact(session, store, phone="98765 43210")


async def _ledger(session: AsyncSession, contact: Contact) -> list[tuple[str, bool, str]]:
    """The contact's ledger oldest first, as (purpose, granted, source)."""
    rows = await consent_history(session, contact)
    return [(row.purpose, row.granted, row.source) for row in reversed(rows)]


# --- contacts ---------------------------------------------------------------------------------


async def test_a_new_contact_takes_the_stores_language_and_its_numbers_timezone(
    session: AsyncSession, store: Store
) -> None:
    contact = await upsert_contact(session, store, phone="+55 11 91234-5678", name="Ana")
    assert contact.phone == "+5511912345678"
    assert contact.wa_id == "5511912345678"
    assert contact.language == "hi"  # the store's default
    assert contact.timezone == "America/Sao_Paulo"  # the number's, not the store's
    assert (contact.utility_consent, contact.marketing_consent) == (None, None)
    assert contact.reachable is True


async def test_the_same_number_in_another_format_is_the_same_contact(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    again = await upsert_contact(session, store, phone="+91 98765-43210")
    assert again.id == contact.id
    assert await session.scalar(select(func.count()).select_from(Contact)) == 1


async def test_existing_values_are_kept_unless_new_ones_are_given(
    session: AsyncSession, store: Store
) -> None:
    first = await upsert_contact(session, store, phone="98765 43210", name="Ravi", language="en")
    await upsert_contact(session, store, phone="98765 43210")
    assert (first.name, first.language) == ("Ravi", "en")
    await upsert_contact(session, store, phone="98765 43210", name="Ravi K", language="pt-BR")
    assert (first.name, first.language) == ("Ravi K", "pt_BR")


async def test_a_payload_region_reads_local_numbers_of_another_country(
    session: AsyncSession, store: Store
) -> None:
    contact = await upsert_contact(session, store, phone="(11) 91234-5678", region="BR")
    assert contact.phone == "+5511912345678"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "12345"}, "phone is not a valid number for region IN"),
        ({"phone": "98765 43210", "language": "elvish"}, "language"),
        ({"phone": "98765 43210", "region": "QQ"}, "country"),
    ],
)
async def test_bad_contact_fields_are_invalid_input(
    session: AsyncSession, store: Store, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await upsert_contact(session, store, **fields)
    assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_each_store_has_its_own_contact_for_a_number(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    other, _ = await create_store(session, name="Other", country="IN", language="en")
    theirs = await upsert_contact(session, other, phone="+919876543210")
    assert theirs.id != contact.id
    assert await find_by_wa_id(session, store.id, "919876543210") is contact
    assert await find_by_wa_id(session, other.id, "919876543210") is theirs
    assert await find_by_wa_id(session, store.id, "919999999999") is None


async def test_a_failure_after_a_newer_inbound_message_does_not_mark_unreachable(
    session: AsyncSession, contact: Contact
) -> None:
    contact.last_inbound_at = T0
    assert await mark_unreachable(session, contact, T0 - timedelta(minutes=5)) is False
    assert contact.reachable is True
    assert await mark_unreachable(session, contact, T0 + timedelta(minutes=5)) is True
    assert contact.reachable is False


async def test_a_message_from_the_customer_makes_the_number_reachable_again(
    session: AsyncSession, contact: Contact
) -> None:
    await mark_unreachable(session, contact, T0)
    await note_inbound(session, contact, T0 + timedelta(hours=1))
    await note_inbound(session, contact, T0 + timedelta(minutes=30))  # a late, older message
    assert contact.reachable is True
    assert contact.last_inbound_at == T0 + timedelta(hours=1)


# --- the consent ledger -----------------------------------------------------------------------


async def test_the_ledger_keeps_every_change_and_the_contact_mirrors_the_latest(
    session: AsyncSession, contact: Contact
) -> None:
    await record_consent(session, contact, Purpose.MARKETING, True, ConsentSource.WIDGET, {}, T0)
    await record_consent(
        session, contact, Purpose.MARKETING, False, ConsentSource.API, {}, T0 + timedelta(days=1)
    )
    await record_consent(
        session, contact, Purpose.UTILITY, True, ConsentSource.API, {}, T0 + timedelta(days=2)
    )

    assert await _ledger(session, contact) == [
        ("marketing", True, "widget"),
        ("marketing", False, "api"),
        ("utility", True, "api"),
    ]
    assert (contact.utility_consent, contact.marketing_consent) == (True, False)
    marketing = await consent_history(session, contact, Purpose.MARKETING)
    assert [row.granted for row in marketing] == [False, True]  # newest first


async def test_a_late_event_is_kept_but_does_not_override_a_newer_decision(
    session: AsyncSession, contact: Contact
) -> None:
    await record_consent(
        session, contact, Purpose.MARKETING, False, ConsentSource.KEYWORD, {}, T0 + timedelta(1)
    )
    late = await record_consent(
        session, contact, Purpose.MARKETING, True, ConsentSource.STORE_PAYLOAD, {}, T0
    )
    assert contact.marketing_consent is False
    history = await consent_history(session, contact)
    assert history[-1].id == late.id  # ordered by when it happened, not when it arrived


async def test_a_timestamp_from_the_future_is_recorded_as_now(
    session: AsyncSession, contact: Contact
) -> None:
    event = await record_consent(
        session,
        contact,
        Purpose.UTILITY,
        True,
        ConsentSource.API,
        {},
        datetime(2999, 1, 1, tzinfo=UTC),
    )
    assert event.at <= datetime.now(UTC)


async def test_service_messages_need_no_consent_so_none_can_be_recorded(
    session: AsyncSession, contact: Contact
) -> None:
    with pytest.raises(InvalidInput, match="utility"):
        await record_consent(session, contact, Purpose.SERVICE, True, ConsentSource.API, {}, T0)


async def test_an_order_at_an_implied_store_is_utility_consent_once(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    first = await ensure_order_consent(session, store, contact, T0, {"order": "1001"})
    second = await ensure_order_consent(session, store, contact, T0, {"order": "1002"})
    assert first is not None
    assert (first.source, first.evidence) == ("checkout_implied", {"order": "1001"})
    assert second is None
    assert contact.utility_consent is True
    assert contact.marketing_consent is None


async def test_an_explicit_store_records_nothing_for_an_order(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    store.order_updates_consent = "explicit"
    assert await ensure_order_consent(session, store, contact, T0, {}) is None
    assert await _ledger(session, contact) == []


async def test_an_order_never_overrides_a_stop(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    await apply_keyword(session, contact, Keyword.STOP, T0, {"wamid": "wamid.1"})
    assert await ensure_order_consent(session, store, contact, T0 + timedelta(1), {}) is None
    assert contact.utility_consent is False


# --- keywords and Meta's preferences ----------------------------------------------------------


async def test_stop_revokes_utility_and_marketing_with_its_evidence(
    session: AsyncSession, contact: Contact
) -> None:
    events = await apply_keyword(session, contact, Keyword.STOP, T0, {"wamid": "wamid.1"})
    assert [(e.purpose, e.granted, e.source) for e in events] == [
        ("utility", False, "keyword"),
        ("marketing", False, "keyword"),
    ]
    assert events[0].evidence["wamid"] == "wamid.1"
    assert (contact.utility_consent, contact.marketing_consent) == (False, False)


async def test_start_restores_what_stop_turned_off_and_nothing_more(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    # Order updates implied by an order; marketing never agreed to.
    await ensure_order_consent(session, store, contact, T0, {})
    await apply_keyword(session, contact, Keyword.STOP, T0 + timedelta(hours=1), {})

    events = await apply_keyword(session, contact, Keyword.START, T0 + timedelta(hours=2), {})

    assert [(e.purpose, e.granted) for e in events] == [("utility", True)]
    assert (contact.utility_consent, contact.marketing_consent) == (True, False)


async def test_start_restores_marketing_the_customer_had_agreed_to(
    session: AsyncSession, contact: Contact
) -> None:
    await record_consent(session, contact, Purpose.MARKETING, True, ConsentSource.WIDGET, {}, T0)
    await apply_keyword(session, contact, Keyword.STOP, T0 + timedelta(hours=1), {})
    await apply_keyword(session, contact, Keyword.START, T0 + timedelta(hours=2), {})
    assert (contact.utility_consent, contact.marketing_consent) == (True, True)
    assert await _ledger(session, contact) == [
        ("marketing", True, "widget"),
        ("utility", False, "keyword"),
        ("marketing", False, "keyword"),
        ("utility", True, "keyword"),
        ("marketing", True, "keyword"),
    ]


async def test_start_does_not_restore_what_was_refused_before_the_stop(
    session: AsyncSession, contact: Contact
) -> None:
    await record_consent(session, contact, Purpose.UTILITY, False, ConsentSource.API, {}, T0)
    await apply_keyword(session, contact, Keyword.STOP, T0 + timedelta(hours=1), {})
    assert await apply_keyword(session, contact, Keyword.START, T0 + timedelta(hours=2), {}) == []
    assert contact.utility_consent is False


async def test_start_without_a_stop_or_twice_changes_nothing(
    session: AsyncSession, contact: Contact
) -> None:
    assert await apply_keyword(session, contact, Keyword.START, T0, {}) == []
    await apply_keyword(session, contact, Keyword.STOP, T0 + timedelta(hours=1), {})
    assert len(await apply_keyword(session, contact, Keyword.START, T0 + timedelta(hours=2), {}))
    assert await apply_keyword(session, contact, Keyword.START, T0 + timedelta(hours=3), {}) == []


async def test_a_repeated_stop_does_not_make_start_forget_what_to_restore(
    session: AsyncSession, contact: Contact
) -> None:
    await record_consent(session, contact, Purpose.MARKETING, True, ConsentSource.WIDGET, {}, T0)
    await apply_keyword(session, contact, Keyword.STOP, T0 + timedelta(hours=1), {})
    await apply_keyword(session, contact, Keyword.STOP, T0 + timedelta(hours=2), {})
    await apply_keyword(session, contact, Keyword.START, T0 + timedelta(hours=3), {})
    assert (contact.utility_consent, contact.marketing_consent) == (True, True)


async def test_metas_marketing_stop_and_resume_leave_order_updates_alone(
    session: AsyncSession, contact: Contact
) -> None:
    await record_consent(session, contact, Purpose.UTILITY, True, ConsentSource.API, {}, T0)

    stop = await apply_user_preference(session, contact, "stop", T0 + timedelta(1), {})
    assert (stop.purpose, stop.granted, stop.source) == (
        "marketing",
        False,
        "user_preferences_webhook",
    )
    assert (contact.utility_consent, contact.marketing_consent) == (True, False)

    await apply_user_preference(session, contact, "resume", T0 + timedelta(2), {})
    assert (contact.utility_consent, contact.marketing_consent) == (True, True)


async def test_an_unknown_user_preference_is_invalid_input(
    session: AsyncSession, contact: Contact
) -> None:
    with pytest.raises(InvalidInput, match="stop"):
        await apply_user_preference(session, contact, "maybe", T0, {})
    assert await session.scalar(select(func.count()).select_from(ConsentEvent)) == 0


async def test_a_whatsapp_id_phonenumbers_calls_invalid_is_kept_not_dropped(
    session: AsyncSession, store: Store
) -> None:
    # +1 555 numbers are not valid to phonenumbers, but a message from one is a real customer.
    with pytest.raises(InvalidInput):
        await upsert_contact(session, store, phone="+15557654321")
    contact = await upsert_contact(session, store, phone="+15557654321", from_whatsapp=True)
    assert (contact.phone, contact.wa_id) == ("+15557654321", "15557654321")
    with pytest.raises(InvalidInput):  # anything but digits is still refused
        await upsert_contact(session, store, phone="+1555abc4321", from_whatsapp=True)
