"""A customer chatting with the bot at the service layer, and the shop they buy from.

    shop = await new_shop(session)
    order = await shop.order("1001", ASHA, cod=True)  # ASHA: her number, and "hi"
    chat = await shop.chat(order)
    [reply] = await chat.say("haan")
    assert reply.text == said("cod_confirmed", "hi", order="#1001")

Each message is a real `InboundMessage` (a unique wamid, an explicit timestamp) handed to
`handle_inbound` the way the webhook processor does, then committed. Every object the session
holds is expired afterwards, so what a test reads next comes from the database, as the next
webhook would see it (reading an attribute of an object not re-read fails loudly).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import (
    CommerceEvent,
    CustomerFacts,
    LineItem,
    OrderFacts,
    PaymentMethod,
    ShipmentFacts,
)
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Shipment
from ordertalk.commerce.service import CommerceService
from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import note_inbound, upsert_contact
from ordertalk.conversations import texts
from ordertalk.conversations.bot import handle_inbound
from ordertalk.conversations.flows.common import MENU_HUMAN, MENU_RETURN, MENU_WISMO
from ordertalk.conversations.models import Conversation
from ordertalk.journeys.playbook import FEEDBACK_REQUEST
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import REPLY_INTENT
from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from ordertalk.webhooks_out.models import WebhookDelivery
from ordertalk.webhooks_out.service import create_endpoint
from ordertalk.whatsapp.webhook_types import InboundMessage

# A Monday evening in UTC: already Tuesday in India, so "tomorrow" depends on whose clock.
T0 = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
STORE_NAME = "Chai & Co"
MENU_IDS = [MENU_WISMO, MENU_RETURN, MENU_HUMAN]

# One customer per language the bot speaks: (WhatsApp number, language).
ASHA = ("+919876543210", "hi")
RAVI = ("+919812345678", "en")
EMMA = ("+14155552671", "en")
JAVIER = ("+34612345678", "es")
LUCAS = ("+5511912345678", "pt")
DEWI = ("+6281298765432", "id")

_wamids = itertools.count(1)
R = TypeVar("R")


def said(key: str, language: str, **values: str) -> str:
    """Exactly what the bot says for `key` in `language` (the store's name filled in)."""
    return texts.say(key, language, store=STORE_NAME, **values)


@dataclass(frozen=True)
class Reply:
    """One reply the bot queued: the Cloud API payload and the text shown in the inbox."""

    payload: dict[str, Any]
    preview: str
    order_id: int | None

    @property
    def kind(self) -> str:
        """ "text", or the interactive type: "button", "list", "cta_url"."""
        if self.payload["type"] == "interactive":
            return str(self.payload["interactive"]["type"])
        return str(self.payload["type"])

    @property
    def text(self) -> str:
        """The body the customer reads."""
        if self.payload["type"] == "text":
            return str(self.payload["text"]["body"])
        return str(self.payload["interactive"]["body"]["text"])

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Reply buttons as (id, title)."""
        if self.kind != "button":
            return []
        action = self.payload["interactive"]["action"]
        return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]

    @property
    def button_ids(self) -> list[str]:
        return [id_ for id_, _ in self.buttons]

    @property
    def rows(self) -> list[tuple[str, str]]:
        """List rows as (id, title)."""
        if self.kind != "list":
            return []
        sections = self.payload["interactive"]["action"]["sections"]
        return [(row["id"], row["title"]) for section in sections for row in section["rows"]]

    @property
    def row_ids(self) -> list[str]:
        return [id_ for id_, _ in self.rows]

    @property
    def url(self) -> str:
        """The link of a call-to-action button."""
        assert self.kind == "cta_url", self.payload
        return str(self.payload["interactive"]["action"]["parameters"]["url"])

    def is_menu(self, language: str = "en", key: str = "menu") -> bool:
        """The menu (three buttons, a person among them) in `language`."""
        return (
            self.kind == "button"
            and self.button_ids == MENU_IDS
            and self.text == said(key, language)
            and self.buttons[2][1] == said("button_human", language)
        )


class Chat:
    """One customer writing to the store; the clock moves a few seconds per message unless told."""

    def __init__(self, session: AsyncSession, store: Store, contact: Contact, at: datetime) -> None:
        self.session = session
        self.store_id = store.id
        self.contact_id = contact.id
        self.wa_id = contact.wa_id
        self.now = at
        self.last: dict[str, Any] | None = None

    def later(self, **delta: float) -> None:
        """Let time pass before the next message."""
        self.now += timedelta(**delta)

    async def send(self, type_: str, content: dict[str, Any], **extra: Any) -> list[Reply]:
        """Any message type: `content` is the object under its type's key."""
        self.now += timedelta(seconds=5)
        message = {
            "from": self.wa_id,
            "id": f"wamid.test.{next(_wamids)}",
            "timestamp": str(int(self.now.timestamp())),
            "type": type_,
            type_: content,
            **extra,
        }
        return await self.deliver(message)

    async def deliver(self, message: dict[str, Any]) -> list[Reply]:
        """Hand one webhook message to the bot as the webhook processor does, and commit."""
        self.last = message
        parsed = InboundMessage.model_validate(message)
        at = datetime.fromtimestamp(parsed.timestamp, UTC)
        store = await self.session.get_one(Store, self.store_id, populate_existing=True)
        contact = await self.session.get_one(Contact, self.contact_id, populate_existing=True)
        await note_inbound(self.session, contact, at)
        planned = await handle_inbound(self.session, store, contact, parsed, at)
        replies = []
        for row in planned:
            assert row.intent == REPLY_INTENT, row.intent
            params = row.params
            replies.append(Reply(params["payload"], params["preview"], row.order_id))
        await self.session.commit()
        self.session.expire_all()
        return replies

    async def again(self) -> list[Reply]:
        """The last message once more, as a redelivered webhook (same wamid)."""
        assert self.last is not None
        return await self.deliver(dict(self.last))

    async def say(self, text: str) -> list[Reply]:
        """Typed text."""
        return await self.send("text", {"body": text})

    async def tap(self, reply_id: str, title: str = "…") -> list[Reply]:
        """A tap on a reply button the bot sent."""
        button = {"id": reply_id, "title": title}
        return await self.send("interactive", {"type": "button_reply", "button_reply": button})

    async def pick(self, row_id: str, title: str = "…") -> list[Reply]:
        """A tap on a list row the bot sent."""
        row = {"id": row_id, "title": title}
        return await self.send("interactive", {"type": "list_reply", "list_reply": row})

    async def press(self, payload: str, text: str = "…") -> list[Reply]:
        """A tap on a template's quick-reply button."""
        return await self.send("button", {"payload": payload, "text": text})

    async def image(self, media_id: str, caption: str | None = None) -> list[Reply]:
        """A photo (its media fetched later by the worker)."""
        content: dict[str, Any] = {"id": media_id, "mime_type": "image/jpeg", "sha256": "0" * 64}
        if caption is not None:
            content["caption"] = caption
        return await self.send("image", content)

    async def location(self, latitude: Any, longitude: Any, **more: str) -> list[Reply]:
        """A shared location pin (`name`, `address` optional)."""
        return await self.send("location", {"latitude": latitude, "longitude": longitude, **more})

    async def cart(self, items: list[Any], catalog_id: str = "cat-1") -> list[Reply]:
        """A cart sent from the store's WhatsApp catalog."""
        return await self.send(
            "order", {"catalog_id": catalog_id, "text": "", "product_items": items}
        )

    async def conversation(self) -> Conversation:
        """The conversation as stored now."""
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.store_id == self.store_id,
                Conversation.contact_id == self.contact_id,
            )
        ) or _missing("conversation")


def _missing(what: str) -> Any:
    raise AssertionError(f"no {what}")


def item(title: str, price: str = "499.00", quantity: int = 1, sku: str | None = None) -> LineItem:
    """An order line."""
    return LineItem(title=title, quantity=quantity, price=Decimal(price), sku=sku)


class Shop:
    """The store's side: customers, orders, parcels, a webhook endpoint and what it was sent."""

    def __init__(self, session: AsyncSession, store: Store) -> None:
        self.session = session
        self.store_id = store.id

    async def store(self) -> Store:
        """The store as stored now."""
        return await self.session.get_one(Store, self.store_id, populate_existing=True)

    async def fresh(self, row: R) -> R:
        """`row` read again from the database (after the bot may have changed it)."""
        await self.session.refresh(row)
        return row

    async def customer(self, who: tuple[str, str]) -> Contact:
        """A customer who has no order yet."""
        phone, language = who
        contact = await upsert_contact(
            self.session, await self.store(), phone=phone, language=language
        )
        await self.session.commit()
        return contact

    async def chat(self, who: Order | Contact | tuple[str, str], at: datetime = T0) -> Chat:
        """A chat with the order's customer, a contact, or a (phone, language) customer."""
        if isinstance(who, Order):
            order = await self.fresh(who)
            assert order.contact_id is not None
            contact = await self.session.get_one(Contact, order.contact_id)
        elif isinstance(who, Contact):
            contact = await self.fresh(who)
        else:
            contact = await self.customer(who)
        return Chat(self.session, await self.store(), contact, at)

    async def apply(self, event: CommerceEvent) -> None:
        await CommerceService(self.session, await self.store()).apply(event)
        await self.session.commit()

    async def order(
        self,
        external_id: str,
        who: tuple[str, str],
        *,
        cod: bool = False,
        items: list[LineItem] | None = None,
        at: datetime = T0 - timedelta(days=3),
    ) -> Order:
        """A confirmed order for the customer `who`, named "#<external_id>"."""
        phone, language = who
        lines = items if items is not None else [item("Masala chai 250 g")]
        facts = OrderFacts(
            external_id=external_id,
            name=f"#{external_id}",
            customer=CustomerFacts(phone=phone, language=language),
            currency="INR",
            total=sum((i.price or Decimal(0)) * i.quantity for i in lines),
            items=lines,
            payment_method=PaymentMethod.COD if cod else PaymentMethod.PREPAID,
        )
        event = CommerceEvent(
            source="test", milestone=Milestone.ORDER_CONFIRMED, event_time=at, order=facts
        )
        await self.apply(event)
        return await self.session.scalar(
            select(Order).where(Order.store_id == self.store_id, Order.external_id == external_id)
        ) or _missing("order")

    async def parcel(
        self,
        order: Order,
        milestone: Milestone,
        *,
        at: datetime,
        number: int = 1,
        edd: date | None = None,
    ) -> Shipment:
        """The order's parcel `number` moved to `milestone` at `at` (expected by `edd`)."""
        external_id = f"{order.external_id}-{number}"
        facts = ShipmentFacts(
            external_id=external_id,
            order_external_id=order.external_id,
            carrier="Delhivery",
            tracking_number=f"AWB{order.external_id}{number}",
            edd=edd,
        )
        await self.apply(
            CommerceEvent(source="test", milestone=milestone, event_time=at, shipment=facts)
        )
        return await self.session.scalar(
            select(Shipment).where(
                Shipment.store_id == self.store_id, Shipment.external_id == external_id
            )
        ) or _missing("shipment")

    async def endpoint(self) -> None:
        """An endpoint subscribed to every event, so `emit` writes deliveries."""
        await create_endpoint(
            self.session, await self.store(), "http://127.0.0.1:9/hooks", allow_private=True
        )
        await self.session.commit()

    async def sent(self, event_type: str) -> list[dict[str, Any]]:
        """The `data` of every webhook queued for the endpoint, of one type, oldest first."""
        rows = await self.session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.store_id == self.store_id, WebhookDelivery.event_type == event_type
            )
            .order_by(WebhookDelivery.id)
        )
        return [row.payload["data"] for row in rows]

    async def feedback_request(self, order: Order, accepted_at: datetime) -> None:
        """The `feedback_request` template for `order`, accepted by the Cloud API at that time."""
        order = await self.fresh(order)
        assert order.contact_id is not None
        self.session.add(
            OutboundMessage(
                store_id=self.store_id,
                contact_id=order.contact_id,
                order_id=order.id,
                intent=FEEDBACK_REQUEST,
                purpose=Purpose.UTILITY.value,
                dedup_key=f"feedback:{order.id}:{accepted_at.isoformat()}",
                state=MessageState.DELIVERED.value,
                not_before=accepted_at,
                params={},
                tries=1,
                form="template",
                accepted_at=accepted_at,
                sent_at=accepted_at,
                delivered_at=accepted_at,
            )
        )
        await self.session.commit()

    async def count(self, model: type[Any], *where: Any) -> int:
        """How many rows of `model` the store has (matching `where`)."""
        total = await self.session.scalar(
            select(func.count()).select_from(model).where(model.store_id == self.store_id, *where)
        )
        return int(total or 0)


async def new_shop(session: AsyncSession, *, endpoint: bool = True) -> Shop:
    """A store in India (Hindi-speaking customers and others), with a webhook endpoint
    subscribed to everything unless told otherwise."""
    store, _ = await create_store(
        session, name=STORE_NAME, country="IN", language="en", timezone="Asia/Kolkata"
    )
    await session.commit()
    shop = Shop(session, store)
    if endpoint:
        await shop.endpoint()
    return shop
