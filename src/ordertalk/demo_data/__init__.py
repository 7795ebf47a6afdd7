"""The demo store's customers and what happens to their orders, as real webhooks would say it.

Every payload has the shape its sender really posts (copied from the integration fixtures:
Shopify, WooCommerce, AfterShip, EasyPost, ClickPost), with timestamps written the way that sender
writes them. Times are given when a step is played, so the pipeline sees fresh events.
`scenario()` gives each customer's story in order; `ordertalk.demo` interleaves and plays them.
"""

from ordertalk.demo_data.model import (
    STORE_COUNTRY,
    STORE_LANGUAGE,
    STORE_NAME,
    Action,
    ContactSync,
    Customer,
    Inbound,
    NotOnWhatsApp,
    Step,
    Story,
    Webhook,
)
from ordertalk.demo_data.stories import CUSTOMERS, scenario

__all__ = [
    "CUSTOMERS",
    "STORE_COUNTRY",
    "STORE_LANGUAGE",
    "STORE_NAME",
    "Action",
    "ContactSync",
    "Customer",
    "Inbound",
    "NotOnWhatsApp",
    "Step",
    "Story",
    "Webhook",
    "scenario",
]
