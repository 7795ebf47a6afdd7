"""One Jinja2 environment for every page: autoescaped, with the filters pages share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from ordertalk.contacts.phones import mask
from ordertalk.web.costs import money
from ordertalk.web.explain import reason_text, state_text, ticks

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=HERE / "templates")


def _when(value: datetime | None) -> str:
    """A timestamp as people read it in a table (UTC, to the minute)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


templates.env.filters["when"] = _when


def _masked(phone: str | None) -> str:
    """A customer's number as lists show it (country code and last four digits)."""
    return mask(phone) if phone else "—"


templates.env.filters["masked"] = _masked
templates.env.filters["reason"] = reason_text  # a policy reason in plain words
templates.env.filters["state"] = state_text  # a message state in plain words
templates.env.filters["ticks"] = ticks  # ✓ / ✓✓ / ✗
templates.env.filters["money"] = money  # 0.0068 USD, or — when unknown
