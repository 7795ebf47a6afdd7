"""`/v1/faq`: a store's own questions, validated, and matched by the bot in other words."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordertalk.conversations.faq import answer_for, faq_entries, stored_faq
from ordertalk.conversations.understanding import Intent, understand
from ordertalk.stores.models import Store
from tests.api_support import api_client, auth, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

SHIPPING = {
    "id": "shipping-cost",
    "question": "How much does shipping cost?",
    "alternatives": ["what are the delivery charges"],
    "answer": "Shipping is free above ₹999; below that it is ₹49.",
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


async def test_questions_are_replaced_read_back_and_matched_in_other_words(
    database_url: str,
) -> None:
    async with api_client(database_url, worker=False) as client:
        store_id, key = await new_store(client)
        saved = await client.put("/v1/faq", json={"items": [SHIPPING]}, headers=auth(key))
        assert saved.status_code == 200, saved.text
        read = await client.get("/v1/faq", headers=auth(key))
        assert read.json()["items"][0]["answer"] == SHIPPING["answer"]
        async with client.sessions() as session:
            store = await session.get(Store, store_id)
            assert store is not None
            assert [item.id for item in stored_faq(store).items] == ["shipping-cost"]
            found = understand("how much is the delivery charge?", faq=faq_entries(store))
            assert (found.intent, found.faq_id) == (Intent.FAQ, "shipping-cost")
            assert answer_for(store, found.faq_id) == SHIPPING["answer"]


@pytest.mark.parametrize(
    "items",
    [
        [SHIPPING, SHIPPING],  # duplicate ids
        [{**SHIPPING, "id": "has space"}],
        [{**SHIPPING, "answer": "   "}],
        [{**SHIPPING, "question": "ok\x00"}],
        [{**SHIPPING, "extra": 1}],
        [{**SHIPPING, "id": f"q{n}"} for n in range(101)],
    ],
)
async def test_bad_questions_are_a_422_and_change_nothing(
    database_url: str, items: list[dict[str, object]]
) -> None:
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client)
        refused = await client.put("/v1/faq", json={"items": items}, headers=auth(key))
        assert refused.status_code == 422, refused.text
        assert (await client.get("/v1/faq", headers=auth(key))).json() == {"items": []}
