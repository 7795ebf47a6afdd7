"""Specification of the template management API over HTTP (`/{waba_id}/message_templates`).

A new account holds `hello_world`. Creating a template answers `{"id", "status": "PENDING",
"category"}` and the review outcome arrives later as a signed `message_template_status_update`
webhook (APPROVED by default, REJECTED with a reason when the sandbox is told to reject); only
APPROVED templates can be sent. Creation is validated (100 for structure, 2388xxx for content),
listing filters by status, category and name and pages with `limit` and the `after` cursor,
templates are deleted by name or by `hsm_id`, and a category change emits
`template_category_update`.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx

from ordertalk.whatsapp.signature import verify_signature
from tests.conftest import Sandbox
from tests.sandbox.http_support import (
    assert_graph_error,
    body_params,
    changes,
    create_approved,
    create_template,
    template_send,
    wait_template_event,
)

CUSTOMER = "5511987654321"

ORDER_SHIPPED: dict[str, Any] = {
    "name": "order_shipped",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order {{2}} has shipped and arrives {{3}}.",
            "example": {"body_text": [["Jessica", "ORD-1234", "Friday"]]},
        },
        {"type": "FOOTER", "text": "Reply STOP to opt out of shipping updates"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Stop updates"},
                {
                    "type": "URL",
                    "text": "Track order",
                    "url": "https://shop.example/t/{{1}}",
                    "example": ["https://shop.example/t/ORD-1234"],
                },
            ],
        },
    ],
}
ORDER_SHIPPED_SEND = [
    body_params("Jessica", "ORD-1", "Friday"),
    {
        "type": "button",
        "sub_type": "url",
        "index": "1",
        "parameters": [{"type": "text", "text": "ORD-1"}],
    },
]


def simple(name: str, category: str = "UTILITY", language: str = "en_US") -> dict[str, Any]:
    """A minimal valid template definition without variables."""
    return {
        "name": name,
        "language": language,
        "category": category,
        "components": [{"type": "BODY", "text": f"This is the {name} message from our shop."}],
    }


def templates_url(sandbox: Sandbox) -> str:
    """The WABA's message_templates edge."""
    return f"/{sandbox.settings.waba_id}/message_templates"


def list_templates(sandbox: Sandbox, **params: Any) -> dict[str, Any]:
    """GET the template list with query parameters; the page."""
    response = sandbox.graph.get(templates_url(sandbox), params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def names(page: dict[str, Any]) -> list[str]:
    """The template names of a listing page."""
    return [t["name"] for t in page["data"]]


def get_template(sandbox: Sandbox, template_id: str) -> httpx.Response:
    """GET /{template_id}."""
    return sandbox.graph.get(f"/{template_id}")


# -- a new account ---------------------------------------------------------------------------


def test_a_new_account_lists_only_hello_world(sandbox: Sandbox) -> None:
    page = list_templates(sandbox)

    assert len(page["data"]) == 1
    hello = page["data"][0]
    assert hello["name"] == "hello_world"
    assert hello["language"] == "en_US"
    assert hello["category"] == "UTILITY"
    assert hello["status"] == "APPROVED"


def test_hello_world_can_be_read_by_its_id(sandbox: Sandbox) -> None:
    listed = list_templates(sandbox)["data"][0]

    response = get_template(sandbox, listed["id"])

    assert response.status_code == 200, response.text
    assert response.json() == listed


# -- creation and review ---------------------------------------------------------------------


def test_create_answers_id_pending_status_and_category(sandbox: Sandbox) -> None:
    response = create_template(sandbox, ORDER_SHIPPED)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"id": body["id"], "status": "PENDING", "category": "UTILITY"}
    assert body["id"].isdigit()


def test_a_new_template_is_approved_by_a_signed_status_update_webhook(sandbox: Sandbox) -> None:
    template_id = create_template(sandbox, ORDER_SHIPPED).json()["id"]

    event = wait_template_event(sandbox.receiver, template_id, "APPROVED")

    assert event["message_template_id"] == int(template_id)
    assert event["message_template_name"] == "order_shipped"
    assert event["message_template_language"] == "en_US"
    (delivery,) = [
        d for d in sandbox.receiver.snapshot() if "message_template_status_update" in d.fields()
    ]
    assert delivery.json["object"] == "whatsapp_business_account"
    assert delivery.json["entry"][0]["id"] == sandbox.settings.waba_id
    assert verify_signature(
        sandbox.settings.app_secret, delivery.body, delivery.headers.get("x-hub-signature-256")
    )


def test_an_approved_template_reads_as_approved(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_SHIPPED)

    response = get_template(sandbox, template_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "APPROVED"
    assert body["name"] == "order_shipped"
    assert body["components"] == ORDER_SHIPPED["components"]


def test_an_approved_template_can_be_sent(sandbox: Sandbox) -> None:
    create_approved(sandbox, ORDER_SHIPPED)

    response = sandbox.send(template_send(CUSTOMER, "order_shipped", ORDER_SHIPPED_SEND))

    assert response.status_code == 200, response.text


def test_a_template_is_pending_until_its_review_is_due(sandbox: Sandbox) -> None:
    sandbox.configure(template_review_delay_s=3600)
    template_id = create_template(sandbox, ORDER_SHIPPED).json()["id"]

    assert get_template(sandbox, template_id).json()["status"] == "PENDING"
    sandbox.advance(3600)
    wait_template_event(sandbox.receiver, template_id, "APPROVED")
    assert get_template(sandbox, template_id).json()["status"] == "APPROVED"


def test_a_rejected_template_is_told_by_webhook_with_its_reason(sandbox: Sandbox) -> None:
    sandbox.configure(template_review="reject", template_reject_reason="PROMOTIONAL")

    template_id = create_template(sandbox, ORDER_SHIPPED).json()["id"]

    event = wait_template_event(sandbox.receiver, template_id, "REJECTED")
    assert event["reason"] == "PROMOTIONAL"
    assert get_template(sandbox, template_id).json()["status"] == "REJECTED"


def test_a_rejected_template_cannot_be_sent(sandbox: Sandbox) -> None:
    sandbox.configure(template_review="reject", template_reject_reason="PROMOTIONAL")
    template_id = create_template(sandbox, ORDER_SHIPPED).json()["id"]
    wait_template_event(sandbox.receiver, template_id, "REJECTED")

    response = sandbox.send(template_send(CUSTOMER, "order_shipped", ORDER_SHIPPED_SEND))

    assert_graph_error(response, 132001, status=404)


def test_pausing_a_template_is_told_by_webhook(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_SHIPPED)

    sandbox.control.post(f"/_sandbox/templates/{template_id}/status", json={"status": "PAUSED"})

    assert wait_template_event(sandbox.receiver, template_id, "PAUSED")["event"] == "PAUSED"
    assert get_template(sandbox, template_id).json()["status"] == "PAUSED"


def test_the_same_name_can_exist_in_several_languages(sandbox: Sandbox) -> None:
    english = create_template(sandbox, simple("delivery_notice"))
    spanish = create_template(sandbox, simple("delivery_notice", language="es"))

    assert english.status_code == 200, english.text
    assert spanish.status_code == 200, spanish.text
    assert english.json()["id"] != spanish.json()["id"]


# -- creation validation ---------------------------------------------------------------------


def test_a_template_name_other_than_lowercase_digits_underscores_is_refused_with_100(
    sandbox: Sandbox,
) -> None:
    for name in ("Order Shipped", "order-shipped", "ORDER_SHIPPED", "", "x" * 513):
        assert_graph_error(create_template(sandbox, simple(name)), 100)


def test_a_duplicate_name_and_language_is_refused_with_100(sandbox: Sandbox) -> None:
    create_approved(sandbox, ORDER_SHIPPED)

    assert_graph_error(create_template(sandbox, ORDER_SHIPPED), 100)


def test_a_duplicate_of_hello_world_is_refused_with_100(sandbox: Sandbox) -> None:
    assert_graph_error(create_template(sandbox, simple("hello_world")), 100)


def test_a_variable_at_the_start_of_the_body_is_refused_with_2388299(sandbox: Sandbox) -> None:
    definition = copy.deepcopy(ORDER_SHIPPED)
    definition["components"][0] = {
        "type": "BODY",
        "text": "{{1}}, your order {{2}} has shipped and arrives on Friday.",
        "example": {"body_text": [["Jessica", "ORD-1234"]]},
    }

    assert_graph_error(create_template(sandbox, definition), 2388299)


def test_a_variable_at_the_end_of_the_body_is_refused_with_2388299(sandbox: Sandbox) -> None:
    definition = simple("order_eta")
    definition["components"] = [
        {
            "type": "BODY",
            "text": "Your parcel from our shop is expected to arrive on {{1}}",
            "example": {"body_text": [["Friday"]]},
        }
    ]

    assert_graph_error(create_template(sandbox, definition), 2388299)


def test_a_body_variable_without_an_example_is_refused_with_100(sandbox: Sandbox) -> None:
    definition = copy.deepcopy(ORDER_SHIPPED)
    del definition["components"][0]["example"]

    assert_graph_error(create_template(sandbox, definition), 100)


def test_an_unknown_category_is_refused_with_100(sandbox: Sandbox) -> None:
    assert_graph_error(create_template(sandbox, simple("promo", category="SALES")), 100)


def test_a_template_without_a_body_is_refused_with_100(sandbox: Sandbox) -> None:
    definition = simple("no_body")
    definition["components"] = [{"type": "FOOTER", "text": "Just a footer"}]

    assert_graph_error(create_template(sandbox, definition), 100)


def test_a_button_label_over_25_characters_is_refused_with_2388040(sandbox: Sandbox) -> None:
    definition = simple("long_button")
    definition["components"].append(
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "x" * 26}]}
    )

    assert_graph_error(create_template(sandbox, definition), 2388040)


def test_a_creation_body_that_is_not_json_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.graph.post(
        templates_url(sandbox), content=b"{oops", headers={"Content-Type": "application/json"}
    )

    assert_graph_error(response, 100)


def test_a_refused_template_is_not_created(sandbox: Sandbox) -> None:
    create_template(sandbox, simple("Bad Name"))

    assert names(list_templates(sandbox)) == ["hello_world"]


def test_templates_of_an_unknown_waba_are_refused_with_100(sandbox: Sandbox) -> None:
    assert_graph_error(sandbox.graph.get("/999999999999/message_templates"), 100)


# -- listing ---------------------------------------------------------------------------------


def test_the_list_filters_by_status(sandbox: Sandbox) -> None:
    create_approved(sandbox, simple("approved_one"))
    sandbox.configure(template_review="reject")
    rejected_id = create_template(sandbox, simple("rejected_one")).json()["id"]
    wait_template_event(sandbox.receiver, rejected_id, "REJECTED")

    assert names(list_templates(sandbox, status="REJECTED")) == ["rejected_one"]
    assert names(list_templates(sandbox, status="APPROVED")) == ["hello_world", "approved_one"]


def test_the_list_filters_by_category(sandbox: Sandbox) -> None:
    create_approved(sandbox, simple("spring_sale", category="MARKETING"))
    create_approved(sandbox, simple("order_note"))

    assert names(list_templates(sandbox, category="MARKETING")) == ["spring_sale"]


def test_the_list_filters_by_name(sandbox: Sandbox) -> None:
    create_approved(sandbox, simple("order_note"))
    create_approved(sandbox, simple("order_note", language="es"))
    create_approved(sandbox, simple("other_note"))

    page = list_templates(sandbox, name="order_note")

    assert sorted(t["language"] for t in page["data"]) == ["en_US", "es"]
    assert set(names(page)) == {"order_note"}


def test_the_list_pages_with_limit_and_the_after_cursor(sandbox: Sandbox) -> None:
    for n in range(5):
        create_template(sandbox, simple(f"note_{n}"))

    first = list_templates(sandbox, limit=2)
    second = list_templates(sandbox, limit=2, after=first["paging"]["cursors"]["after"])
    third = list_templates(sandbox, limit=2, after=second["paging"]["cursors"]["after"])

    assert names(first) == ["hello_world", "note_0"]
    assert names(second) == ["note_1", "note_2"]
    assert names(third) == ["note_3", "note_4"]
    assert "cursors" not in third["paging"]


def test_the_next_link_fetches_the_following_page(sandbox: Sandbox) -> None:
    for n in range(3):
        create_template(sandbox, simple(f"note_{n}"))
    first = list_templates(sandbox, limit=2)

    following = httpx.get(
        first["paging"]["next"],
        headers={"Authorization": f"Bearer {sandbox.settings.access_token}"},
        timeout=10,
    )

    assert following.status_code == 200, following.text
    assert names(following.json()) == ["note_1", "note_2"]


def test_the_list_returns_only_the_requested_fields_plus_id(sandbox: Sandbox) -> None:
    page = list_templates(sandbox, fields="name,status")

    assert page["data"] == [
        {"id": page["data"][0]["id"], "name": "hello_world", "status": "APPROVED"}
    ]


def test_a_cursor_that_was_never_handed_out_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.graph.get(templates_url(sandbox), params={"after": "bm90LWEtY3Vyc29y"})

    assert_graph_error(response, 100)


def test_an_invalid_limit_is_refused_with_100(sandbox: Sandbox) -> None:
    for limit in ("0", "-1", "1001", "many"):
        response = sandbox.graph.get(templates_url(sandbox), params={"limit": limit})
        assert_graph_error(response, 100)


# -- deletion --------------------------------------------------------------------------------


def test_delete_by_name_removes_every_language(sandbox: Sandbox) -> None:
    english = create_approved(sandbox, simple("order_note"))
    create_approved(sandbox, simple("order_note", language="es"))

    response = sandbox.graph.delete(templates_url(sandbox), params={"name": "order_note"})

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    assert names(list_templates(sandbox)) == ["hello_world"]
    assert_graph_error(get_template(sandbox, english), 100)


def test_delete_by_hsm_id_removes_only_that_language(sandbox: Sandbox) -> None:
    create_approved(sandbox, simple("order_note"))
    spanish = create_approved(sandbox, simple("order_note", language="es"))

    response = sandbox.graph.delete(
        templates_url(sandbox), params={"name": "order_note", "hsm_id": spanish}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    remaining = list_templates(sandbox, name="order_note")["data"]
    assert [t["language"] for t in remaining] == ["en_US"]


def test_a_deleted_template_can_no_longer_be_sent(sandbox: Sandbox) -> None:
    create_approved(sandbox, ORDER_SHIPPED)
    sandbox.graph.delete(templates_url(sandbox), params={"name": "order_shipped"})

    response = sandbox.send(template_send(CUSTOMER, "order_shipped", ORDER_SHIPPED_SEND))

    assert_graph_error(response, 132001, status=404)


def test_deleting_an_unknown_name_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.graph.delete(templates_url(sandbox), params={"name": "never_created"})

    assert_graph_error(response, 100)


def test_deleting_with_an_hsm_id_of_another_name_is_refused_with_100(sandbox: Sandbox) -> None:
    other = create_approved(sandbox, simple("order_note"))

    response = sandbox.graph.delete(
        templates_url(sandbox), params={"name": "hello_world", "hsm_id": other}
    )

    assert_graph_error(response, 100)
    assert get_template(sandbox, other).status_code == 200


# -- category changes ------------------------------------------------------------------------


def test_a_category_change_answers_success_and_emits_template_category_update(
    sandbox: Sandbox,
) -> None:
    template_id = create_approved(sandbox, ORDER_SHIPPED)

    response = sandbox.graph.post(f"/{template_id}", json={"category": "MARKETING"})

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    sandbox.receiver.wait_for(
        lambda r: bool(changes(r, "template_category_update")), what="template_category_update"
    )
    (update,) = changes(sandbox.receiver, "template_category_update")
    assert update["message_template_id"] == int(template_id)
    assert update["message_template_name"] == "order_shipped"
    assert update["message_template_language"] == "en_US"
    assert update["previous_category"] == "UTILITY"
    assert update["new_category"] == "MARKETING"


def test_a_changed_category_is_what_the_template_reads_afterwards(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_SHIPPED)

    sandbox.graph.post(f"/{template_id}", json={"category": "MARKETING"})

    assert get_template(sandbox, template_id).json()["category"] == "MARKETING"
    assert names(list_templates(sandbox, category="MARKETING")) == ["order_shipped"]


def test_an_unknown_category_in_an_edit_is_refused_with_100(sandbox: Sandbox) -> None:
    template_id = create_approved(sandbox, ORDER_SHIPPED)

    response = sandbox.graph.post(f"/{template_id}", json={"category": "SALES"})

    assert_graph_error(response, 100)
    assert get_template(sandbox, template_id).json()["category"] == "UTILITY"
