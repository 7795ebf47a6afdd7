"""`make demo`: a demo store whose customers' orders go through their milestones, on SQLite.

A new store is made on every run: orders, contacts, consent (a STOP) and reachability belong to a
store, so replaying the story into last run's store would only meet "already delivered" and
"opted out". Older demo stores stay in the database, harmless; the phone views below only show
this run's store number. Each store gets a dashboard owner with a generated password, printed
once with the dashboard, phone view and tracking links: fine for a local demo, never for a real
store (`ordertalk user create` asks for a password instead).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import func, select

from ordertalk.commerce.models import Order
from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.demo_data import (
    STORE_COUNTRY,
    STORE_LANGUAGE,
    STORE_NAME,
    ContactSync,
    Inbound,
    NotOnWhatsApp,
    Step,
    Story,
    Webhook,
    playground,
    scenario,
)
from ordertalk.demo_report import Links, Report, print_header, print_links, print_report
from ordertalk.migrations import upgrade_async
from ordertalk.phone import Phone, converse, terminal_reader
from ordertalk.sandbox.settings import Behaviour
from ordertalk.stack import Stack, running, sandbox_number_for
from ordertalk.stores.service import create_store, set_integration_secret
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.service import push
from ordertalk.web.links import page_url
from ordertalk.web.models import TrackingLink
from ordertalk.web.users import Role, create_user
from ordertalk.whatsapp.client import WhatsAppClient

SOURCES = ("shopify", "woocommerce", "aftership", "easypost", "clickpost")
TICK_S = 0.3  # between two steps of the scenario
SAME_CUSTOMER_GAP_S = 1.2  # between two steps of one customer, so each message goes out first
STORY_MINUTE = timedelta(minutes=1)  # event times step by a minute and end just before now
SETTLE_S = 30.0
TEMPLATES_S = 15.0
# Alex's answers come in bursts longer than the sandbox's per-customer pace lets through at
# once, so the phone waits this long for a reply before asking for the next line.
PHONE_SETTLE_S = 8.0


@dataclass(frozen=True, slots=True)
class DemoStore:
    """The store made for this run, with what its webhook senders need to sign."""

    id: str
    key: str
    secrets: dict[str, str]
    email: str  # the dashboard owner's login
    password: str

    @property
    def number(self) -> str:
        """The sandbox business number `stack.running` gives the store."""
        return sandbox_number_for(self.id)


async def _create_store(settings: Settings) -> DemoStore:
    """A store with quiet hours off (so every message goes at once), all five sources and a
    dashboard owner whose generated password the demo prints once (a local demo only)."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            store, key = await create_store(
                session,
                name=STORE_NAME,
                country=STORE_COUNTRY,
                language=STORE_LANGUAGE,
                quiet_hours=None,
            )
            keys = {source: secrets.token_urlsafe(24) for source in SOURCES}
            for source, secret in keys.items():
                await set_integration_secret(session, store, source, secret, {})
            # Emails are unique across stores, and every run makes a new store.
            email = f"owner-{store.id.removeprefix('st_')}@sunrise-bazaar.example"
            password = secrets.token_urlsafe(12)
            await create_user(
                session,
                store_id=store.id,
                email=email,
                name="Demo owner",
                password=password,
                role=Role.OWNER,
            )
            await session.commit()
            return DemoStore(store.id, key, keys, email, password)
    finally:
        await engine.dispose()


async def _all_approved(settings: Settings, store_id: str, within: float) -> bool:
    """Whether every pushed template of the store is APPROVED (waiting up to `within` s)."""
    deadline = time.monotonic() + within
    engine = create_engine(settings.database_url)
    try:
        while True:
            async with session_factory(engine)() as session:
                pending = await session.scalar(
                    select(func.count(TemplateStatus.id)).where(
                        TemplateStatus.store_id == store_id, TemplateStatus.status != "APPROVED"
                    )
                )
            if not pending:
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def _push_templates(settings: Settings, stack: Stack, store: DemoStore) -> int:
    """Submit the templates to the sandbox and wait for its approval webhooks; how many."""
    assert stack.sandbox is not None
    assert stack.sandbox_url is not None
    engine = create_engine(settings.database_url)
    try:
        async with (
            session_factory(engine)() as session,
            WhatsAppClient(
                base_url=stack.sandbox_url,
                api_version=settings.graph_api_version,
                access_token=stack.sandbox.access_token,
                phone_number_id=store.number,
                waba_id=stack.sandbox.waba_id,
            ) as client,
        ):
            report = await push(session, store.id, client)
            await session.commit()
            if not await _all_approved(settings, store.id, TEMPLATES_S / 2):
                # An approval webhook processed before the commit above is lost (the pipeline's
                # insert of the same row fails); Meta's template list still has the status.
                await push(session, store.id, client)
                await session.commit()
                if not await _all_approved(settings, store.id, TEMPLATES_S / 2):
                    raise RuntimeError("the sandbox's template approvals never arrived")
    finally:
        await engine.dispose()
    return len(report.created) + len(report.present)


# --- playing the scenario -----------------------------------------------------------------


def _b64_hmac(key: bytes, raw: bytes) -> str:
    return base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()


def signed(
    source: str, raw: bytes, secret: str, topic: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The headers and query the sender adds to a delivery, signed the way it signs."""
    headers = {"content-type": "application/json"}
    query: dict[str, str] = {}
    if source == "shopify":
        headers |= {
            "x-shopify-topic": topic or "",
            "x-shopify-shop-domain": "sunrise-bazaar.myshopify.com",
            "x-shopify-api-version": "2026-04",
            "x-shopify-webhook-id": str(uuid.uuid4()),
            "x-shopify-event-id": str(uuid.uuid4()),
            "x-shopify-triggered-at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "x-shopify-hmac-sha256": _b64_hmac(secret.encode(), raw),
        }
    elif source == "woocommerce":
        resource, _, event = (topic or "").partition(".")
        headers |= {
            "user-agent": "WooCommerce/9.6.0 Hookshot (WordPress/6.8)",
            "x-wc-webhook-source": "https://sunrise-bazaar.example/",
            "x-wc-webhook-topic": topic or "",
            "x-wc-webhook-resource": resource,
            "x-wc-webhook-event": event,
            "x-wc-webhook-id": "12",
            "x-wc-webhook-delivery-id": uuid.uuid4().hex,
            "x-wc-webhook-signature": _b64_hmac(secret.encode(), raw),
        }
    elif source == "aftership":
        headers |= {
            "aftership-hmac-sha256": _b64_hmac(secret.encode(), raw),
            "as-webhook-version": "2026-07",
        }
    elif source == "easypost":
        key = unicodedata.normalize("NFKD", secret).encode()
        digest = hmac.new(key, raw, hashlib.sha256).hexdigest()
        headers |= {
            "user-agent": "EasyPost WebHook Agent 1.0",
            "x-hmac-signature": f"hmac-sha256-hex={digest}",
        }
    elif source == "clickpost":
        query = {"token": secret}  # ClickPost signs nothing: the URL carries the secret
    else:
        raise ValueError(f"unknown source {source!r}")
    return headers, query


def interleave(stories: list[Story]) -> list[tuple[Story, Step]]:
    """The customers' steps mixed as a store's day mixes them: each story spread evenly."""
    placed = [
        (index / len(story.steps), rank, story, step)
        for rank, story in enumerate(stories)
        for index, step in enumerate(story.steps)
    ]
    placed.sort(key=lambda item: (item[0], item[1]))
    return [(story, step) for _, _, story, step in placed]


@dataclass(slots=True)
class Player:
    """Plays the scenario's steps against the running API and sandbox."""

    api: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    store: DemoStore
    console: Console
    problems: list[str]

    async def play(self, stories: list[Story]) -> None:
        """Every step in turn, each with an event time a minute after the previous one."""
        order = interleave(stories)
        start = datetime.now(UTC) - STORY_MINUTE * (len(order) + 1)
        last: dict[str, float] = {}
        due = time.monotonic()
        for index, (story, step) in enumerate(order):
            due = max(due + TICK_S, last.get(story.customer.key, 0.0) + SAME_CUSTOMER_GAP_S)
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            outcome = await self.step(story, step, start + STORY_MINUTE * index)
            last[story.customer.key] = time.monotonic()
            self.console.print(
                f"  [dim]{index + 1:2}[/]  {story.customer.first:<7} {step.label:<52} {outcome}",
                highlight=False,
            )

    async def step(self, story: Story, step: Step, at: datetime) -> str:
        """Do one step; a short description of what Ordertalk made of it."""
        action = step.build(at)
        customer = story.customer
        if isinstance(action, Webhook):
            return await self._webhook(action)
        if isinstance(action, Inbound):
            body = {
                "from": customer.wa_id,
                "phone_number_id": self.store.number,
                "profile_name": customer.first,
                "type": "text",
                "text": {"body": action.text},
            }
            answer = await self.sandbox.post("/_sandbox/inbound", json=body)
            return self._check("inbound", answer, f'writes "{action.text}"')
        if isinstance(action, ContactSync):
            body = {
                "phone": customer.phone,
                "name": customer.name,
                "language": action.language,
                "region": customer.country,
            }
            answer = await self.api.post("/v1/contacts", json=body)
            return self._check("contact", answer, f"contact saved, language {action.language}")
        if isinstance(action, NotOnWhatsApp):
            answer = await self.sandbox.put(
                f"/_sandbox/phones/{customer.wa_id}",
                json={"on_whatsapp": False, "profile_name": customer.first},
            )
            return self._check("phone", answer, "sandbox: on_whatsapp=false")
        raise AssertionError(action)

    async def _webhook(self, hook: Webhook) -> str:
        raw = json.dumps(hook.body, ensure_ascii=False).encode()
        headers, query = signed(hook.source, raw, self.store.secrets[hook.source], hook.topic)
        answer = await self.api.post(
            f"/webhooks/{hook.source}/{self.store.id}", content=raw, headers=headers, params=query
        )
        if answer.status_code not in (200, 202):
            return self._check(hook.source, answer, "")
        result = answer.json()
        milestones = result.get("milestones") or []
        if result.get("state") == "failed":
            self.problems.append(f"{hook.source} webhook failed to process: {result}")
            return "[red]processing failed (kept for replay)[/]"
        if result.get("state") == "parked":
            return "[yellow]parked (waits for its shipment)[/]"
        return "→ " + (", ".join(milestones) if milestones else "[dim]no new milestone[/]")

    def _check(self, what: str, answer: httpx.Response, ok: str) -> str:
        if answer.status_code < 300:
            return ok
        self.problems.append(f"{what}: HTTP {answer.status_code} {answer.text[:300]}")
        return f"[red]HTTP {answer.status_code}[/]"


# --- waiting ------------------------------------------------------------------------------

_MOVING = frozenset({"scheduled", "sending", "unconfirmed", "accepted", "sent", "delivered"})
_LATER = timedelta(minutes=5)  # scheduled further out than this is "later" (a feedback request)


def _still_moving(message: dict[str, Any], now: datetime) -> bool:
    state = message["state"]
    if state == "scheduled":
        return datetime.fromisoformat(message["scheduled_for"]) < now + _LATER
    return state in _MOVING


async def settle(api: httpx.AsyncClient, stories: list[Story]) -> dict[str, list[dict[str, Any]]]:
    """Each customer's messages once none is on its way (read, failed, not sent, or due later)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        messages = {}
        for story in stories:
            wa_id = story.customer.wa_id
            answer = await api.get("/v1/messages", params={"phone": f"+{wa_id}"})
            answer.raise_for_status()
            messages[wa_id] = answer.json()
        now = datetime.now(UTC)
        moving = [m for ms in messages.values() for m in ms if _still_moving(m, now)]
        if not moving or time.monotonic() > deadline:
            return messages
        await asyncio.sleep(0.25)


# --- the whole demo -----------------------------------------------------------------------


def _demo_settings(settings: Settings) -> Settings:
    """The settings the demo runs with: messages carry this Ordertalk's own /t/ links (unless a
    public URL is set already), and one session secret signs logins and the tracking page's
    forms (unset, a warning would interrupt the story). `model_copy` does not validate: the
    values go in with their final types."""
    changes: dict[str, Any] = {}
    if not settings.public_url:
        changes["public_url"] = f"http://{settings.host}:{settings.port}"
    if settings.session_secret is None:
        changes["session_secret"] = SecretStr(secrets.token_urlsafe(32))
    return settings.model_copy(update=changes)


async def _tracking_code(settings: Settings, store_id: str) -> tuple[str, str | None] | None:
    """The newest tracking link a demo message carried, as (code, order name)."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            row = (
                await session.execute(
                    select(TrackingLink.code, Order.name)
                    .join(Order, Order.id == TrackingLink.order_id)
                    .where(TrackingLink.store_id == store_id)
                    .order_by(TrackingLink.id.desc())
                    .limit(1)
                )
            ).first()
    finally:
        await engine.dispose()
    return (row[0], row[1]) if row is not None else None


async def _links(settings: Settings, stack: Stack, store: DemoStore) -> Links:
    """Where to look in a browser: the dashboard and its login, every phone, a tracking page."""
    assert stack.sandbox_url is not None
    found = await _tracking_code(settings, store.id)
    return Links(
        dashboard=f"{stack.api_url}/ui/login",
        email=store.email,
        password=store.password,
        phones=f"{stack.sandbox_url}/_sandbox/phones",
        tracking=page_url(settings.public_url or stack.api_url, found[0]) if found else None,
        tracking_order=found[1] if found else None,
    )


def _behaviour(settings: Settings) -> Behaviour:
    return Behaviour.model_validate(
        {
            "webhook_url": f"http://{settings.host}:{settings.port}/webhooks/whatsapp",
            "sent_delay_s": 0.2,
            "delivered_delay_s": 0.6,
            "read_delay_s": 1.5,
            # Approvals must not overtake the push's own commit (see _push_templates).
            "template_review_delay_s": 1.0,
        }
    )


async def run_demo(
    settings: Settings, *, sandbox_port: int, console: Console, serve: bool = True
) -> bool:
    """Start everything, play the scenario, show what happened; serve until Ctrl-C if `serve`.

    True when every customer got what the scenario expects.
    """
    settings = _demo_settings(settings)
    await upgrade_async(settings.database_url)
    store = await _create_store(settings)  # before `running`: the sandbox learns numbers at start
    behaviour = _behaviour(settings)
    async with running(settings, sandbox_port=sandbox_port, behaviour=behaviour) as stack:
        assert stack.sandbox_url is not None
        started = time.monotonic()
        print_header(console, settings, stack, store.id, store.key, store.number)
        templates = await _push_templates(settings, stack, store)
        console.print(f"[green]✓[/] {templates} templates approved by the sandbox's Meta review")
        stories = scenario()
        auth = {"Authorization": f"Bearer {store.key}"}
        async with (
            httpx.AsyncClient(base_url=stack.api_url, headers=auth, timeout=30) as api,
            httpx.AsyncClient(base_url=stack.sandbox_url, timeout=30) as sandbox,
        ):
            problems: list[str] = []
            console.print("\n[bold]Playing the day's webhooks[/] (event times: the last hour)")
            await Player(api, sandbox, store, console, problems).play(stories)
            messages = await settle(api, stories)
            report = await Report.gather(api, sandbox, store.number, stories, messages, problems)
        links = await _links(settings, stack, store)
        if links.tracking is None:
            report.problems.append("no message carried a tracking link (/t/...)")
        print_report(console, report, stack, store.key, store.number, time.monotonic() - started)
        print_links(console, links)
        if serve:
            await _your_turn(stack.api_url, stack.sandbox_url, auth, console)
            console.print(
                "\n[bold]Still serving.[/] Play with the commands above; Ctrl-C to stop.",
                highlight=False,
            )
            await asyncio.Event().wait()
    return report.ok


async def _your_turn(
    api_url: str, sandbox_url: str, auth: dict[str, str], console: Console
) -> None:
    """Alex's orders wait for answers; in a terminal, the person plays Alex right here."""
    async with (
        httpx.AsyncClient(base_url=api_url, headers=auth, timeout=30) as api,
        httpx.AsyncClient(base_url=sandbox_url, timeout=30) as sandbox,
    ):
        ready = await playground.prepare(api, sandbox)
        console.print("\n[bold]Your turn: be Alex on WhatsApp[/]", highlight=False)
        if not ready:
            console.print("[yellow]Alex's messages are slow to arrive; the phone shows them.[/]")
        for what, result in playground.TRIES:
            console.print(f"  • {what} [dim]→ {result}[/]", highlight=False)
        command = f".venv/bin/ordertalk phone {playground.ALEX} --sandbox-url {sandbox_url}"
        console.print(
            f"  Other customers' phones: [cyan]{command.replace(playground.ALEX, 'WA_ID')}[/]"
        )
        alex = f"{sandbox_url}/_sandbox/phones/{playground.ALEX}"
        console.print(f"  Alex's phone in a browser: [cyan]{alex}[/]")
        if not (sys.stdin.isatty() and console.is_terminal):
            console.print(f"  Be Alex from another terminal: [cyan]{command}[/]")
            return
        console.print(
            "  [dim]A reply can take a few seconds (WhatsApp paces messages to one customer); "
            "press Enter on an empty line to see what arrived since.[/]"
        )
        phone = Phone(sandbox, playground.ALEX)
        await converse(phone, console, terminal_reader(console), settle_s=PHONE_SETTLE_S)
        console.print("[dim]Left Alex's phone.[/]")
