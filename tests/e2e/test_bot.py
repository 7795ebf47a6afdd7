"""The bot's first flows, played as the customer through the sandbox: where is my order, a
wrong order number, a menu for anything else, and a person when asked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import Shop, wait_for

pytestmark = pytest.mark.database

ASHA = "919876543210"  # Shopify order 5302002002 (COD, India, checkout in Hindi)
JAVIER = "34612345678"  # Shopify order 5305005005 (Spain, Spanish)


def replies(shop: Shop, wa_id: str, count: int) -> list[dict[str, Any]]:
    """The phone's messages that are not templates (the bot's answers), once there are `count`."""
    return wait_for(
        lambda: [m for m in shop.sandbox.phone(wa_id) if m["type"] != "template"],
        lambda found: len(found) >= count,
    )


def test_where_is_my_order_is_answered_with_the_live_status_and_tracking(shop: Shop) -> None:
    shop.step("shopify", "orders_create_cod_in", "5302002002")
    shop.step("shopify", "fulfillments_create_in", "5302002002")
    shop.sandbox.say(ASHA, "mera order kahan hai?")
    [answer] = replies(shop, ASHA, 1)
    assert answer["type"] == "text"
    assert "भेज दिया गया है" in answer["text"]  # "shipped", in Asha's language
    assert "https://www.delhivery.com/track/package/4210610508756" in answer["text"]


def test_an_order_number_that_is_not_the_customers_gets_a_clear_answer(shop: Shop) -> None:
    shop.step("shopify", "orders_create_authorized_es", "5305005005")
    shop.step("shopify", "orders_create_cod_in", "5302002002")  # Asha's order, not Javier's
    shop.sandbox.say(JAVIER, "¿dónde está mi pedido 5302002002?")
    [answer] = replies(shop, JAVIER, 1)
    assert "No encuentro el pedido 5302002002" in answer["text"]
    shop.sandbox.say(JAVIER, "dónde está mi pedido #5305005005")
    second = replies(shop, JAVIER, 2)[1]
    assert second["text"].startswith("Pedido #")


def test_anything_not_understood_gets_a_menu_and_a_way_to_a_person(shop: Shop) -> None:
    shop.step("shopify", "orders_create_authorized_es", "5305005005")
    shop.sandbox.say(JAVIER, "asdfgh qwerty")
    [menu] = replies(shop, JAVIER, 1)
    assert menu["type"] == "interactive"
    assert menu["buttons"] == ["Mi pedido", "Devolución o cambio", "Hablar con alguien"]
    # Tapping "talk to a person" hands the conversation over; the bot then stays quiet.
    shop.sandbox.inbound(
        **{
            "from": JAVIER,
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": "menu:human", "title": menu["buttons"][2]},
            },
        }
    )
    handoff = replies(shop, JAVIER, 2)[1]
    assert "Te paso con una persona de Chai & Co" in handoff["text"]
    [waiting] = shop.get("/v1/conversations", state="waiting")["conversations"]
    shop.sandbox.say(JAVIER, "hola?")
    shop.sandbox.say(JAVIER, "where is my order")

    def since_handoff(detail: dict[str, Any]) -> list[tuple[str, str]]:
        said = [(m["direction"], m["text"]) for m in detail["messages"]]
        return sorted(said[said.index(("out", handoff["text"])) + 1 :])  # in either order

    # A message is kept in the same transaction as any answer to it: once both are in the
    # conversation, an answer would be too. None is: a person has the conversation.
    detail = wait_for(
        lambda: shop.get(f"/v1/conversations/{waiting['id']}"),
        lambda d: len(since_handoff(d)) >= 2,
    )
    assert since_handoff(detail) == [("in", "hola?"), ("in", "where is my order")]
    assert detail["state"] == "waiting"
