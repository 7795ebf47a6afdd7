"""A tracking update for a parcel Ordertalk does not know yet is kept (parked) and applied as soon
as the shipment becomes known, whichever way either of them arrived: through `POST /v1/events`
or through a store's or carrier's webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ordertalk.commerce.models import Shipment
from ordertalk.integrations.models import RawEvent
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database
from tests.e2e.harness import shift_times
from tests.integrations.fixtures import load, signed_headers

pytestmark = pytest.mark.database

NOW = datetime.now(UTC).replace(microsecond=0)
AWB = "4210610508756"  # the Delhivery AWB of Shopify's fulfillments_create_in fixture
SHOPIFY_SECRET = "shpss_parked_events"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


def scan(event_id: str, milestone: str, awb: str, at: datetime) -> dict[str, Any]:
    """A carrier's update posted to `/v1/events`: only the tracking number is known."""
    return {
        "id": event_id,
        "milestone": milestone,
        "event_time": at.isoformat(),
        "shipment": {"tracking_number": awb},
    }


def shipped(awb: str, at: datetime) -> dict[str, Any]:
    """The store's own event posted to `/v1/events`: the order, shipped with this AWB."""
    return {
        "id": f"store-shipped-{awb}",
        "milestone": "dispatched",
        "event_time": at.isoformat(),
        "order": {"external_id": "ORD-1", "customer": {"phone": "+919876543210"}},
        "shipment": {"external_id": f"FUL-{awb}", "tracking_number": awb},
    }


async def raw_events(client: ApiClient) -> dict[str, tuple[str, str | None]]:
    """Each kept event's (state, parking key), by its id."""
    async with client.sessions() as session:
        rows = await session.scalars(select(RawEvent).order_by(RawEvent.id))
        return {r.external_id: (r.state, r.parked_key) for r in rows}


async def shipments(client: ApiClient) -> dict[str | None, str | None]:
    """Each shipment's milestone, by tracking number."""
    async with client.sessions() as session:
        return {s.tracking_number: s.milestone for s in await session.scalars(select(Shipment))}


async def test_an_api_event_for_an_unknown_parcel_is_applied_once_the_shipment_is_known(
    database_url: str,
) -> None:
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client)
        early = scan("carrier-ofd-1", "out_for_delivery", AWB, NOW - timedelta(minutes=10))

        parked = await client.post("/v1/events", json=early, headers=auth(key))

        assert parked.status_code == 202, parked.text
        assert parked.json()["state"] == "parked"
        assert await raw_events(client) == {"carrier-ofd-1": ("parked", f"awb:{AWB}")}
        assert await shipments(client) == {}

        known = await client.post(
            "/v1/events", json=shipped(AWB, NOW - timedelta(hours=2)), headers=auth(key)
        )

        assert known.status_code == 202, known.text
        assert await raw_events(client) == {
            "carrier-ofd-1": ("processed", None),
            f"store-shipped-{AWB}": ("processed", None),
        }
        assert await shipments(client) == {AWB: "out_for_delivery"}


async def test_an_api_event_for_an_unknown_parcel_is_applied_when_a_store_webhook_ships_it(
    database_url: str,
) -> None:
    async with api_client(database_url, worker=False) as client:
        store_id, key = await new_store(client)
        put = await client.put(
            "/v1/integrations/shopify", headers=auth(key), json={"secret": SHOPIFY_SECRET}
        )
        assert put.status_code == 200, put.text
        early = scan("carrier-ofd-1", "out_for_delivery", AWB, NOW - timedelta(minutes=10))
        parked = await client.post("/v1/events", json=early, headers=auth(key))
        assert parked.json()["state"] == "parked"

        fulfillment = shift_times(
            load("shopify", "fulfillments_create_in"), NOW - timedelta(hours=2)
        )
        known = await client.post(
            f"/webhooks/shopify/{store_id}",
            content=fulfillment,
            headers=signed_headers(
                "shopify", fulfillment, SHOPIFY_SECRET, topic="fulfillments/create"
            ),
        )

        assert known.status_code == 200, known.text
        assert (await raw_events(client))["carrier-ofd-1"] == ("processed", None)
        assert await shipments(client) == {AWB: "out_for_delivery"}


async def test_only_the_events_waiting_for_that_tracking_number_are_released(
    database_url: str,
) -> None:
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client)
        for body in (
            scan("carrier-1", "in_transit", "AWB-ONE", NOW - timedelta(minutes=30)),
            scan("carrier-2", "in_transit", "AWB-TWO", NOW - timedelta(minutes=30)),
        ):
            answer = await client.post("/v1/events", json=body, headers=auth(key))
            assert answer.json()["state"] == "parked", answer.text

        await client.post(
            "/v1/events", json=shipped("AWB-ONE", NOW - timedelta(hours=1)), headers=auth(key)
        )

        kept = await raw_events(client)
        assert kept["carrier-1"] == ("processed", None)
        assert kept["carrier-2"] == ("parked", "awb:AWB-TWO")  # its parcel is still unknown
        assert await shipments(client) == {"AWB-ONE": "in_transit"}
