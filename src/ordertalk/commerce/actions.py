"""What a customer can decide about an order or a shipment (from chat or the tracking page)."""

from __future__ import annotations

from enum import StrEnum


class NdrAction(StrEnum):
    """The answer to a failed delivery attempt."""

    REATTEMPT = "reattempt"  # deliver again, on a chosen day
    ADDRESS = "address"  # deliver to a corrected address
    CANCEL = "cancel"  # do not deliver; the parcel goes back


class CodDecision(StrEnum):
    """The answer to "confirm your cash-on-delivery order"."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
