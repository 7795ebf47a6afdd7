"""A cart sent from the WhatsApp catalog (an `order` message): a draft order and a checkout link.

The link comes from the store's `checkout_url_template`, where `{items}` becomes
`<retailer id>:<quantity>` pairs joined by commas (Shopify's cart permalink format; any store
that can read such a URL works). Without a template a person sends the payment link.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from babel.numbers import format_currency
from sqlalchemy import select

from ordertalk.commerce.models import DraftOrder
from ordertalk.conversations import replies
from ordertalk.conversations.flows.common import handoff
from ordertalk.conversations.turn import Turn
from ordertalk.db import insert_or_ignore
from ordertalk.messaging.context import locale_for

MAX_ITEMS = 100
MAX_QUANTITY = 10_000


def _items(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The cart's lines that make sense; anything malformed is left out, never trusted."""
    lines: list[dict[str, Any]] = []
    for raw in content.get("product_items") or []:
        if not isinstance(raw, dict):
            continue
        retailer_id = str(raw.get("product_retailer_id") or "").strip()[:200]
        try:
            quantity = int(raw.get("quantity") or 0)
            price = (
                Decimal(str(raw.get("item_price"))) if raw.get("item_price") is not None else None
            )
        except (TypeError, ValueError, InvalidOperation):
            continue
        if not retailer_id or not 0 < quantity <= MAX_QUANTITY:
            continue
        if price is not None and (not price.is_finite() or price < 0):
            price = None
        currency = str(raw.get("currency") or "")[:3].upper() or None
        lines.append(
            {"retailer_id": retailer_id, "quantity": quantity,
             "price": str(price) if price is not None else None, "currency": currency}
        )  # fmt: skip
    return lines[:MAX_ITEMS]


def checkout_url(
    template: str | None, catalog_id: str | None, items: list[dict[str, Any]]
) -> str | None:
    """The store's checkout link for these items, if the store set a template."""
    if not template or not items:
        return None
    pairs = ",".join(f"{quote(i['retailer_id'], safe='')}:{i['quantity']}" for i in items)
    url = template.replace("{items}", pairs).replace(
        "{catalog_id}", quote(catalog_id or "", safe="")
    )
    return url if url.startswith("https://") and len(url) <= 2000 else None


async def receive(turn: Turn) -> None:
    """Turn the cart into a draft order and answer with the checkout link (or a person)."""
    content = turn.message.content or {}
    items = _items(content)
    if not items:
        await turn.reply_text(turn.say("cart_empty"))
        return
    currencies = {i["currency"] for i in items if i["currency"]}
    currency = currencies.pop() if len(currencies) == 1 else None
    total: Decimal | None = None
    if currency and all(i["price"] is not None for i in items):
        total = sum((Decimal(i["price"]) * i["quantity"] for i in items), Decimal(0))
    catalog_id = str(content.get("catalog_id") or "")[:200] or None
    url = checkout_url(turn.store.checkout_url_template, catalog_id, items)
    await insert_or_ignore(
        turn.session,
        DraftOrder,
        {"store_id": turn.store.id, "contact_id": turn.contact.id, "wamid": turn.message.id,
         "catalog_id": catalog_id, "items": items, "currency": currency, "total": total,
         "checkout_url": url, "created_at": turn.at},
        ["store_id", "wamid"],
    )  # fmt: skip
    draft = await turn.session.scalar(
        select(DraftOrder).where(
            DraftOrder.store_id == turn.store.id, DraftOrder.wamid == turn.message.id
        )
    )
    assert draft is not None
    count = str(sum(i["quantity"] for i in items))
    if url is None:
        await handoff(turn, "cart", "cart_handoff", count=count)
        return
    shown = "—"
    if total is not None and currency:
        shown = format_currency(
            total, currency, locale=locale_for(turn.language, turn.contact.phone)
        )
    body = turn.say("cart_checkout", count=count, total=shown)
    await turn.reply(replies.cta_url(body, turn.say("cart_btn"), url), body)
