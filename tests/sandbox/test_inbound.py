"""Specification of the control plane's inbound simulation, `POST /_sandbox/inbound` (reference
§2.5, §11.14): playing a customer who sends any kind of message. Each one answers its wamid and
reaches the receiver as a signed `messages` webhook shaped like Meta's, with what a real phone
fills in by itself (media ids, the context of a tap, a quick reply's payload, the errors of an
unsupported message). Bad requests are the test's mistake: a 4xx in Graph's envelope, never 500.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import SECOND_NUMBER, Sandbox
from tests.sandbox.steps import (
    AD_REFERRAL,
    approved_template,
    inbound_delivery,
    inbound_value,
    list_message,
    reply_buttons,
    signed,
    template,
    wait_status,
)

ALICE = "16505551234"
BSUID = "US.13491208655302741918"
DISPLAY_NUMBER = "15550783881"
MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"]
ORDER = {
    "catalog_id": "194836987003835",
    "text": "Deliver after 6pm please",
    "product_items": [
        {"product_retailer_id": "SKU-RED-M", "quantity": 3, "item_price": 30, "currency": "USD"},
        {"product_retailer_id": "HAT-01", "quantity": 1, "item_price": 12.5, "currency": "USD"},
    ],
}
CONTACT_CARD = {
    "name": {"formatted_name": "Ravi Kumar", "first_name": "Ravi"},
    "phones": [{"phone": "+91 98765 43210", "wa_id": "919876543210", "type": "CELL"}],
}


def message_of(sandbox: Sandbox, wamid: str) -> dict[str, Any]:
    """The `messages[]` item the receiver got for an inbound message."""
    message: dict[str, Any] = inbound_value(sandbox, wamid)["messages"][0]
    return message


def business_message(sandbox: Sandbox, payload: dict[str, Any]) -> str:
    """Send something to Alice inside her window; its wamid."""
    return sandbox.send_ok(payload)


# Every inbound kind, as a request body (some need something sent to the customer first).
INBOUND: dict[str, Callable[[Sandbox], dict[str, Any]]] = {
    "text": lambda s: {"type": "text", "text": {"body": "Where is my order?"}},
    "image": lambda s: {"type": "image", "image": {"caption": "the parcel"}},
    "video": lambda s: {"type": "video", "video": {}},
    "audio": lambda s: {"type": "audio", "audio": {}},
    "document": lambda s: {"type": "document", "document": {"filename": "invoice.pdf"}},
    "sticker": lambda s: {"type": "sticker", "sticker": {}},
    "location": lambda s: {
        "type": "location",
        "location": {"latitude": 37.46, "longitude": -122.21, "name": "Home"},
    },
    "contacts": lambda s: {"type": "contacts", "contacts": [CONTACT_CARD]},
    "reaction": lambda s: {
        "type": "reaction",
        "reaction": {"message_id": business_message(s, template(ALICE)), "emoji": "😮"},
    },
    "interactive": lambda s: {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "am", "title": "AM"}},
    },
    "button": lambda s: {"type": "button", "button": {"text": "Stop updates"}},
    "order": lambda s: {"type": "order", "order": ORDER},
    "system": lambda s: {
        "type": "system",
        "system": {
            "type": "user_changed_number",
            "body": "User A changed from 16505551234 to 16505559876",
            "wa_id": "16505559876",
        },
    },
    "unsupported": lambda s: {"type": "unsupported"},
}


def play(sandbox: Sandbox, body: dict[str, Any], wa_id: str = ALICE) -> str:
    """The customer sends ``body``; its wamid."""
    return sandbox.inbound(**({"from": wa_id} | body))


# -- what every inbound message looks like -----------------------------------------------------


@pytest.mark.parametrize("kind", list(INBOUND))
def test_an_inbound_message_answers_its_wamid(sandbox: Sandbox, kind: str) -> None:
    response = sandbox.control.post(
        "/_sandbox/inbound", json={"from": ALICE} | INBOUND[kind](sandbox)
    )

    assert response.status_code == 200
    assert response.json()["id"].startswith("wamid.")


@pytest.mark.parametrize("kind", list(INBOUND))
def test_an_inbound_message_reaches_the_receiver_as_a_signed_messages_webhook(
    sandbox: Sandbox, kind: str
) -> None:
    wamid = play(sandbox, INBOUND[kind](sandbox))

    delivery = inbound_delivery(sandbox, wamid)

    assert signed(delivery)
    body = delivery.json
    assert body["object"] == "whatsapp_business_account"
    assert body["entry"][0]["id"] == sandbox.settings.waba_id
    change = body["entry"][0]["changes"][0]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {
        "display_phone_number": DISPLAY_NUMBER,
        "phone_number_id": sandbox.number,
    }
    [contact] = value["contacts"]
    assert contact["wa_id"] == ALICE
    assert contact["user_id"]
    assert contact["profile"]["name"]
    [message] = value["messages"]
    assert message["id"] == wamid
    assert message["from"] == ALICE
    assert message["type"] == kind
    assert isinstance(message["timestamp"], str)
    assert message["timestamp"].isdigit()


def test_the_profile_name_given_is_the_contacts_profile_name(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "hi"}, "profile_name": "Sheena"}
    )

    assert inbound_value(sandbox, wamid)["contacts"][0]["profile"]["name"] == "Sheena"


def test_a_customer_keeps_the_same_user_id_across_messages(sandbox: Sandbox) -> None:
    first = sandbox.say(ALICE)
    second = sandbox.say(ALICE, "again")

    first_contact = inbound_value(sandbox, first)["contacts"][0]
    second_contact = inbound_value(sandbox, second)["contacts"][0]
    assert first_contact["user_id"] == second_contact["user_id"]


def test_every_inbound_message_gets_a_new_wamid(sandbox: Sandbox) -> None:
    wamids = {sandbox.say(ALICE) for _ in range(5)}

    assert len(wamids) == 5


def test_an_inbound_timestamp_follows_the_sandbox_clock(sandbox: Sandbox) -> None:
    sandbox.advance(3 * 86_400)
    now = sandbox.control.get("/_sandbox/clock").json()["now"]

    wamid = sandbox.say(ALICE)

    assert abs(int(message_of(sandbox, wamid)["timestamp"]) - now) <= 5


def test_an_inbound_to_the_second_number_names_that_number(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "hi"}, "phone_number_id": SECOND_NUMBER}
    )

    assert inbound_value(sandbox, wamid)["metadata"]["phone_number_id"] == SECOND_NUMBER


# -- per-type content --------------------------------------------------------------------------


def test_a_text_carries_its_body(sandbox: Sandbox) -> None:
    wamid = sandbox.say(ALICE, "Where is my order?")

    assert message_of(sandbox, wamid)["text"] == {"body": "Where is my order?"}


@pytest.mark.parametrize("kind", MEDIA_TYPES)
def test_inbound_media_gets_an_id_that_resolves_through_the_graph_api(
    sandbox: Sandbox, kind: str
) -> None:
    wamid = play(sandbox, INBOUND[kind](sandbox))
    media = message_of(sandbox, wamid)[kind]

    response = sandbox.graph.get(f"/{media['id']}")

    assert response.status_code == 200, response.text
    found = response.json()
    assert found["id"] == media["id"]
    assert found["mime_type"] == media["mime_type"]
    assert found["sha256"] == media["sha256"]
    download = httpx.get(
        found["url"], headers={"Authorization": f"Bearer {sandbox.settings.access_token}"}
    )
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == media["sha256"]


def test_an_uploaded_media_id_can_be_what_the_customer_sends(sandbox: Sandbox) -> None:
    upload = sandbox.graph.post(
        f"/{sandbox.number}/media",
        data={"messaging_product": "whatsapp", "type": "image/png"},
        files={"file": ("parcel.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")},
    )
    assert upload.status_code == 200, upload.text
    media_id = upload.json()["id"]

    wamid = sandbox.inbound(**{"from": ALICE, "type": "image", "image": {"id": media_id}})

    image = message_of(sandbox, wamid)["image"]
    assert (image["id"], image["mime_type"]) == (media_id, "image/png")


def test_media_keeps_what_the_customer_typed(sandbox: Sandbox) -> None:
    wamid = play(sandbox, INBOUND["document"](sandbox))

    assert message_of(sandbox, wamid)["document"]["filename"] == "invoice.pdf"


def test_a_location_carries_its_coordinates(sandbox: Sandbox) -> None:
    wamid = play(sandbox, INBOUND["location"](sandbox))

    location = message_of(sandbox, wamid)["location"]
    assert (location["latitude"], location["longitude"], location["name"]) == (
        37.46,
        -122.21,
        "Home",
    )


def test_shared_contacts_are_a_list_of_cards(sandbox: Sandbox) -> None:
    wamid = play(sandbox, INBOUND["contacts"](sandbox))

    assert message_of(sandbox, wamid)["contacts"] == [CONTACT_CARD]


def test_a_reaction_without_a_target_reacts_to_the_last_message_received(
    sandbox: Sandbox,
) -> None:
    target = sandbox.send_ok(template(ALICE))

    wamid = sandbox.inbound(**{"from": ALICE, "type": "reaction", "reaction": {"emoji": "👍"}})

    assert message_of(sandbox, wamid)["reaction"] == {"message_id": target, "emoji": "👍"}


def test_a_button_reply_is_in_the_context_of_the_last_interactive_message(
    sandbox: Sandbox,
) -> None:
    sandbox.say(ALICE)
    buttons = sandbox.send_ok(reply_buttons(ALICE, "Morning", "Evening"))
    sandbox.send_ok(template(ALICE))  # a later non-interactive message is not the one tapped

    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": "morning", "title": "Morning"},
            },
        }
    )

    message = message_of(sandbox, wamid)
    assert message["context"] == {"from": DISPLAY_NUMBER, "id": buttons}
    assert message["interactive"]["button_reply"] == {"id": "morning", "title": "Morning"}


def test_a_list_reply_is_in_the_context_of_the_list(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    menu = sandbox.send_ok(list_message(ALICE))

    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "list_reply",
                "list_reply": {"id": "express", "title": "Express", "description": "Next day"},
            },
        }
    )

    message = message_of(sandbox, wamid)
    assert message["context"]["id"] == menu
    assert message["interactive"]["type"] == "list_reply"
    assert message["interactive"]["list_reply"]["id"] == "express"


def test_a_flow_reply_is_in_the_context_of_the_last_interactive_message(
    sandbox: Sandbox,
) -> None:
    sandbox.say(ALICE)
    sent = sandbox.send_ok(reply_buttons(ALICE, "Rate us"))
    response_json = '{"flow_token":"tok-1","rating":"4"}'

    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {"name": "flow", "body": "Sent", "response_json": response_json},
            },
        }
    )

    message = message_of(sandbox, wamid)
    assert message["context"]["id"] == sent
    assert message["interactive"]["nfm_reply"]["response_json"] == response_json


def test_a_quick_reply_tap_carries_the_payload_the_template_was_sent_with(
    sandbox: Sandbox,
) -> None:
    approved_template(
        sandbox,
        "order_shipped",
        "UTILITY",
        "Your order has shipped and is on its way to you.",
        quick_replies=("Stop updates", "Talk to us"),
    )
    sent = sandbox.send_ok(
        template(
            ALICE,
            "order_shipped",
            components=[
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "STOP_UPDATES:ORD-1234"}],
                }
            ],
        )
    )

    wamid = sandbox.inbound(**{"from": ALICE, "type": "button", "button": {"text": "Stop updates"}})

    message = message_of(sandbox, wamid)
    assert message["button"] == {"text": "Stop updates", "payload": "STOP_UPDATES:ORD-1234"}
    assert message["context"] == {"from": DISPLAY_NUMBER, "id": sent}


def test_a_quick_reply_sent_without_a_payload_echoes_its_label(sandbox: Sandbox) -> None:
    approved_template(
        sandbox,
        "order_shipped",
        "UTILITY",
        "Your order has shipped and is on its way to you.",
        quick_replies=("Stop updates", "Talk to us"),
    )
    sandbox.send_ok(template(ALICE, "order_shipped"))

    wamid = sandbox.inbound(**{"from": ALICE, "type": "button", "button": {"text": "Talk to us"}})

    assert message_of(sandbox, wamid)["button"]["payload"] == "Talk to us"


def test_an_order_carries_the_cart(sandbox: Sandbox) -> None:
    wamid = play(sandbox, INBOUND["order"](sandbox))

    assert message_of(sandbox, wamid)["order"] == ORDER


def test_a_product_inquiry_is_a_text_referring_to_the_product(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    product_message = sandbox.send_ok(template(ALICE))
    product = {"catalog_id": "194836987003835", "product_retailer_id": "SKU-RED-M"}

    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "text",
            "text": {"body": "Does this come in green?"},
            "context": {"id": product_message, "referred_product": product},
        }
    )

    message = message_of(sandbox, wamid)
    assert message["type"] == "text"
    assert message["context"]["referred_product"] == product
    assert message["context"]["id"] == product_message
    # A real context always names the business it replies to.
    assert message["context"]["from"] == DISPLAY_NUMBER


def test_a_reply_quoting_a_business_message_names_the_business_in_its_context(
    sandbox: Sandbox,
) -> None:
    quoted = sandbox.send_ok(template(ALICE))

    wamid = sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Not yet!"}, "context": {"id": quoted}}
    )

    assert message_of(sandbox, wamid)["context"] == {"from": DISPLAY_NUMBER, "id": quoted}


def test_an_ad_click_carries_the_referral(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )

    assert message_of(sandbox, wamid)["referral"] == AD_REFERRAL


def test_a_system_message_carries_the_number_change(sandbox: Sandbox) -> None:
    wamid = play(sandbox, INBOUND["system"](sandbox))

    system = message_of(sandbox, wamid)["system"]
    assert system["type"] == "user_changed_number"
    assert system["wa_id"] == "16505559876"


def test_a_system_message_always_says_what_kind_of_change_it_is(sandbox: Sandbox) -> None:
    response = sandbox.control.post(
        "/_sandbox/inbound",
        json={"from": ALICE, "type": "system", "system": {"body": "User A changed number"}},
    )

    # Either refused as incomplete, or completed the way Meta always sends it (with a type).
    if response.status_code == 200:
        assert message_of(sandbox, response.json()["id"])["system"].get("type")
    else:
        assert response.status_code == 400


def test_an_unsupported_message_carries_error_131051(sandbox: Sandbox) -> None:
    wamid = play(sandbox, INBOUND["unsupported"](sandbox))

    [error] = message_of(sandbox, wamid)["errors"]
    assert error["code"] == 131051
    assert error["title"] == "Message type unknown"
    assert error["error_data"]["details"]


def test_a_username_only_customer_has_no_phone_number_in_the_webhook(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(from_user_id=BSUID, type="text", text={"body": "hi, I use a username"})

    value = inbound_value(sandbox, wamid)
    [contact] = value["contacts"]
    assert contact["user_id"] == BSUID
    assert "wa_id" not in contact
    [message] = value["messages"]
    assert "from" not in message
    assert message["from_user_id"] == BSUID


def test_a_business_can_reply_to_a_username_only_customer_by_bsuid(sandbox: Sandbox) -> None:
    sandbox.inbound(from_user_id=BSUID, type="text", text={"body": "hi"})

    wamid = sandbox.send_ok({"recipient": BSUID, "type": "text", "text": {"body": "Hello!"}})

    status = wait_status(sandbox, wamid, "delivered")
    assert "recipient_id" not in status


# -- bad control-plane input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"type": "text", "text": {"body": "hi"}}, id="missing-from"),
        pytest.param({"from": "+1 650 555", "type": "text", "text": {"body": "hi"}}, id="bad-from"),
        pytest.param({"from": 16505551234, "type": "text", "text": {"body": "hi"}}, id="int-from"),
        pytest.param({"from": ALICE, "from_user_id": "nope"}, id="bad-bsuid"),
        pytest.param({"from": ALICE, "type": "telepathy", "telepathy": {}}, id="unknown-type"),
        pytest.param({"from": ALICE, "type": "text", "text": {}}, id="missing-text-body"),
        pytest.param({"from": ALICE, "type": "text", "text": {"body": ""}}, id="empty-text-body"),
        pytest.param({"from": ALICE, "type": "text", "text": "hi"}, id="text-not-object"),
        pytest.param({"from": ALICE, "type": "text", "txt": {"body": "hi"}}, id="unknown-key"),
        pytest.param({"from": ALICE, "type": "image", "image": {"id": "42"}}, id="unknown-media"),
        pytest.param(
            {"from": ALICE, "type": "location", "location": {"latitude": 91, "longitude": 0}},
            id="latitude-out-of-range",
        ),
        pytest.param({"from": ALICE, "type": "reaction", "reaction": {}}, id="nothing-to-react"),
        pytest.param(
            {"from": ALICE, "type": "interactive", "interactive": {"type": "poll"}},
            id="unknown-interactive",
        ),
        pytest.param({"from": ALICE, "type": "order", "order": {}}, id="empty-order"),
        pytest.param({"from": ALICE, "type": "contacts", "contacts": []}, id="no-contacts"),
        pytest.param(
            {"from": ALICE, "type": "text", "text": {"body": "hi"}, "context": "wamid.x"},
            id="context-not-object",
        ),
        pytest.param(
            {"from": ALICE, "type": "text", "text": {"body": "hi"}, "phone_number_id": "1"},
            id="unknown-number",
        ),
        pytest.param(["not", "an", "object"], id="list-body"),
        pytest.param("hello", id="string-body"),
        pytest.param(None, id="null-body"),
    ],
)
def test_bad_inbound_requests_are_refused_with_a_graph_error(sandbox: Sandbox, body: Any) -> None:
    response = sandbox.control.post("/_sandbox/inbound", json=body)

    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert isinstance(error["code"], int)
    assert error["message"].startswith(f"(#{error['code']}) ")
    assert error["error_data"]["details"]
    assert error["fbtrace_id"]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{not json", id="invalid-json"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-too-deeply"),
    ],
)
def test_unparseable_inbound_bodies_are_refused_with_a_graph_error(
    sandbox: Sandbox, raw: bytes
) -> None:
    response = sandbox.control.post(
        "/_sandbox/inbound", content=raw, headers={"Content-Type": "application/json"}
    )

    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"] in {100, 131008}


def test_a_refused_inbound_emits_no_webhook(sandbox: Sandbox) -> None:
    refused = sandbox.control.post("/_sandbox/inbound", json={"from": ALICE, "type": "text"})
    accepted = sandbox.say(ALICE)

    inbound_delivery(sandbox, accepted)
    assert refused.status_code == 400
    assert len([d for d in sandbox.receiver.snapshot() if "messages" in d.fields()]) == 1


def test_mark_read_with_a_typing_indicator_shows_typing_until_the_business_replies(
    sandbox: Sandbox,
) -> None:
    inbound = sandbox.say("919876543210")
    answer = sandbox.send(
        {"status": "read", "message_id": inbound, "typing_indicator": {"type": "text"}}
    )
    assert answer.json() == {"success": True}

    def typing() -> bool:
        phones = sandbox.control.get("/_sandbox/phones").json()
        return next(p["typing"] for p in phones if p["wa_id"] == "919876543210")

    assert typing() is True
    sandbox.send_ok({"to": "919876543210", "type": "text", "text": {"body": "Here you go"}})
    assert typing() is False
