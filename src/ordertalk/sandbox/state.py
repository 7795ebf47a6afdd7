"""What the simulated platform remembers: customers, their windows and every message.

Everything lives in memory: the sandbox is a test double, and `POST /_sandbox/reset` must bring
it back to a new account instantly.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from ordertalk.sandbox.limits import DAY
from ordertalk.sandbox.model import ListRow, RenderedTemplate, ValidatedMessage

FEP_WINDOW_S = 3 * DAY

# Forward-only ranks of an outbound message's status; `failed` is terminal.
STATUS_RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 9}

_counter = itertools.count(1)
_process_salt = secrets.token_bytes(4)


def new_wamid(wa_id: str) -> str:
    """A unique message id shaped like Meta's (`wamid.` + base64), well under 128 characters."""
    # Phone ids are at most 15 digits; longer keys (BSUIDs) are shortened to keep ids ≤128.
    key = wa_id.encode() if len(wa_id) <= 15 else hashlib.sha256(wa_id.encode()).digest()[:12]
    raw = b"\x15\x02\x00\x11\x18\x12" + key + _process_salt
    raw += next(_counter).to_bytes(6, "big") + secrets.token_bytes(6)
    return "wamid.HBgM" + base64.b64encode(raw).decode()


def bsuid_for(wa_id: str) -> str:
    """A stable business-scoped user id (BSUID) for a phone number, like `IN.1349120865530274`."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + wa_id)) or "ZZ"
    except phonenumbers.NumberParseException:
        region = "ZZ"
    digest = int.from_bytes(hashlib.sha256(wa_id.encode()).digest()[:8], "big")
    return f"{region}.{digest:020d}"


@dataclass(slots=True)
class PhoneMessage:
    """One message a customer's phone received from the business."""

    id: str
    wa_id: str | None
    type: str
    text: str
    timestamp: float
    raw: dict[str, Any]
    buttons: list[str] = field(default_factory=list)
    rows: list[ListRow] = field(default_factory=list)
    template: RenderedTemplate | None = None
    status: str = "accepted"

    def advance(self, status: str) -> None:
        """Move the status forward; late or duplicate webhooks never move it back."""
        if self.status == "failed":
            return
        if STATUS_RANK.get(status, 0) > STATUS_RANK.get(self.status, 0):
            self.status = status

    def to_json(self) -> dict[str, Any]:
        """The control plane's view of the message."""
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "text": self.text,
            "status": self.status,
            "timestamp": str(int(self.timestamp)),
            "raw": self.raw,
        }
        if self.buttons:
            out["buttons"] = list(self.buttons)
        if self.rows:
            out["rows"] = [
                {"id": r.id, "title": r.title, "description": r.description} for r in self.rows
            ]
        if self.template is not None:
            out["template"] = {"name": self.template.name, "language": self.template.language}
            if self.template.urls:
                out["urls"] = [self.template.urls[i] for i in sorted(self.template.urls)]
        return out


@dataclass(slots=True)
class Customer:
    """A simulated WhatsApp user and how their phone behaves."""

    key: str
    wa_id: str | None
    user_id: str
    profile_name: str = "Customer"
    on_whatsapp: bool = True
    read_receipts: bool = True
    marketing_opt_out: bool = False
    marketing_capped: bool = False

    def contact(self) -> dict[str, Any]:
        """The `contacts[]` entry webhooks carry for this customer."""
        entry: dict[str, Any] = {"profile": {"name": self.profile_name}, "user_id": self.user_id}
        if self.wa_id is not None:
            entry["wa_id"] = self.wa_id
        return entry

    def behaviour(self) -> dict[str, Any]:
        """The phone's configurable behaviour, as the control plane shows it."""
        return {
            "wa_id": self.wa_id,
            "user_id": self.user_id,
            "profile_name": self.profile_name,
            "on_whatsapp": self.on_whatsapp,
            "read_receipts": self.read_receipts,
            "marketing_opt_out": self.marketing_opt_out,
            "marketing_capped": self.marketing_capped,
        }


@dataclass(slots=True)
class Chat:
    """One customer's chat with one business number: its windows and its messages."""

    phone_number_id: str
    customer: Customer
    last_inbound_at: float | None = None
    referral_at: float | None = None
    fep_until: float | None = None
    # One conversation id per free entry point; its expiry is told on the first status only.
    fep_conversation_id: str | None = None
    fep_expiry_told: bool = False
    received: list[PhoneMessage] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    # Both directions in arrival order (timestamps are whole seconds): what the phone page shows.
    history: list[PhoneMessage | dict[str, Any]] = field(default_factory=list)
    # How many received messages the customer has seen (opened the chat on the phone page, or
    # written since): the rest are the chat list's unread count.
    seen: int = 0
    typing_until: float | None = None

    def in_window(self, now: float) -> bool:
        """Is the 24-hour customer service window open?"""
        return self.last_inbound_at is not None and now - self.last_inbound_at < DAY

    def in_free_entry_point(self, now: float) -> bool:
        """Is a 72-hour free entry point window (after an ad referral) open?"""
        return self.fep_until is not None and now < self.fep_until

    def on_business_reply(self, now: float) -> None:
        """A reply within 24 h of an ad referral opens the 72-hour free entry point."""
        if (
            self.referral_at is not None
            and now - self.referral_at < DAY
            and not self.in_free_entry_point(now)
        ):
            self.fep_until = now + FEP_WINDOW_S
            self.fep_conversation_id = secrets.token_hex(16)
            self.fep_expiry_told = False
            self.referral_at = None

    @property
    def unread(self) -> int:
        """Messages received since the customer last looked at (or wrote in) the chat."""
        return len(self.received) - self.seen

    def last_received(self, *, kinds: tuple[str, ...] = ()) -> PhoneMessage | None:
        """The newest message the customer got (optionally only of some types)."""
        for message in reversed(self.received):
            if not kinds or message.type in kinds:
                return message
        return None


class Directory:
    """Customers (global) and their chats with each business number, and messages by wamid."""

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        # BSUID -> customer key, so a reply addressed by `recipient` finds a phone customer.
        self.by_user_id: dict[str, str] = {}
        self.chats: dict[tuple[str, str], Chat] = {}
        self.outbound: dict[str, PhoneMessage] = {}
        self.inbound: dict[str, tuple[str, str]] = {}  # inbound wamid -> chat key

    def customer(self, wa_id: str | None, user_id: str | None = None) -> Customer:
        """The customer with this phone id (or, for username-only users, this BSUID)."""
        if wa_id is None and user_id is not None and user_id in self.by_user_id:
            return self.customers[self.by_user_id[user_id]]
        key = wa_id or user_id
        if key is None:
            raise ValueError("a customer needs a wa_id or a user_id")
        found = self.customers.get(key)
        if found is None:
            found = Customer(key=key, wa_id=wa_id, user_id=user_id or bsuid_for(key))
            self.customers[key] = found
            self.by_user_id[found.user_id] = key
        return found

    def chat(self, phone_number_id: str, customer: Customer) -> Chat:
        """The chat between a business number and a customer."""
        key = (phone_number_id, customer.key)
        found = self.chats.get(key)
        if found is None:
            found = Chat(phone_number_id=phone_number_id, customer=customer)
            self.chats[key] = found
        return found

    def chat_for(self, phone_number_id: str, message: ValidatedMessage) -> Chat:
        """The chat a validated send is addressed to."""
        return self.chat(phone_number_id, self.customer(message.wa_id, message.user_id))

    def chats_of(self, key: str) -> list[Chat]:
        """Every chat one customer has (with any of the business numbers)."""
        return [chat for (_, k), chat in self.chats.items() if k == key]

    def knows_message(self, wamid: str, chat: Chat) -> bool:
        """Is ``wamid`` a message in this chat (either direction)?"""
        out = self.outbound.get(wamid)
        if out is not None:
            return any(m is out for m in chat.received)
        return self.inbound.get(wamid) == (chat.phone_number_id, chat.customer.key)

    def reset(self) -> None:
        """Forget everyone."""
        self.customers.clear()
        self.by_user_id.clear()
        self.chats.clear()
        self.outbound.clear()
        self.inbound.clear()
