"""The canonical milestone vocabulary (reference §4.1): tracks, ranks, bands and terminal states."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Track(StrEnum):
    """Which state machine a milestone belongs to."""

    ORDER = "order"
    SHIPMENT = "shipment"
    RETURN = "return"
    REFUND = "refund"


class Milestone(StrEnum):
    """Every customer-facing step of an order, a shipment, a return or a refund."""

    ORDER_CONFIRMED = "order_confirmed"
    PAYMENT_FAILED = "payment_failed"
    PACKED = "packed"
    DISPATCHED = "dispatched"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_ATTEMPT_FAILED = "delivery_attempt_failed"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    LOST_OR_DAMAGED = "lost_or_damaged"
    RTO_INITIATED = "rto_initiated"
    RTO_IN_TRANSIT = "rto_in_transit"
    RTO_DELIVERED = "rto_delivered"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURN_APPROVED = "return_approved"
    RETURN_REJECTED = "return_rejected"
    RETURN_PICKUP_SCHEDULED = "return_pickup_scheduled"
    RETURN_PICKED_UP = "return_picked_up"
    RETURN_RECEIVED = "return_received"
    RETURN_CANCELLED = "return_cancelled"
    REFUND_INITIATED = "refund_initiated"
    REFUND_COMPLETED = "refund_completed"


@dataclass(frozen=True, slots=True)
class MilestoneInfo:
    """Where a milestone sits in its state machine."""

    track: Track
    rank: int
    terminal: bool = False
    band: str | None = None  # milestones of one band may alternate (OFD ↔ failed attempt)
    side: bool = False  # DELAYED / EXCEPTION: noted and notified, never move rank
    rto: bool = False  # on the return-to-origin track, which supersedes the forward one


M = Milestone
INFO: dict[Milestone, MilestoneInfo] = {
    M.ORDER_CONFIRMED: MilestoneInfo(Track.ORDER, 10),
    M.PAYMENT_FAILED: MilestoneInfo(Track.ORDER, 5),
    M.PACKED: MilestoneInfo(Track.SHIPMENT, 20),
    M.DISPATCHED: MilestoneInfo(Track.SHIPMENT, 30),
    M.IN_TRANSIT: MilestoneInfo(Track.SHIPMENT, 40),
    M.OUT_FOR_DELIVERY: MilestoneInfo(Track.SHIPMENT, 50, band="last_mile"),
    M.DELIVERY_ATTEMPT_FAILED: MilestoneInfo(Track.SHIPMENT, 50, band="last_mile"),
    M.READY_FOR_PICKUP: MilestoneInfo(Track.SHIPMENT, 50, band="last_mile"),
    M.DELIVERED: MilestoneInfo(Track.SHIPMENT, 90, terminal=True),
    M.DELAYED: MilestoneInfo(Track.SHIPMENT, 0, side=True),
    M.EXCEPTION: MilestoneInfo(Track.SHIPMENT, 0, side=True),
    M.LOST_OR_DAMAGED: MilestoneInfo(Track.SHIPMENT, 95, terminal=True),
    M.RTO_INITIATED: MilestoneInfo(Track.SHIPMENT, 60, rto=True),
    M.RTO_IN_TRANSIT: MilestoneInfo(Track.SHIPMENT, 70, rto=True),
    M.RTO_DELIVERED: MilestoneInfo(Track.SHIPMENT, 96, terminal=True, rto=True),
    M.CANCELLED: MilestoneInfo(Track.ORDER, 99, terminal=True),
    M.RETURN_REQUESTED: MilestoneInfo(Track.RETURN, 10),
    M.RETURN_APPROVED: MilestoneInfo(Track.RETURN, 20),
    M.RETURN_REJECTED: MilestoneInfo(Track.RETURN, 98, terminal=True),
    M.RETURN_PICKUP_SCHEDULED: MilestoneInfo(Track.RETURN, 30),
    M.RETURN_PICKED_UP: MilestoneInfo(Track.RETURN, 40),
    M.RETURN_RECEIVED: MilestoneInfo(Track.RETURN, 50),
    M.RETURN_CANCELLED: MilestoneInfo(Track.RETURN, 97, terminal=True),
    M.REFUND_INITIATED: MilestoneInfo(Track.REFUND, 60),
    M.REFUND_COMPLETED: MilestoneInfo(Track.REFUND, 70, terminal=True),
}


def info(milestone: Milestone) -> MilestoneInfo:
    """The rank, band and track of a milestone."""
    return INFO[milestone]
