"""What the tracking page shows, read from the order's rows and worded for the customer: each
parcel's status, progress, expected delivery, carrier link and history, the failed-delivery
forms, and the store's cross-sell cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.actions import NdrAction
from ordertalk.commerce.milestones import INFO, Milestone, MilestoneInfo, Track
from ordertalk.commerce.models import Shipment, TimelineEntry
from ordertalk.commerce.state import Outcome
from ordertalk.contacts.phones import mask
from ordertalk.conversations.actions import NDR_OPEN, reattempt_days
from ordertalk.web.brand import Brand, brand
from ordertalk.web.cross_sell import cross_sell
from ordertalk.web.tracking_texts import milestone_words, say

if TYPE_CHECKING:  # tracking.py builds its pages with this module
    from ordertalk.web.tracking import Done, NdrAnswer, Opened, TrackingProblem

# Timeline rows a customer sees: what moved their order on, and what they decided.
SHOWN = frozenset(
    {
        Outcome.ADVANCED.value,
        Outcome.SIDE_STATE.value,
        Outcome.SIDE_THROTTLED.value,
        Outcome.REVIEW.value,
        Outcome.CUSTOMER_ACTION.value,
    }
)
# Milestones whose carrier note ("consignee unavailable") helps the customer.
WITH_REASON = frozenset(
    {
        Milestone.DELAYED.value,
        Milestone.EXCEPTION.value,
        Milestone.DELIVERY_ATTEMPT_FAILED.value,
        Milestone.RTO_INITIATED.value,
        Milestone.CANCELLED.value,
        Milestone.RETURN_REJECTED.value,
    }
)
# The progress bar: (label key, the rank from which the step is reached).
PROGRESS = (("step_ordered", 0), ("step_shipped", 30), ("step_out", 50), ("step_delivered", 90))
REASON_MAX = 200


@dataclass
class Step:
    """One line of a history."""

    what: str
    when: str
    detail: str | None = None


@dataclass
class NdrForms:
    """The three answers to a failed delivery, with what was typed if it needs fixing."""

    days: list[tuple[str, str]]  # (ISO date, label)
    day: str | None = None
    address: str | None = None
    error: str | None = None
    error_action: str | None = None  # which form the error is about


@dataclass
class Parcel:
    """One shipment as the customer reads it."""

    id: int
    heading: str
    status: str
    tone: str  # ok / warn / bad / info (the status badge's colour)
    note: str | None
    progress: list[tuple[str, str]]  # (label, done / current / todo); empty off the happy path
    carrier: str | None
    tracking_number: str | None
    carrier_url: str | None
    edd: str | None
    answered: str | None  # the customer's answer to a failed attempt, if any
    ndr: NdrForms | None
    history: list[Step]


@dataclass
class Card:
    """A cross-sell product."""

    title: str
    url: str
    image_url: str | None
    price: str | None


@dataclass
class TrackingView:
    """Everything the page template needs."""

    lang: str
    say: Callable[..., str]
    code: str
    token: str
    store_name: str
    brand: Brand
    order_label: str
    placed: str | None
    phone: str | None
    items: list[str]
    parcels: list[Parcel]
    order_history: list[Step]
    cards: list[Card]
    notice: str | None = None
    problem: str | None = None
    preview: bool = False  # for a link-preview fetcher: the store's name, nothing personal


class _Words:
    """Dates, times and money in the customer's language, region and time zone."""

    def __init__(self, opened: Opened) -> None:
        self.lang = opened.language
        self.locale = Locale.parse(opened.locale)
        self.timezone = opened.timezone
        try:
            self.zone: ZoneInfo = ZoneInfo(opened.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
            self.timezone = "UTC"

    def say(self, key: str, **values: str) -> str:
        return say(key, self.lang, **values)

    def local(self, value: datetime) -> datetime:
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(self.zone)

    def day(self, value: date) -> str:
        return format_date(value, "full", locale=self.locale)

    def short_day(self, value: date) -> str:
        return format_skeleton("MMMMEEEEd", value, locale=self.locale)

    def moment(self, value: datetime) -> str:
        local = self.local(value)
        glue = str(get_datetime_format("medium", locale=self.locale))
        return glue.replace("{1}", format_date(local, "medium", locale=self.locale)).replace(
            "{0}", format_time(local, "short", locale=self.locale)
        )

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale)


def _http_link(raw: str | None) -> str | None:
    """A carrier's link, if it is an http(s) one (never a javascript: or data: URL)."""
    if not raw:
        return None
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return None
    return raw.strip() if parts.scheme in ("http", "https") and parts.hostname else None


def _step(entry: TimelineEntry, words: _Words) -> Step | None:
    if entry.outcome not in SHOWN:
        return None
    if entry.outcome == Outcome.CUSTOMER_ACTION.value:
        what = milestone_words(entry.raw_status or "", words.lang)
        detail = None
        if what is not None and entry.raw_status == "customer:ndr_reattempt" and entry.detail:
            try:
                detail = words.day(date.fromisoformat(entry.detail))
            except ValueError:
                detail = None
        return Step(what, words.moment(entry.event_time), detail) if what else None
    what = milestone_words(entry.milestone or "", words.lang)
    if what is None:
        return None
    detail = entry.detail if entry.milestone in WITH_REASON and entry.detail else None
    return Step(what, words.moment(entry.event_time), (detail or "")[:REASON_MAX] or None)


def _info(milestone: str | None) -> MilestoneInfo | None:
    try:
        return INFO[Milestone(milestone)] if milestone else None
    except ValueError:
        return None


def _tone(milestone: str | None) -> str:
    match milestone:
        case "delivered":
            return "ok"
        case "delivery_attempt_failed" | "exception" | "delayed":
            return "warn"
        case "lost_or_damaged" | "cancelled" | "rto_initiated" | "rto_in_transit" | "rto_delivered":
            return "bad"
        case _:
            return "info"


def _progress(shipment: Shipment, words: _Words) -> list[tuple[str, str]]:
    rank = 0
    if shipment.milestone is not None:
        info = _info(shipment.milestone)
        if info is None or info.rto or info.rank > 90:
            return []  # returning, lost or cancelled: a bar would mislead
        rank = info.rank
    reached = [label for label, at in PROGRESS if rank >= at]
    states: list[tuple[str, str]] = []
    for label, _ in PROGRESS:
        if label not in reached:
            state = "todo"
        elif label == reached[-1] and rank < 90:
            state = "current"
        else:
            state = "done"
        states.append((words.say(label), state))
    return states


def _answered(shipment: Shipment, words: _Words) -> str | None:
    match shipment.ndr_action:
        case NdrAction.REATTEMPT.value if shipment.reattempt_on is not None:
            return words.say("answered_reattempt", date=words.day(shipment.reattempt_on))
        case NdrAction.ADDRESS.value:
            given = (shipment.delivery_address or {}).get("text")
            if isinstance(given, str) and given:
                return words.say("answered_address", address=given)
            return None
        case NdrAction.CANCEL.value:
            return words.say("answered_cancel")
        case _:
            return None


def _note(shipment: Shipment, words: _Words) -> str | None:
    """A delay or exception newer than the last milestone ("Running late: weather")."""
    if shipment.side_state is None or shipment.side_at is None:
        return None
    if shipment.milestone_at is not None and shipment.side_at < shipment.milestone_at:
        return None
    what = milestone_words(shipment.side_state, words.lang)
    if what is None:
        return None
    reason = (shipment.side_reason or "")[:REASON_MAX]
    return f"{what}: {reason}" if reason else what


def _parcel(
    shipment: Shipment,
    number: int,
    total: int,
    history: list[Step],
    words: _Words,
    now: datetime,
    answer: NdrAnswer | None,
    problem: TrackingProblem | None,
) -> Parcel:
    milestone = shipment.milestone
    status = milestone_words(milestone or "packed", words.lang) or ""
    info = _info(milestone)
    finished = info is not None and (info.terminal or info.rto)
    ndr: NdrForms | None = None
    if milestone in NDR_OPEN:
        days = [(d.isoformat(), words.short_day(d)) for d in reattempt_days(now, words.timezone)]
        ndr = NdrForms(days=days)
        if problem is not None and problem.shipment_id == shipment.id and answer is not None:
            ndr.day = answer.day
            ndr.address = answer.address
            ndr.error = words.say(problem.key)
            ndr.error_action = problem.action
    return Parcel(
        id=shipment.id,
        heading=(
            words.say("parcel", n=str(number), total=str(total))
            if total > 1
            else words.say("your_parcel")
        ),
        status=status,
        tone=_tone(milestone),
        note=None if finished else _note(shipment, words),
        progress=_progress(shipment, words),
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        carrier_url=_http_link(shipment.tracking_url),
        edd=words.day(shipment.edd) if shipment.edd and not finished else None,
        answered=_answered(shipment, words),
        ndr=ndr,
        history=history,
    )


def _items(opened: Opened) -> list[str]:
    lines = []
    for item in opened.order.items or []:
        title = str(item.get("title") or "").strip()
        if not title:
            continue
        quantity = item.get("quantity") or 1
        lines.append(f"{title} × {quantity}" if quantity != 1 else title)
    return lines[:50]


def _cards(opened: Opened, words: _Words) -> list[Card]:
    cards = []
    for item in cross_sell(opened.store).items:
        price = None
        if item.price is not None and item.currency is not None:
            price = words.money(item.price, item.currency)
        cards.append(Card(item.title, item.url, item.image_url, price))
    return cards


def confirmation(opened: Opened, done: Done) -> str:
    """The bot's own confirmation of the answer, in the customer's language."""
    language = opened.language
    label = opened.order.name or opened.order.external_id
    match done.action:
        case NdrAction.REATTEMPT:
            assert done.reattempt_on is not None
            when = _Words(opened).day(done.reattempt_on)
            return say("ndr_reattempt_done", language, order=label, date=when)
        case NdrAction.ADDRESS:
            return say("ndr_address_done", language, order=label)
        case NdrAction.CANCEL:
            return say("ndr_cancel_done", language, order=label, store=opened.store.name)


async def tracking_view(
    session: AsyncSession,
    opened: Opened,
    *,
    now: datetime,
    token: str,
    notice: str | None = None,
    answer: NdrAnswer | None = None,
    problem: TrackingProblem | None = None,
    preview: bool = False,
) -> TrackingView:
    """The page for this link's order, now; with a confirmation (`notice`) or, for a form to
    fix, the problem and what was typed. For a `preview` (a link-preview fetcher), only the
    store's name: nothing about the order leaves for a machine."""
    words = _Words(opened)
    order = opened.order
    label = order.name or order.external_id
    if preview:
        return TrackingView(
            lang=words.lang, say=words.say, code=opened.link.code, token="",
            store_name=opened.store.name, brand=brand(opened.store.brand_color),
            order_label="", placed=None, phone=None, items=[], parcels=[], order_history=[],
            cards=[], preview=True,
        )  # fmt: skip
    shipments = list(
        await session.scalars(
            select(Shipment)
            .where(Shipment.order_id == order.id, Shipment.store_id == opened.store.id)
            .order_by(Shipment.id)
        )
    )
    entries = list(
        await session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.order_id == order.id, TimelineEntry.store_id == opened.store.id)
            .order_by(TimelineEntry.event_time.desc(), TimelineEntry.id.desc())
        )
    )
    by_shipment: dict[int, list[Step]] = {s.id: [] for s in shipments}
    order_history: list[Step] = []
    for entry in entries:
        step = _step(entry, words)
        if step is None:
            continue
        if entry.entity == Track.SHIPMENT.value:
            if entry.entity_id in by_shipment:
                by_shipment[entry.entity_id].append(step)
        else:
            order_history.append(step)
    parcels = [
        _parcel(
            shipment,
            number,
            len(shipments),
            by_shipment[shipment.id],
            words,
            now,
            answer,
            problem,
        )
        for number, shipment in enumerate(shipments, start=1)
    ]
    placed_at = order.placed_at or order.created_at
    shown_problem = None
    if problem is not None and not any(p.ndr and p.ndr.error for p in parcels):
        shown_problem = words.say(problem.key)  # not about a form on the page: say it on top
    return TrackingView(
        lang=words.lang,
        say=words.say,
        code=opened.link.code,
        token=token,
        store_name=opened.store.name,
        brand=brand(opened.store.brand_color),
        order_label=words.say("order", order=label),
        placed=words.say("placed", date=words.day(words.local(placed_at).date())),
        phone=mask(opened.contact.phone) if opened.contact else None,
        items=_items(opened),
        parcels=parcels,
        order_history=order_history,
        cards=_cards(opened, words),
        notice=notice,
        problem=shown_problem,
    )
