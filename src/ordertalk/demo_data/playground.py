"""Your turn: a customer whose orders wait for answers, for a person to play on the phone.

Alex (English, US) has, through the generic `POST /v1/events` API (any store system):
- #7001, cash on delivery, just placed: the confirm-or-cancel message waits for a tap;
- #7002, a parcel the courier could not deliver an hour ago: reschedule, new address or cancel;
- #7003, delivered yesterday: the rating request has arrived, and a return is possible.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

ALEX_PHONE = "+1 415 555 0100"
ALEX = "14155550100"
EXPECTED = ("cod_confirmation", "delivery_attempt_failed", "feedback_request")
TRIES = (
    ("Where is my order?", "the live status of the latest order, with its tracking link"),
    ("type /N for Confirm order on the cash-on-delivery message", "#7001 confirmed"),
    ("type /N for Reattempt delivery, then /N for a day", "#7002 rescheduled"),
    ("reply 9 to the rating request", "a 9/10 kept with #7003 and its carrier"),
    ("I want to return my order", "pick the item and a reason, send /photo"),
    ("talk to a person", "the conversation waits for an agent; the bot goes quiet"),
)


def _customer() -> dict[str, Any]:
    return {"phone": ALEX_PHONE, "name": "Alex Morgan", "language": "en"}


def _order(number: str, *, cod: bool = False) -> dict[str, Any]:
    return {
        "external_id": f"PLAY-{number}",
        "name": f"#{number}",
        "currency": "USD",
        "total": "64.00",
        "items": [
            {"title": "Trail running shoes", "quantity": 1, "price": "52.00", "sku": "TRS-9"},
            {"title": "Merino socks", "quantity": 2, "price": "6.00", "sku": "MS-2"},
        ],
        "payment_method": "cod" if cod else "prepaid",
        "payment_status": "pending" if cod else "paid",
        "customer": _customer(),
    }


def _parcel(number: str) -> dict[str, Any]:
    return {
        "external_id": f"PLAY-{number}-1",
        "order_external_id": f"PLAY-{number}",
        "carrier": "UPS",
        "tracking_number": f"1Z999AA1012345{number}",
        "tracking_url": f"https://www.ups.com/track?tracknum=1Z999AA1012345{number}",
        "edd": (datetime.now(UTC) + timedelta(days=1)).date().isoformat(),
    }


def events(now: datetime) -> list[dict[str, Any]]:
    """Alex's three orders, oldest event first."""

    def at(hours: float) -> str:
        return (now - timedelta(hours=hours)).isoformat()

    return [
        {"id": "play-7003-1", "milestone": "order_confirmed", "order": _order("7003"),
         "event_time": at(75)},
        {"id": "play-7003-2", "milestone": "dispatched", "shipment": _parcel("7003"),
         "event_time": at(50)},
        {"id": "play-7003-3", "milestone": "delivered", "shipment": _parcel("7003"),
         "event_time": at(25)},
        {"id": "play-7002-1", "milestone": "order_confirmed", "order": _order("7002"),
         "event_time": at(30)},
        {"id": "play-7002-2", "milestone": "dispatched", "shipment": _parcel("7002"),
         "event_time": at(20)},
        {"id": "play-7002-3", "milestone": "delivery_attempt_failed", "shipment": _parcel("7002"),
         "detail": "Customer not available", "event_time": at(1)},
        {"id": "play-7001-1", "milestone": "order_confirmed", "order": _order("7001", cod=True),
         "event_time": at(0.05)},
    ]  # fmt: skip


async def prepare(api: httpx.AsyncClient, sandbox: httpx.AsyncClient, wait_s: float = 60) -> bool:
    """Post Alex's events and wait until the three questions are on Alex's phone."""
    for event in events(datetime.now(UTC)):
        answer = await api.post("/v1/events", json=event)
        answer.raise_for_status()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        phone = (await sandbox.get(f"/_sandbox/phones/{ALEX}/messages")).json()
        names = {m.get("template", {}).get("name", "") for m in phone}
        if all(any(expected in name for name in names) for expected in EXPECTED):
            return True
        await asyncio.sleep(0.3)
    return False
