"""`POST /v1/events` under load: many events at once are all taken.

The route opens its own sessions (the raw event is committed before it is processed), so the
API key is checked in a short session of its own. Held for the whole request instead, every
request would keep one pooled connection while waiting for a second, and from 15 requests at
once (the pool's size) none could go on until the pool timed out.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ordertalk.commerce.models import Order
from tests.api_support import api_client, auth, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

AT_ONCE = 40  # well past the connection pool's 5 + 10


def order_event(i: int) -> dict[str, object]:
    return {
        "id": f"evt-{i}",
        "milestone": "order_confirmed",
        "event_time": "2026-11-20T10:00:00+00:00",
        "order": {
            "external_id": f"ORD-{i}",
            "customer": {"phone": f"+91987654{i:04d}"},
            "payment_method": "prepaid",
        },
    }


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


async def test_many_events_at_once_are_all_taken(database_url: str) -> None:
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client, country="IN")

        answers = await asyncio.wait_for(
            asyncio.gather(
                *(
                    client.post("/v1/events", headers=auth(key), json=order_event(i))
                    for i in range(AT_ONCE)
                )
            ),
            timeout=25,  # below the pool's 30 s: a deadlock fails here, not as a 503 later
        )

        assert sorted({answer.status_code for answer in answers}) == [202]
        async with client.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Order)) == AT_ONCE
