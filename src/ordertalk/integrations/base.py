"""The interface every store and carrier source implements, and the payload helpers they share.

A source never touches the database or the network: `verify` checks the raw bytes, `identify`
finds the dedup key, `normalise` turns the parsed body into `CommerceEvent`s. Anything it cannot
understand is a `NormaliseError` whose message names the field, never a value from the payload
(values can be phone numbers, and messages end up in HTTP responses and logs).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from ordertalk.commerce.events import CommerceEvent
from ordertalk.commerce.milestones import Milestone

T = TypeVar("T")
MAX_ID = 200
MAX_URL = 2000
log = logging.getLogger("ordertalk.integrations")


class NormaliseError(Exception):
    """A payload we cannot understand; `str(exc)` is a reason fit for a 400/422 response."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One HTTP delivery as received: the raw body, lower-cased headers, query parameters."""

    raw: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Identified:
    """A delivery's dedup key, topic and parsed body.

    `sent_at` is the sender's own delivery timestamp header (Shopify's X-Shopify-Triggered-At),
    kept because it is the documented fallback event time when a payload carries none.
    """

    external_id: str
    topic: str | None
    body: Any
    sent_at: datetime | None = None


class Source(Protocol):
    """A store or carrier webhook source."""

    name: str

    def verify(self, delivery: Delivery, secret: str) -> bool:
        """Whether the delivery is authentic (constant-time, on the raw bytes)."""
        ...

    def is_ping(self, delivery: Delivery) -> bool:
        """Whether this is a set-up ping to answer 200 without storing anything."""
        ...

    def identify(self, delivery: Delivery) -> Identified:
        """The dedup key, topic and parsed body; NormaliseError if the body is not understood."""
        ...

    def normalise(self, identified: Identified, options: Mapping[str, Any]) -> list[CommerceEvent]:
        """Zero or more canonical events; NormaliseError if the body is malformed."""
        ...


# --- signatures ---------------------------------------------------------------------------


def hmac_sha256_b64(key: bytes, raw: bytes) -> str:
    """Base64 of HMAC-SHA256(key, raw): the Shopify, WooCommerce and AfterShip signature."""
    return base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time equality; bytes, because compare_digest rejects non-ASCII str."""
    if given is None or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.strip().encode())


# --- bodies and keys ----------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(name)


def parse_json(raw: bytes) -> Any:
    """The parsed JSON body; NormaliseError for anything that is not strict JSON."""
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        raise NormaliseError("body is not valid JSON") from None


def dedup_key(value: str) -> str:
    """The value itself when it fits the 200-character column, else its SHA-256."""
    if len(value) <= MAX_ID:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def digest_key(*parts: object) -> str:
    """A stable key made from several parts (for sources with no event id of their own)."""
    text = json.dumps([str(part) if part is not None else None for part in parts])
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --- store options ------------------------------------------------------------------------


def store_zone(options: Mapping[str, Any], default: str = "UTC") -> tzinfo:
    """The store's IANA timezone, for timestamps written without an offset."""
    name = options.get("timezone") or default
    try:
        return ZoneInfo(name) if isinstance(name, str) else ZoneInfo(default)
    except (ZoneInfoNotFoundError, ValueError):
        # A bad store setting is not the sender's fault: fall back rather than refuse the event.
        log.warning("unknown store timezone %r; using %s", name, default)
        return ZoneInfo(default)


def country_code(value: str | None) -> str | None:
    """An ISO 3166 alpha-2 code, upper-cased, or None."""
    if value and len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return None


def currency_code(value: str | None) -> str | None:
    """An ISO 4217 code, upper-cased, or None."""
    if value and len(value) == 3 and value.isascii() and value.isalpha():
        return value.upper()
    return None


def store_country(options: Mapping[str, Any]) -> str | None:
    """The store's own country, a phone-region hint when the payload has none."""
    value = options.get("country")
    return country_code(value) if isinstance(value, str) else None


# --- payment ------------------------------------------------------------------------------

# Gateway names seen for cash on delivery, squashed to letters: English, Portuguese,
# Indonesian and Spanish checkouts name it differently.
_COD_PHRASES = (
    "cashondelivery",
    "payondelivery",
    "collectondelivery",
    "pagamentonaentrega",
    "bayarditempat",
    "contrareembolso",
    "pagocontraentrega",
)


def is_cod(names: Iterable[str | None]) -> bool:
    """Whether any payment gateway name means cash on delivery."""
    for name in names:
        if not name:
            continue
        tokens = re.split(r"[^0-9a-z]+", name.casefold())
        squashed = "".join(tokens)
        if "cod" in tokens or any(phrase in squashed for phrase in _COD_PHRASES):
            return True
    return False


# --- time ---------------------------------------------------------------------------------


def parse_time(text: str, zone: tzinfo) -> datetime | None:
    """An aware datetime from ISO 8601 (or `YYYY-MM-DD HH:MM:SS`); naive ones are in `zone`."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def parse_day(text: str) -> date | None:
    """The calendar date a date or datetime string is written for (no zone conversion)."""
    text = text.strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def from_epoch(value: Any, field: str) -> datetime:
    """An aware UTC datetime from Unix seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NormaliseError(f"field '{field}' must be Unix seconds")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise NormaliseError(f"field '{field}' is out of range") from None


# --- field access -------------------------------------------------------------------------

Long = Literal["cut", "drop", "error"]


class Fields:
    """A JSON object and its path in the payload, so every error names the field that was wrong."""

    __slots__ = ("data", "path")

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path

    @classmethod
    def of(cls, value: Any, path: str = "") -> Fields:
        """Wrap a value that must be a JSON object."""
        if not isinstance(value, dict):
            raise NormaliseError(f"{_label(path)} must be a JSON object")
        return cls(value, path)

    def name(self, key: str) -> str:
        """The dotted path of a key."""
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> Any:
        """The value as parsed, None when absent."""
        return self.data.get(key)

    def has(self, key: str) -> bool:
        """Whether the key is present and not null or blank."""
        value = self.data.get(key)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def _missing(self, key: str) -> NormaliseError:
        return NormaliseError(f"field '{self.name(key)}' is missing")

    def _wrong(self, key: str, expected: str) -> NormaliseError:
        return NormaliseError(f"field '{self.name(key)}' must be {expected}")

    def child(self, key: str) -> Fields | None:
        """A nested object, None when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._wrong(key, "an object")
        return Fields(value, self.name(key))

    def need_child(self, key: str) -> Fields:
        """A nested object that must be there."""
        found = self.child(key)
        if found is None:
            raise self._missing(key)
        return found

    def children(self, key: str) -> list[Fields]:
        """A list of objects, empty when absent or null."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "a list")
        items = []
        for index, item in enumerate(value):
            path = f"{self.name(key)}[{index}]"
            items.append(Fields.of(item, path))
        return items

    def strings(self, key: str) -> list[str]:
        """A list of strings (blank ones dropped), empty when absent or null."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(key, "a list of strings")
        return [item.strip() for item in value if item.strip()]

    def text(self, key: str, limit: int | None = None, long: Long = "error") -> str | None:
        """A string, None when absent, null or blank; too long is cut, dropped or an error."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(key, "a string")
        # NUL can't be stored (PostgreSQL text refuses it) and never means anything here.
        value = value.replace("\x00", "").strip()
        if not value:
            return None
        if limit is not None and len(value) > limit:
            if long == "cut":
                return value[: limit - 1] + "…"
            if long == "drop":
                return None
            raise self._wrong(key, f"at most {limit} characters")
        return value

    def need_text(self, key: str, limit: int | None = None) -> str:
        """A string that must be there and not blank."""
        value = self.text(key, limit)
        if value is None:
            raise self._missing(key)
        return value

    def ident(self, key: str) -> str | None:
        """An identifier given as a string or an integer, as a string."""
        value = self.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if value is not None and not isinstance(value, str):
            raise self._wrong(key, "a string or an integer")
        return self.text(key, MAX_ID)

    def need_ident(self, key: str) -> str:
        """An identifier that must be there."""
        value = self.ident(key)
        if value is None:
            raise self._missing(key)
        return value

    def integer(self, key: str) -> int | None:
        """An integer, also when written as a string of digits."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
            return int(value)
        raise self._wrong(key, "an integer")

    def need_integer(self, key: str) -> int:
        """An integer that must be there."""
        value = self.integer(key)
        if value is None:
            raise self._missing(key)
        return value

    def money(self, key: str) -> Decimal | None:
        """A decimal amount written as a string or a number."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self._wrong(key, "a decimal amount")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self._wrong(key, "a decimal amount") from None
        if not amount.is_finite():
            raise self._wrong(key, "a finite amount")
        return amount

    def flag(self, key: str) -> bool | None:
        """A boolean (also "true"/"false" strings)."""
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self._wrong(key, "a boolean")

    def time(self, key: str, zone: tzinfo, lenient: bool = False) -> datetime | None:
        """An aware timestamp; a lenient read returns None instead of raising."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parsed = parse_time(value, zone) if isinstance(value, str) else None
        if parsed is None and not lenient:
            raise self._wrong(key, "an ISO 8601 timestamp")
        return parsed

    def day(self, key: str) -> date | None:
        """A date (an estimate: unparseable values are dropped, not fatal)."""
        value = self.data.get(key)
        return parse_day(value) if isinstance(value, str) and value.strip() else None


def _label(path: str) -> str:
    return f"field '{path}'" if path else "body"


def first(*values: T | None) -> T | None:
    """The first value that is not None."""
    return next((value for value in values if value is not None), None)


def joined(*parts: str | None) -> str | None:
    """Non-empty parts joined by spaces (a person's name), or None."""
    text = " ".join(part for part in parts if part)
    return text or None


def cut(text: str | None, limit: int) -> str | None:
    """Free text shortened to fit a column."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def need_time(value: datetime | None, fields: str) -> datetime:
    """The event time, or an error naming where it was looked for."""
    if value is None:
        raise NormaliseError(f"no event time: none of {fields} is present")
    return value


# Milestones whose carrier/store message explains something the customer may need to hear.
REASONED = frozenset(
    {
        Milestone.DELAYED,
        Milestone.EXCEPTION,
        Milestone.DELIVERY_ATTEMPT_FAILED,
        Milestone.LOST_OR_DAMAGED,
        Milestone.CANCELLED,
        Milestone.RTO_INITIATED,
        Milestone.RETURN_REJECTED,
    }
)


def reason(milestone: Milestone | None, message: str | None) -> str | None:
    """The carrier's message as `detail`, kept only where it explains the milestone."""
    if milestone is None or milestone in REASONED:
        return cut(message, 500)
    return None


def unknown_status(source: str, field: str, value: str) -> None:
    """Log a status the mapping does not know (stored, never notified)."""
    log.info("%s: unknown %s %r; kept without a milestone", source, field, value[:80])


@contextmanager
def payload_errors() -> Iterator[None]:
    """Turn a fact that fails the CommerceEvent schema into a NormaliseError naming the field."""
    try:
        yield
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join([exc.title, *(str(part) for part in error["loc"])])
        raise NormaliseError(f"{where} is invalid: {error['msg']}") from None
