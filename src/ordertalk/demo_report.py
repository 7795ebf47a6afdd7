"""What `ordertalk demo` prints: where to look, each phone, why messages were not sent, commands,
and the pages to open in a browser."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from ordertalk.config import Settings
from ordertalk.demo_data import Story
from ordertalk.stack import Stack

GONE_OUT = frozenset({"accepted", "sent", "delivered", "read"})
NOT_SENT = frozenset({"suppressed", "withdrawn", "failed", "held"})
TICKS = {
    "accepted": "[dim]◷ accepted[/]",
    "sent": "✓ sent",
    "delivered": "✓✓ delivered",
    "read": "[bold blue]✓✓ read[/]",
    "failed": "[red]✗ failed[/]",
}


def print_header(
    console: Console, settings: Settings, stack: Stack, store_id: str, key: str, number: str
) -> None:
    """Where everything answers, before anything is played."""
    lines = [
        f"[bold]Ordertalk API[/]  {stack.api_url}   (interactive docs: {stack.api_url}/docs)",
        f"[bold]Sandbox[/]        {stack.sandbox_url}/_sandbox/health   (WhatsApp Cloud API "
        f"stand-in; this store's number id {number})",
        f"[bold]Demo store[/]     {store_id}   Sunrise Bazaar, India; quiet hours [bold]off[/] "
        "so every message goes at once (the default holds them 21:00–08:00 in each "
        "customer's time zone)",
        f"[bold]API key[/]        {key}",
        f"[bold]Database[/]       {settings.database_url}",
    ]
    console.print(Panel("\n".join(lines), title="Ordertalk demo", expand=False), highlight=False)


@dataclass(slots=True)
class CustomerView:
    """One customer after the scenario: their phone, their messages in Ordertalk, their order."""

    story: Story
    phone: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    order: dict[str, Any]
    contact: dict[str, Any] | None
    mismatches: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Compare with what the story expects; mismatches are kept, in words."""
        story = self.story
        sent = [m["intent"] for m in self.messages if m["state"] in GONE_OUT]
        if sent != list(story.expect):
            self.mismatches.append(f"sent {sent}, expected {list(story.expect)}")
        received = [m for m in self.phone if m["status"] != "failed"]
        if len(received) != len(story.expect):
            self.mismatches.append(
                f"the phone shows {len(received)} messages, expected {len(story.expect)}"
            )
        for intent, reason in story.not_sent:
            if not any(
                m["intent"] == intent and m["state"] in NOT_SENT and reason in _reasons(m)
                for m in self.messages
            ):
                self.mismatches.append(f"{intent} should not have gone out ({reason})")
        wamids = [m["wamid"] for m in self.messages if m["wamid"]]
        if len(wamids) != len(set(wamids)):
            self.mismatches.append("a message was sent twice")


def _reasons(message: dict[str, Any]) -> set[str]:
    return {event["reason"] for event in message["events"] if event["reason"]}


@dataclass(slots=True)
class Report:
    """Everything the demo prints after playing."""

    customers: list[CustomerView]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Every customer got what the story expects, and nothing went wrong on the way."""
        return not self.problems and not any(c.mismatches for c in self.customers)

    @classmethod
    async def gather(
        cls,
        api: httpx.AsyncClient,
        sandbox: httpx.AsyncClient,
        number: str,
        stories: list[Story],
        messages: dict[str, list[dict[str, Any]]],
        problems: list[str],
    ) -> Report:
        """Read each phone from the sandbox and each order and contact from the API."""
        views = []
        for story in stories:
            wa_id = story.customer.wa_id
            phone = await sandbox.get(
                f"/_sandbox/phones/{wa_id}/messages", params={"phone_number_id": number}
            )
            order = await api.get(f"/v1/orders/{story.order.id}")
            contact = await api.get("/v1/contacts", params={"phone": f"+{wa_id}"})
            view = CustomerView(
                story,
                phone.json() if phone.status_code == 200 else [],
                messages.get(wa_id, []),
                order.json() if order.status_code == 200 else {},
                contact.json() if contact.status_code == 200 else None,
            )
            view.check()
            views.append(view)
        return cls(views, list(problems))


# --- printing -----------------------------------------------------------------------------


def _preview(message: dict[str, Any], limit: int = 110) -> str:
    text = " ".join(str(message.get("text") or "").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    template = message.get("template")
    name = f"[cyan]{template['name']}[/] [dim]{template['language']}[/]  " if template else ""
    buttons = message.get("buttons") or []
    tail = "".join(f" [magenta]‹{escape(b)}›[/]" for b in buttons)
    return f"{name}{escape(text)}{tail}"


def _order_state(order: dict[str, Any]) -> str:
    """Where the order's parcels, returns and refunds stand, per GET /v1/orders/{id}."""
    parts = []
    shipments = order.get("shipments") or []
    if shipments:
        states = ", ".join(str(s["milestone"]) for s in shipments)
        parts.append(f"{len(shipments)} parcel{'s' if len(shipments) > 1 else ''} {states}")
    parts.extend(f"return {r['milestone']}" for r in order.get("returns") or [])
    parts.extend(f"refund {r['milestone']}" for r in order.get("refunds") or [])
    return " · ".join(parts) or str(order.get("milestone") or "no milestone yet")


def _phone_table(view: CustomerView) -> Table:
    customer = view.story.customer
    title = (
        f"[bold]{customer.name}[/] · +{customer.wa_id} · {customer.country} · "
        f"[italic]{customer.story}[/]\norder {view.story.order.name}: {_order_state(view.order)}"
    )
    table = Table(title=title, title_justify="left", expand=False, show_lines=False)
    table.add_column("local time", style="dim", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("what the phone shows (template, language, text, buttons)")
    table.add_column("status", no_wrap=True)
    zone = ZoneInfo(customer.zone)
    for message in view.phone:
        when = datetime.fromtimestamp(int(message["timestamp"]), UTC).astimezone(zone)
        status = TICKS.get(message["status"], message["status"])
        if message["status"] == "failed":
            status += " [dim](never reached a phone)[/]"
        table.add_row(f"{when:%H:%M:%S}", message["type"], _preview(message), status)
    if not view.phone:
        table.add_row("", "", "[dim]nothing[/]", "")
    return table


def _why_lines(view: CustomerView) -> list[str]:
    """Messages Ordertalk planned but did not send, with the stored reason."""
    lines = []
    customer = view.story.customer
    for message in view.messages:
        if message["state"] not in NOT_SENT:
            continue
        events = [e for e in message["events"] if e["reason"] or e["detail"]]
        last = events[-1] if events else None
        reason = (last or {}).get("reason") or "-"
        detail = (last or {}).get("detail") or ""
        lines.append(
            f"{view.story.order.name} {customer.name}: [bold]{message['intent']}[/] → "
            f"[yellow]{message['state']}[/] ([bold]{reason}[/])"
            + (f" — {escape(detail)}" if detail else "")
        )
    contact = view.contact or {}
    if contact and not contact.get("reachable", True):
        lines.append(
            f"{customer.name}'s contact is marked [red]unreachable[/]: later updates are "
            "suppressed before any send is tried"
        )
    if contact and contact.get("utility_consent") is False:
        lines.append(
            f"{customer.name}'s order-update consent is [red]off[/] (the STOP is in the ledger)"
        )
    return lines


def _later(views: list[CustomerView]) -> str | None:
    """One line for the messages due later (feedback requests a day after delivery)."""
    now = datetime.now(UTC)
    later = [
        (view, m)
        for view in views
        for m in view.messages
        if m["state"] == "scheduled" and datetime.fromisoformat(m["scheduled_for"]) > now
    ]
    if not later:
        return None
    intents = sorted({m["intent"] for _, m in later})
    first = min(datetime.fromisoformat(m["scheduled_for"]) for _, m in later)
    orders = ", ".join(view.story.order.name for view, _ in later)
    return (
        f"{len(later)} × {'/'.join(intents)} scheduled, the first at {first:%Y-%m-%d %H:%M} UTC "
        f"(a day after delivery): {orders}"
    )


def print_report(
    console: Console, report: Report, stack: Stack, key: str, number: str, seconds: float
) -> None:
    """Phones, reasons, commands, and whether the scenario came out as expected."""
    console.print("\n[bold]What each phone received[/] (from the sandbox)")
    for view in report.customers:
        console.print(_phone_table(view))
    console.print(
        "\n[bold]Why some messages were not sent[/] (from GET /v1/orders and /v1/messages)"
    )
    why = Table.grid(padding=(0, 1))
    why.add_column(no_wrap=True)
    why.add_column()
    for view in report.customers:
        for line in _why_lines(view):
            why.add_row("  •", line)
    later = _later(report.customers)
    if later:
        why.add_row("  •", later)
    console.print(why, highlight=False)
    _print_commands(console, report, stack, key, number)
    sent = sum(1 for v in report.customers for m in v.phone if m["status"] != "failed")
    held = sum(1 for v in report.customers for m in v.messages if m["state"] in NOT_SENT)
    console.print(
        f"\n{len(report.customers)} customers, {sent} messages on their phones, {held} not sent "
        f"(with reasons), in {seconds:.1f} s.",
        highlight=False,
    )
    for view in report.customers:
        for mismatch in view.mismatches:
            console.print(f"[red]✗ {view.story.customer.name}: {escape(mismatch)}[/]")
    for problem in report.problems:
        console.print(f"[red]✗ {escape(problem)}[/]")
    if report.ok:
        console.print("[green]✓ every customer got exactly the expected messages[/]")


def _print_commands(console: Console, report: Report, stack: Stack, key: str, number: str) -> None:
    by_key = {view.story.customer.key: view for view in report.customers}
    stop = by_key.get("siti") or report.customers[0]
    api, sandbox = stack.api_url, stack.sandbox_url
    auth = shlex.quote(f"Authorization: Bearer {key}")
    start = {
        "from": stop.story.customer.wa_id,
        "phone_number_id": number,
        "type": "text",
        "text": {"body": "START"},
    }
    commands = [
        ("An order, its parcels, timeline and every message decision:", ""),
        ("", f"curl -s -H {auth} {api}/v1/orders/{stop.story.order.id}"),
        ("", f"curl -s -H {auth} {api}/v1/orders"),
        (f"What {stop.story.customer.first}'s phone shows:", ""),
        (
            "",
            f"curl -s '{sandbox}/_sandbox/phones/{stop.story.customer.wa_id}/messages"
            f"?phone_number_id={number}'",
        ),
        (f"{stop.story.customer.first} changes her mind and writes START:", ""),
        (
            "",
            f"curl -s -X POST {sandbox}/_sandbox/inbound -H 'Content-Type: application/json' "
            f"-d {shlex.quote(json.dumps(start))}",
        ),
        ("Every message to one customer:", ""),
        ("", f"curl -s -H {auth} '{api}/v1/messages?phone=%2B{stop.story.customer.wa_id}'"),
    ]
    console.print("\n[bold]Try it[/]  (the API key above is this demo store's)")
    for label, command in commands:
        if label:
            console.print(f"  [dim]# {label}[/]", highlight=False)
        if command:
            console.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class Links:
    """The pages to open in a browser once the scenario has played."""

    dashboard: str  # the login page
    email: str
    password: str
    phones: str
    tracking: str | None  # one demo order's /t/{code} page (None: no message carried a link)
    tracking_order: str | None


def print_links(console: Console, links: Links) -> None:
    """The dashboard with its login, the phone view and a tracking page (URLs never wrapped,
    so they can be copied whole)."""
    lines = [
        f"  [bold]Dashboard[/]      {links.dashboard}",
        f"                 email {escape(links.email)}   password {escape(links.password)}",
        "                 [dim](made for this local demo store and printed only here)[/]",
        f"  [bold]Phone view[/]     {links.phones}   [dim](every customer's WhatsApp)[/]",
    ]
    if links.tracking:
        order = escape(links.tracking_order or "")
        lines.append(
            f"  [bold]Tracking page[/]  {links.tracking}   [dim](order {order}: the link one of "
            "its messages carried)[/]"
        )
    else:
        lines.append("  [bold]Tracking page[/]  [red]no message carried a tracking link[/]")
    console.print("\n[bold]Open in a browser[/]")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
