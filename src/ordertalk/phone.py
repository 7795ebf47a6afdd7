"""`ordertalk phone WA_ID`: be a customer on the sandbox's WhatsApp, in the terminal.

Shows what the customer's phone receives (text, templates, buttons, lists, links) and sends what
you type as their message. Every button and list row shown gets a number: `/4` taps option 4
(a plain "4" is just the text 4, e.g. a rating); `/photo` sends a small picture (e.g. of a
damaged item), `/location LAT,LONG` a pin, `/quit` leaves. Everything goes through the
sandbox's control plane, exactly as a real phone's message would reach Ordertalk: as a signed
webhook.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape

# A 1×1 PNG: enough for the media API to fetch, keep and show.
PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg=="
)
HELP = (
    "Type a message and press Enter. /N taps option N (a button or list row); "
    "/photo sends a photo, /location LAT,LONG a pin, /quit leaves."
)


@dataclass(frozen=True)
class Option:
    """Something on the phone the customer can tap."""

    kind: str  # "template" (a quick reply), "button" or "row"
    id: str
    title: str


@dataclass
class Phone:
    """One customer's phone on the sandbox."""

    sandbox: httpx.AsyncClient
    wa_id: str
    shown: set[str] = field(default_factory=set)
    options: list[Option] = field(default_factory=list)  # every option shown; [n-1] is "n"

    async def messages(self) -> list[dict[str, Any]]:
        """What the phone received, oldest first."""
        answer = await self.sandbox.get(f"/_sandbox/phones/{self.wa_id}/messages")
        answer.raise_for_status()
        received: list[dict[str, Any]] = answer.json()
        return received

    async def fresh(self) -> list[tuple[dict[str, Any], int]]:
        """Messages not shown yet, each with the number its first option gets."""
        new = []
        for message in await self.messages():
            if message["id"] in self.shown:
                continue
            self.shown.add(message["id"])
            new.append((message, len(self.options) + 1))
            self.options.extend(options_of(message))
        return new

    async def send(self, **message: Any) -> None:
        """The customer sends a message."""
        answer = await self.sandbox.post("/_sandbox/inbound", json={"from": self.wa_id, **message})
        if answer.status_code >= 300:
            raise ValueError(answer.json().get("error", {}).get("message", answer.text)[:300])

    async def tap(self, option: Option) -> None:
        """Tap a template quick reply, a reply button or a list row."""
        if option.kind == "template":
            await self.send(type="button", button={"text": option.title})
            return
        kind = "button_reply" if option.kind == "button" else "list_reply"
        await self.send(
            type="interactive",
            interactive={"type": kind, kind: {"id": option.id, "title": option.title}},
        )


def options_of(message: dict[str, Any]) -> list[Option]:
    """The buttons and list rows of a received message, in order."""
    if message.get("type") == "template":
        return [Option("template", title, title) for title in message.get("buttons", [])]
    if message.get("rows"):
        return [Option("row", row["id"], row["title"]) for row in message["rows"]]
    interactive = message.get("raw", {}).get("interactive", {})
    buttons = interactive.get("action", {}).get("buttons", [])
    return [Option("button", b["reply"]["id"], b["reply"]["title"]) for b in buttons]


def render(message: dict[str, Any], first: int = 1) -> str:
    """A received message as the terminal shows it (Rich markup, the text escaped); its
    options are numbered from `first`."""
    lines = [escape(message.get("text") or f"[{message.get('type')}]")]
    options = options_of(message)
    if options:
        lines += [f"  [bold cyan]/{n}[/] {escape(o.title)}" for n, o in enumerate(options, first)]
    interactive = message.get("raw", {}).get("interactive", {})
    if interactive.get("type") == "cta_url":
        parameters = interactive["action"]["parameters"]
        lines.append(f"  🔗 {escape(parameters['display_text'])}: {escape(parameters['url'])}")
    for url in message.get("urls", []):
        lines.append(f"  🔗 {escape(url)}")
    return "\n".join(lines)


async def act(phone: Phone, typed: str) -> str | None:
    """Do what the person typed; a short note for the terminal, or None."""
    typed = typed.strip()
    if not typed:
        return None
    tap = typed.removeprefix("/")
    if typed.startswith("/") and tap.isdigit() and len(tap) <= 3:
        index = int(tap) - 1
        if not 0 <= index < len(phone.options):
            return f"There is no option {tap}."
        option = phone.options[index]
        await phone.tap(option)
        return f"(tapped “{option.title}”)"
    if typed == "/photo":
        data = base64.b64encode(PHOTO).decode()
        await phone.send(type="image", image={"data_base64": data, "mime_type": "image/png"})
        return "(sent a photo)"
    if typed.startswith("/location"):
        try:
            latitude, longitude = (float(x) for x in typed.removeprefix("/location").split(","))
        except ValueError:
            return "Write it as /location 12.9716,77.5946"
        await phone.send(type="location", location={"latitude": latitude, "longitude": longitude})
        return "(shared a location)"
    await phone.send(type="text", text={"body": typed})
    return None


async def converse(
    phone: Phone,
    console: Console,
    read: Callable[[], Awaitable[str | None]],
    *,
    settle_s: float = 2.0,
) -> None:
    """Show the phone, then alternate: read a line, send it, show the replies."""
    console.print(f"[bold]📱 WhatsApp of +{phone.wa_id}[/]  [dim]{HELP}[/]", highlight=False)
    await _show(phone, console, settle_s=0.0)
    while True:
        typed = await read()
        if typed is None or typed.strip() == "/quit":
            return
        try:
            note = await act(phone, typed)
        except ValueError as refused:
            console.print(f"[red]{escape(str(refused))}[/]")
            continue
        if note:
            console.print(f"[dim]{escape(note)}[/]")
        await _show(phone, console, settle_s=settle_s)


async def _show(phone: Phone, console: Console, *, settle_s: float) -> None:
    """Print what arrives until the phone has been quiet for a moment."""
    deadline = time.monotonic() + settle_s
    while True:
        for message, first in await phone.fresh():
            console.print(f"[green]◀[/] {render(message, first)}", highlight=False)
            deadline = time.monotonic() + min(settle_s, 1.0)
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(0.2)


def terminal_reader(console: Console) -> Callable[[], Awaitable[str | None]]:
    """Read the person's next line without blocking the servers running beside the phone."""

    async def read() -> str | None:
        try:
            return await asyncio.to_thread(console.input, "[bold]▶ [/]")
        except EOFError:
            return None

    return read


async def run_phone(sandbox_url: str, wa_id: str, console: Console) -> None:
    """The interactive phone, reading lines from the terminal."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=30) as sandbox:
        await converse(Phone(sandbox, wa_id), console, terminal_reader(console))
