"""The customer tracking page behind a short link: finding the link, counting its clicks,
protecting its forms and taking a failed delivery's answer (the same as in chat).

The link's code is the only credential: it names one order of one store, and nothing else is
reachable from it (no other order, no other store's parcel, never the full phone number).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.actions import NdrAction
from ordertalk.commerce.models import Order, Shipment
from ordertalk.contacts.models import Contact
from ordertalk.conversations.actions import (
    NDR_OPEN,
    ActionRefused,
    Address,
    address_from_text,
    reattempt_days,
    record_ndr_action,
)
from ordertalk.messaging.context import locale_for
from ordertalk.stores.models import Store
from ordertalk.web.links import is_code
from ordertalk.web.models import TrackingLink
from ordertalk.web.tracking_texts import page_language
from ordertalk.web.tracking_view import TrackingView, confirmation, tracking_view

SOURCE = "tracking_page"
# Link-preview fetchers and crawlers: WhatsApp itself fetches every link it shows a preview for.
PREVIEW_AGENTS = re.compile(
    r"whatsapp/|facebookexternalhit|facebot|meta-externalagent|twitterbot|telegrambot|slackbot"
    r"|linkedinbot|discordbot|skypeuripreview|googlebot|bingbot|applebot|pinterestbot|redditbot"
    r"|embedly|vkshare|iframely|crawler|spider",
    re.IGNORECASE,
)
_TOKEN_CONTEXT = b"ordertalk tracking-page form v1:"


class TrackingProblem(Exception):
    """Something the page tells the customer instead of doing what was asked."""

    status_code = 400
    key = "error_action"  # a `tracking_texts` key

    def __init__(self, shipment_id: int | None = None, action: str | None = None) -> None:
        super().__init__(self.key)
        self.shipment_id = shipment_id  # the parcel whose form shows the message
        self.action = action  # which of its forms


class LinkNotFound(TrackingProblem):
    """No such code (or its order is gone)."""

    status_code = 404
    key = "missing_body"


class StaleForm(TrackingProblem):
    """A form without this link's token: out of date, or posted from another site."""

    status_code = 403
    key = "stale_body"


class InvalidAnswer(TrackingProblem):
    """A form filled in wrongly (a day not offered, an incomplete address...)."""

    status_code = 422

    def __init__(self, key: str, shipment_id: int | None = None, action: str | None = None):
        super().__init__(shipment_id, action)
        self.key = key


class ParcelClosed(TrackingProblem):
    """The parcel is no longer waiting for an answer (delivered, returning...)."""

    status_code = 409
    key = "closed"


@dataclass
class Opened:
    """A link and what it shows: one order of one store, for one customer."""

    link: TrackingLink
    store: Store
    order: Order
    contact: Contact | None

    @property
    def language(self) -> str:
        """The page's language: the customer's, else the store's, else English."""
        return page_language(self.contact.language if self.contact else None, self.store.language)

    @property
    def locale(self) -> str:
        """Babel locale for dates and money: the page's language in the customer's region."""
        phone = self.contact.phone if self.contact else ""
        return locale_for(self.language, phone)

    @property
    def timezone(self) -> str:
        """Where the customer's days and times are counted."""
        return self.contact.timezone if self.contact else self.store.timezone


async def open_link(session: AsyncSession, code: str) -> Opened:
    """The link behind `code` with its order; LinkNotFound for anything else."""
    if not is_code(code):
        raise LinkNotFound
    link = await session.scalar(select(TrackingLink).where(TrackingLink.code == code))
    if link is None:
        raise LinkNotFound
    order = await session.scalar(
        select(Order).where(Order.id == link.order_id, Order.store_id == link.store_id)
    )
    store = await session.get(Store, link.store_id)
    if order is None or store is None:
        raise LinkNotFound
    contact = None
    if order.contact_id is not None:
        contact = await session.scalar(
            select(Contact).where(Contact.id == order.contact_id, Contact.store_id == store.id)
        )
    return Opened(link, store, order, contact)


def is_preview_fetch(method: str, headers: Mapping[str, str]) -> bool:
    """Whether a request is a machine's, not the customer's: a HEAD, a prefetch, a link preview
    (WhatsApp's own, "WhatsApp/2.x"), a crawler, or no User-Agent at all."""
    if method.upper() != "GET":
        return True
    purpose = (headers.get("sec-purpose") or headers.get("purpose") or "").lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return True
    agent = (headers.get("user-agent") or "").strip()
    return not agent or PREVIEW_AGENTS.search(agent) is not None


async def record_click(session: AsyncSession, link: TrackingLink, at: datetime) -> None:
    """One more open of the link (an atomic update in the request's transaction)."""
    await session.execute(
        update(TrackingLink)
        .where(TrackingLink.id == link.id)
        .values(
            clicks=TrackingLink.clicks + 1,
            first_click_at=func.coalesce(TrackingLink.first_click_at, at),
            last_click_at=at,
        )
        .execution_options(synchronize_session=False)
    )


# --- forms ----------------------------------------------------------------------------------


def form_token(secret: bytes, code: str) -> str:
    """The token this link's forms carry: an HMAC of the code with the server's secret, so a
    page elsewhere cannot make one (the link has no cookie or login for a forgery to ride)."""
    mac = hmac.new(secret, _TOKEN_CONTEXT + code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def check_form_token(secret: bytes, code: str, given: object) -> None:
    """StaleForm unless `given` is this link's token."""
    if not isinstance(given, str) or not given:
        raise StaleForm
    if not hmac.compare_digest(form_token(secret, code).encode(), given.encode()):
        raise StaleForm


@dataclass(frozen=True)
class NdrAnswer:
    """A failed delivery's answer as the page's form gave it (strings, unchecked)."""

    shipment: str | None
    action: str | None
    day: str | None = None
    address: str | None = None
    confirm: str | None = None

    @classmethod
    def of(cls, form: Mapping[str, object]) -> NdrAnswer:
        """From a posted form (anything that is not a short string is ignored)."""

        def text(name: str, limit: int = 1000) -> str | None:
            value = form.get(name)
            return value[:limit] if isinstance(value, str) else None

        return cls(
            shipment=text("shipment", 20),
            action=text("action", 20),
            day=text("day", 20),
            address=text("address"),
            confirm=text("confirm", 10),
        )


@dataclass(frozen=True)
class Done:
    """What the customer decided, for the confirmation."""

    shipment_id: int
    action: NdrAction
    reattempt_on: date | None = None


async def answer_ndr(
    session: AsyncSession, opened: Opened, answer: NdrAnswer, at: datetime
) -> Done:
    """Record the customer's answer to a failed delivery of this link's order, as chat does
    (`record_ndr_action`, source "tracking_page"); raises a TrackingProblem otherwise."""
    raw = answer.shipment or ""
    # A row id: ASCII digits that fit a database integer (anything else is no parcel of ours).
    shipment_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    shipment = await session.get(Shipment, shipment_id) if shipment_id is not None else None
    if (
        shipment is None
        or shipment.order_id != opened.order.id
        or shipment.store_id != opened.store.id
    ):
        raise InvalidAnswer("error_action")  # not a parcel of this order: never act on it
    if shipment.milestone not in NDR_OPEN:
        raise ParcelClosed(shipment.id)
    try:
        action = NdrAction(answer.action or "")
    except ValueError:
        raise InvalidAnswer("error_action", shipment.id) from None
    reattempt_on: date | None = None
    address: Address | None = None
    match action:
        case NdrAction.REATTEMPT:
            reattempt_on = _offered_day(answer.day, at, opened.timezone)
            if reattempt_on is None:
                raise InvalidAnswer("error_day", shipment.id, action.value)
        case NdrAction.ADDRESS:
            address = address_from_text((answer.address or "").strip())
            if address is None:
                raise InvalidAnswer("error_address", shipment.id, action.value)
        case NdrAction.CANCEL:
            if answer.confirm != "yes":
                raise InvalidAnswer("error_cancel", shipment.id, action.value)
    try:
        await record_ndr_action(
            session, opened.store, shipment, action, contact=opened.contact, source=SOURCE,
            at=at, reattempt_on=reattempt_on, address=address,
        )  # fmt: skip
    except ActionRefused:
        raise ParcelClosed(shipment.id) from None
    return Done(shipment.id, action, reattempt_on)


def _offered_day(value: str | None, at: datetime, timezone: str) -> date | None:
    """The chosen day, if it is one of the days offered now."""
    try:
        chosen = date.fromisoformat(value or "")
    except ValueError:
        return None
    return chosen if chosen in reattempt_days(at, timezone) else None


# --- the page's two requests ------------------------------------------------------------------


async def visit(
    session: AsyncSession,
    code: str,
    *,
    method: str,
    headers: Mapping[str, str],
    secret: bytes,
    now: datetime,
) -> TrackingView:
    """A GET (or HEAD) of /t/{code}: the page, and one more click unless a machine asked;
    LinkNotFound for an unknown code."""
    opened = await open_link(session, code)
    if is_preview_fetch(method, headers):
        return await tracking_view(session, opened, now=now, token="", preview=True)
    await record_click(session, opened.link, now)
    return await tracking_view(session, opened, now=now, token=form_token(secret, code))


async def answer(
    session: AsyncSession,
    code: str,
    form: Mapping[str, object],
    *,
    secret: bytes,
    now: datetime,
) -> tuple[TrackingView, int]:
    """A POST of a failed delivery's form: the page with the confirmation (200), or with what
    to fix (403 stale form, 409 parcel no longer waiting, 422 a wrong answer) and nothing
    changed; LinkNotFound for an unknown code."""
    opened = await open_link(session, code)
    token = form_token(secret, code)
    given = NdrAnswer.of(form)
    try:
        check_form_token(secret, code, form.get("csrf"))
        done = await answer_ndr(session, opened, given, now)
    except TrackingProblem as problem:
        view = await tracking_view(
            session, opened, now=now, token=token, answer=given, problem=problem
        )
        return view, problem.status_code
    notice = confirmation(opened, done)
    return await tracking_view(session, opened, now=now, token=token, notice=notice), 200
