"""Who a broadcast is for: the store's contacts matching its filter, read in keyset chunks.

Only the columns the policy and rendering need are read, as plain rows (never ORM objects), a
chunk at a time in id order: a 100,000-contact audience costs one chunk of memory, not 100,000
objects, and each chunk is one indexed range read (`ix_contacts_store_id_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact

COLUMNS = (
    Contact.id,
    Contact.phone,
    Contact.name,
    Contact.language,
    Contact.timezone,
    Contact.utility_consent,
    Contact.marketing_consent,
    Contact.reachable,
    Contact.last_inbound_at,
)
"""What a recipient row holds (phone only for its region: it is never logged or returned)."""

Recipient = Row[int, str, str | None, str, str, bool | None, bool | None, bool, datetime | None]
"""One contact of an audience, as COLUMNS reads it (by name: `row.id`, `row.language`, ...)."""


@dataclass(frozen=True, slots=True)
class Audience:
    """A filter on the store's contacts; empty, it is all of them. Consent, reachability and
    caps are not filters: the policy checks them per contact, so each skip has its reason."""

    language: str | None = None  # contacts whose language is this ("hi", "pt_BR")
    country: str | None = None  # contacts whose number belongs to this ISO 3166 country

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Audience:
        """The filter as a broadcast row keeps it."""
        return cls(language=stored.get("language"), country=stored.get("country"))

    def stored(self) -> dict[str, str]:
        """The filter as a broadcast row keeps it (only what was given)."""
        return {k: v for k, v in (("language", self.language), ("country", self.country)) if v}

    def conditions(self, store_id: str) -> list[ColumnElement[bool]]:
        """The SQL side of the filter (a country is its calling code, as the number's prefix)."""
        found = [Contact.store_id == store_id]
        if self.language is not None:
            found.append(Contact.language == self.language)
        if self.country is not None:
            code = phonenumbers.country_code_for_region(self.country)
            found.append(Contact.phone.startswith(f"+{code}", autoescape=True))
        return found

    def admits(self, phone: str) -> bool:
        """The Python side: where a calling code is shared (+1: US, CA and others; +7: RU, KZ),
        the number's own region decides."""
        if self.country is None:
            return True
        code = phonenumbers.country_code_for_region(self.country)
        if len(phonenumbers.region_codes_for_country_code(code)) == 1:
            return True
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
        except phonenumbers.NumberParseException:
            return False
        return bool(region == self.country)


async def chunk(
    session: AsyncSession, store_id: str, audience: Audience, after: int, size: int
) -> Sequence[Recipient]:
    """Up to `size` of the audience's contacts with an id above `after`, in id order (before the
    country's exact check: the caller moves `after` past every row, admitted or not)."""
    query = (
        select(*COLUMNS)
        .where(*audience.conditions(store_id), Contact.id > after)
        .order_by(Contact.id)
        .limit(size)
    )
    return (await session.execute(query)).all()
