"""`/ui/overview`: the store's last 14 days of messages at a glance — per day, by intent, the
delivered and read rates, failures by WhatsApp error and by policy reason, and billable messages
per pricing category, and their cost per day and currency (from the store's rate card, fixed on
each message when it was delivered) — as inline SVG charts, each with a table of its numbers
(queries in `overview`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.web.auth import ViewerDep
from ordertalk.web.charts import bar_chart, line_chart
from ordertalk.web.costs import money
from ordertalk.web.explain import reason_text
from ordertalk.web.overview import DAYS, overview
from ordertalk.web.pages import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/overview")
async def overview_page(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    """Messages over the last days, their outcomes, failures, billable counts and costs."""
    data = await overview(session, viewer.store.id, utcnow())
    days = [day.day for day in data.days]
    daily = line_chart(
        days,
        [
            ("sent", "s-sent", "", [d.sent for d in data.days]),
            ("delivered", "s-delivered", "6 3", [d.delivered for d in data.days]),
            ("read", "s-read", "2 3", [d.read for d in data.days]),
            ("failed", "s-failed", "10 3 2 3", [d.failed for d in data.days]),
        ],
    )
    failures = [(f"{code or '—'} {title}".strip(), n) for code, title, n in data.failures] + [
        (f"not sent: {reason}", n) for reason, n in data.suppressed
    ]
    return page(
        request,
        "ui_overview.html",
        viewer,
        section="overview",
        data=data,
        days_n=DAYS,
        daily=daily,
        planned=bar_chart([(day.day.strftime("%d %b"), day.planned) for day in data.days]),
        intents=bar_chart(data.by_intent),
        failure_chart=bar_chart(failures),
        suppressed_text={reason: reason_text(reason) for reason, _ in data.suppressed},
        pricing=bar_chart([(category, billable) for category, _, billable in data.pricing]),
        # One chart per currency (amounts in two currencies share no scale), with its top
        # value as an amount for the axis.
        cost_charts=[
            (
                c,
                line_chart(days, [(c.currency, "s-sent", "", [float(v) for _, v, _ in c.days])]),
                money(max(v for _, v, _ in c.days), c.currency),
            )
            for c in data.costs
        ],
        rate_card_set=viewer.store.rate_card is not None,
    )
