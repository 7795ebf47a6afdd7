"""The message registry: every message intent, its wording per language, and how it may be sent.

Each key is one customer-facing message (a template key in the outbox). A definition with a
template form is submitted to Meta as ``ot_<key>`` in every language it has; every definition also
has a free-form version for inside the customer service window (the same words as a text,
document or reply-buttons message). The wording itself lives in the ``texts_*`` data modules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ordertalk.templates import texts

Category = Literal["UTILITY", "MARKETING"]

LANGUAGES: tuple[str, ...] = texts.LANGUAGES
"""Every language the registry ships, as Meta's template language codes."""

# The fields of RenderContext a body may name in `params`; "tracking_url" falls back to the
# status page, "invoice_url" fills the document header rather than the body.
PARAM_FIELDS = frozenset(
    {
        "store_name",
        "customer_name",
        "order_number",
        "amount",
        "carrier",
        "tracking_number",
        "tracking_url",
        "edd",
        "event_time",
        "reason",
        "status_url",
        "offer",
        "product",
        "shop_url",
    }
)

BROADCAST_FIELDS = frozenset({"offer", "product", "shop_url"})
"""The fields a broadcast's `params` give, the same for every recipient (RenderContext has them)."""

# What a broadcast knows of each recipient without an order: their name and the store's.
_RECIPIENT_FIELDS = frozenset({"customer_name", "store_name"})


@dataclass(frozen=True)
class Wording:
    """One language's text of a message; the body holds ``{{1}}``, ``{{2}}``... placeholders."""

    body: str
    header: str | None = None  # static header text (no placeholders)
    footer: str | None = None


@dataclass(frozen=True)
class QuickReply:
    """A quick-reply button; tapping it sends back ``<prefix>:<order_ref>``."""

    prefix: str
    labels: Mapping[str, str]  # per language

    def payload(self, order_ref: str) -> str:
        """The payload WhatsApp echoes when the customer taps this button."""
        return f"{self.prefix}:{order_ref}"


@dataclass(frozen=True)
class UrlButton:
    """A URL button: a fixed https address, optionally ending in ``{{1}}`` for a suffix."""

    labels: Mapping[str, str]  # per language
    url: str
    suffix: str | None = None  # the RenderContext field appended in place of {{1}}


Button = QuickReply | UrlButton


@dataclass(frozen=True)
class TemplateDef:
    """One message intent: its Meta template identity, parameters and per-language wording."""

    key: str
    name: str  # the Meta template name, ot_<key>
    category: Category
    params: tuple[str, ...]  # the context fields filling {{1}}, {{2}}... in this order
    texts: Mapping[str, Wording]
    buttons: tuple[Button, ...] = ()
    document_header: bool = False  # a DOCUMENT header carrying the invoice PDF
    template: bool = True  # has an approved-template form (usable outside the window)
    freeform: bool = True  # has a free-form form (inside the customer service window)
    description: str = field(default="", compare=False)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this message is written in."""
        return tuple(self.texts)

    @property
    def quick_replies(self) -> tuple[QuickReply, ...]:
        """The quick-reply buttons, in order."""
        return tuple(b for b in self.buttons if isinstance(b, QuickReply))


def _wordings(key: str) -> dict[str, Wording]:
    bodies = texts.BODIES[key]
    headers = texts.HEADERS.get(key, {})
    footer = texts.FOOTERS if key not in texts.NO_FOOTER else {}
    return {
        language: Wording(body, headers.get(language), footer.get(language))
        for language, body in bodies.items()
    }


def _quick(prefix: str) -> QuickReply:
    return QuickReply(prefix, texts.LABELS[prefix])


def _define(
    key: str,
    params: tuple[str, ...],
    description: str,
    *,
    buttons: tuple[Button, ...] = (),
    document_header: bool = False,
    template: bool = True,
    category: Category = "UTILITY",
) -> TemplateDef:
    unknown = set(params) - PARAM_FIELDS
    if unknown:
        raise ValueError(f"{key}: unknown parameter fields {sorted(unknown)}")
    return TemplateDef(
        key=key,
        name=f"ot_{key}",
        category=category,
        params=params,
        texts=_wordings(key),
        buttons=buttons,
        document_header=document_header,
        template=template,
        description=description,
    )


_GREETED_ORDER = ("customer_name", "store_name", "order_number", "amount")
_NAME_ORDER = ("customer_name", "order_number")
_NAME_ORDER_REASON = ("customer_name", "order_number", "reason")
_NAME_AMOUNT_ORDER = ("customer_name", "amount", "order_number")

_DEFINITIONS: tuple[TemplateDef, ...] = (
    _define("order_confirmed", _GREETED_ORDER, "Order placed and confirmed."),
    _define(
        "order_confirmed_invoice",
        _GREETED_ORDER,
        "Order confirmed, with the invoice PDF as a document header.",
        document_header=True,
    ),
    _define(
        "cod_confirmation",
        _GREETED_ORDER,
        "Cash-on-delivery order: confirm or cancel before it ships.",
        buttons=(_quick("cod:confirm"), _quick("cod:cancel")),
    ),
    _define(
        "payment_reminder",
        ("customer_name", "order_number", "amount", "status_url"),
        "Unpaid order: a link to complete the payment.",
    ),
    _define("order_cancelled", _NAME_ORDER_REASON, "Order cancelled, with the reason."),
    _define("shipment_packed", _NAME_ORDER, "Packed, about to be handed to the courier."),
    _define(
        "shipment_dispatched",
        ("customer_name", "order_number", "carrier", "tracking_number", "edd", "tracking_url"),
        "Shipped: carrier, tracking number, expected delivery and tracking link.",
    ),
    _define("shipment_in_transit", ("customer_name", "order_number", "edd"), "In transit."),
    _define(
        "shipment_delayed",
        ("customer_name", "order_number", "reason", "edd"),
        "Running late: the reason and the new expected delivery.",
    ),
    _define(
        "shipment_exception",
        ("customer_name", "order_number", "carrier", "reason"),
        "A carrier exception (address issue, held at customs...).",
    ),
    _define(
        "out_for_delivery",
        ("customer_name", "order_number", "carrier"),
        "Out for delivery today.",
    ),
    _define(
        "delivery_attempt_failed",
        _NAME_ORDER_REASON,
        "Failed delivery attempt: reattempt, change address or cancel.",
        buttons=(_quick("ndr:reattempt"), _quick("ndr:address"), _quick("ndr:cancel")),
    ),
    _define(
        "ready_for_pickup",
        ("customer_name", "order_number", "carrier"),
        "Waiting at a pickup point.",
    ),
    _define(
        "delivered",
        ("customer_name", "order_number", "event_time"),
        "Delivered, with when (event_time: the delivery scan).",
    ),
    _define("rto_initiated", _NAME_ORDER_REASON, "Undeliverable: being returned to the store."),
    _define("lost_or_damaged", _NAME_ORDER, "Lost or damaged in transit."),
    _define("return_requested", _NAME_ORDER, "Return request received."),
    _define("return_approved", _NAME_ORDER, "Return request approved."),
    _define("return_rejected", _NAME_ORDER_REASON, "Return request rejected, with the reason."),
    _define(
        "return_pickup_scheduled",
        ("customer_name", "order_number", "carrier"),
        "Return pickup booked; the courier calls before coming.",
    ),
    _define("return_picked_up", _NAME_ORDER, "Return picked up by the courier."),
    _define("return_received", _NAME_ORDER, "Return received at the warehouse."),
    _define("refund_initiated", _NAME_AMOUNT_ORDER, "Refund started."),
    _define("refund_completed", _NAME_AMOUNT_ORDER, "Refund completed."),
    _define(
        "feedback_request",
        _NAME_ORDER,
        "A day after delivery: rate the order from 0 to 10, from a list or as a number.",
        buttons=(_quick("fb:rate"),),
    ),
    _define(
        "offer",
        ("customer_name", "store_name", "offer", "shop_url"),
        "Broadcast: an offer or a new collection, in the merchant's words, with a link.",
        category="MARKETING",
    ),
    _define(
        "back_in_stock",
        ("customer_name", "product", "store_name", "shop_url"),
        "Broadcast: a product is back in stock, with a link to it.",
        category="MARKETING",
    ),
    _define(
        "optout_confirmed",
        ("store_name",),
        "Service reply to STOP: what stopped and how to resume.",
        template=False,
    ),
    _define(
        "optin_confirmed",
        ("store_name",),
        "Service reply to START: what resumed and how to stop.",
        template=False,
    ),
)

REGISTRY: dict[str, TemplateDef] = {defn.key: defn for defn in _DEFINITIONS}
"""Every message intent by key."""


def broadcastable(defn: TemplateDef) -> bool:
    """Whether a broadcast can send it: a template whose every value comes from the recipient,
    the store or the broadcast's params (no order, no buttons that name one)."""
    return (
        defn.template
        and not defn.buttons
        and not defn.document_header
        and set(defn.params) <= _RECIPIENT_FIELDS | BROADCAST_FIELDS
    )


# --- promotion check ----------------------------------------------------------------------------

# Words and phrases that make Meta re-categorise a utility template as marketing (reference §5.3).
# Latin-script terms match whole words; Devanagari ones match anywhere (no word boundaries there).
PROMOTIONAL_TERMS: dict[str, tuple[str, ...]] = {
    "en": (
        "offer", "offers", "discount", "discounts", "sale", "% off", "coupon", "promo", "promotion",
        "deal", "deals", "shop now", "buy now", "order now", "free", "cashback", "exclusive",
        "limited time", "new arrival", "new arrivals", "bestseller", "best seller",
        "don't miss", "voucher", "save", "you may also like", "recommended for you", "upgrade",
    ),
    "hi": (
        "ऑफ़र", "ऑफर", "छूट", "डिस्काउंट", "सेल", "कूपन", "कैशबैक", "मुफ़्त", "मुफ्त", "फ्री",
        "फ़्री", "अभी खरीदें", "खरीदें", "प्रोमो", "वाउचर", "बचत", "नया कलेक्शन",
    ),
    "es": (
        "oferta", "ofertas", "descuento", "descuentos", "rebaja", "rebajas", "promoción", "promo",
        "cupón", "gratis", "compra ya", "compra ahora", "novedades", "exclusivo", "exclusiva",
        "no te pierdas", "aprovecha", "ahorra", "te puede interesar",
    ),
    "pt_BR": (
        "oferta", "ofertas", "desconto", "descontos", "promoção", "promo", "cupom", "grátis",
        "liquidação", "compre já", "compre agora", "novidades", "exclusivo", "exclusiva",
        "aproveite", "imperdível", "economize", "você também pode gostar",
    ),
    "id": (
        "promo", "diskon", "potongan harga", "kupon", "gratis", "belanja sekarang", "beli sekarang",
        "penawaran", "cashback", "voucher", "terbatas", "jangan lewatkan", "hemat", "koleksi baru",
    ),
}  # fmt: skip

_DEVANAGARI = re.compile(r"[\u0900-\u097f]")


def find_promotional(text: str, language: str) -> list[str]:
    """The promotional terms (English and ``language``'s) that ``text`` contains."""
    found: list[str] = []
    lowered = text.casefold()
    terms = {*PROMOTIONAL_TERMS["en"], *PROMOTIONAL_TERMS.get(language, ())}
    for term in sorted(terms):
        needle = term.casefold()
        if _DEVANAGARI.search(needle):
            hit = needle in lowered
        else:
            # Whole words: "sale" is not in "wholesale", but "% off" is in "20% off".
            before = r"(?<!\w)" if needle[0].isalnum() else ""
            after = r"(?!\w)" if needle[-1].isalnum() else ""
            hit = re.search(before + re.escape(needle) + after, lowered) is not None
        if hit:
            found.append(term)
    return found
