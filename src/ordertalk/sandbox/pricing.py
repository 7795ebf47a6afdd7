"""The per-message pricing object a status webhook carries (reference §6).

Since 2025-07-01 Meta charges per delivered template; since 2026-10-01 service messages and
utility templates inside the customer service window are charged too. The cut-over date is a
setting so tests can check both sides of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ordertalk.sandbox.model import TemplateCategory


def pricing_for(
    *,
    category: TemplateCategory | None,
    in_window: bool,
    in_free_entry_point: bool,
    sent_at: float,
    cutover: datetime,
) -> dict[str, Any]:
    """The `pricing` object for a message (``category`` None for a non-template message)."""
    if in_free_entry_point:
        return {
            "billable": False,
            "pricing_model": "CBP",
            "type": "free_entry_point",
            "category": "referral_conversion",
        }
    after_cutover = datetime.fromtimestamp(sent_at, UTC) >= cutover
    if category is None:
        return _priced("service", charged=after_cutover)
    if category is TemplateCategory.UTILITY and in_window:
        return _priced("utility", charged=after_cutover)
    return _priced(category.value.lower(), charged=True)


def _priced(category: str, *, charged: bool) -> dict[str, Any]:
    return {
        "billable": charged,
        "pricing_model": "PMP",
        "type": "regular" if charged else "free_customer_service",
        "category": category,
    }
