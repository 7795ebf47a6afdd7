"""`/ui/templates`: every message in the registry with its languages, what Meta said about each
(per store, `templates.models.TemplateStatus`), its category, and a preview rendered by
`templates.render` with the sample order Meta is shown (`templates.service.sample_context`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from ordertalk.deps import SessionDep
from ordertalk.policy.decisions import Form
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import LANGUAGES, REGISTRY, QuickReply, TemplateDef
from ordertalk.templates.render import RenderError, choose_language, render
from ordertalk.templates.service import NOT_SUBMITTED, sample_context
from ordertalk.web.auth import ViewerDep
from ordertalk.web.pages import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Preview:
    """A message as WhatsApp shows it: header, body, footer and button labels."""

    language: str
    header: str | None
    body: str
    footer: str | None
    buttons: list[tuple[str, bool]]  # (label, opens a link)
    error: str | None = None


def preview(defn: TemplateDef, language: str, store_name: str) -> Preview:
    """The message rendered for the sample order, as the customer would read it."""
    wording = defn.texts[language]
    ctx = replace(sample_context(language), store_name=store_name)
    buttons = [(b.labels[language], not isinstance(b, QuickReply)) for b in defn.buttons]
    form = Form.TEMPLATE if defn.template else Form.FREEFORM
    try:
        text = render(defn.key, form, language, ctx).preview
    except RenderError as exc:
        return Preview(language, None, "", None, buttons, error=exc.message)
    if form is Form.FREEFORM:  # header and footer are part of the text (bold, italics)
        return Preview(language, None, text, None, buttons)
    # A template's preview is its header, body and footer, one per line.
    if wording.header and text.startswith(wording.header + "\n"):
        text = text[len(wording.header) + 1 :]
    if wording.footer and text.endswith("\n" + wording.footer):
        text = text[: -len(wording.footer) - 1]
    return Preview(language, wording.header, text, wording.footer, buttons)


@router.get("/templates")
async def templates_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    language: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Every message, its languages and review status, and a preview in one language."""
    chosen = language if language in LANGUAGES else ""
    rows = await session.scalars(
        select(TemplateStatus).where(TemplateStatus.store_id == viewer.store.id)
    )
    statuses = {(row.name, row.language): row for row in rows}
    items = []
    for defn in REGISTRY.values():
        shown = choose_language(defn.key, [chosen or viewer.store.language])
        reviews = (
            [(lang, statuses.get((defn.name, lang))) for lang in defn.languages]
            if defn.template
            else []
        )
        items.append(
            {
                "defn": defn,
                "reviews": reviews,
                "preview": preview(defn, shown, viewer.store.name),
            }
        )
    return page(
        request,
        "ui_templates.html",
        viewer,
        section="templates",
        items=items,
        languages=LANGUAGES,
        chosen=chosen,
        not_submitted=NOT_SUBMITTED,
    )
