"""Keeping Meta's copy of the templates in step with the registry, and recording what Meta says.

``push`` submits every registry template × language Meta doesn't have yet and records each one's
status; the ``message_template_status_update`` / ``template_category_update`` webhooks then move
those rows (``apply_template_update``). Services flush, the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.templates import texts
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import REGISTRY, QuickReply, TemplateDef, UrlButton
from ordertalk.templates.render import RenderContext, RenderError, param_values
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.errors import CloudApiError, RetryClass
from ordertalk.whatsapp.webhook_types import (
    TemplateCategoryUpdate,
    TemplateEvent,
    TemplateStatusUpdate,
    TemplateUpdate,
)

log = logging.getLogger(__name__)

NOT_SUBMITTED = "NOT_SUBMITTED"
NEEDS_HANDLE = (
    "not submitted: a DOCUMENT header needs the handle of a sample PDF from the Resumable Upload "
    "API (push with document_handle / --document-handle)"
)
REASON_MAX = 500

# Events that end a temporary state: the template is sendable again.
_BACK_TO_APPROVED = frozenset(
    {TemplateEvent.REINSTATED, TemplateEvent.UNARCHIVED, TemplateEvent.UNLOCKED}
)

# Example values for Meta's reviewers, in each language's own region and currency.
_SAMPLE_REGION: dict[str, tuple[str, str, str, str]] = {
    # language: (locale, currency, timezone, carrier)
    "en": ("en_IN", "INR", "Asia/Kolkata", "Delhivery"),
    "hi": ("hi_IN", "INR", "Asia/Kolkata", "Delhivery"),
    "es": ("es_MX", "MXN", "America/Mexico_City", "Estafeta"),
    "pt_BR": ("pt_BR", "BRL", "America/Sao_Paulo", "Correios"),
    "id": ("id_ID", "IDR", "Asia/Jakarta", "JNE"),
}
_SAMPLE_AMOUNT = {"IDR": Decimal("149900"), "INR": Decimal("1499"), "MXN": Decimal("899")}


@dataclass(frozen=True, slots=True)
class PushItem:
    """One template in one language, and what became of it."""

    name: str
    language: str
    status: str
    reason: str | None = None


@dataclass(slots=True)
class PushReport:
    """What a push did: created now, already at Meta (recorded only), failed (with why), or
    skipped because something only the operator can give is missing (nothing recorded)."""

    created: list[PushItem] = field(default_factory=list)
    present: list[PushItem] = field(default_factory=list)
    failed: list[PushItem] = field(default_factory=list)
    skipped: list[PushItem] = field(default_factory=list)


def sample_context(language: str) -> RenderContext:
    """A realistic order in ``language``'s region, for the examples Meta requires."""
    locale, currency, timezone, carrier = _SAMPLE_REGION.get(language, _SAMPLE_REGION["en"])
    return RenderContext(
        store_name="Sunrise Store",
        locale=locale,
        timezone=timezone,
        customer_name=texts.SAMPLE_NAMES.get(language, "Priya"),
        order_number="#1042",
        order_ref="1042",
        amount=_SAMPLE_AMOUNT.get(currency, Decimal("149.90")),
        currency=currency,
        carrier=carrier,
        tracking_number="AWB123456789",
        tracking_url="https://track.example.com/AWB123456789",
        edd=date(2026, 3, 5),
        event_time=datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        reason=texts.SAMPLE_REASONS.get(language, texts.SAMPLE_REASONS["en"]),
        invoice_url="https://shop.example.com/invoices/1042.pdf",
        status_url="https://shop.example.com/orders/1042",
        offer=texts.SAMPLE_OFFERS.get(language, texts.SAMPLE_OFFERS["en"]),
        product=texts.SAMPLE_PRODUCTS.get(language, texts.SAMPLE_PRODUCTS["en"]),
        shop_url="https://shop.example.com/new",
    )


def definitions_for_meta(
    defn: TemplateDef, language: str, *, document_handle: str | None = None
) -> dict[str, Any]:
    """The ``POST /{WABA_ID}/message_templates`` body for one template in one language.

    A DOCUMENT header needs ``document_handle``: the handle of a sample PDF from Meta's
    Resumable Upload API (Meta reviews the template with it).
    """
    if not defn.template:
        raise ValueError(f"{defn.key} is free-form only: it has no template to submit")
    wording = defn.texts[language]
    components: list[dict[str, Any]] = []
    if defn.document_header:
        if not document_handle:
            raise ValueError(
                f"{defn.name} has a DOCUMENT header: it needs the handle of a sample PDF from "
                "the Resumable Upload API"
            )
        components.append(
            {
                "type": "HEADER",
                "format": "DOCUMENT",
                "example": {"header_handle": [document_handle]},
            }
        )
    elif wording.header:
        components.append({"type": "HEADER", "format": "TEXT", "text": wording.header})
    body: dict[str, Any] = {"type": "BODY", "text": wording.body}
    if defn.params:
        examples = param_values(defn, language, sample_context(language))
        body["example"] = {"body_text": [examples]}
    components.append(body)
    if wording.footer:
        components.append({"type": "FOOTER", "text": wording.footer})
    buttons: list[dict[str, Any]] = []
    for button in defn.buttons:
        if isinstance(button, QuickReply):
            buttons.append({"type": "QUICK_REPLY", "text": button.labels[language]})
        else:
            buttons.append(_url_button(button, language))
    if buttons:
        components.append({"type": "BUTTONS", "buttons": buttons})
    return {
        "name": defn.name,
        "language": language,
        "category": defn.category,
        "components": components,
    }


def _url_button(button: UrlButton, language: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "URL", "text": button.labels[language], "url": button.url}
    if button.suffix is not None:
        out["example"] = [button.url.replace("{{1}}", "1042")]
    return out


async def template_state(
    session: AsyncSession, store_id: str, name: str, language: str
) -> TemplateStatus | None:
    """What Meta last said about one template in one language, if anything."""
    return await session.scalar(
        select(TemplateStatus).where(
            TemplateStatus.store_id == store_id,
            TemplateStatus.name == name,
            TemplateStatus.language == language,
        )
    )


async def push(
    session: AsyncSession,
    store_id: str,
    client: WhatsAppClient,
    *,
    document_handle: str | None = None,
) -> PushReport:
    """Submit every registry template × language Meta doesn't have; record all of their states.

    Templates with a DOCUMENT header are skipped unless ``document_handle`` is given.
    """
    report = PushReport()
    known = {
        (str(item.get("name")), str(item.get("language"))): item
        for item in await client.list_templates()
    }
    stop: str | None = None  # set when carrying on would only repeat the same failure
    for defn in REGISTRY.values():
        if not defn.template:
            continue
        for language in defn.languages:
            existing = known.get((defn.name, language))
            if existing is not None:
                status = str(existing.get("status") or "PENDING")
                row = await _record(
                    session,
                    store_id,
                    defn,
                    language,
                    status=status,
                    category=existing.get("category"),
                    meta_id=existing.get("id"),
                    reason=_listed_reason(existing, status),
                )
                report.present.append(PushItem(defn.name, language, row.status, row.reason))
                continue
            if defn.document_header and not document_handle:
                report.skipped.append(PushItem(defn.name, language, NOT_SUBMITTED, NEEDS_HANDLE))
                continue
            if stop is not None:
                report.failed.append(PushItem(defn.name, language, NOT_SUBMITTED, stop))
                await _record_failure(session, store_id, defn, language, stop)
                continue
            try:
                body = definitions_for_meta(defn, language, document_handle=document_handle)
                answer = await client.create_template(body)
            except (ValueError, RenderError) as exc:
                reason = str(exc)
            except CloudApiError as exc:
                reason = str(exc)
                if _fatal(exc):
                    stop = f"not attempted after an earlier failure: {reason}"
            else:
                row = await _record(
                    session,
                    store_id,
                    defn,
                    language,
                    status=str(answer.get("status") or "PENDING"),
                    category=answer.get("category"),
                    meta_id=answer.get("id"),
                    reason=None,
                    created=True,
                )
                report.created.append(PushItem(defn.name, language, row.status))
                continue
            report.failed.append(PushItem(defn.name, language, NOT_SUBMITTED, reason))
            await _record_failure(session, store_id, defn, language, reason)
    await session.flush()
    log.info(
        "templates pushed for store %s: %d created, %d present, %d failed, %d skipped",
        store_id,
        len(report.created),
        len(report.present),
        len(report.failed),
        len(report.skipped),
    )
    return report


def _fatal(exc: CloudApiError) -> bool:
    """Whether the next creation would fail the same way (token, throttling, no connection)."""
    return exc.token_invalid or exc.retry_class in (RetryClass.RETRY_SOON, RetryClass.RETRY_LATER)


def _listed_reason(item: dict[str, Any], status: str) -> str | None:
    reason = item.get("rejected_reason")
    if status == TemplateEvent.REJECTED and reason and reason != "NONE":
        return str(reason)
    return None


async def _record(
    session: AsyncSession,
    store_id: str,
    defn: TemplateDef,
    language: str,
    *,
    status: str,
    category: object,
    meta_id: object,
    reason: str | None,
    created: bool = False,
) -> TemplateStatus:
    """Insert or update the row of one template in one language."""
    new_id = str(meta_id) if meta_id is not None else None
    row, inserted = await _ensure_row(session, store_id, defn.name, language, defn.category)
    if not inserted and created and row.meta_id == new_id and row.status != NOT_SUBMITTED:
        # The review webhook for this very creation got here first: it is newer than "PENDING".
        return row
    row.status = status
    row.category = str(category) if category else (row.category or defn.category)
    row.meta_id = new_id or row.meta_id
    row.reason = _clip(reason)
    row.updated_at = utcnow()
    return row


async def _record_failure(
    session: AsyncSession, store_id: str, defn: TemplateDef, language: str, reason: str
) -> None:
    row = await template_state(session, store_id, defn.name, language)
    if row is None:
        row = TemplateStatus(store_id=store_id, name=defn.name, language=language)
        row.category = defn.category
        session.add(row)
    if row.meta_id is None:
        row.status = NOT_SUBMITTED  # never overwrite what Meta said about a template it has
    row.reason = _clip(reason)
    row.updated_at = utcnow()


def _clip(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


# --- webhooks -------------------------------------------------------------------------------


async def apply_template_update(
    session: AsyncSession, store_id: str, update: TemplateUpdate
) -> None:
    """Record a template status or category webhook value on the store's row."""
    if not isinstance(update, TemplateStatusUpdate | TemplateCategoryUpdate):
        return  # quality scores: nothing is stored for them (a RED score arrives as PAUSED)
    row = await _row_for(session, store_id, update)
    if row is None:
        log.info("template update for a template this store never pushed; ignored")
        return
    if isinstance(update, TemplateCategoryUpdate):
        category = update.new_category or update.correct_category
        if category:
            row.category = category.upper()
            row.updated_at = utcnow()
        return
    event = str(update.event)
    if update.message_template_category:
        row.category = update.message_template_category.upper()
    if event == TemplateEvent.FLAGGED:
        # Flagged templates still send; the warning is kept until the next status change.
        row.reason = _clip(_describe(update) or "FLAGGED: quality is low")
    else:
        row.status = TemplateEvent.APPROVED if event in _BACK_TO_APPROVED else event
        row.reason = _clip(_describe(update))
    row.meta_id = row.meta_id or update.message_template_id
    row.updated_at = utcnow()


async def _row_for(
    session: AsyncSession, store_id: str, update: TemplateStatusUpdate | TemplateCategoryUpdate
) -> TemplateStatus | None:
    """The row by Meta's id; else by name and language (creating it for our own templates)."""
    row = await session.scalar(
        select(TemplateStatus).where(
            TemplateStatus.store_id == store_id,
            TemplateStatus.meta_id == str(update.message_template_id),
        )
    )
    name, language = update.message_template_name, update.message_template_language
    if row is not None or not name or not language:
        return row
    row = await template_state(session, store_id, name, language)
    if row is not None:
        return row
    defn = next((d for d in REGISTRY.values() if d.name == name), None)
    if defn is None:
        return None  # not ours (hello_world, a template made by hand in WhatsApp Manager)
    # The review webhook can beat push's own commit: both then create the row, and the
    # loser must carry on with the winner's row rather than fail (and lose the status).
    row, _ = await _ensure_row(session, store_id, name, language, defn.category, "PENDING")
    row.meta_id = row.meta_id or str(update.message_template_id)
    return row


async def _ensure_row(
    session: AsyncSession,
    store_id: str,
    name: str,
    language: str,
    category: str,
    status: str = NOT_SUBMITTED,
) -> tuple[TemplateStatus, bool]:
    """The row of one template in one language, created if missing; and whether it was new."""
    values = {
        "store_id": store_id,
        "name": name,
        "language": language,
        "status": status,
        "category": category,
        "updated_at": utcnow(),
    }
    inserted = await insert_or_ignore(
        session, TemplateStatus, values, ["store_id", "name", "language"]
    )
    row = await template_state(session, store_id, name, language)
    assert row is not None
    return row, inserted


def _describe(update: TemplateStatusUpdate) -> str | None:
    """Why the template is in this state, from whichever detail Meta sent."""
    parts: list[str] = []
    if update.reason and update.reason != "NONE":
        parts.append(update.reason)
    for info, keys in (
        (update.rejection_info, ("reason", "recommendation")),
        (update.other_info, ("title", "description")),
        (update.disable_info, ("disable_date",)),
    ):
        if isinstance(info, dict):
            parts.extend(str(info[key]) for key in keys if info.get(key))
    if update.event == TemplateEvent.FLAGGED and parts:
        parts.insert(0, "FLAGGED")
    if not parts:
        return None
    head, *details = parts
    return f"{head}: {'; '.join(details)}" if details else head
