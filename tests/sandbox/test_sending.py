"""Specification of sending over HTTP: `POST /{version}/{phone_number_id}/messages`.

Every message type the Cloud API takes is accepted with exactly the real success body
(`messaging_product`, `contacts[{input, wa_id}]`, `messages[{id, message_status}]`); the
customer's phone shows what was sent and its status moves on to "read"; templates render their
parameters; `context` and `biz_opaque_callback_data` travel with the message; a quick-reply tap
comes back with its payload; and mark-as-read answers `{"success": true}` for inbound messages
only. Errors are specified in test_errors_http.py, media storage in test_media.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import SECOND_NUMBER, Sandbox
from tests.sandbox.http_support import (
    JPEG,
    MP4,
    OGG,
    PDF,
    WEBP,
    assert_graph_error,
    body_params,
    create_approved,
    template_send,
    upload_ok,
    wait_inbound,
    wait_status,
)

CUSTOMER = "919876543210"
CATALOG = "194836987003835"
HELLO_WORLD = {"name": "hello_world", "language": {"code": "en_US"}}

# -- templates used by the sends below (created through the management API) ------------------

ORDER_UPDATE = {
    "name": "order_update",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{1}}",
            "example": {"header_text": ["ORD-1234"]},
        },
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order {{2}} is on its way to you.",
            "example": {"body_text": [["Jessica", "ORD-1234"]]},
        },
        {"type": "FOOTER", "text": "Ordertalk demo shop"},
    ],
}
ORDER_STATUS_NAMED = {
    "name": "order_status_update",
    "language": "en_US",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{order_id}} update",
            "example": {"header_text_named_params": [{"param_name": "order_id", "example": "O-1"}]},
        },
        {
            "type": "BODY",
            "text": "Hi {{customer_name}}, your order is now {{status}} with the courier.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "customer_name", "example": "Alex"},
                    {"param_name": "status", "example": "shipped"},
                ]
            },
        },
    ],
}
PARCEL_PHOTO = {
    "name": "parcel_photo",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}},
        {"type": "BODY", "text": "Your parcel has been packed and is ready to go."},
    ],
}
PAYMENT_RECEIVED = {
    "name": "payment_received",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "BODY",
            "text": "Hi {{1}}, we received {{2}} on {{3}} for your order.",
            "example": {"body_text": [["Jessica", "$19.99", "August 5, 2025"]]},
        }
    ],
}
TRACK_ORDER = {
    "name": "track_order",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "BODY", "text": "Your parcel is on the way, tap below to follow it."},
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Track order",
                    "url": "https://shop.example/t/{{1}}",
                    "example": ["https://shop.example/t/ORD-1234"],
                }
            ],
        },
    ],
}
DELIVERY_CHECK = {
    "name": "delivery_check",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "BODY", "text": "Your parcel arrives tomorrow. Will someone be at home?"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Yes, I'm home"},
                {"type": "QUICK_REPLY", "text": "Reschedule"},
            ],
        },
    ],
}
COUPON_OFFER = {
    "name": "coupon_offer",
    "language": "en_US",
    "category": "MARKETING",
    "components": [
        {"type": "BODY", "text": "Thanks for shopping with us, here is a code for next time."},
        {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "25OFF"}]},
    ],
}


def quick_reply(index: int, payload: str) -> dict[str, Any]:
    """A send-time quick-reply button component carrying ``payload``."""
    return {
        "type": "button",
        "sub_type": "quick_reply",
        "index": str(index),
        "parameters": [{"type": "payload", "payload": payload}],
    }


# -- one payload per message type ------------------------------------------------------------

# Each builder gets the sandbox, the customer and the wamid of the customer's last message.
Builder = Callable[[Sandbox, str, str], dict[str, Any]]


def _media_by_id(kind: str, data: bytes, mime: str, **extra: Any) -> Builder:
    def build(sandbox: Sandbox, to: str, _: str) -> dict[str, Any]:
        media_id = upload_ok(sandbox, data, mime)
        return {"to": to, "type": kind, kind: {"id": media_id, **extra}}

    return build


def _media_by_link(kind: str, link: str, **extra: Any) -> Builder:
    def build(_: Sandbox, to: str, __: str) -> dict[str, Any]:
        return {"to": to, "type": kind, kind: {"link": link, **extra}}

    return build


def _interactive(interactive: dict[str, Any]) -> Builder:
    def build(_: Sandbox, to: str, __: str) -> dict[str, Any]:
        return {"to": to, "type": "interactive", "interactive": interactive}

    return build


def _template(definition: dict[str, Any] | None, name: str, components: Any = None) -> Builder:
    def build(sandbox: Sandbox, to: str, _: str) -> dict[str, Any]:
        if definition is not None:
            create_approved(sandbox, definition)
        return template_send(to, name, components)

    return build


BUTTONS = {
    "type": "button",
    "header": {"type": "text", "text": "Order #1234"},
    "body": {"text": "Your parcel is ready. When should we deliver?"},
    "footer": {"text": "Reply anytime"},
    "action": {
        "buttons": [
            {"type": "reply", "reply": {"id": "slot_am", "title": "Morning"}},
            {"type": "reply", "reply": {"id": "slot_pm", "title": "Afternoon"}},
            {"type": "reply", "reply": {"id": "reschedule", "title": "Another day"}},
        ]
    },
}
LIST = {
    "type": "list",
    "header": {"type": "text", "text": "Shipping options"},
    "body": {"text": "Pick a delivery speed"},
    "footer": {"text": "Prices incl. VAT"},
    "action": {
        "button": "See options",
        "sections": [
            {
                "title": "Fast",
                "rows": [
                    {"id": "express", "title": "Express", "description": "Next day"},
                    {"id": "priority", "title": "Priority", "description": "2 days"},
                ],
            },
            {"title": "Cheap", "rows": [{"id": "standard", "title": "Standard"}]},
        ],
    },
}
CTA_URL = {
    "type": "cta_url",
    "header": {"type": "image", "image": {"link": "https://shop.example/banner.png"}},
    "body": {"text": "Track your parcel live."},
    "footer": {"text": "Link valid 7 days"},
    "action": {
        "name": "cta_url",
        "parameters": {"display_text": "Track order", "url": "https://shop.example/t/1234"},
    },
}
PRODUCT = {
    "type": "product",
    "body": {"text": "Back in stock!"},
    "footer": {"text": "Limited qty"},
    "action": {"catalog_id": CATALOG, "product_retailer_id": "SKU-RED-M"},
}
PRODUCT_LIST = {
    "type": "product_list",
    "header": {"type": "text", "text": "Our bestsellers"},
    "body": {"text": "Add items to your cart"},
    "action": {
        "catalog_id": CATALOG,
        "sections": [
            {
                "title": "Shirts",
                "product_items": [
                    {"product_retailer_id": "SKU-RED-M"},
                    {"product_retailer_id": "SKU-BLU-M"},
                ],
            },
            {"title": "Hats", "product_items": [{"product_retailer_id": "HAT-01"}]},
        ],
    },
}
CATALOG_MESSAGE = {
    "type": "catalog_message",
    "body": {"text": "Browse the full catalog."},
    "action": {
        "name": "catalog_message",
        "parameters": {"thumbnail_product_retailer_id": "SKU-RED-M"},
    },
}

BUILDERS: dict[str, Builder] = {
    "text": lambda _, to, __: {"to": to, "type": "text", "text": {"body": "Your order shipped"}},
    "text-with-preview": lambda _, to, __: {
        "to": to,
        "type": "text",
        "text": {"body": "Track it: https://shop.example/t/1", "preview_url": True},
    },
    "image-by-id": _media_by_id("image", JPEG, "image/jpeg", caption="Your receipt"),
    "document-by-id": _media_by_id(
        "document", PDF, "application/pdf", filename="invoice-1234.pdf", caption="Invoice"
    ),
    "video-by-id": _media_by_id("video", MP4, "video/mp4", caption="Unboxing"),
    "audio-by-id": _media_by_id("audio", OGG, "audio/ogg", voice=True),
    "sticker-by-id": _media_by_id("sticker", WEBP, "image/webp"),
    "image-by-link": _media_by_link("image", "https://shop.example/box.jpg", caption="Box"),
    "document-by-link": _media_by_link(
        "document", "https://shop.example/invoice.pdf", filename="invoice.pdf"
    ),
    "video-by-link": _media_by_link("video", "https://shop.example/unboxing.mp4"),
    "audio-by-link": _media_by_link("audio", "https://shop.example/note.ogg"),
    "sticker-by-link": _media_by_link("sticker", "https://shop.example/thanks.webp"),
    "location": lambda _, to, __: {
        "to": to,
        "type": "location",
        "location": {
            "latitude": 37.4847,
            "longitude": -122.1477,
            "name": "Pickup point",
            "address": "1 Hacker Way, Menlo Park, CA",
        },
    },
    "contacts": lambda _, to, __: {
        "to": to,
        "type": "contacts",
        "contacts": [
            {
                "name": {"formatted_name": "Support Desk", "first_name": "Support"},
                "phones": [{"phone": "+15551234567", "type": "WORK", "wa_id": "15551234567"}],
                "emails": [{"email": "help@shop.example", "type": "WORK"}],
                "org": {"company": "Example Co"},
                "urls": [{"url": "https://shop.example", "type": "WORK"}],
            }
        ],
    },
    "reaction": lambda _, to, inbound: {
        "to": to,
        "type": "reaction",
        "reaction": {"message_id": inbound, "emoji": "\U0001f44d"},
    },
    "interactive-button": _interactive(BUTTONS),
    "interactive-list": _interactive(LIST),
    "interactive-cta_url": _interactive(CTA_URL),
    "interactive-product": _interactive(PRODUCT),
    "interactive-product_list": _interactive(PRODUCT_LIST),
    "interactive-catalog_message": _interactive(CATALOG_MESSAGE),
    "template-hello_world": _template(None, "hello_world"),
    "template-positional": _template(
        ORDER_UPDATE,
        "order_update",
        [
            {"type": "header", "parameters": [{"type": "text", "text": "ORD-1"}]},
            body_params("Jessica", "ORD-1"),
        ],
    ),
    "template-named": _template(
        ORDER_STATUS_NAMED,
        "order_status_update",
        [
            {
                "type": "header",
                "parameters": [{"type": "text", "parameter_name": "order_id", "text": "O-7"}],
            },
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "parameter_name": "status", "text": "shipped"},
                    {"type": "text", "parameter_name": "customer_name", "text": "Jessica"},
                ],
            },
        ],
    ),
    "template-header-image-link": _template(
        PARCEL_PHOTO,
        "parcel_photo",
        [
            {
                "type": "header",
                "parameters": [
                    {"type": "image", "image": {"link": "https://shop.example/parcel.jpg"}}
                ],
            }
        ],
    ),
    "template-currency-date_time": _template(
        PAYMENT_RECEIVED,
        "payment_received",
        [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Jessica"},
                    {
                        "type": "currency",
                        "currency": {
                            "fallback_value": "$19.99",
                            "code": "USD",
                            "amount_1000": 19990,
                        },
                    },
                    {"type": "date_time", "date_time": {"fallback_value": "August 5, 2025"}},
                ],
            }
        ],
    ),
    "template-url-suffix": _template(
        TRACK_ORDER,
        "track_order",
        [
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "ORD-1234"}],
            }
        ],
    ),
    "template-quick-reply-payload": _template(
        DELIVERY_CHECK, "delivery_check", [quick_reply(0, "HOME:ORD-1"), quick_reply(1, "RS:1")]
    ),
    "template-copy-code": _template(
        COUPON_OFFER,
        "coupon_offer",
        [
            {
                "type": "button",
                "sub_type": "copy_code",
                "index": 0,
                "parameters": [{"type": "coupon_code", "coupon_code": "25OFF"}],
            }
        ],
    ),
}


def phone_message(sandbox: Sandbox, wa_id: str, wamid: str) -> dict[str, Any]:
    """The message ``wamid`` as the customer's phone shows it."""
    found = [m for m in sandbox.phone(wa_id) if m["id"] == wamid]
    assert len(found) == 1, sandbox.phone(wa_id)
    return found[0]


# -- the success response --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_every_message_type_is_accepted_exactly_like_the_cloud_api_and_reaches_the_phone(
    sandbox: Sandbox, kind: str
) -> None:
    inbound = sandbox.say(CUSTOMER)
    payload = BUILDERS[kind](sandbox, CUSTOMER, inbound)

    response = sandbox.send(payload)

    assert response.status_code == 200, response.text
    body = response.json()
    wamid = body["messages"][0]["id"]
    assert body == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": CUSTOMER, "wa_id": CUSTOMER}],
        "messages": [{"id": wamid, "message_status": "accepted"}],
    }
    assert wamid.startswith("wamid.")
    assert len(wamid) <= 128
    final = "sent" if kind == "reaction" else "read"  # reactions only ever get `sent`
    wait_status(sandbox.receiver, wamid, final)
    shown = phone_message(sandbox, CUSTOMER, wamid)
    assert shown["type"] == payload["type"]
    assert shown["text"]
    assert shown["status"] == final


@pytest.mark.parametrize(
    ("to", "wa_id"),
    [
        ("+91 98765-43210", "919876543210"),
        ("+1 (650) 555.1234", "16505551234"),
    ],
)
def test_to_is_echoed_as_input_and_normalised_to_digits_in_wa_id(
    sandbox: Sandbox, to: str, wa_id: str
) -> None:
    response = sandbox.send({"to": to, "type": "text", "text": {"body": "hello"}})

    assert response.status_code == 200, response.text
    assert response.json()["contacts"] == [{"input": to, "wa_id": wa_id}]


def test_a_normalised_recipient_is_the_same_customer_as_its_digits(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok({"to": "+91 98765-43210", "type": "text", "text": {"body": "hi"}})

    assert [m["id"] for m in sandbox.phone("919876543210")] == [wamid]


def test_type_defaults_to_text_when_omitted(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok({"to": CUSTOMER, "text": {"body": "No type given"}})

    assert phone_message(sandbox, CUSTOMER, wamid)["text"] == "No type given"


def test_a_send_to_a_bsuid_answers_user_id_instead_of_wa_id(sandbox: Sandbox) -> None:
    bsuid = "US.13491208655302741918"

    response = sandbox.send({"recipient": bsuid, "type": "template", "template": HELLO_WORLD})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contacts"] == [{"input": bsuid, "user_id": bsuid}]
    assert body["messages"][0]["message_status"] == "accepted"


@pytest.mark.parametrize("digits", [20, 64])
def test_wamids_stay_within_128_characters_for_every_valid_bsuid(
    sandbox: Sandbox, digits: int
) -> None:
    bsuid = "US." + "7" * digits  # the send validator accepts up to 64 digits

    response = sandbox.send({"recipient": bsuid, "type": "template", "template": HELLO_WORLD})

    assert response.status_code == 200, response.text
    wamid = response.json()["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    assert len(wamid) <= 128


def test_wamids_are_unique_over_many_sends(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=1000)  # 200 sends in well under a second
    customers = [f"1555000{n:04d}" for n in range(5)]
    for customer in customers:
        sandbox.say(customer)

    wamids = [
        sandbox.send_ok({"to": customer, "type": "text", "text": {"body": f"update {n}"}})
        for n in range(40)
        for customer in customers
    ]

    assert len(set(wamids)) == 200
    assert all(w.startswith("wamid.") and len(w) <= 128 for w in wamids)


# -- what the phone shows --------------------------------------------------------------------


def test_text_is_shown_verbatim_on_the_phone(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    body = "Your order #1234 has shipped: https://shop.example/t/1234 \U0001f4e6"

    wamid = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": body}})

    assert phone_message(sandbox, CUSTOMER, wamid)["text"] == body


def test_the_phone_shows_messages_oldest_first(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    first = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "one"}})
    second = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "two"}})

    assert [m["id"] for m in sandbox.phone(CUSTOMER)] == [first, second]


def test_reply_buttons_are_shown_with_their_titles(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)

    wamid = sandbox.send_ok(BUILDERS["interactive-button"](sandbox, CUSTOMER, ""))

    shown = phone_message(sandbox, CUSTOMER, wamid)
    assert shown["buttons"] == ["Morning", "Afternoon", "Another day"]
    assert "Your parcel is ready. When should we deliver?" in shown["text"]


def test_a_list_shows_its_button_and_every_row(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)

    wamid = sandbox.send_ok(BUILDERS["interactive-list"](sandbox, CUSTOMER, ""))

    shown = phone_message(sandbox, CUSTOMER, wamid)
    assert shown["buttons"] == ["See options"]
    assert shown["rows"] == [
        {"id": "express", "title": "Express", "description": "Next day"},
        {"id": "priority", "title": "Priority", "description": "2 days"},
        {"id": "standard", "title": "Standard", "description": None},
    ]


def test_a_cta_url_shows_its_display_text_as_the_button(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)

    wamid = sandbox.send_ok(BUILDERS["interactive-cta_url"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["buttons"] == ["Track order"]


def test_a_media_caption_is_shown_with_the_media(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")

    wamid = sandbox.send_ok(
        {"to": CUSTOMER, "type": "image", "image": {"id": media_id, "caption": "Your receipt"}}
    )

    shown = phone_message(sandbox, CUSTOMER, wamid)
    assert shown["type"] == "image"
    assert "Your receipt" in shown["text"]


def test_the_phone_status_moves_from_accepted_to_read(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    wamid = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "hello"}})

    wait_status(sandbox.receiver, wamid, "read")

    assert phone_message(sandbox, CUSTOMER, wamid)["status"] == "read"


# -- templates -------------------------------------------------------------------------------


def test_hello_world_renders_its_header_body_and_footer(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(template_send(CUSTOMER, "hello_world"))

    shown = phone_message(sandbox, CUSTOMER, wamid)
    assert shown["type"] == "template"
    assert shown["template"] == {"name": "hello_world", "language": "en_US"}
    lines = shown["text"].split("\n")
    assert lines[0] == "Hello World"
    assert lines[1].startswith("Welcome and congratulations!!")
    assert lines[-1] == "WhatsApp Business Platform sample message"


def test_a_template_can_be_sent_outside_the_service_window(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(template_send(CUSTOMER, "hello_world"))

    wait_status(sandbox.receiver, wamid, "read")

    assert "failed" not in sandbox.receiver.statuses_of(wamid)


def test_positional_parameters_fill_the_header_and_body_in_order(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(BUILDERS["template-positional"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["text"] == (
        "Order ORD-1\nHi Jessica, your order ORD-1 is on its way to you.\nOrdertalk demo shop"
    )


def test_named_parameters_fill_their_variables_in_any_order(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(BUILDERS["template-named"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["text"] == (
        "Order O-7 update\nHi Jessica, your order is now shipped with the courier."
    )


def test_a_header_image_by_uploaded_id_is_accepted(sandbox: Sandbox) -> None:
    create_approved(sandbox, PARCEL_PHOTO)
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")
    header = {"type": "header", "parameters": [{"type": "image", "image": {"id": media_id}}]}

    wamid = sandbox.send_ok(template_send(CUSTOMER, "parcel_photo", [header]))

    shown = phone_message(sandbox, CUSTOMER, wamid)
    assert "Your parcel has been packed and is ready to go." in shown["text"]


def test_currency_and_date_time_parameters_render_their_fallback_values(
    sandbox: Sandbox,
) -> None:
    wamid = sandbox.send_ok(BUILDERS["template-currency-date_time"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["text"] == (
        "Hi Jessica, we received $19.99 on August 5, 2025 for your order."
    )


def test_template_buttons_are_shown_with_their_labels(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(BUILDERS["template-quick-reply-payload"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["buttons"] == ["Yes, I'm home", "Reschedule"]


def test_a_url_button_keeps_its_label_when_a_suffix_is_sent(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(BUILDERS["template-url-suffix"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["buttons"] == ["Track order"]


def test_a_copy_code_button_shows_whatsapps_fixed_label(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(BUILDERS["template-copy-code"](sandbox, CUSTOMER, ""))

    assert phone_message(sandbox, CUSTOMER, wamid)["buttons"] == ["Copy offer code"]


def test_a_quick_reply_tap_comes_back_with_its_payload_and_the_template_as_context(
    sandbox: Sandbox,
) -> None:
    create_approved(sandbox, DELIVERY_CHECK)
    template_wamid = sandbox.send_ok(
        template_send(
            CUSTOMER,
            "delivery_check",
            [quick_reply(0, "HOME:ORD-1234"), quick_reply(1, "RESCHEDULE:ORD-1234")],
        )
    )

    tap = sandbox.inbound(**{"from": CUSTOMER, "type": "button", "button": {"text": "Reschedule"}})

    message = wait_inbound(sandbox.receiver, tap)
    assert message["type"] == "button"
    assert message["button"] == {"text": "Reschedule", "payload": "RESCHEDULE:ORD-1234"}
    assert message["context"]["id"] == template_wamid


def test_a_quick_reply_sent_without_a_payload_echoes_its_label_on_tap(sandbox: Sandbox) -> None:
    create_approved(sandbox, DELIVERY_CHECK)
    template_wamid = sandbox.send_ok(template_send(CUSTOMER, "delivery_check"))

    tap = sandbox.inbound(**{"from": CUSTOMER, "type": "button", "button": {"text": "Reschedule"}})

    message = wait_inbound(sandbox.receiver, tap)
    assert message["button"]["payload"] == "Reschedule"
    assert message["context"]["id"] == template_wamid


def test_a_quick_reply_tap_answers_the_template_it_was_tapped_on(sandbox: Sandbox) -> None:
    create_approved(sandbox, DELIVERY_CHECK)
    older = sandbox.send_ok(
        template_send(CUSTOMER, "delivery_check", [quick_reply(1, "RESCHEDULE:ORD-1")])
    )
    sandbox.send_ok(template_send(CUSTOMER, "delivery_check", [quick_reply(1, "RESCHEDULE:ORD-2")]))

    tap = sandbox.inbound(
        **{
            "from": CUSTOMER,
            "type": "button",
            "button": {"text": "Reschedule"},
            "context": {"id": older},
        }
    )

    message = wait_inbound(sandbox.receiver, tap)
    assert message["button"]["payload"] == "RESCHEDULE:ORD-1"
    assert message["context"]["id"] == older


# -- context, callback data, reactions ------------------------------------------------------


def test_a_reply_carries_the_quoted_message_in_its_context(sandbox: Sandbox) -> None:
    question = sandbox.say(CUSTOMER, "Can you change my address?")

    wamid = sandbox.send_ok(
        {
            "to": CUSTOMER,
            "type": "text",
            "context": {"message_id": question},
            "text": {"body": "Done, we've updated the address."},
        }
    )

    assert phone_message(sandbox, CUSTOMER, wamid)["raw"]["context"] == {"message_id": question}


def test_biz_opaque_callback_data_is_echoed_in_every_status(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)

    wamid = sandbox.send_ok(
        {
            "to": CUSTOMER,
            "type": "text",
            "text": {"body": "Your parcel is out for delivery"},
            "biz_opaque_callback_data": "outbox:42",
        }
    )

    wait_status(sandbox.receiver, wamid, "read")
    statuses = [s for s in sandbox.receiver.statuses() if s["id"] == wamid]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert all(s["biz_opaque_callback_data"] == "outbox:42" for s in statuses)


def test_biz_opaque_callback_data_is_echoed_in_a_failed_status(sandbox: Sandbox) -> None:
    # No customer message yet, so a free-form text fails later with 131047.
    wamid = sandbox.send_ok(
        {
            "to": CUSTOMER,
            "type": "text",
            "text": {"body": "Outside the window"},
            "biz_opaque_callback_data": "outbox:43",
        }
    )

    failed = wait_status(sandbox.receiver, wamid, "failed")
    assert failed["biz_opaque_callback_data"] == "outbox:43"
    assert failed["errors"][0]["code"] == 131047


def test_statuses_without_callback_data_do_not_carry_the_key(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    wamid = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "plain"}})

    wait_status(sandbox.receiver, wamid, "read")

    assert all(
        "biz_opaque_callback_data" not in s for s in sandbox.receiver.statuses() if s["id"] == wamid
    )


def test_a_reaction_to_a_message_in_the_chat_only_ever_gets_sent(sandbox: Sandbox) -> None:
    inbound = sandbox.say(CUSTOMER, "Thanks!")
    reaction = sandbox.send_ok(BUILDERS["reaction"](sandbox, CUSTOMER, inbound))
    later = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "You're welcome"}})

    wait_status(sandbox.receiver, later, "read")

    assert sandbox.receiver.statuses_of(reaction) == ["sent"]
    assert phone_message(sandbox, CUSTOMER, reaction)["text"] == "\U0001f44d"


def test_a_reaction_to_an_outbound_message_in_the_chat_is_sent(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    ours = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "Order confirmed"}})

    reaction = sandbox.send_ok(
        {"to": CUSTOMER, "type": "reaction", "reaction": {"message_id": ours, "emoji": "\u2705"}}
    )

    assert wait_status(sandbox.receiver, reaction, "sent")["id"] == reaction


def test_a_reaction_to_a_message_of_another_chat_fails_later_with_131009(
    sandbox: Sandbox,
) -> None:
    elsewhere = sandbox.say("15550001111")
    sandbox.say(CUSTOMER)

    reaction = sandbox.send_ok(
        {"to": CUSTOMER, "type": "reaction", "reaction": {"message_id": elsewhere, "emoji": "👍"}}
    )

    failed = wait_status(sandbox.receiver, reaction, "failed")
    assert failed["errors"][0]["code"] == 131009


# -- mark as read and typing indicator ------------------------------------------------------


def mark_read(message_id: str, **extra: Any) -> dict[str, Any]:
    """A mark-as-read body (messaging_product is added by `sandbox.send`)."""
    return {"status": "read", "message_id": message_id, **extra}


def test_marking_an_inbound_message_read_answers_success(sandbox: Sandbox) -> None:
    inbound = sandbox.say(CUSTOMER)

    response = sandbox.send(mark_read(inbound))

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}


def test_marking_read_with_a_typing_indicator_answers_success(sandbox: Sandbox) -> None:
    inbound = sandbox.say(CUSTOMER)

    response = sandbox.send(mark_read(inbound, typing_indicator={"type": "text"}))

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}


def test_marking_a_message_read_also_marks_the_earlier_ones_read(sandbox: Sandbox) -> None:
    first = sandbox.say(CUSTOMER, "hello?")
    second = sandbox.say(CUSTOMER, "where is my order?")
    third = sandbox.say(CUSTOMER, "still there?")

    assert sandbox.send(mark_read(second)).status_code == 200

    sent = sandbox.control.get(f"/_sandbox/phones/{CUSTOMER}/sent").json()
    read = {item["id"]: item["read"] for item in sent}
    assert read == {first: True, second: True, third: False}


def test_marking_an_unknown_message_read_is_refused_with_100(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)

    response = sandbox.send(mark_read("wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSAAAAAAAAAAA="))

    assert_graph_error(response, 100)


def test_marking_an_outbound_message_read_is_refused_with_100(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    ours = sandbox.send_ok({"to": CUSTOMER, "type": "text", "text": {"body": "hello"}})

    assert_graph_error(sandbox.send(mark_read(ours)), 100)


def test_marking_read_through_another_business_number_is_refused_with_100(
    sandbox: Sandbox,
) -> None:
    inbound = sandbox.inbound(
        **{
            "from": CUSTOMER,
            "type": "text",
            "text": {"body": "hi"},
            "phone_number_id": SECOND_NUMBER,
        }
    )

    assert_graph_error(sandbox.send(mark_read(inbound)), 100)


def test_a_typing_indicator_of_an_unknown_type_is_refused_with_100(sandbox: Sandbox) -> None:
    inbound = sandbox.say(CUSTOMER)

    response = sandbox.send(mark_read(inbound, typing_indicator={"type": "audio"}))

    assert_graph_error(response, 100)
