"""Send-time validation of a template message, and its rendering as the customer's phone shows it.

The input is the ``template`` object of a send (reference §1.7). Codes follow the conventions of
the send validators (131008 missing, 100 wrong type or unknown value, 131009 broken limit) plus
the template codes: 132001 unknown/unapproved, 132015 paused, 132016 disabled, 132000 parameter
count, 132012 parameter format, 132018 whitespace, 132005 hydrated text too long.

Rules the reference leaves vague, decided here:

- an empty or whitespace-only text parameter is 131008 (the parameter is effectively missing);
- a named parameter the template does not have, or the same name twice, is 132000 (the count of
  usable parameters is wrong); a missing ``parameter_name`` on a NAMED template, or one given on
  a POSITIONAL template, is 132012 (wrong parameter format);
- the whitespace rule (132018) applies to every text a parameter puts on screen: header and body
  text, currency/date_time fallbacks, URL suffixes;
- a quick-reply button sent without a payload echoes its label on tap, as WhatsApp does;
- header media ids are not looked up here (the registry has no media store); the app may check
  them against its uploads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, assert_never

from ordertalk.sandbox.errors import GraphError, invalid_parameter, missing_parameter, unknown_field
from ordertalk.sandbox.model import RenderedTemplate, TemplateCategory, TemplateStatus
from ordertalk.sandbox.template_parts import Button, Layout, hydrate, layout, variables
from ordertalk.sandbox.validate_fields import (
    as_object,
    clip,
    is_http_url,
    item_path,
    key_path,
    missing,
    not_one_of,
    optional_str,
    required_object,
    required_str,
    wrong_type,
)

if TYPE_CHECKING:
    from ordertalk.sandbox.templates import Template

BODY_MAX = 1024
HEADER_MAX = 60
CODE_MAX = 15  # one-time passcodes and copy-code coupons
TEXT_TYPES = ("text", "currency", "date_time")
PARAMETER_TYPES = (
    *TEXT_TYPES,
    "image",
    "video",
    "document",
    "location",
    "payload",
    "coupon_code",
)
# Which template buttons each send-time sub_type may address (OTP codes travel as "url").
SUB_TYPES: dict[str, tuple[str, ...]] = {
    "url": ("URL", "OTP"),
    "quick_reply": ("QUICK_REPLY",),
    "copy_code": ("COPY_CODE",),
}
BAD_WHITESPACE = re.compile(r"[\n\r\t]| {5,}")
WHITESPACE_DETAILS = (
    "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
)
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
BUTTON_INDEX = re.compile(r"[0-9]{1,4}")
COMPONENTS = "template['components']"


@dataclass(frozen=True, slots=True)
class TemplateRequest:
    """Which template a send asks for, and its (not yet checked) components."""

    name: str
    language: str
    components: object


@dataclass(frozen=True, slots=True)
class Sent:
    """One component of the send, with its Graph path for error details."""

    path: str
    parameters: list[Any]


NOTHING_SENT = Sent(COMPONENTS, [])


def parse_request(template: object) -> TemplateRequest:
    """Read name and language code from a send's ``template`` object."""
    if template is None:
        raise missing("template")
    obj = as_object(template, "template")
    name = required_str(obj, "name", "template")
    language = required_object(obj, "language", "template")
    code = required_str(language, "code", "template['language']")
    for value, path in ((name, "template['name']"), (code, "template['language']['code']")):
        if not value:
            raise missing_parameter(f"The parameter {path} is required and can't be empty.")
    return TemplateRequest(name, code, obj.get("components"))


def check_sendable(found: Template | None, request: TemplateRequest) -> Template:
    """The template a send may use: it must exist in that language and be APPROVED."""
    where = f"template name ({clip(request.name)}) does not exist in {clip(request.language)}"
    if found is None:
        raise GraphError(132001, where)
    match found.status:
        case TemplateStatus.APPROVED:
            return found
        case TemplateStatus.PAUSED:
            raise GraphError(
                132015,
                f"template name ({found.name}) in {found.language} is paused because of low "
                "quality; it can be sent again once it is unpaused.",
            )
        case TemplateStatus.DISABLED:
            raise GraphError(
                132016,
                f"template name ({found.name}) in {found.language} is disabled; edit it and "
                "submit it for review again.",
            )
        case TemplateStatus.PENDING | TemplateStatus.REJECTED:
            raise GraphError(
                132001, f"{where}: its status is {found.status}, and only APPROVED can be sent"
            )
        case _:
            assert_never(found.status)


def render(template: Template, components: object) -> RenderedTemplate:
    """Check the send's components against ``template`` and render what the customer sees."""
    shape = layout(template.category, template.components)
    named = template.parameter_format == "NAMED"
    header, body, buttons = _sort(components, shape.buttons)
    header_text = _header(shape, header, named)
    header_media = None
    if shape.header_format in ("IMAGE", "VIDEO", "DOCUMENT"):
        header_media = _header_media(header, shape.header_format)
        header_text = f"[{shape.header_format.lower()}]"
    body_text = _body(shape, body, named, template.category)
    quick_replies, urls = _buttons(shape.buttons, buttons)
    return RenderedTemplate(
        header_media=header_media,
        header_format=shape.header_format,
        template_id=template.id,
        name=template.name,
        language=template.language,
        category=template.category,
        text="\n".join(part for part in (header_text, body_text, shape.footer_text) if part),
        buttons=[button.label for button in shape.buttons],
        quick_reply_payloads=quick_replies,
        urls=urls,
        header_text=header_text if shape.header_format == "TEXT" else None,
        body_text=body_text,
        footer_text=shape.footer_text,
    )


def _sort(components: object, buttons: list[Button]) -> tuple[Sent, Sent, dict[int, Sent]]:
    """The send's header, body and buttons (by index), each checked for shape only."""
    if components is None:
        return NOTHING_SENT, NOTHING_SENT, {}
    if not isinstance(components, list):
        raise wrong_type(COMPONENTS, "an array")
    found: dict[str, Sent] = {}
    by_index: dict[int, Sent] = {}
    for position, raw in enumerate(components):
        path = item_path(COMPONENTS, position)
        component = as_object(raw, path)
        component_type = required_str(component, "type", path).lower()
        if component_type not in ("header", "body", "button"):
            raise unknown_field(
                f"Param {key_path(path, 'type')} has an unknown component type "
                f"({clip(component_type)}); use header, body or button."
            )
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list):
            raise wrong_type(key_path(path, "parameters"), "an array")
        sent = Sent(path, parameters)
        if component_type == "button":
            index = _button_index(component, path, buttons)
            if index in by_index:
                raise unknown_field(f"Param {path} repeats button index {index}.")
            by_index[index] = sent
        elif component_type in found:
            raise unknown_field(f"Param {path} repeats the {component_type} component.")
        else:
            found[component_type] = sent
    return found.get("header", NOTHING_SENT), found.get("body", NOTHING_SENT), by_index


def _button_index(component: dict[str, Any], path: str, buttons: list[Button]) -> int:
    sub_type = required_str(component, "sub_type", path).lower()
    if sub_type not in SUB_TYPES:
        raise not_one_of(key_path(path, "sub_type"), tuple(SUB_TYPES))
    index_path = key_path(path, "index")
    if "index" not in component:
        raise missing(index_path)
    raw = component["index"]
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise wrong_type(index_path, "a button position (0-9)")
    if isinstance(raw, str) and not BUTTON_INDEX.fullmatch(raw):
        raise invalid_parameter(
            f"Param {index_path} must be a button position (got {clip(raw)!r})."
        )
    index = int(raw)
    if not 0 <= index < len(buttons):
        raise invalid_parameter(
            f"Param {index_path}: button index {index} is out of range; "
            f"the template has {len(buttons)} buttons."
        )
    if buttons[index].type not in SUB_TYPES[sub_type]:
        raise GraphError(
            132012,
            f"button {index}: sub_type ({sub_type}) does not match the template's "
            f"{buttons[index].type} button at that index.",
        )
    return index


def _check_count(where: str, given: int, expected: int) -> None:
    if given != expected:
        raise _count_error(where, given, expected)


def _count_error(where: str, given: int, expected: int) -> GraphError:
    return GraphError(
        132000,
        f"{where}: number of localizable_params ({given}) does not match the expected "
        f"number of params ({expected})",
    )


# --- header and body ------------------------------------------------------------------------


def _header(shape: Layout, sent: Sent, named: bool) -> str | None:
    header_format = shape.header_format
    if header_format is None:
        _check_count("header", len(sent.parameters), 0)
        return None
    if header_format != "TEXT":
        _check_count("header", len(sent.parameters), 1)
        if header_format == "LOCATION":  # media headers are read by render() itself
            _header_media(sent, header_format)
        return None
    base = shape.header_text or ""
    names = variables(base)
    _check_count("header", len(sent.parameters), len(names))
    text = hydrate(base, _text_values("header", sent, names, named))
    if len(text) > HEADER_MAX:
        raise GraphError(
            132005,
            f"header: the text with its parameters is {len(text)} characters; "
            f"the limit is {HEADER_MAX}.",
        )
    return text


def _body(shape: Layout, sent: Sent, named: bool, category: TemplateCategory) -> str:
    names = variables(shape.body_text)
    _check_count("body", len(sent.parameters), len(names))
    values = _text_values("body", sent, names, named)
    if category is TemplateCategory.AUTHENTICATION and len(values.get("1", "")) > CODE_MAX:
        raise invalid_parameter(f"body: the one-time code can be at most {CODE_MAX} characters.")
    text = hydrate(shape.body_text, values)
    if len(text) > BODY_MAX:
        raise GraphError(
            132005,
            f"body: the text with its parameters is {len(text)} characters; "
            f"the limit is {BODY_MAX}.",
        )
    return text


def _text_values(where: str, sent: Sent, names: list[str], named: bool) -> dict[str, str]:
    """The value of each variable, keyed by variable name ("1", "order_id")."""
    values: dict[str, str] = {}
    for position, raw in enumerate(sent.parameters):
        path = item_path(key_path(sent.path, "parameters"), position)
        parameter = as_object(raw, path)
        parameter_type = _parameter_type(parameter, path)
        if parameter_type not in TEXT_TYPES:
            raise GraphError(
                132012,
                f"{where}: parameter {position + 1} has type ({parameter_type}), but this "
                "component takes text, currency or date_time.",
            )
        value = _textual(parameter, parameter_type, path)
        if not named:
            if "parameter_name" in parameter:
                raise GraphError(
                    132012,
                    f"{where}: parameter {position + 1} has a parameter_name, but the template "
                    "uses POSITIONAL parameters.",
                )
            values[str(position + 1)] = value
            continue
        name = optional_str(parameter, "parameter_name", path)
        if name is None:
            raise GraphError(
                132012,
                f"{where}: parameter {position + 1} needs a parameter_name: the template uses "
                "NAMED parameters.",
            )
        if name not in names or name in values:
            problem = "is given twice" if name in values else "is not in the template"
            raise GraphError(
                132000,
                f"{where}: parameter_name ({clip(name)}) {problem}; expected: {', '.join(names)}.",
            )
        values[name] = value
    return values


def _textual(parameter: dict[str, Any], parameter_type: str, path: str) -> str:
    """The text a text/currency/date_time parameter puts on screen (fallbacks render as-is)."""
    if parameter_type == "text":
        return _screen_text(required_str(parameter, "text", path), key_path(path, "text"))
    inner = required_object(parameter, parameter_type, path)
    inner_path = key_path(path, parameter_type)
    value = required_str(inner, "fallback_value", inner_path)
    if parameter_type == "currency":
        code = required_str(inner, "code", inner_path)
        if not CURRENCY_CODE.fullmatch(code):
            raise invalid_parameter(
                f"Param {key_path(inner_path, 'code')} must be an ISO 4217 code like USD."
            )
        amount_path = key_path(inner_path, "amount_1000")
        if "amount_1000" not in inner:
            raise missing(amount_path)
        amount = inner["amount_1000"]
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise wrong_type(amount_path, "an integer")
    return _screen_text(value, key_path(inner_path, "fallback_value"))


def _screen_text(value: str, path: str) -> str:
    if not value.strip():
        raise missing_parameter(f"The parameter {path} is required and can't be empty.")
    if BAD_WHITESPACE.search(value):
        raise GraphError(132018, WHITESPACE_DETAILS)
    return value


def _parameter_type(parameter: dict[str, Any], path: str) -> str:
    parameter_type = required_str(parameter, "type", path).lower()
    if parameter_type not in PARAMETER_TYPES:
        raise not_one_of(key_path(path, "type"), PARAMETER_TYPES)
    return parameter_type


def _header_media(sent: Sent, header_format: str) -> dict[str, Any] | None:
    """A media or location header needs one parameter of exactly that type."""
    path = item_path(key_path(sent.path, "parameters"), 0)
    parameter = as_object(sent.parameters[0], path)
    parameter_type = _parameter_type(parameter, path)
    wanted = header_format.lower()
    if parameter_type != wanted:
        raise GraphError(
            132012,
            f"header: parameter type ({parameter_type}) does not match the template's "
            f"{header_format} header.",
        )
    media = required_object(parameter, wanted, path)
    media_path = key_path(path, wanted)
    if wanted == "location":
        _location(media, media_path)
        return None
    has_id, has_link = "id" in media, "link" in media
    if has_id and has_link:
        raise invalid_parameter(f"Param {media_path} must contain either id or link, not both.")
    if not has_id and not has_link:
        raise missing_parameter(
            f"The parameter {key_path(media_path, 'id')} or {key_path(media_path, 'link')} "
            "is required."
        )
    if has_id and not required_str(media, "id", media_path):
        raise missing_parameter(f"The parameter {key_path(media_path, 'id')} can't be empty.")
    if has_link and not is_http_url(required_str(media, "link", media_path)):
        raise invalid_parameter(
            f"Invalid link in param {key_path(media_path, 'link')}: it must be an http or "
            "https URL."
        )
    optional_str(media, "filename", media_path)
    optional_str(media, "caption", media_path)
    return media


def _location(location: dict[str, Any], path: str) -> None:
    for key, bound in (("latitude", 90.0), ("longitude", 180.0)):
        where = key_path(path, key)
        if key not in location:
            raise missing(where)
        raw = location[key]
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise wrong_type(where, "a number")
        try:
            value = float(raw)
        except ValueError:
            raise wrong_type(where, "a number") from None
        if not math.isfinite(value) or abs(value) > bound:
            raise invalid_parameter(f"Param {where} must be between -{bound:g} and {bound:g}.")
    optional_str(location, "name", path)
    optional_str(location, "address", path)


# --- buttons ----------------------------------------------------------------------------------


def _buttons(buttons: list[Button], sent: dict[int, Sent]) -> tuple[dict[int, str], dict[int, str]]:
    """Quick-reply payloads and final URLs, by button index."""
    payloads: dict[int, str] = {}
    urls: dict[int, str] = {}
    for index, button in enumerate(buttons):
        given = sent.get(index)
        where = f"button {index} ({button.type})"
        if button.type == "QUICK_REPLY":
            payloads[index] = button.label
            if given is not None:
                _check_count(where, len(given.parameters), 1)
                payloads[index] = _single(where, given, "payload", 0)
        elif button.type == "URL":
            base = button.url or ""
            dynamic = bool(variables(base))
            _check_count(where, len(given.parameters) if given else 0, int(dynamic))
            suffix = _single(where, given, "text", 0) if given and dynamic else ""
            urls[index] = hydrate(base, {"1": suffix})
        elif button.type in ("OTP", "COPY_CODE"):
            if given is None:
                raise _count_error(where, 0, 1)
            _check_count(where, len(given.parameters), 1)
            wanted = "text" if button.type == "OTP" else "coupon_code"
            _single(where, given, wanted, CODE_MAX)
    return payloads, urls


def _single(where: str, sent: Sent, wanted: str, limit: int) -> str:
    """The string carried by the one parameter of a button (``limit`` 0 for no limit)."""
    path = item_path(key_path(sent.path, "parameters"), 0)
    parameter = as_object(sent.parameters[0], path)
    parameter_type = _parameter_type(parameter, path)
    if parameter_type != wanted:
        raise GraphError(132012, f"{where}: parameter type ({parameter_type}) should be {wanted}.")
    value = required_str(parameter, wanted, path)
    value_path = key_path(path, wanted)
    if wanted == "text":
        value = _screen_text(value, value_path)
    elif not value.strip():
        raise missing_parameter(f"The parameter {value_path} is required and can't be empty.")
    if limit and len(value) > limit:
        raise invalid_parameter(f"Param {value_path} can be at most {limit} characters long.")
    return value
