"""`/webhooks/whatsapp` serves many stores: a body changes only the stores whose secret signed it.

Every store may have its own Meta app (its own app secret). A body is applied to a store only
when that store's secret signed it, or, for a store without a secret of its own, the settings'
`whatsapp_app_secret` (unset by default: a well-known default would let anyone sign webhooks).
Naming another store's number or WABA in a body one is able to sign changes nothing of theirs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.contacts.service import upsert_contact
from ordertalk.db import utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from tests.api_support import ApiClient, api_client, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

A_NUMBER, A_WABA, A_SECRET = "222000000000001", "A_WABA", "store-a-app-secret"
B_NUMBER, B_WABA, B_SECRET = "111000000000001", "B_WABA", "store-b-app-secret"
B_CUSTOMER = "919876543210"
B_TEMPLATE = "ot_order_confirmed"
B_WAMID = "wamid.B-order-confirmed"
APP_SECRET = "the-meta-apps-own-secret"  # the settings' secret, for stores without their own


# --- webhook bodies -----------------------------------------------------------------------------


def _messages_change(number: str, **parts: Any) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
        **parts,
    }
    return {"field": "messages", "value": value}


def stop_from(number: str, wa_id: str) -> dict[str, Any]:
    """A change in which the customer `wa_id` writes STOP to the business number `number`."""
    message = {
        "from": wa_id,
        "id": f"wamid.stop-{number}-{time.time_ns()}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "STOP"},
    }
    contact = {"wa_id": wa_id, "profile": {"name": "Customer"}}
    return _messages_change(number, contacts=[contact], messages=[message])


def undeliverable(number: str, wamid: str) -> dict[str, Any]:
    """A change saying the message `wamid` failed with 131026 (the customer is not reachable)."""
    status = {
        "id": wamid,
        "status": "failed",
        "timestamp": str(int(time.time())),
        "recipient_id": B_CUSTOMER,
        "errors": [{"code": 131026, "title": "Message undeliverable", "message": "undeliverable"}],
    }
    return _messages_change(number, statuses=[status])


def template_disabled(name: str) -> dict[str, Any]:
    """A change saying Meta disabled the template `name` (English)."""
    value = {
        "event": "DISABLED",
        "message_template_id": 9_000_000_001,
        "message_template_name": name,
        "message_template_language": "en",
        "reason": "NONE",
    }
    return {"field": "message_template_status_update", "value": value}


def webhook(*entries: tuple[str, list[dict[str, Any]]]) -> bytes:
    """A whole body: one entry per (WABA id, changes)."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba, "changes": changes} for waba, changes in entries],
    }
    return json.dumps(payload).encode()


def signed(raw: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


# --- two stores on one Ordertalk ----------------------------------------------------------------


@dataclass
class Tenants:
    client: ApiClient
    a_id: str
    b_id: str
    b_message_id: int


@asynccontextmanager
async def _with_two_stores(
    database_url: str, *, b_secret: str | None, **settings: Any
) -> AsyncIterator[Tenants]:
    async with api_client(database_url, worker=False, **settings) as client:
        b_id, _ = await new_store(
            client, name="B", phone_number_id=B_NUMBER, waba_id=B_WABA, app_secret=b_secret
        )
        a_id, _ = await new_store(
            client, name="A", phone_number_id=A_NUMBER, waba_id=A_WABA, app_secret=A_SECRET
        )
        async with client.sessions() as session:
            store_b = await session.get(Store, b_id)
            assert store_b is not None
            customer = await upsert_contact(session, store_b, phone=f"+{B_CUSTOMER}", name="Priya")
            customer.utility_consent = True
            customer.marketing_consent = True
            session.add(
                TemplateStatus(
                    store_id=b_id,
                    name=B_TEMPLATE,
                    language="en",
                    status="APPROVED",
                    category="UTILITY",
                )
            )
            message = OutboundMessage(
                store_id=b_id,
                contact_id=customer.id,
                intent="order_confirmed",
                purpose="utility",
                dedup_key="order-1:order_confirmed",
                state="accepted",
                form="template",
                wamid=B_WAMID,
                not_before=utcnow(),
                tries=1,
                params={},
                created_at=utcnow(),
            )
            session.add(message)
            await session.commit()
            message_id = message.id
        yield Tenants(client, a_id, b_id, message_id)


@pytest.fixture
async def tenants(database_url: str) -> AsyncIterator[Tenants]:
    """Stores A and B, each with its own app secret; B has a customer, a sent message and an
    approved template. The settings hold no app secret (the default)."""
    async with _with_two_stores(database_url, b_secret=B_SECRET) as tenants:
        yield tenants


@dataclass
class BState:
    utility_consent: bool | None
    marketing_consent: bool | None
    window_opened: bool
    consent_events: int
    message_state: str
    template_status: str


async def state_of_b(tenants: Tenants) -> BState:
    """What a webhook could change of store B's."""
    async with tenants.client.sessions() as session:
        customer = await session.scalar(select(Contact).where(Contact.store_id == tenants.b_id))
        assert customer is not None
        events = await session.scalar(
            select(func.count(ConsentEvent.id)).where(ConsentEvent.store_id == tenants.b_id)
        )
        message = await session.get(OutboundMessage, tenants.b_message_id)
        assert message is not None
        template = await session.scalar(
            select(TemplateStatus).where(TemplateStatus.store_id == tenants.b_id)
        )
        assert template is not None
        return BState(
            customer.utility_consent,
            customer.marketing_consent,
            customer.last_inbound_at is not None,
            int(events or 0),
            message.state,
            template.status,
        )


UNTOUCHED = BState(True, True, False, 0, "accepted", "APPROVED")


def changes_for_b() -> list[dict[str, Any]]:
    """What, applied to B, would opt B's customer out (and open their service window), fail
    B's message and disable B's template."""
    return [
        stop_from(B_NUMBER, B_CUSTOMER),
        undeliverable(B_NUMBER, B_WAMID),
        template_disabled(B_TEMPLATE),
    ]


def everything_about_b() -> bytes:
    """A body naming only B's number and WABA."""
    return webhook((B_WABA, changes_for_b()))


# --- the tests ----------------------------------------------------------------------------------


async def test_a_webhook_signed_by_one_store_cannot_change_another_stores_customers(
    tenants: Tenants,
) -> None:
    # A's own number is named too, so A's secret is one the endpoint has reason to try.
    raw = webhook((B_WABA, changes_for_b()), (A_WABA, [stop_from(A_NUMBER, "919000000001")]))

    answer = await tenants.client.post(
        "/webhooks/whatsapp", content=raw, headers=signed(raw, A_SECRET)
    )

    assert answer.status_code == 200, answer.text  # A's own part is genuine
    await tenants.client.applied()
    assert await state_of_b(tenants) == UNTOUCHED
    async with tenants.client.sessions() as session:  # ...and was applied to A
        a_customer = await session.scalar(select(Contact).where(Contact.store_id == tenants.a_id))
        assert a_customer is not None
        assert (a_customer.wa_id, a_customer.utility_consent) == ("919000000001", False)


async def test_the_same_body_signed_by_the_store_that_owns_the_number_is_applied(
    tenants: Tenants,
) -> None:
    raw = everything_about_b()

    answer = await tenants.client.post(
        "/webhooks/whatsapp", content=raw, headers=signed(raw, B_SECRET)
    )

    assert answer.status_code == 200, answer.text
    await tenants.client.applied()
    b = await state_of_b(tenants)
    assert (b.utility_consent, b.marketing_consent, b.window_opened) == (False, False, True)
    assert b.consent_events > 0
    assert b.message_state == "failed"
    assert b.template_status == "DISABLED"


@pytest.mark.parametrize(
    "secret",
    ["sandbox-app-secret", "a-guess", ""],
    ids=["the-old-built-in-default", "a-guess", "empty"],
)
async def test_a_webhook_signed_with_a_secret_no_store_has_is_unauthorized(
    tenants: Tenants, secret: str
) -> None:
    raw = everything_about_b()

    answer = await tenants.client.post(
        "/webhooks/whatsapp", content=raw, headers=signed(raw, secret)
    )

    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "unauthorized"
    assert await state_of_b(tenants) == UNTOUCHED


async def test_an_unsigned_webhook_is_unauthorized(tenants: Tenants) -> None:
    raw = everything_about_b()

    answer = await tenants.client.post(
        "/webhooks/whatsapp", content=raw, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 401, answer.text
    assert await state_of_b(tenants) == UNTOUCHED


async def test_the_apps_secret_in_the_settings_cannot_change_a_store_with_its_own_secret(
    database_url: str,
) -> None:
    async with _with_two_stores(
        database_url, b_secret=B_SECRET, whatsapp_app_secret=SecretStr(APP_SECRET)
    ) as tenants:
        raw = everything_about_b()

        answer = await tenants.client.post(
            "/webhooks/whatsapp", content=raw, headers=signed(raw, APP_SECRET)
        )

        assert answer.status_code == 200, answer.text  # a secret we know, but not B's
        await tenants.client.applied()
        assert await state_of_b(tenants) == UNTOUCHED


async def test_a_store_without_a_secret_of_its_own_is_changed_by_the_apps_secret_only(
    database_url: str,
) -> None:
    async with _with_two_stores(
        database_url, b_secret=None, whatsapp_app_secret=SecretStr(APP_SECRET)
    ) as tenants:
        raw = everything_about_b()
        by_a = await tenants.client.post(
            "/webhooks/whatsapp", content=raw, headers=signed(raw, A_SECRET)
        )
        assert by_a.status_code == 401, by_a.text  # A's secret is no secret of B's
        assert await state_of_b(tenants) == UNTOUCHED

        by_app = await tenants.client.post(
            "/webhooks/whatsapp", content=raw, headers=signed(raw, APP_SECRET)
        )

        assert by_app.status_code == 200, by_app.text
        await tenants.client.applied()
        b = await state_of_b(tenants)
        assert (b.utility_consent, b.message_state, b.template_status) == (
            False,
            "failed",
            "DISABLED",
        )


@pytest.mark.parametrize(
    "token", ["sandbox-verify-token", "", "anything"], ids=["old-default", "empty", "a-guess"]
)
async def test_the_handshake_is_forbidden_when_no_verify_token_is_configured(
    database_url: str, token: str
) -> None:
    async with api_client(database_url, worker=False) as client:
        await new_store(client, phone_number_id=B_NUMBER)  # a store, but no verify token
        params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}

        answer = await client.get("/webhooks/whatsapp", params=params)

        assert answer.status_code == 403, answer.text
        assert "1158201444" not in answer.text


async def test_the_handshake_answers_a_stores_own_verify_token(database_url: str) -> None:
    async with api_client(database_url, worker=False) as client:
        await new_store(client, phone_number_id=B_NUMBER, verify_token="store-b-verify-token")
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": "store-b-verify-token",
            "hub.challenge": "1158201444",
        }

        answer = await client.get("/webhooks/whatsapp", params=params)

        assert answer.status_code == 200, answer.text
        assert answer.text == "1158201444"
