"""Validation of ``POST /{WABA_ID}/message_templates`` bodies, with the codes Meta answers.

Structural problems (missing or mistyped fields, unknown enums, duplicates) are Graph code 100, as
on every management endpoint; the content rules have their own 2388xxx codes (reference §3.2).

Rules the reference leaves vague, decided here:

- language: any code shaped like ``en``, ``fil`` or ``pt_BR`` (Meta's list keeps growing, so the
  sandbox checks the shape rather than a list that would go stale);
- named variables are lowercase letters and underscores (``{{order_id}}``); positional ones are
  ``{{1}}``..``{{n}}``: the distinct numbers must be exactly 1..n, and a variable may be repeated
  (it is filled once at send time);
- "too many variables for the text length" (2388293): the BODY needs at least two words of static
  text per variable occurrence, a word being a run of letters, digits or underscores;
- variables separated only by whitespace count as adjacent (2388047), as in Meta's review;
- URL buttons take one variable, ``{{1}}``, and only at the very end of the URL;
- CAROUSEL, LIMITED_TIME_OFFER, PRODUCT/GIF headers and FLOW/CATALOG/MPM/SPM buttons are not
  simulated and are refused with 100 rather than accepted and mis-rendered.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ordertalk.sandbox.errors import GraphError, unknown_field
from ordertalk.sandbox.model import TemplateCategory
from ordertalk.sandbox.template_parts import NAMED_NAME, POSITIONAL_NAME, TOKEN, kind, variables
from ordertalk.sandbox.validate_fields import clip, item_path, key_path, not_one_of, wrong_type

NAME = re.compile(r"[a-z0-9_]+")
LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
NAME_MAX = 512
BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
LABEL_MAX = 25
URL_MAX = 2000
CODE_MAX = 15  # copy-code coupons and one-time passcodes
WORDS_PER_VARIABLE = 2
WORD = re.compile(r"\w+")
PHONE = re.compile(r"\+?[0-9]{5,20}")

PARAMETER_FORMATS = ("POSITIONAL", "NAMED")
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
OTP_TYPES = ("COPY_CODE", "ONE_TAP", "ZERO_TAP")
# Per-type button caps (reference §4.7); OTP only exists on authentication templates.
BUTTON_CAPS = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1}
BUTTONS_MAX = 10


@dataclass(frozen=True, slots=True)
class NewTemplate:
    """A creation request that passed validation (uniqueness and count are the registry's job)."""

    name: str
    language: str
    category: TemplateCategory
    parameter_format: str
    components: list[dict[str, Any]]


def validate_create(payload: object) -> NewTemplate:
    """Check a template creation body; raise the GraphError Meta would answer."""
    if not isinstance(payload, dict):
        raise unknown_field("The request body must be a JSON object.")
    name = _required_str(payload, "name", "")
    if len(name) > NAME_MAX:
        raise unknown_field(f"Param name must be at most {NAME_MAX} characters long.")
    if not NAME.fullmatch(name):
        raise unknown_field(
            "Param name may only contain lowercase letters, digits and underscores "
            f"(got {clip(name)!r})."
        )
    language = _required_str(payload, "language", "")
    if not LANGUAGE.fullmatch(language):
        raise unknown_field(
            "Param language must be a language code like en, en_US or pt_BR "
            f"(got {clip(language)!r})."
        )
    category = TemplateCategory(
        _enum(payload, "category", "", tuple(c.value for c in TemplateCategory))
    )
    parameter_format = "POSITIONAL"
    if payload.get("parameter_format") is not None:
        parameter_format = _enum(payload, "parameter_format", "", PARAMETER_FORMATS)
    components = _components(payload)
    if category is TemplateCategory.AUTHENTICATION:
        _check_authentication(components)
    else:
        _check_content(components, parameter_format == "NAMED")
    return NewTemplate(
        name, language, category, parameter_format, copy.deepcopy(payload["components"])
    )


def _components(payload: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The components by type, each with its Graph path; 100 for anything malformed."""
    if "components" not in payload:
        raise unknown_field("The parameter components is required.")
    raw = payload["components"]
    if not isinstance(raw, list) or not raw:
        raise wrong_type("components", "a non-empty array")
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for index, component in enumerate(raw):
        path = item_path("components", index)
        if not isinstance(component, dict):
            raise wrong_type(path, "an object")
        component_type = _enum(component, "type", path, COMPONENT_TYPES)
        if component_type in found:
            raise unknown_field(f"A template can have only one {component_type} component.")
        found[component_type] = (path, component)
    if "BODY" not in found:
        raise unknown_field("A template needs a BODY component.")
    return found


# --- utility and marketing templates ---------------------------------------------------------


def _check_content(parts: dict[str, tuple[str, dict[str, Any]]], named: bool) -> None:
    if "HEADER" in parts:
        _check_header(*parts["HEADER"], named)
    _check_body(*parts["BODY"], named)
    if "FOOTER" in parts:
        _check_footer(*parts["FOOTER"])
    if "BUTTONS" in parts:
        _check_buttons(*parts["BUTTONS"])


def _check_header(path: str, header: dict[str, Any], named: bool) -> None:
    header_format = _enum(header, "format", path, HEADER_FORMATS)
    if header_format in ("IMAGE", "VIDEO", "DOCUMENT"):
        handles = _example(header).get("header_handle")
        if not _non_empty_strs(handles):
            raise unknown_field(
                f"{header_format} headers need example.header_handle: a list with the handle of "
                "a sample file from the Resumable Upload API."
            )
    if header_format != "TEXT":
        return
    text = _required_str(header, "text", path)
    _check_length(text, HEADER_MAX, key_path(path, "text"))
    _check_variables("HEADER", text, named)
    names = variables(text)
    if len(names) > 1:
        raise GraphError(
            2388047, f"HEADER: text can have at most one variable (found {len(names)})."
        )
    if names:
        _check_examples("HEADER", header, names, named)


def _check_body(path: str, body: dict[str, Any], named: bool) -> None:
    text = _required_str(body, "text", path)
    _check_length(text, BODY_MAX, key_path(path, "text"))
    matches = _check_variables("BODY", text, named)
    if not matches:
        return
    if not text[: matches[0].start()].strip() or not text[matches[-1].end() :].strip():
        raise GraphError(
            2388299,
            "BODY: a variable can't be at the very start or end of the text; "
            "put some words before the first variable and after the last one.",
        )
    for before, after in itertools.pairwise(matches):
        if not text[before.end() : after.start()].strip():
            raise GraphError(
                2388047,
                f"BODY: variables {before.group(0)} and {after.group(0)} are next to each other; "
                "separate them with some text.",
            )
    words = len(WORD.findall(TOKEN.sub(" ", text)))
    if words < WORDS_PER_VARIABLE * len(matches):
        raise GraphError(
            2388293,
            f"BODY: {len(matches)} variables need at least {WORDS_PER_VARIABLE * len(matches)} "
            f"words of other text (found {words}); shorten the variables or lengthen the text.",
        )
    _check_examples("BODY", body, variables(text), named)


def _check_variables(where: str, text: str, named: bool) -> list[re.Match[str]]:
    """The variable occurrences of ``text``, after checking their syntax and numbering."""
    matches = list(TOKEN.finditer(text))
    leftover = TOKEN.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        raise GraphError(2388047, f"{where}: text has unbalanced variable braces {{{{ }}}}.")
    for match in matches:
        name = match.group(1)
        if POSITIONAL_NAME.fullmatch(name):
            if named:
                raise unknown_field(
                    f"{where}: {match.group(0)} is a positional variable but parameter_format is "
                    "NAMED; use names like {{order_id}}."
                )
        elif NAMED_NAME.fullmatch(name):
            if not named:
                raise unknown_field(
                    f"{where}: {match.group(0)} is a named variable; named variables need "
                    'parameter_format "NAMED".'
                )
        else:
            raise GraphError(
                2388047,
                f"{where}: {clip(match.group(0))} is not a valid variable; use {{{{1}}}}, "
                "{{2}}... or lowercase names with underscores like {{order_id}}.",
            )
    if not named:
        numbers = sorted({int(match.group(1)) for match in matches})
        if numbers != list(range(1, len(numbers) + 1)):
            found = ", ".join(f"{{{{{n}}}}}" for n in numbers)
            raise GraphError(
                2388047,
                f"{where}: positional variables must run from {{{{1}}}} without gaps "
                f"(found {found}).",
            )
    return matches


def _check_examples(where: str, component: dict[str, Any], names: list[str], named: bool) -> None:
    """Meta reviews templates with sample values, so every variable needs one."""
    example = _example(component)
    prefix = where.lower()
    if named:
        key = f"{prefix}_text_named_params"
        if _named_examples(example.get(key)) == sorted(names):
            return
        wanted = ", ".join(names)
        raise unknown_field(
            f"{where}: example.{key} is required: one {{param_name, example}} for each of {wanted}."
        )
    key = f"{prefix}_text"
    given = example.get(key)
    # BODY examples are a list holding one row of values; HEADER examples are the row itself.
    row = given[0] if where == "BODY" and isinstance(given, list) and given else given
    if isinstance(row, list) and len(row) == len(names) and _non_empty_strs(row):
        return
    shape = f"[[{len(names)} values]]" if where == "BODY" else "[1 value]"
    raise unknown_field(f"{where}: example.{key} is required: {shape}, one sample per variable.")


def _named_examples(items: object) -> list[str] | None:
    """The sorted param_names of well-formed ``[{param_name, example}]`` items, else None."""
    if not isinstance(items, list):
        return None
    names: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("param_name"), str):
            return None
        if not _non_empty_strs([item.get("example")]):
            return None
        names.append(item["param_name"])
    return sorted(names)


def _check_footer(path: str, footer: dict[str, Any]) -> None:
    text = _required_str(footer, "text", path)
    _check_length(text, FOOTER_MAX, key_path(path, "text"))
    if "{{" in text or "}}" in text:
        raise GraphError(2388073, "FOOTER: the footer can't contain variables.")


def _check_buttons(path: str, component: dict[str, Any]) -> None:
    buttons = _button_list(path, component)
    types: list[str] = []
    for index, button in enumerate(buttons):
        button_path = item_path(key_path(path, "buttons"), index)
        button_type = _enum(button, "type", button_path, (*BUTTON_CAPS, "OTP"))
        if button_type == "OTP":
            raise unknown_field("OTP buttons are only for AUTHENTICATION templates.")
        types.append(button_type)
        if button_type == "COPY_CODE":
            _check_copy_code(button, button_path)
            continue
        _check_label(button, button_path)
        if button_type == "URL":
            _check_url(button, button_path)
        elif button_type == "PHONE_NUMBER":
            phone = _required_str(button, "phone_number", button_path)
            if not PHONE.fullmatch(phone):
                raise unknown_field(
                    f"Param {key_path(button_path, 'phone_number')} must be a phone number "
                    "in international format (digits, optional +)."
                )
    if len(types) > BUTTONS_MAX:
        raise unknown_field(
            f"A template can have at most {BUTTONS_MAX} buttons (got {len(types)})."
        )
    for button_type, cap in BUTTON_CAPS.items():
        if types.count(button_type) > cap:
            raise unknown_field(f"A template can have at most {cap} {button_type} buttons.")
    quick = [i for i, button_type in enumerate(types) if button_type == "QUICK_REPLY"]
    if quick and quick[-1] - quick[0] + 1 != len(quick):
        raise unknown_field("QUICK_REPLY buttons must be grouped together, not mixed with others.")


def _check_label(button: dict[str, Any], path: str) -> None:
    label = _required_str(button, "text", path)
    if not label.strip():
        raise unknown_field(f"Param {key_path(path, 'text')} can't be empty.")
    if len(label) > LABEL_MAX:
        raise GraphError(
            2388040,
            f"Button text {clip(label)!r} is {len(label)} characters; the limit is {LABEL_MAX}.",
        )
    if "{{" in label:
        raise unknown_field(f"Param {key_path(path, 'text')} can't contain variables.")


def _check_url(button: dict[str, Any], path: str) -> None:
    url = _required_str(button, "url", path)
    _check_length(url, URL_MAX, key_path(path, "url"))
    matches = list(TOKEN.finditer(url))
    if not _is_https(TOKEN.sub("x", url)) or "{{" in TOKEN.sub("", url):
        raise unknown_field(f"Param {key_path(path, 'url')} must be a valid https:// URL.")
    if not matches:
        return
    if len(matches) > 1 or matches[0].group(1) != "1" or matches[0].end() != len(url):
        raise unknown_field(
            f"Param {key_path(path, 'url')} can have one variable, {{{{1}}}}, at the very end."
        )
    example = button.get("example")
    if isinstance(example, str):
        example = [example]
    if not (isinstance(example, list) and len(example) == 1 and _non_empty_strs(example)):
        raise unknown_field(
            f"Param {key_path(path, 'example')} is required for a URL with a variable: "
            "the full URL with a sample suffix."
        )


def _check_copy_code(button: dict[str, Any], path: str) -> None:
    # The label is fixed by WhatsApp ("Copy offer code"); the example is the sample coupon.
    code = _required_str(button, "example", path)
    if not code:
        raise unknown_field(f"Param {key_path(path, 'example')} can't be empty.")
    if len(code) > CODE_MAX:
        raise GraphError(2388040, f"Copy code example is {len(code)} characters; the limit is 15.")


# --- authentication templates -----------------------------------------------------------------


def _check_authentication(parts: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """Meta writes the text of authentication templates; the business picks options only."""
    if "HEADER" in parts:
        raise unknown_field("AUTHENTICATION templates can't have a HEADER.")
    body_path, body = parts["BODY"]
    if "text" in body:
        raise unknown_field(
            "AUTHENTICATION templates use WhatsApp's fixed body text: remove BODY text and set "
            "add_security_recommendation instead."
        )
    recommendation = body.get("add_security_recommendation")
    if recommendation is not None and not isinstance(recommendation, bool):
        raise wrong_type(key_path(body_path, "add_security_recommendation"), "a boolean")
    if "FOOTER" in parts:
        footer_path, footer = parts["FOOTER"]
        if "text" in footer:
            raise unknown_field("AUTHENTICATION templates can't have FOOTER text.")
        minutes = footer.get("code_expiration_minutes")
        if minutes is not None and not (
            isinstance(minutes, int) and not isinstance(minutes, bool) and 1 <= minutes <= 90
        ):
            raise wrong_type(key_path(footer_path, "code_expiration_minutes"), "an integer 1-90")
    if "BUTTONS" not in parts:
        raise unknown_field("AUTHENTICATION templates need an OTP button.")
    path, component = parts["BUTTONS"]
    buttons = _button_list(path, component)
    button_path = item_path(key_path(path, "buttons"), 0)
    if len(buttons) != 1 or kind(buttons[0].get("type")) != "OTP":
        raise unknown_field("AUTHENTICATION templates need exactly one button, of type OTP.")
    _enum(buttons[0], "otp_type", button_path, OTP_TYPES)
    label = buttons[0].get("text")
    if label is not None:
        if not isinstance(label, str):
            raise wrong_type(key_path(button_path, "text"), "a string")
        _check_length(label, LABEL_MAX, key_path(button_path, "text"))


# --- small helpers --------------------------------------------------------------------------


def _required_str(obj: dict[str, Any], key: str, path: str) -> str:
    """A required string field; Graph management endpoints answer 100 for missing ones too."""
    where = key_path(path, key)
    if key not in obj or obj[key] is None:
        raise unknown_field(f"The parameter {where} is required.")
    value = obj[key]
    if not isinstance(value, str):
        raise wrong_type(where, "a string")
    if not value:
        raise unknown_field(f"Param {where} can't be empty.")
    return value


def _enum(obj: dict[str, Any], key: str, path: str, allowed: tuple[str, ...]) -> str:
    """A required enum field, matched case-insensitively and returned upper-cased."""
    value = _required_str(obj, key, path).upper()
    if value not in allowed:
        raise not_one_of(key_path(path, key), allowed)
    return value


def _button_list(path: str, component: dict[str, Any]) -> list[dict[str, Any]]:
    buttons = component.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise wrong_type(key_path(path, "buttons"), "a non-empty array")
    for index, button in enumerate(buttons):
        if not isinstance(button, dict):
            raise wrong_type(item_path(key_path(path, "buttons"), index), "an object")
    return buttons


def _example(component: dict[str, Any]) -> dict[str, Any]:
    example = component.get("example")
    return example if isinstance(example, dict) else {}


def _non_empty_strs(values: object) -> bool:
    return (
        isinstance(values, list)
        and bool(values)
        and all(isinstance(value, str) and value.strip() for value in values)
    )


def _check_length(text: str, limit: int, path: str) -> None:
    if len(text) > limit:
        raise GraphError(2388040, f"Param {path} is {len(text)} characters; the limit is {limit}.")


def _is_https(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme.lower() == "https" and bool(host) and not re.search(r"\s", url)
