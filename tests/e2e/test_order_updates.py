"""Order updates end to end: a store webhook in, the right message on the customer's phone."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Shop, settled

pytestmark = pytest.mark.database

ASHA = "919876543210"  # the customer of Shopify order 5302002002 (COD, India)


def test_a_cod_order_from_shopify_asks_the_customer_to_confirm_or_cancel(shop: Shop) -> None:
    answer = shop.send("shopify", "orders_create_cod_in")
    assert answer["milestones"] == ["order_confirmed"]
    phone = shop.wait_phone(ASHA, 1)
    assert len(phone) == 1
    order = shop.wait_order("5302002002", settled)
    [message] = order["messages"]
    assert message["intent"] == "cod_confirmation"
    assert message["form"] == "template"
    assert message["state"] in ("accepted", "sent", "delivered", "read")
    assert [e["outcome"] for e in message["events"] if e["kind"] == "decision"] == ["send"]
    assert phone[0]["type"] == "template"
