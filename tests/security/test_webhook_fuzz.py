"""Correctly signed but arbitrary or broken bodies, posted over HTTP to every incoming webhook
route: the answer is a 200 (kept, processed or rightly ignored) or a 4xx whose error says why,
never a 5xx. A 503 would tell Meta or the store to deliver the same body again, forever.

tests/integrations/test_fuzz.py and tests/whatsapp/test_webhooks.py fuzz the parsers alone;
here the whole edge runs: signature, storage, parsing, normalising and processing (commerce
state, consent, conversations and the bot), on a store that has an order, a customer and a
chat, so broken bodies meet real rows.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertalk.integrations.registry import SOURCES
from tests.integrations.fixtures import data, names, signed_headers, topic_for
from tests.integrations.test_fuzz import json_values, mutate
from tests.security.support import Running, Tenant, serve_seeded, text_from, whatsapp_headers
from tests.webhook_support import outcome_at

pytestmark = pytest.mark.database

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WHATSAPP_KINDS = 8  # the bodies of whatsapp_bodies()
_CALLS = itertools.count()
FIXTURES = [(source, name) for source in sorted(SOURCES) for name in names(source)]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Ordertalk over HTTP with store A: an order, a customer who wrote, and the rest."""
    with serve_seeded(tmp_path_factory.mktemp("webhook-fuzz"), "A") as running:
        yield running


def tenant_of(running: Running) -> Tenant:
    return running.tenants["A"]


def assert_answered_with_a_reason(response: httpx.Response, refusals: tuple[int, ...]) -> None:
    """A 200, or one of the `refusals` with a JSON error that has a code and a message."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.status_code in refusals, response.text
        error = response.json()["error"]
        assert error["code"], response.text
        assert error["message"], response.text
    else:
        assert response.status_code == 200, response.text


# --- store and carrier webhooks -----------------------------------------------------------------


def post_source(running: Running, source: str, raw: bytes, topic: str | None) -> httpx.Response:
    tenant = tenant_of(running)
    extra: dict[str, str | None] = {"topic": topic} if topic else {}
    return running.http.post(
        f"/webhooks/{source}/{tenant.store_id}",
        content=raw,
        headers=signed_headers(source, raw, tenant.integration_secret, **extra),
    )


def fixture_topic(source: str, name: str) -> str | None:
    return topic_for(source, name) if source in ("shopify", "woocommerce") else None


@FUZZ
@given(fixture=st.sampled_from(FIXTURES), draw=st.data())
def test_a_signed_fixture_with_one_part_broken_is_never_a_5xx(
    running: Running, fixture: tuple[str, str], draw: st.DataObject
) -> None:
    source, name = fixture
    raw = json.dumps(mutate(data(source, name), draw)).encode()
    response = post_source(running, source, raw, fixture_topic(source, name))
    assert_answered_with_a_reason(response, refusals=(422,))


@FUZZ
@given(fixture=st.sampled_from(FIXTURES), body=json_values)
def test_signed_arbitrary_json_is_never_a_5xx(
    running: Running, fixture: tuple[str, str], body: Any
) -> None:
    source, name = fixture
    raw = json.dumps(body).encode()
    response = post_source(running, source, raw, fixture_topic(source, name))
    assert_answered_with_a_reason(response, refusals=(422,))


@FUZZ
@given(fixture=st.sampled_from(FIXTURES), raw=st.binary(max_size=300))
def test_signed_arbitrary_bytes_are_never_a_5xx(
    running: Running, fixture: tuple[str, str], raw: bytes
) -> None:
    source, name = fixture
    response = post_source(running, source, raw, fixture_topic(source, name))
    assert_answered_with_a_reason(response, refusals=(422,))


# --- the WhatsApp Cloud API webhook -------------------------------------------------------------


def whatsapp_bodies(tenant: Tenant) -> list[dict[str, Any]]:
    """One realistic body of each kind the store's number receives."""
    metadata = {"display_phone_number": "15550001111", "phone_number_id": tenant.phone_number_id}
    now = str(int(time.time()))
    n = next(_CALLS)  # every call's bodies are new ones, never a duplicate of an earlier call's

    def change(field: str, value: dict[str, Any]) -> dict[str, Any]:
        entry = {
            "id": tenant.waba_id,
            "time": int(now),
            "changes": [{"field": field, "value": value}],
        }
        return {"object": "whatsapp_business_account", "entry": [entry]}

    def messages(*items: dict[str, Any]) -> dict[str, Any]:
        contacts = [{"wa_id": tenant.customer, "profile": {"name": "Asha"}}]
        value = {"messaging_product": "whatsapp", "metadata": metadata, "contacts": contacts}
        return change("messages", value | {"messages": list(items)})

    sender = {"from": tenant.customer, "timestamp": now}
    button = {"type": "button_reply", "button_reply": {"id": "ot:stop", "title": "Stop"}}
    listed = {"type": "list_reply", "list_reply": {"id": "menu:wismo", "title": "Track"}}
    status = {
        "id": f"wamid.unknown-to-ordertalk-{n}",
        "status": "failed",
        "timestamp": now,
        "recipient_id": tenant.customer,
        "errors": [{"code": 131026, "title": "Message undeliverable"}],
    }
    template = {
        "event": "REJECTED",
        "message_template_id": 1689556908129835 + n,
        "message_template_name": "ot_order_confirmed",
        "message_template_language": "en",
        "reason": "INVALID_FORMAT",
    }
    preference = {
        "wa_id": tenant.customer,
        "category": "marketing_messages",
        "value": "stop",
        "timestamp": int(now) + n,
    }
    return [
        messages(text_from(tenant, "where is my order 2041?")),
        messages(sender | {"id": f"wamid.fz-b-{n}", "type": "interactive", "interactive": button}),
        messages(sender | {"id": f"wamid.fz-l-{n}", "type": "interactive", "interactive": listed}),
        messages(
            sender | {"id": f"wamid.fz-i-{n}", "type": "image", "image": {"id": f"media-{n}"}}
        ),
        messages(
            sender | {"id": f"wamid.fz-q-{n}", "type": "button", "button": {"payload": "STOP"}}
        ),
        change(
            "messages",
            {"messaging_product": "whatsapp", "metadata": metadata} | {"statuses": [status]},
        ),
        change("message_template_status_update", template),
        change(
            "user_preferences",
            {
                "messaging_product": "whatsapp",
                "metadata": metadata,
                "user_preferences": [preference],
            },
        ),
    ]


def post_whatsapp(running: Running, raw: bytes) -> httpx.Response:
    """Post a signed body; one that is taken must then be applied without an error (the
    applier's failure would otherwise be the 5xx nobody sees)."""
    headers = whatsapp_headers(raw, tenant_of(running).app_secret)
    response = running.http.post("/webhooks/whatsapp", content=raw, headers=headers)
    if response.status_code == 200:
        error = outcome_at(running.database_url, response.json()["id"])
        assert error is None, f"a taken webhook failed when applied: {error}"
    return response


def test_the_realistic_whatsapp_bodies_are_taken(running: Running) -> None:
    # The bodies the fuzzing starts from really are processed, not refused on sight.
    bodies = whatsapp_bodies(tenant_of(running))
    assert len(bodies) == WHATSAPP_KINDS
    for body in bodies:
        response = post_whatsapp(running, json.dumps(body).encode())
        assert response.status_code == 200, response.text
        assert response.json()["received"] is True


@settings(FUZZ, max_examples=300)
@given(index=st.integers(min_value=0, max_value=WHATSAPP_KINDS - 1), draw=st.data())
def test_a_signed_whatsapp_body_with_one_part_broken_is_never_a_5xx(
    running: Running, index: int, draw: st.DataObject
) -> None:
    body = copy.deepcopy(whatsapp_bodies(tenant_of(running))[index])
    if draw.draw(st.booleans()):
        # Mostly inside the change's value, keeping the number that says whose secret signs
        # it, so the broken part reaches processing rather than the signature check.
        value = body["entry"][0]["changes"][0]["value"]
        metadata = value.pop("metadata", None)
        value = mutate(value, draw)
        if metadata is not None:
            value["metadata"] = metadata
        body["entry"][0]["changes"][0]["value"] = value
    else:
        body = mutate(body, draw)
    raw = json.dumps(body).encode()
    # 401 when the broken part was the number or WABA that says whose secret signs the body.
    assert_answered_with_a_reason(post_whatsapp(running, raw), refusals=(401, 422))


@FUZZ
@given(body=json_values)
def test_signed_arbitrary_json_to_the_whatsapp_route_is_never_a_5xx(
    running: Running, body: Any
) -> None:
    # Signed with the store's secret but naming no number of it: refused (401) before storing,
    # or kept and ignored; either way no 5xx.
    response = post_whatsapp(running, json.dumps(body).encode())
    assert response.status_code < 500, response.text
