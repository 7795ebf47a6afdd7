"""Specification of how the sandbox refuses a send over HTTP.

Every rejection carries the real Graph error envelope: `error.message` is "(#code) title",
with `type`, `code`, `error_data.messaging_product` == "whatsapp", non-empty
`error_data.details` and an `fbtrace_id`, and the HTTP status of Meta's error table. This file
covers authentication and routing, malformed bodies, the message validation codes (131008,
131009, 100) and the template send codes (132000, 132001, 132005, 132012, 132015, 132016,
132018). Whatever JSON is posted, the answer is a 200 or a 4xx, never a 5xx.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import API, Sandbox
from tests.sandbox.http_support import (
    JPEG,
    assert_graph_error,
    body_params,
    create_approved,
    template_send,
    upload_ok,
)

CUSTOMER = "16505551234"
TEXT = {"to": CUSTOMER, "type": "text", "text": {"body": "Your parcel is on its way"}}

ORDER_READY = {
    "name": "order_ready",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order {{2}} is ready for pickup at the store.",
            "example": {"body_text": [["Jessica", "ORD-1234"]]},
        }
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


def messages_path(sandbox: Sandbox, version: str = API, number: str | None = None) -> str:
    """The absolute-from-root path of the send endpoint (for clients without a base version)."""
    return f"/{version}/{number or sandbox.number}/messages"


def post_raw(sandbox: Sandbox, content: bytes) -> httpx.Response:
    """POST raw bytes as JSON to the send endpoint, with the right token."""
    return sandbox.graph.post(
        f"/{sandbox.number}/messages",
        content=content,
        headers={"Content-Type": "application/json"},
    )


# -- authentication and routing --------------------------------------------------------------


def test_a_send_without_an_access_token_is_refused_with_401_code_0(sandbox: Sandbox) -> None:
    response = sandbox.control.post(messages_path(sandbox), json=TEXT)

    assert_graph_error(response, 0, status=401)


def test_a_send_with_a_wrong_access_token_is_refused_with_401_code_190(sandbox: Sandbox) -> None:
    response = sandbox.control.post(
        messages_path(sandbox), json=TEXT, headers={"Authorization": "Bearer not-the-token"}
    )

    assert_graph_error(response, 190, status=401)


def test_a_token_without_the_bearer_scheme_is_refused_with_190(sandbox: Sandbox) -> None:
    response = sandbox.control.post(
        messages_path(sandbox),
        json=TEXT,
        headers={"Authorization": sandbox.settings.access_token},
    )

    assert_graph_error(response, 190, status=401)


def test_a_refused_token_sends_nothing(sandbox: Sandbox) -> None:
    sandbox.control.post(
        messages_path(sandbox), json=TEXT, headers={"Authorization": "Bearer wrong"}
    )

    assert sandbox.phone(CUSTOMER) == []


def test_an_unknown_phone_number_id_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send(TEXT, number="999999999999999")

    assert_graph_error(response, 100)


@pytest.mark.parametrize("version", ["v25", "latest"])
def test_a_malformed_api_version_in_the_path_is_refused_with_100(
    sandbox: Sandbox, version: str
) -> None:
    response = sandbox.control.post(
        messages_path(sandbox, version=version),
        json={"messaging_product": "whatsapp", **TEXT},
        headers={"Authorization": f"Bearer {sandbox.settings.access_token}"},
    )

    assert_graph_error(response, 100)


def test_an_unknown_path_is_refused_in_the_graph_envelope(sandbox: Sandbox) -> None:
    response = sandbox.graph.post(f"/{sandbox.number}/messages/extra", json=TEXT)

    assert_graph_error(response, 100)


# -- malformed bodies ------------------------------------------------------------------------


def test_a_missing_messaging_product_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.graph.post(f"/{sandbox.number}/messages", json=TEXT)

    assert_graph_error(response, 100)


def test_a_messaging_product_other_than_whatsapp_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send({"messaging_product": "instagram", **TEXT})

    assert_graph_error(response, 100)


def test_an_unknown_top_level_field_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send({**TEXT, "priority": "high"})

    error = assert_graph_error(response, 100)
    assert "priority" in error["error_data"]["details"]


def test_an_unknown_field_inside_the_message_object_is_refused_with_100(
    sandbox: Sandbox,
) -> None:
    response = sandbox.send({**TEXT, "text": {"body": "hi", "bold": True}})

    assert_graph_error(response, 100)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b'[{"messaging_product": "whatsapp"}]'],
    ids=["bad-json", "empty", "array"],
)
def test_a_body_that_is_bad_json_empty_or_an_array_is_refused_with_100(
    sandbox: Sandbox, content: bytes
) -> None:
    assert_graph_error(post_raw(sandbox, content), 100)


def test_a_json_body_that_is_not_an_object_is_refused_with_100(sandbox: Sandbox) -> None:
    for content in (b"[]", b'"text"', b"42", b"null", b"true"):
        assert_graph_error(post_raw(sandbox, content), 100)


def test_a_body_that_is_not_utf8_is_refused_with_100(sandbox: Sandbox) -> None:
    assert_graph_error(post_raw(sandbox, b'{"to": "\xff\xfe"}'), 100)


def test_deeply_nested_json_is_refused_with_100_not_a_server_error(sandbox: Sandbox) -> None:
    # Python's json parser gives up on deep nesting with RecursionError, not ValueError.
    depth = 100_000

    assert_graph_error(post_raw(sandbox, b"[" * depth + b"]" * depth), 100)


def test_an_unknown_message_type_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send({"to": CUSTOMER, "type": "fax", "fax": {"pages": 1}})

    assert_graph_error(response, 100)


def test_a_recipient_that_is_not_a_phone_number_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send({**TEXT, "to": "call me maybe"})

    assert_graph_error(response, 100)


def test_a_missing_recipient_is_refused_with_131008(sandbox: Sandbox) -> None:
    response = sandbox.send({"type": "text", "text": {"body": "to whom?"}})

    assert_graph_error(response, 131008)


# -- message validation ----------------------------------------------------------------------


def test_a_text_without_a_body_is_refused_with_131008(sandbox: Sandbox) -> None:
    response = sandbox.send({"to": CUSTOMER, "type": "text", "text": {}})

    error = assert_graph_error(response, 131008)
    assert "body" in error["error_data"]["details"]


def test_a_text_longer_than_4096_characters_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send({"to": CUSTOMER, "type": "text", "text": {"body": "x" * 4097}})

    assert_graph_error(response, 100)


def test_a_list_with_more_than_10_rows_in_total_is_refused_with_131009(sandbox: Sandbox) -> None:
    sections = [
        {
            "title": f"Section {s}",
            "rows": [{"id": f"row-{s}-{r}", "title": f"Option {s}.{r}"} for r in range(4)],
        }
        for s in range(3)
    ]
    interactive = {
        "type": "list",
        "body": {"text": "Pick a delivery slot"},
        "action": {"button": "Slots", "sections": sections},
    }

    response = sandbox.send({"to": CUSTOMER, "type": "interactive", "interactive": interactive})

    error = assert_graph_error(response, 131009)
    assert error["message"] == "(#131009) Parameter value is not valid"
    assert error["error_data"]["details"] == "Total row count exceed max allowed count: 10"


def test_a_reply_button_title_over_20_characters_is_refused_with_131009(
    sandbox: Sandbox,
) -> None:
    interactive = {
        "type": "button",
        "body": {"text": "When should we deliver?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "later", "title": "Some time next week!!"}}
            ]
        },
    }

    response = sandbox.send({"to": CUSTOMER, "type": "interactive", "interactive": interactive})

    error = assert_graph_error(response, 131009)
    assert "Button title" in error["error_data"]["details"]


def test_more_than_3_reply_buttons_are_refused_with_131009(sandbox: Sandbox) -> None:
    buttons = [
        {"type": "reply", "reply": {"id": f"b{n}", "title": f"Option {n}"}} for n in range(4)
    ]
    interactive = {"type": "button", "body": {"text": "Choose"}, "action": {"buttons": buttons}}

    response = sandbox.send({"to": CUSTOMER, "type": "interactive", "interactive": interactive})

    assert_graph_error(response, 131009)


def test_media_with_both_an_id_and_a_link_is_refused_with_131009(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")

    response = sandbox.send(
        {
            "to": CUSTOMER,
            "type": "image",
            "image": {"id": media_id, "link": "https://shop.example/box.jpg"},
        }
    )

    assert_graph_error(response, 131009)


def test_media_with_neither_an_id_nor_a_link_is_refused_with_131008(sandbox: Sandbox) -> None:
    response = sandbox.send({"to": CUSTOMER, "type": "image", "image": {"caption": "?"}})

    assert_graph_error(response, 131008)


def test_a_caption_on_audio_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.send(
        {
            "to": CUSTOMER,
            "type": "audio",
            "audio": {"link": "https://a.example/x.ogg", "caption": "x"},
        }
    )

    assert_graph_error(response, 100)


def test_a_reaction_to_something_that_is_not_a_wamid_is_refused_with_131009(
    sandbox: Sandbox,
) -> None:
    response = sandbox.send(
        {"to": CUSTOMER, "type": "reaction", "reaction": {"message_id": "12345", "emoji": "👍"}}
    )

    assert_graph_error(response, 131009)


def test_biz_opaque_callback_data_over_512_characters_is_refused_with_100(
    sandbox: Sandbox,
) -> None:
    response = sandbox.send({**TEXT, "biz_opaque_callback_data": "x" * 513})

    assert_graph_error(response, 100)


def test_a_refused_send_never_reaches_the_phone(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)

    sandbox.send({"to": CUSTOMER, "type": "text", "text": {}})

    assert sandbox.phone(CUSTOMER) == []


# -- template sends --------------------------------------------------------------------------


def test_too_few_body_parameters_are_refused_with_132000(sandbox: Sandbox) -> None:
    create_approved(sandbox, ORDER_READY)

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body_params("Jessica")]))

    error = assert_graph_error(response, 132000)
    assert error["error_data"]["details"] == (
        "body: number of localizable_params (1) does not match the expected number of params (2)"
    )


def test_parameters_for_a_template_without_variables_are_refused_with_132000(
    sandbox: Sandbox,
) -> None:
    response = sandbox.send(template_send(CUSTOMER, "hello_world", [body_params("surprise")]))

    assert_graph_error(response, 132000)


def test_a_missing_components_list_for_a_template_with_variables_is_132000(
    sandbox: Sandbox,
) -> None:
    create_approved(sandbox, ORDER_READY)

    response = sandbox.send(template_send(CUSTOMER, "order_ready"))

    error = assert_graph_error(response, 132000)
    assert "(0)" in error["error_data"]["details"]


def test_an_unknown_template_name_is_refused_with_132001_and_404(sandbox: Sandbox) -> None:
    response = sandbox.send(template_send(CUSTOMER, "no_such_template"))

    assert_graph_error(response, 132001, status=404)


def test_a_template_in_another_language_code_is_refused_with_132001(sandbox: Sandbox) -> None:
    # `en` and `en_US` are different templates.
    response = sandbox.send(template_send(CUSTOMER, "hello_world", language="en"))

    assert_graph_error(response, 132001, status=404)


def test_a_template_still_in_review_is_refused_with_132001(sandbox: Sandbox) -> None:
    sandbox.configure(template_review_delay_s=3600)
    created = sandbox.graph.post(f"/{sandbox.settings.waba_id}/message_templates", json=ORDER_READY)
    assert created.json()["status"] == "PENDING"

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body_params("A", "B")]))

    assert_graph_error(response, 132001, status=404)


def test_a_hydrated_body_over_1024_characters_is_refused_with_132005(sandbox: Sandbox) -> None:
    create_approved(sandbox, ORDER_READY)
    long_name = "J" * 1000

    response = sandbox.send(
        template_send(CUSTOMER, "order_ready", [body_params(long_name, "ORD-1234")])
    )

    assert_graph_error(response, 132005)


def test_a_parameter_name_on_a_positional_template_is_refused_with_132012(
    sandbox: Sandbox,
) -> None:
    create_approved(sandbox, ORDER_READY)
    body = {
        "type": "body",
        "parameters": [
            {"type": "text", "parameter_name": "customer", "text": "Jessica"},
            {"type": "text", "parameter_name": "order", "text": "ORD-1"},
        ],
    }

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body]))

    assert_graph_error(response, 132012)


def test_a_text_parameter_for_an_image_header_is_refused_with_132012(sandbox: Sandbox) -> None:
    create_approved(sandbox, PARCEL_PHOTO)
    header = {"type": "header", "parameters": [{"type": "text", "text": "not a picture"}]}

    response = sandbox.send(template_send(CUSTOMER, "parcel_photo", [header]))

    assert_graph_error(response, 132012)


def test_a_paused_template_is_refused_with_132015(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_READY)
    paused = sandbox.control.post(
        f"/_sandbox/templates/{template_id}/status", json={"status": "PAUSED"}
    )
    assert paused.status_code == 200, paused.text

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body_params("A", "B")]))

    assert_graph_error(response, 132015)


def test_a_disabled_template_is_refused_with_132016(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_READY)
    disabled = sandbox.control.post(
        f"/_sandbox/templates/{template_id}/status", json={"status": "DISABLED"}
    )
    assert disabled.status_code == 200, disabled.text

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body_params("A", "B")]))

    assert_graph_error(response, 132016)


def test_a_reinstated_template_can_be_sent_again(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_READY)
    status_url = f"/_sandbox/templates/{template_id}/status"
    sandbox.control.post(status_url, json={"status": "PAUSED"})
    sandbox.control.post(status_url, json={"status": "APPROVED"})

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body_params("A", "B")]))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "value",
    ["Jessica\nSmith", "Jessica\tSmith", "Jessica     Smith"],
    ids=["newline", "tab", "five-spaces"],
)
def test_a_parameter_with_newline_tab_or_five_spaces_is_refused_with_132018(
    sandbox: Sandbox, value: str
) -> None:
    create_approved(sandbox, ORDER_READY)

    response = sandbox.send(template_send(CUSTOMER, "order_ready", [body_params(value, "O-1")]))

    error = assert_graph_error(response, 132018)
    assert error["error_data"]["details"] == (
        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
    )


def test_four_consecutive_spaces_in_a_parameter_are_allowed(sandbox: Sandbox) -> None:
    create_approved(sandbox, ORDER_READY)

    response = sandbox.send(
        template_send(CUSTOMER, "order_ready", [body_params("Jessica    Smith", "O-1")])
    )

    assert response.status_code == 200, response.text


# -- whatever is posted, never a server error -----------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
MESSAGE_TYPES = [
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
    "interactive",
    "template",
]


@st.composite
def send_like(draw: st.DrawFn) -> object:
    """Anything JSON, and often something close to a real send so validation goes deep."""
    if draw(st.booleans()):
        return draw(JSON_VALUES)
    kind = draw(st.sampled_from(MESSAGE_TYPES))
    body: dict[str, Any] = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": kind}
    body[kind] = draw(JSON_VALUES)
    extra = draw(st.dictionaries(st.sampled_from(["context", "status", "message_id"]), JSON_VALUES))
    return body | extra


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=send_like())
def test_any_json_posted_to_messages_gets_200_or_a_4xx_envelope_never_5xx(
    sandbox: Sandbox, body: object
) -> None:
    response = sandbox.graph.post(f"/{sandbox.number}/messages", json=body)

    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
    if response.status_code != 200:
        error = assert_graph_error(response, response.json()["error"]["code"], response.status_code)
        assert error["code"] != 131000
