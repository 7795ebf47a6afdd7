"""`POST /v1/events`: any other system's event, already in Ordertalk's canonical vocabulary."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from ordertalk.commerce.events import (
    CommerceEvent,
    OrderFacts,
    RefundFacts,
    ReturnFacts,
    ShipmentFacts,
)
from ordertalk.commerce.milestones import Milestone


class GenericEvent(BaseModel):
    """One event from the caller, deduplicated by its own `id`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1, max_length=200, description="The caller's unique event id.")
    milestone: Milestone | None = None
    raw_status: str | None = Field(default=None, max_length=200)
    event_time: AwareDatetime = Field(description="When it happened, with a UTC offset.")
    detail: str | None = Field(default=None, max_length=500)
    order: OrderFacts | None = None
    shipment: ShipmentFacts | None = None
    return_: ReturnFacts | None = Field(default=None, alias="return")
    refund: RefundFacts | None = None

    @model_validator(mode="after")
    def _names_what_it_is_about(self) -> GenericEvent:
        """An event must say which order, shipment, return or refund it concerns."""
        if not any((self.order, self.shipment, self.return_, self.refund)):
            raise ValueError("give at least one of order, shipment, return or refund")
        shipment = self.shipment
        if shipment is not None and not (shipment.external_id or shipment.tracking_number):
            raise ValueError("shipment needs external_id or tracking_number to be found")
        return self

    def to_event(self) -> CommerceEvent:
        """The canonical event, with `api` as its source."""
        return CommerceEvent(
            source="api",
            milestone=self.milestone,
            raw_status=self.raw_status,
            event_time=self.event_time,
            detail=self.detail,
            order=self.order,
            shipment=self.shipment,
            return_=self.return_,
            refund=self.refund,
        )
