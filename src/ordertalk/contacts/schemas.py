"""What the contacts API accepts and returns. Numbers go in; only masked numbers come out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.contacts.phones import mask

# The ConsentSource values a store may report. Keyword, webhook and error sources are
# Ordertalk's own observations; a store claiming them would falsify the ledger.
ApiConsentSource = Literal["api", "store_payload", "widget", "checkout_implied"]

Evidence = Annotated[dict[str, Any], Field(default_factory=dict, max_length=50)]


class ConsentIn(BaseModel):
    """Consent given with a contact; a purpose left out is left as it is."""

    model_config = ConfigDict(extra="forbid")

    utility: bool | None = None
    marketing: bool | None = None
    source: ApiConsentSource = "api"
    evidence: Evidence


class ContactIn(BaseModel):
    """A contact to create or update, by phone number in any local or E.164 format."""

    model_config = ConfigDict(extra="forbid")

    phone: Annotated[str, Field(min_length=1, max_length=64, examples=["+91 98765 43210"])]
    name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(max_length=32, examples=["en", "pt_BR"])] | None = None
    # Country for local formats; the store's country when left out.
    region: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    consent: ConsentIn | None = None


class ContactOut(BaseModel):
    """A contact as the API shows it: the number masked, consent as currently mirrored."""

    id: int
    phone_masked: str
    name: str | None
    language: str
    timezone: str
    utility_consent: bool | None
    marketing_consent: bool | None
    reachable: bool
    last_inbound_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        """The API view of a contact."""
        return cls(
            id=contact.id,
            phone_masked=mask(contact.phone),
            name=contact.name,
            language=contact.language,
            timezone=contact.timezone,
            utility_consent=contact.utility_consent,
            marketing_consent=contact.marketing_consent,
            reachable=contact.reachable,
            last_inbound_at=contact.last_inbound_at,
            created_at=contact.created_at,
        )


class ContactList(BaseModel):
    """A page of contacts; pass `next_after` as `after` for the next page (null: no more)."""

    contacts: list[ContactOut]
    next_after: int | None


class ConsentEventIn(BaseModel):
    """One consent change the store reports (defaults: source "api", happened now)."""

    model_config = ConfigDict(extra="forbid")

    purpose: Literal["utility", "marketing"]
    granted: bool
    source: ApiConsentSource = "api"
    evidence: Evidence
    # When the customer decided (e.g. at checkout); now when left out.
    at: AwareDatetime | None = None

    @field_validator("at")
    @classmethod
    def _not_in_the_future(cls, at: datetime | None) -> datetime | None:
        if at is not None and at > datetime.now(UTC) + timedelta(minutes=5):
            raise ValueError("consent cannot be given in the future")
        return at


class ConsentEventOut(BaseModel):
    """One ledger row."""

    id: int
    purpose: str
    granted: bool
    source: str
    evidence: dict[str, Any]
    at: datetime

    @classmethod
    def of(cls, event: ConsentEvent) -> ConsentEventOut:
        """The API view of a ledger row."""
        return cls(
            id=event.id,
            purpose=event.purpose,
            granted=event.granted,
            source=event.source,
            evidence=dict(event.evidence or {}),
            at=event.at,
        )


class ConsentHistory(BaseModel):
    """A contact's consent ledger, newest first."""

    events: list[ConsentEventOut]
