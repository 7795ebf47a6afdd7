"""Validation of ``type: interactive`` sends: buttons, lists, CTA URL, products, catalog, flows.

Limits follow reference §1.6/§1.10. Where the real API's wording for a violation is known it is
reproduced verbatim ("Button title length invalid. Min length: 1, Max length: 20", "Row title is
too long. Max length is 24", "Total row count exceed max allowed count: 10"); other limit errors
use the same two patterns so clients see one vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ordertalk.sandbox.errors import invalid_parameter
from ordertalk.sandbox.model import ListRow
from ordertalk.sandbox.validate_fields import (
    Rendering,
    as_object,
    check_keys,
    clip,
    enum_str,
    is_http_url,
    item_path,
    key_path,
    length_invalid,
    media_reference,
    missing,
    not_one_of,
    optional_object,
    optional_str,
    required_list,
    required_object,
    required_str,
)

PATH = "interactive"
ACTION = "interactive['action']"
HEADER = "interactive['header']"

BODY_MAX = 1024
LIST_BODY_MAX = 4096
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10
SECTION_TITLE_MAX = 24
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
CTA_DISPLAY_TEXT_MAX = 20
PRODUCTS_MAX = 30

_ANY_HEADER = ("text", "image", "video", "document")


@dataclass(frozen=True, slots=True)
class _Shape:
    """Which parts an interactive type takes around its action."""

    headers: tuple[str, ...]  # allowed header types; empty means the key itself is unexpected
    body_max: int
    body_required: bool = True
    header_required: bool = False
    footer: bool = True


_SHAPES: dict[str, _Shape] = {
    "button": _Shape(_ANY_HEADER, BODY_MAX),
    "list": _Shape(("text",), LIST_BODY_MAX),
    "cta_url": _Shape(_ANY_HEADER, BODY_MAX),
    "product": _Shape((), BODY_MAX, body_required=False),
    "product_list": _Shape(("text",), BODY_MAX, header_required=True),
    "catalog_message": _Shape((), BODY_MAX),
    "location_request_message": _Shape((), BODY_MAX, footer=False),
    "flow": _Shape(_ANY_HEADER, BODY_MAX),
}
INTERACTIVE_TYPES = tuple(_SHAPES)


@dataclass(frozen=True, slots=True)
class _ActionView:
    """What an action contributes to the phone view."""

    buttons: list[str] = field(default_factory=list)
    rows: list[ListRow] = field(default_factory=list)
    # A first line for types without a header (a single product shows its card).
    lead: str | None = None


def validate_interactive(
    interactive: dict[str, Any], media_exists: Callable[[str], bool]
) -> Rendering:
    """Validate the ``interactive`` object of a send and render it as the phone shows it."""
    kind = required_str(interactive, "type", PATH)
    shape = _SHAPES.get(kind)
    if shape is None:
        raise not_one_of(key_path(PATH, "type"), INTERACTIVE_TYPES)
    allowed = {"type", "body", "action"}
    allowed |= {"header"} if shape.headers else set()
    allowed |= {"footer"} if shape.footer else set()
    check_keys(interactive, allowed, PATH)

    header, media_links = _header(interactive, shape, media_exists)
    body = _text_part(interactive, "body", "Body text", shape.body_max, shape.body_required)
    footer = _text_part(interactive, "footer", "Footer text", FOOTER_MAX, required=False)
    action = _ACTIONS[kind](required_object(interactive, "action", PATH))

    lines = [line for line in (action.lead, header, body, footer) if line]
    return Rendering(
        text="\n".join(lines), buttons=action.buttons, rows=action.rows, media_links=media_links
    )


def _text_part(
    interactive: dict[str, Any], key: str, label: str, limit: int, required: bool
) -> str | None:
    """A ``{"text": ...}`` part (body or footer) within its length limit."""
    if required:
        part: dict[str, Any] | None = required_object(interactive, key, PATH)
    else:
        part = optional_object(interactive, key, PATH)
    if part is None:
        return None
    path = key_path(PATH, key)
    check_keys(part, ("text",), path)
    text = required_str(part, "text", path)
    _check_length(text, label, limit)
    return text


def _header(
    interactive: dict[str, Any], shape: _Shape, media_exists: Callable[[str], bool]
) -> tuple[str | None, list[str]]:
    """The header line and any media link it references."""
    if shape.header_required:
        header: dict[str, Any] | None = required_object(interactive, "header", PATH)
    else:
        header = optional_object(interactive, "header", PATH)
    if header is None:
        return None, []
    kind = enum_str(header, "type", HEADER, shape.headers)
    check_keys(header, ("type", kind), HEADER)
    if kind == "text":
        text = required_str(header, "text", HEADER)
        _check_length(text, "Header text", HEADER_TEXT_MAX)
        return text, []
    media_path = key_path(HEADER, kind)
    media = required_object(header, kind, HEADER)
    check_keys(
        media, ("id", "link", "filename") if kind == "document" else ("id", "link"), media_path
    )
    link = media_reference(media, media_path, media_exists)
    filename = optional_str(media, "filename", media_path)
    label = f"[{kind} {filename}]" if filename else f"[{kind}]"
    return label, [link] if link else []


def _check_length(value: str, label: str, limit: int) -> None:
    """131009 in Meta's "length invalid" wording unless 1 <= len(value) <= limit."""
    if not 1 <= len(value) <= limit:
        raise length_invalid(label, 1, limit)


def _non_empty_str(obj: dict[str, Any], key: str, path: str) -> str:
    """A required string where "" counts as missing (an empty id identifies nothing)."""
    value = required_str(obj, key, path)
    if not value:
        raise missing(key_path(path, key))
    return value


def _count_between(items: list[Any], low: int, high: int, label: str) -> None:
    """131009 unless the array holds between ``low`` and ``high`` items."""
    if not low <= len(items) <= high:
        raise invalid_parameter(f"{label} count invalid. Min count: {low}, Max count: {high}")


def _reply_buttons(action: dict[str, Any]) -> _ActionView:
    """Reply buttons: 1..3, titles and ids within limits and unique."""
    check_keys(action, ("buttons",), ACTION)
    items = required_list(action, "buttons", ACTION)
    _count_between(items, 1, BUTTONS_MAX, "Button")
    buttons_path = key_path(ACTION, "buttons")
    titles: list[str] = []
    ids: set[str] = set()
    for index, item in enumerate(items):
        path = item_path(buttons_path, index)
        button = as_object(item, path)
        check_keys(button, ("type", "reply"), path)
        enum_str(button, "type", path, ("reply",))
        reply_path = key_path(path, "reply")
        reply = required_object(button, "reply", path)
        check_keys(reply, ("id", "title"), reply_path)
        button_id = required_str(reply, "id", reply_path)
        title = required_str(reply, "title", reply_path)
        _check_length(title, "Button title", BUTTON_TITLE_MAX)
        if title in titles:
            raise invalid_parameter(
                f'Button titles must be unique: "{clip(title)}" appears more than once.'
            )
        _check_length(button_id, "Button id", BUTTON_ID_MAX)
        if button_id != button_id.strip():
            raise invalid_parameter(
                f"Param {key_path(reply_path, 'id')} cannot have leading or trailing spaces."
            )
        if button_id in ids:
            raise invalid_parameter(
                f'Button ids must be unique: "{clip(button_id)}" appears more than once.'
            )
        titles.append(title)
        ids.add(button_id)
    return _ActionView(buttons=titles)


def _list(action: dict[str, Any]) -> _ActionView:
    """A list: its button, 1..10 sections, 1..10 rows in total."""
    check_keys(action, ("button", "sections"), ACTION)
    button = required_str(action, "button", ACTION)
    _check_length(button, "List button text", LIST_BUTTON_MAX)
    sections = required_list(action, "sections", ACTION)
    _count_between(sections, 1, SECTIONS_MAX, "Section")
    sections_path = key_path(ACTION, "sections")
    row_lists: list[tuple[str, list[Any]]] = []
    for index, item in enumerate(sections):
        path = item_path(sections_path, index)
        section = as_object(item, path)
        check_keys(section, ("title", "rows"), path)
        title = optional_str(section, "title", path)
        # One section may go untitled; with several, titles are how the user tells them apart.
        if title is None and len(sections) > 1:
            raise missing(key_path(path, "title"))
        if title is not None:
            _check_length(title, "Section title", SECTION_TITLE_MAX)
        rows = required_list(section, "rows", path)
        if not rows:
            raise invalid_parameter(f"Param {key_path(path, 'rows')} must contain at least 1 row.")
        row_lists.append((key_path(path, "rows"), rows))
    # The cap is on the whole message, not per section: the real API's most common list error.
    if sum(len(rows) for _, rows in row_lists) > ROWS_MAX:
        raise invalid_parameter(f"Total row count exceed max allowed count: {ROWS_MAX}")
    parsed: list[ListRow] = []
    for rows_path, rows in row_lists:
        for index, item in enumerate(rows):
            row = _row(item, item_path(rows_path, index))
            if any(seen.id == row.id for seen in parsed):
                raise invalid_parameter(
                    f'Row ids must be unique: "{clip(row.id)}" appears more than once.'
                )
            parsed.append(row)
    return _ActionView(buttons=[button], rows=parsed)


def _row(item: object, path: str) -> ListRow:
    """One list row within the row limits."""
    row = as_object(item, path)
    check_keys(row, ("id", "title", "description"), path)
    row_id = required_str(row, "id", path)
    title = required_str(row, "title", path)
    description = optional_str(row, "description", path)
    _check_row_part(title, "Row title", ROW_TITLE_MAX, allow_empty=False)
    _check_row_part(row_id, "Row id", ROW_ID_MAX, allow_empty=False)
    if description is not None:
        _check_row_part(description, "Row description", ROW_DESCRIPTION_MAX, allow_empty=True)
    return ListRow(id=row_id, title=title, description=description or None)


def _check_row_part(value: str, label: str, limit: int, *, allow_empty: bool) -> None:
    """131009 in the wording the real API uses for row fields."""
    if len(value) > limit:
        raise invalid_parameter(f"{label} is too long. Max length is {limit}")
    if not value and not allow_empty:
        raise invalid_parameter(f"{label} is empty. Min length is 1")


def _cta_url(action: dict[str, Any]) -> _ActionView:
    """A single URL button: display text and an http(s) URL."""
    check_keys(action, ("name", "parameters"), ACTION)
    enum_str(action, "name", ACTION, ("cta_url",))
    params_path = key_path(ACTION, "parameters")
    params = required_object(action, "parameters", ACTION)
    check_keys(params, ("display_text", "url"), params_path)
    display_text = required_str(params, "display_text", params_path)
    _check_length(display_text, "Display text", CTA_DISPLAY_TEXT_MAX)
    url = required_str(params, "url", params_path)
    if not is_http_url(url):
        raise invalid_parameter(
            f"Invalid URL in param {key_path(params_path, 'url')}: it must be an http or https URL."
        )
    return _ActionView(buttons=[display_text])


def _product(action: dict[str, Any]) -> _ActionView:
    """A single product from a catalog."""
    check_keys(action, ("catalog_id", "product_retailer_id"), ACTION)
    _non_empty_str(action, "catalog_id", ACTION)
    sku = _non_empty_str(action, "product_retailer_id", ACTION)
    return _ActionView(buttons=["View"], lead=f"[product {clip(sku)}]")


def _product_list(action: dict[str, Any]) -> _ActionView:
    """Several products: 1..10 titled sections, at most 30 products in total."""
    check_keys(action, ("catalog_id", "sections"), ACTION)
    _non_empty_str(action, "catalog_id", ACTION)
    sections = required_list(action, "sections", ACTION)
    _count_between(sections, 1, SECTIONS_MAX, "Section")
    sections_path = key_path(ACTION, "sections")
    item_lists: list[tuple[str, list[Any]]] = []
    for index, item in enumerate(sections):
        path = item_path(sections_path, index)
        section = as_object(item, path)
        check_keys(section, ("title", "product_items"), path)
        _check_length(required_str(section, "title", path), "Section title", SECTION_TITLE_MAX)
        items = required_list(section, "product_items", path)
        if not items:
            raise invalid_parameter(
                f"Param {key_path(path, 'product_items')} must contain at least 1 product."
            )
        item_lists.append((key_path(path, "product_items"), items))
    if sum(len(items) for _, items in item_lists) > PRODUCTS_MAX:
        raise invalid_parameter(f"Total product count exceed max allowed count: {PRODUCTS_MAX}")
    for items_path, items in item_lists:
        for index, item in enumerate(items):
            path = item_path(items_path, index)
            product = as_object(item, path)
            check_keys(product, ("product_retailer_id",), path)
            _non_empty_str(product, "product_retailer_id", path)
    return _ActionView(buttons=["View items"])


def _catalog_message(action: dict[str, Any]) -> _ActionView:
    """A "View catalog" button, optionally with a thumbnail product."""
    check_keys(action, ("name", "parameters"), ACTION)
    enum_str(action, "name", ACTION, ("catalog_message",))
    params = optional_object(action, "parameters", ACTION)
    if params is not None:
        params_path = key_path(ACTION, "parameters")
        check_keys(params, ("thumbnail_product_retailer_id",), params_path)
        optional_str(params, "thumbnail_product_retailer_id", params_path)
    return _ActionView(buttons=["View catalog"])


def _location_request(action: dict[str, Any]) -> _ActionView:
    """A "Send location" button."""
    check_keys(action, ("name",), ACTION)
    enum_str(action, "name", ACTION, ("send_location",))
    return _ActionView(buttons=["Send location"])


def _flow(action: dict[str, Any]) -> _ActionView:
    """A WhatsApp Flow button; only the keys needed to open a flow are checked."""
    check_keys(action, ("name", "parameters"), ACTION)
    enum_str(action, "name", ACTION, ("flow",))
    params_path = key_path(ACTION, "parameters")
    params = required_object(action, "parameters", ACTION)
    required_str(params, "flow_message_version", params_path)
    cta = _non_empty_str(params, "flow_cta", params_path)
    flow_id = optional_str(params, "flow_id", params_path)
    flow_name = optional_str(params, "flow_name", params_path)
    if not flow_id and not flow_name:
        raise missing(f"{key_path(params_path, 'flow_id')} or {key_path(params_path, 'flow_name')}")
    return _ActionView(buttons=[cta])


_ACTIONS: dict[str, Callable[[dict[str, Any]], _ActionView]] = {
    "button": _reply_buttons,
    "list": _list,
    "cta_url": _cta_url,
    "product": _product,
    "product_list": _product_list,
    "catalog_message": _catalog_message,
    "location_request_message": _location_request,
    "flow": _flow,
}
