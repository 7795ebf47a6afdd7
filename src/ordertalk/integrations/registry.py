"""Every webhook source by name, as used in `/webhooks/{source}/{store_id}`."""

from __future__ import annotations

from ordertalk.integrations import aftership, clickpost, easypost, shopify, woocommerce
from ordertalk.integrations.base import Source

# Spelled out so mypy checks each one against the Source protocol.
SOURCES: dict[str, Source] = {
    "shopify": shopify.SOURCE,
    "woocommerce": woocommerce.SOURCE,
    "aftership": aftership.SOURCE,
    "easypost": easypost.SOURCE,
    "clickpost": clickpost.SOURCE,
}


def source(name: str) -> Source:
    """The source called `name`; KeyError (naming the known ones) otherwise."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
