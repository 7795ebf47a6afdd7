"""The message templates of one WhatsApp Business Account, in memory.

Creation validation lives in ``template_create``, send-time validation and rendering in
``template_render``; this module keeps the records and answers the management API's questions
(get, list with filters and cursors, delete, status and category changes). No HTTP here: the
sandbox app maps routes onto these methods and renders raised GraphErrors.
"""

from __future__ import annotations

import base64
import builtins
import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ordertalk.sandbox.errors import GraphError, unknown_field
from ordertalk.sandbox.model import RenderedTemplate, TemplateCategory, TemplateStatus
from ordertalk.sandbox.template_create import validate_create
from ordertalk.sandbox.template_render import check_sendable, parse_request, render
from ordertalk.sandbox.validate_fields import clip, not_one_of

# Unverified business portfolios may hold 250 templates per WABA (reference §4.7).
MAX_TEMPLATES = 250
# Template ids are numeric strings; counting up from a realistic-looking value keeps them unique
# for the registry's lifetime (also across reset(), so a stale id never finds a new template).
FIRST_ID = 594425479261596
_CURSOR_PREFIX = "ordertalk-sandbox:"

HELLO_WORLD_BODY = (
    "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp "
    "message notification from the Cloud API, hosted by Meta. Thank you for taking the time to "
    "test with us."
)


@dataclass
class Template:
    """One template in one language, as the Graph API describes it."""

    id: str
    name: str
    language: str
    category: TemplateCategory
    status: TemplateStatus
    parameter_format: str  # "POSITIONAL" or "NAMED"
    components: list[dict[str, Any]]  # as created (HEADER/BODY/FOOTER/BUTTONS)
    rejected_reason: str | None = None
    created_at: float = 0.0

    def to_graph(self, fields: set[str] | None = None) -> dict[str, Any]:
        """The GET representation, limited to ``fields`` (plus ``id``) when given."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status.value,
            "category": self.category.value,
            "language": self.language,
            "components": copy.deepcopy(self.components),
            "parameter_format": self.parameter_format,
            # Meta scores quality from customer feedback; a template that was never sent has none.
            "quality_score": {
                "score": "GREEN" if self.status is TemplateStatus.APPROVED else "UNKNOWN",
                "date": int(self.created_at),
            },
        }
        if self.status is TemplateStatus.REJECTED:
            out["rejected_reason"] = self.rejected_reason or "NONE"
        if fields is None:
            return out
        return {key: value for key, value in out.items() if key in fields or key == "id"}


class TemplateRegistry:
    """All templates of one WABA, keyed by id and by (name, language)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._ids = itertools.count(FIRST_ID)
        # Insertion order is creation order, which is also the listing and paging order.
        self._by_id: dict[str, Template] = {}
        self._by_key: dict[tuple[str, str], Template] = {}

    def seed_defaults(self) -> None:
        """Add the ``hello_world`` sample every new WhatsApp Business Account starts with."""
        if self.find("hello_world", "en_US") is not None:
            return
        self._add(
            name="hello_world",
            language="en_US",
            category=TemplateCategory.UTILITY,
            status=TemplateStatus.APPROVED,
            parameter_format="POSITIONAL",
            components=[
                {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                {"type": "BODY", "text": HELLO_WORLD_BODY},
                {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
            ],
        )

    def create(self, payload: object) -> Template:
        """Validate a creation body and store the template as PENDING (review comes later)."""
        new = validate_create(payload)
        if self.find(new.name, new.language) is not None:
            raise unknown_field(
                f"Content in this language already exists: a template named {new.name} "
                f"already exists in {new.language}."
            )
        if len(self._by_id) >= MAX_TEMPLATES:
            raise GraphError(
                2388019,
                f"This WhatsApp Business Account already has {MAX_TEMPLATES} message templates, "
                "the most it can have; delete some before creating more.",
            )
        return self._add(
            name=new.name,
            language=new.language,
            category=new.category,
            status=TemplateStatus.PENDING,
            parameter_format=new.parameter_format,
            components=new.components,
        )

    def get(self, template_id: str) -> Template | None:
        """The template with this id, if any."""
        return self._by_id.get(template_id)

    def find(self, name: str, language: str) -> Template | None:
        """The template with this name in exactly this language (``en`` is not ``en_US``)."""
        return self._by_key.get((name, language))

    def list(
        self,
        *,
        name: str | None = None,
        status: str | None = None,
        category: str | None = None,
        language: str | None = None,
        limit: int = 25,
        after: str | None = None,
    ) -> tuple[builtins.list[Template], str | None]:
        """One page of templates matching every given filter, and the cursor of the next page."""
        if status is not None and status.upper() not in {s.value for s in TemplateStatus}:
            raise not_one_of("status", tuple(TemplateStatus))
        if category is not None and category.upper() not in {c.value for c in TemplateCategory}:
            raise not_one_of("category", tuple(TemplateCategory))
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise unknown_field("Param limit must be a positive integer.")
        start = _decode_cursor(after) if after is not None else -1
        matching = [
            template
            for template in self._by_id.values()
            if int(template.id) > start
            and (name is None or template.name == name)
            and (status is None or template.status == status.upper())
            and (category is None or template.category == category.upper())
            and (language is None or template.language == language)
        ]
        page = matching[:limit]
        more = len(matching) > limit
        return page, (_encode_cursor(int(page[-1].id)) if more else None)

    def delete(self, *, name: str, hsm_id: str | None = None) -> builtins.list[Template]:
        """Delete every language of ``name``, or only the one with id ``hsm_id``."""
        if hsm_id is not None:
            template = self.get(hsm_id)
            if template is None or template.name != name:
                raise unknown_field(
                    f"Message template with name ({clip(name)}) and hsm_id ({clip(hsm_id)}) "
                    "was not found."
                )
            doomed = [template]
        else:
            doomed = [template for template in self._by_id.values() if template.name == name]
            if not doomed:
                raise unknown_field(f"Message template with name ({clip(name)}) was not found.")
        for template in doomed:
            del self._by_id[template.id]
            del self._by_key[(template.name, template.language)]
        return doomed

    def set_status(
        self, template_id: str, status: TemplateStatus, reason: str | None = None
    ) -> Template:
        """Move a template to ``status`` (review outcome, pause, disable...)."""
        template = self._require(template_id)
        template.status = status
        # Only a rejection carries a reason; any later status clears it.
        template.rejected_reason = reason if status is TemplateStatus.REJECTED else None
        return template

    def set_category(self, template_id: str, category: TemplateCategory) -> Template:
        """Re-categorise a template (Meta does this on its own, status unchanged)."""
        template = self._require(template_id)
        template.category = category
        return template

    def render_send(self, template: object) -> RenderedTemplate:
        """Validate the ``template`` object of a send and render it as the customer sees it."""
        request = parse_request(template)
        found = check_sendable(self.find(request.name, request.language), request)
        return render(found, request.components)

    def reset(self) -> None:
        """Forget every template except the defaults of a new account."""
        self._by_id.clear()
        self._by_key.clear()
        self.seed_defaults()

    def _require(self, template_id: str) -> Template:
        template = self.get(template_id)
        if template is None:
            raise unknown_field(
                f"Unsupported request: object with ID '{clip(template_id)}' does not exist."
            )
        return template

    def _add(
        self,
        *,
        name: str,
        language: str,
        category: TemplateCategory,
        status: TemplateStatus,
        parameter_format: str,
        components: builtins.list[dict[str, Any]],
    ) -> Template:
        template = Template(
            id=str(next(self._ids)),
            name=name,
            language=language,
            category=category,
            status=status,
            parameter_format=parameter_format,
            components=components,
            created_at=self._clock(),
        )
        self._by_id[template.id] = template
        self._by_key[(name, language)] = template
        return template


def _encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    """The id a cursor points after; 100 for anything this registry did not hand out."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeError):
        text = ""
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isascii() or not number.isdigit():
        raise unknown_field(f"Param after is not a valid cursor ({clip(cursor)}).")
    return int(number)
