"""Syncing templates with Meta: push submits what Meta lacks and records every status; the
review, pause and re-categorisation webhooks move those rows.

Push runs against the real sandbox over HTTP (or a scripted transport for failures); webhooks
are the sandbox's own deliveries, parsed as the webhook endpoint parses them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import REGISTRY
from ordertalk.templates.service import (
    NOT_SUBMITTED,
    apply_template_update,
    push,
    template_state,
)
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.webhook_types import (
    TemplateCategoryUpdate,
    TemplateQualityUpdate,
    TemplateStatusUpdate,
)
from tests.conftest import Sandbox
from tests.templates.conftest import (
    STORE_ID,
    apply_received,
    received_updates,
    sandbox_client,
    wait_for_reviews,
)

pytestmark = pytest.mark.database

HANDLE = "4::sample-invoice-pdf"
TEMPLATES = sum(len(d.languages) for d in REGISTRY.values() if d.template)  # 27 keys × 5
INVOICE = "ot_order_confirmed_invoice"


async def rows(session: AsyncSession) -> dict[tuple[str, str], TemplateStatus]:
    found = await session.scalars(select(TemplateStatus).where(TemplateStatus.store_id == STORE_ID))
    return {(row.name, row.language): row for row in found}


def sandbox_templates(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every template the sandbox's WABA holds (all pages)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = sandbox.graph.get(f"/{sandbox.settings.waba_id}/message_templates", params=params)
        assert page.status_code == 200, page.text
        found.extend(page.json()["data"])
        after = page.json().get("paging", {}).get("cursors", {}).get("after")
        if not page.json().get("paging", {}).get("next"):
            return found
        params = {"limit": 100, "after": after}


# --- push against the sandbox -------------------------------------------------------------------


async def test_push_submits_every_template_in_every_language_and_records_it(
    session: AsyncSession, sandbox: Sandbox
) -> None:
    async with sandbox_client(sandbox) as client:
        report = await push(session, STORE_ID, client, document_handle=HANDLE)
    await session.commit()

    assert (len(report.created), report.present, report.failed) == (TEMPLATES, [], [])
    recorded = await rows(session)
    assert len(recorded) == TEMPLATES
    assert {row.status for row in recorded.values()} == {"PENDING"}
    assert {row.category for row in recorded.values()} == {"UTILITY", "MARKETING"}
    assert {name for (name, _), row in recorded.items() if row.category == "MARKETING"} == {
        "ot_offer",
        "ot_back_in_stock",
    }
    at_meta = {(t["name"], t["language"]): t["id"] for t in sandbox_templates(sandbox)}
    assert {key: row.meta_id for key, row in recorded.items()} == {
        key: meta_id for key, meta_id in at_meta.items() if key[0].startswith("ot_")
    }
    assert (INVOICE, "pt_BR") in recorded


async def test_pushing_again_records_what_meta_has_without_creating_anything(
    session: AsyncSession, sandbox: Sandbox
) -> None:
    async with sandbox_client(sandbox) as client:
        await push(session, STORE_ID, client, document_handle=HANDLE)
        await session.commit()
        wait_for_reviews(sandbox, "APPROVED", TEMPLATES)
        count_before = len(sandbox_templates(sandbox))

        again = await push(session, STORE_ID, client, document_handle=HANDLE)
        await session.commit()

    assert (again.created, again.failed, len(again.present)) == ([], [], TEMPLATES)
    assert {item.status for item in again.present} == {"APPROVED"}
    assert len(sandbox_templates(sandbox)) == count_before
    assert {row.status for row in (await rows(session)).values()} == {"APPROVED"}


async def test_without_a_sample_document_the_invoice_templates_wait_for_a_later_push(
    session: AsyncSession, sandbox: Sandbox
) -> None:
    async with sandbox_client(sandbox) as client:
        first = await push(session, STORE_ID, client)
        await session.commit()
        assert await template_state(session, STORE_ID, INVOICE, "hi") is None

        second = await push(session, STORE_ID, client, document_handle=HANDLE)
        await session.commit()

    invoices = {(INVOICE, language) for language in REGISTRY["order_confirmed_invoice"].languages}
    assert {(item.name, item.language) for item in first.skipped} == invoices
    assert all(item.reason and "Resumable Upload" in item.reason for item in first.skipped)
    assert (len(first.created), first.failed) == (TEMPLATES - 5, [])
    assert {(item.name, item.language) for item in second.created} == invoices
    assert second.skipped == []
    row = await template_state(session, STORE_ID, INVOICE, "hi")
    assert row is not None
    assert row.status == "PENDING"
    assert row.meta_id is not None


# --- webhooks from the sandbox ------------------------------------------------------------------


async def test_review_pause_and_recategorisation_webhooks_update_the_rows(
    session: AsyncSession, sandbox: Sandbox
) -> None:
    async with sandbox_client(sandbox) as client:
        await push(session, STORE_ID, client, document_handle=HANDLE)
    await session.commit()
    wait_for_reviews(sandbox, "APPROVED", TEMPLATES)
    seen = await apply_received(session, sandbox)
    assert {row.status for row in (await rows(session)).values()} == {"APPROVED"}

    delivered = await template_state(session, STORE_ID, "ot_delivered", "es")
    assert delivered is not None
    assert delivered.meta_id is not None
    paused = sandbox.control.post(
        f"/_sandbox/templates/{delivered.meta_id}/status",
        json={"status": "PAUSED", "reason": "LOW_QUALITY"},
    )
    assert paused.status_code == 200, paused.text
    wait_for_reviews(sandbox, "PAUSED", 1)
    seen = await apply_received(session, sandbox, seen)
    await session.refresh(delivered)
    assert (delivered.status, delivered.reason) == ("PAUSED", "LOW_QUALITY")

    recategorised = sandbox.graph.post(f"/{delivered.meta_id}", json={"category": "MARKETING"})
    assert recategorised.status_code == 200, recategorised.text
    sandbox.receiver.wait_for(
        lambda _: any(isinstance(u, TemplateCategoryUpdate) for u in received_updates(sandbox)),
        what="template_category_update",
    )
    await apply_received(session, sandbox, seen)
    await session.refresh(delivered)
    assert (delivered.status, delivered.category) == ("PAUSED", "MARKETING")
    other = await template_state(session, STORE_ID, "ot_delivered", "en")
    assert other is not None
    assert other.category == "UTILITY"


async def test_a_rejection_webhook_records_the_reason(
    session: AsyncSession, sandbox: Sandbox
) -> None:
    sandbox.configure(template_review="reject", template_reject_reason="INCORRECT_CATEGORY")
    async with sandbox_client(sandbox) as client:
        await push(session, STORE_ID, client, document_handle=HANDLE)
    await session.commit()
    wait_for_reviews(sandbox, "REJECTED", TEMPLATES)

    await apply_received(session, sandbox)

    row = await template_state(session, STORE_ID, "ot_shipment_dispatched", "id")
    assert row is not None
    assert row.status == "REJECTED"
    assert row.reason is not None
    assert row.reason.startswith("INCORRECT_CATEGORY: ")
    assert "formatting rules" in row.reason  # the rejection_info detail


# --- webhook values, one at a time --------------------------------------------------------------


async def seed(session: AsyncSession, status: str = "APPROVED") -> TemplateStatus:
    row = TemplateStatus(
        store_id=STORE_ID,
        name="ot_delivered",
        language="hi",
        meta_id="594425479261700",
        status=status,
        category="UTILITY",
    )
    session.add(row)
    await session.commit()
    return row


def status_update(event: str, **extra: Any) -> TemplateStatusUpdate:
    return TemplateStatusUpdate.model_validate(
        {
            "event": event,
            "message_template_id": 594425479261700,
            "message_template_name": "ot_delivered",
            "message_template_language": "hi",
            "message_template_category": "UTILITY",
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("before", "update", "status", "reason"),
    [
        ("PENDING", status_update("APPROVED", reason="NONE"), "APPROVED", None),
        (
            "PENDING",
            status_update(
                "REJECTED",
                reason="INVALID_FORMAT",
                rejection_info={
                    "reason": "Parameters placed next to each other.",
                    "recommendation": "Separate parameters.",
                },
            ),
            "REJECTED",
            "INVALID_FORMAT: Parameters placed next to each other.; Separate parameters.",
        ),
        (
            "APPROVED",
            status_update(
                "PAUSED",
                other_info={"title": "Paused for 3 hours", "description": "Low quality."},
            ),
            "PAUSED",
            "Paused for 3 hours: Low quality.",
        ),
        (
            "PAUSED",
            status_update("DISABLED", disable_info={"disable_date": "2026-11-20"}),
            "DISABLED",
            "2026-11-20",
        ),
        ("PAUSED", status_update("REINSTATED"), "APPROVED", None),
        ("APPROVED", status_update("FLAGGED"), "APPROVED", "FLAGGED: quality is low"),
        ("APPROVED", status_update("SOMETHING_NEW"), "SOMETHING_NEW", None),
    ],
    ids=["approved", "rejected", "paused", "disabled", "reinstated", "flagged", "unknown-event"],
)
async def test_a_status_webhook_value_moves_the_row(
    session: AsyncSession,
    before: str,
    update: TemplateStatusUpdate,
    status: str,
    reason: str | None,
) -> None:
    row = await seed(session, before)

    await apply_template_update(session, STORE_ID, update)
    await session.commit()

    await session.refresh(row)
    assert (row.status, row.reason) == (status, reason)


async def test_a_category_webhook_value_records_the_new_category_only(
    session: AsyncSession,
) -> None:
    row = await seed(session)
    update = TemplateCategoryUpdate.model_validate(
        {
            "message_template_id": 594425479261700,
            "message_template_name": "ot_delivered",
            "message_template_language": "hi",
            "previous_category": "UTILITY",
            "new_category": "MARKETING",
        }
    )

    await apply_template_update(session, STORE_ID, update)
    await session.commit()

    await session.refresh(row)
    assert (row.status, row.category) == ("APPROVED", "MARKETING")


async def test_a_review_that_beats_the_push_commit_creates_the_row(session: AsyncSession) -> None:
    update = status_update("APPROVED").model_copy(update={"message_template_language": "id"})

    await apply_template_update(session, STORE_ID, update)
    await session.commit()

    row = await template_state(session, STORE_ID, "ot_delivered", "id")
    assert row is not None
    assert (row.status, row.meta_id, row.category) == ("APPROVED", "594425479261700", "UTILITY")


async def test_updates_for_templates_that_are_not_ours_or_quality_scores_change_nothing(
    session: AsyncSession,
) -> None:
    row = await seed(session)
    hello = TemplateStatusUpdate.model_validate(
        {
            "event": "PAUSED",
            "message_template_id": 1,
            "message_template_name": "hello_world",
            "message_template_language": "en_US",
        }
    )
    quality = TemplateQualityUpdate.model_validate(
        {"message_template_id": 594425479261700, "new_quality_score": "RED"}
    )

    await apply_template_update(session, STORE_ID, hello)
    await apply_template_update(session, STORE_ID, quality)
    await session.commit()

    count = await session.scalar(select(func.count()).select_from(TemplateStatus))
    assert count == 1
    await session.refresh(row)
    assert row.status == "APPROVED"


async def test_template_state_is_none_for_an_unknown_template(session: AsyncSession) -> None:
    await seed(session)
    assert await template_state(session, STORE_ID, "ot_delivered", "es") is None
    found = await template_state(session, STORE_ID, "ot_delivered", "hi")
    assert found is not None
    assert found.status == "APPROVED"


# --- failures while pushing ---------------------------------------------------------------------


def scripted_client(answer: Any) -> tuple[WhatsAppClient, list[str]]:
    """A client whose WABA lists no templates and answers creations with ``answer(name)``."""
    created: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"data": []})
        name = json.loads(request.content)["name"]
        created.append(name)
        status, body = answer(name)
        return httpx.Response(status, json=body)

    client = WhatsAppClient(
        access_token="scripted-token",
        phone_number_id="1",
        waba_id="2",
        transport=httpx.MockTransport(handle),
    )
    return client, created


def ok(name: str) -> tuple[int, dict[str, Any]]:
    return 200, {"id": f"id-{name}", "status": "PENDING", "category": "UTILITY"}


async def test_a_template_meta_refuses_is_reported_and_the_rest_go_ahead(
    session: AsyncSession,
) -> None:
    def answer(name: str) -> tuple[int, dict[str, Any]]:
        if name == "ot_delivered":
            return 400, {"error": {"code": 100, "message": "Invalid parameter"}}
        return ok(name)

    client, _ = scripted_client(answer)
    async with client:
        report = await push(session, STORE_ID, client, document_handle=HANDLE)

    assert {item.name for item in report.failed} == {"ot_delivered"}
    assert len(report.failed) == 5
    assert len(report.created) == TEMPLATES - 5
    reason = report.failed[0].reason
    assert reason is not None
    assert "Cloud API error 100" in reason


async def test_throttling_stops_the_push_instead_of_hammering_meta(session: AsyncSession) -> None:
    def answer(name: str) -> tuple[int, dict[str, Any]]:
        return 400, {"error": {"code": 4, "message": "Application request limit reached"}}

    client, created = scripted_client(answer)
    async with client:
        report = await push(session, STORE_ID, client, document_handle=HANDLE)
    await session.commit()

    assert len(created) == 1
    assert (report.created, len(report.failed)) == ([], TEMPLATES)
    assert all(
        item.reason and item.reason.startswith("not attempted") for item in report.failed[1:]
    )
    statuses = {row.status for row in (await rows(session)).values()}
    assert statuses == {NOT_SUBMITTED}
    assert "scripted-token" not in json.dumps([item.reason for item in report.failed])
