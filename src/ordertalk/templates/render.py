"""Turning a message key and an order's facts into a Cloud API message body, localised and checked.

Every value is formatted with Babel in the customer's locale (money, dates in their timezone),
normalised so the Cloud API accepts it (no newlines, tabs or runs of spaces in template
parameters), shortened where shortening is harmless (a carrier or customer name) and refused
where it is not (an order or tracking number). Everything Meta would reject at send time
(reference §1.7, §1.10) is checked here first, so a malformed template never leaves the process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, assert_never
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, get_datetime_format
from babel.numbers import format_currency

from ordertalk.errors import OrdertalkError
from ordertalk.policy.decisions import Form
from ordertalk.templates import texts
from ordertalk.templates.registry import (
    LANGUAGES,
    REGISTRY,
    QuickReply,
    TemplateDef,
    UrlButton,
    Wording,
)

# Limits from reference §1.6 / §1.10.
TEMPLATE_BODY_MAX = 1024
INTERACTIVE_BODY_MAX = 1024
TEXT_BODY_MAX = 4096
CAPTION_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
TEMPLATE_BUTTON_LABEL_MAX = 25
REPLY_TITLE_MAX = 20
REPLY_BUTTONS_MAX = 3
PAYLOAD_MAX = 256

# Longest a value may be before it is shortened (names) or refused (identifiers, links).
SHORTEN_AT = {"customer_name": 40, "store_name": 60, "carrier": 40, "reason": 200}
REFUSE_AT = {"order_number": 64, "tracking_number": 64, "order_ref": 200, "url": 1000}
# A broadcast's own words: a cut-off offer could change what is promised, so too long is refused.
BROADCAST_TEXT_MAX = {"offer": 200, "product": 100}

PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
# Whitespace runs that break a template parameter; no-break spaces (which Babel puts between a
# number and its currency or time marker) stay, they are what keeps "1.499,50 €" on one line.
_BREAKING_SPACE = re.compile(r"(?:(?![\u00a0\u2007\u202f])\s)+")
BAD_WHITESPACE = re.compile(r"[\n\r\t]| {5,}")
# Unicode's "Cc" category, which is closed: C0, DEL and C1 (a regex: a broadcast cleans 100,000s).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CURRENCY = re.compile(r"[A-Z]{3}")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Android still reports Indonesian as "in" (its pre-1989 ISO code).
_LANGUAGE_ALIASES = {"in": "id"}


class RenderError(OrdertalkError):
    """A message that can't be rendered validly; the text names fields, never their values."""

    status_code = 422
    code = "render_failed"


@dataclass(frozen=True, kw_only=True)
class RenderContext:
    """Everything a message may mention, for one customer and one order."""

    store_name: str
    locale: str  # Babel locale for formatting, e.g. "hi_IN"
    timezone: str  # IANA zone of the customer
    customer_name: str | None = None
    order_number: str | None = None
    order_ref: str  # opaque reference carried in button payloads
    amount: Decimal | None = None
    currency: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    edd: date | None = None
    event_time: datetime | None = None  # when the milestone happened (e.g. the delivery scan)
    reason: str | None = None
    invoice_url: str | None = None
    status_url: str | None = None
    # A broadcast's values (registry.BROADCAST_FIELDS), the same for every recipient.
    offer: str | None = None
    product: str | None = None
    shop_url: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A ready message body (without ``messaging_product``/``to``) and how it reads."""

    payload: dict[str, Any]
    template_name: str | None
    language: str
    preview: str


# --- choosing a language --------------------------------------------------------------------


def choose_language(key: str, preferred: Sequence[str]) -> str:
    """The first language the message has from: each preferred code, its base language, "en"."""
    defn = REGISTRY.get(key)
    available = defn.languages if defn is not None else LANGUAGES
    by_lower = {code.lower(): code for code in available}
    for wanted in preferred:
        if not wanted:
            continue
        code = wanted.strip().replace("-", "_")
        exact = by_lower.get(code.lower())
        if exact is not None:
            return exact
        base = code.split("_", 1)[0].lower()
        base = _LANGUAGE_ALIASES.get(base, base)
        for candidate in available:  # "pt" → pt_BR, "hi_IN" → hi, "en_GB" → en
            if candidate.split("_", 1)[0].lower() == base:
                return candidate
    return "en" if "en" in available else available[0]


def has_form(key: str, form: Form) -> bool:
    """Whether the message exists in this form (template, or free-form inside the window)."""
    defn = REGISTRY.get(key)
    if defn is None:
        return False
    match form:
        case Form.TEMPLATE:
            return defn.template
        case Form.FREEFORM:
            return defn.freeform
        case _:
            assert_never(form)


# --- rendering ------------------------------------------------------------------------------


def render(key: str, form: Form, language: str, ctx: RenderContext) -> Rendered:
    """The message ``key`` in ``form`` and ``language`` for ``ctx``, validated for the Cloud API."""
    defn = REGISTRY.get(key)
    if defn is None:
        raise RenderError(f"unknown message key {key!r}")
    return render_definition(defn, form, language, ctx)


def render_definition(defn: TemplateDef, form: Form, language: str, ctx: RenderContext) -> Rendered:
    """As :func:`render`, for a definition that need not be in the registry."""
    where = f"{defn.key} [{language}]"
    wording = defn.texts.get(language)
    if wording is None:
        raise RenderError(f"{where}: not written in this language (use choose_language)")
    if form is Form.TEMPLATE and not defn.template:
        raise RenderError(f"{where}: has no template form (free-form only)")
    if form is Form.FREEFORM and not defn.freeform:
        raise RenderError(f"{where}: has no free-form version")
    try:
        values = param_values(defn, language, ctx)
        match form:
            case Form.TEMPLATE:
                return _template(defn, wording, language, values, ctx)
            case Form.FREEFORM:
                return _freeform(defn, wording, language, values, ctx)
            case _:
                assert_never(form)
    except RenderError as exc:
        raise RenderError(f"{where}: {exc.message}") from None


def param_values(defn: TemplateDef, language: str, ctx: RenderContext) -> list[str]:
    """The text of each parameter ({{1}}, {{2}}...), formatted for the customer and checked."""
    locale = formatting_locale(language, ctx.locale)
    values = [_value(name, language, ctx, locale) for name in defn.params]
    for name, value in zip(defn.params, values, strict=True):
        if not value.strip():
            raise RenderError(f"{name} is empty")
        if BAD_WHITESPACE.search(value):  # normalisation should make this impossible
            raise RenderError(f"{name} has a newline, tab or more than 4 spaces in a row")
    return values


# Pure functions of a few distinct inputs, asked once per message: a broadcast asks the same
# few thousand times.
@functools.lru_cache(maxsize=256)
def formatting_locale(language: str, locale: str) -> Locale:
    """The message language in the customer's region, when Babel knows the pair (en + ID)."""
    spoken = Locale.parse(language)
    try:
        wanted = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return spoken
    if wanted.language == spoken.language:
        return wanted
    if wanted.territory:
        try:
            return Locale.parse(f"{spoken.language}_{wanted.territory}")
        except (UnknownLocaleError, ValueError):
            pass
    return spoken


def clean(value: str) -> str:
    """One line of text: whitespace runs become one space, control characters and ``{{`` go."""
    text = _BREAKING_SPACE.sub(" ", value)
    text = _CONTROL.sub("", text)
    # A value must not look like a placeholder to Meta (or to a second rendering pass).
    text = text.replace("{{", "{").replace("}}", "}")
    return text.strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary when there is one, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—(") + "…"


# --- parameter values -----------------------------------------------------------------------


def _value(name: str, language: str, ctx: RenderContext, locale: Locale) -> str:
    match name:
        case "store_name":
            return _required(shorten(clean(ctx.store_name), SHORTEN_AT[name]), name)
        case "customer_name":
            return _customer_name(ctx.customer_name, language)
        case "order_number":
            return _identifier(ctx.order_number, name)
        case "tracking_number":
            return _identifier(ctx.tracking_number, name)
        case "amount":
            return _money(ctx.amount, ctx.currency, locale)
        case "carrier" | "reason":
            raw = ctx.carrier if name == "carrier" else ctx.reason
            text = clean(raw or "")
            if name == "reason":
                text = text.rstrip(".。।")  # the body puts its own full stop after it
            return shorten(text, SHORTEN_AT[name]) or texts.FALLBACKS[name][language]
        case "edd":
            if ctx.edd is None:
                return texts.FALLBACKS[name][language]
            return clean(format_date(ctx.edd, "full", locale=locale))
        case "event_time":
            if ctx.event_time is None:
                return texts.FALLBACKS[name][language]
            return _moment(ctx.event_time, ctx.timezone, locale)
        case "tracking_url":
            # No carrier link: the store's own order status page tracks it too; with neither,
            # the tracking number is what the customer can look up (better than no message).
            if ctx.tracking_url or ctx.status_url or not ctx.tracking_number:
                return link(ctx.tracking_url or ctx.status_url, "tracking_url (or status_url)")
            return _identifier(ctx.tracking_number, "tracking_number")
        case "status_url":
            return link(ctx.status_url, name)
        case "offer" | "product":
            return _broadcast_text(ctx.offer if name == "offer" else ctx.product, name)
        case "shop_url":
            return link(ctx.shop_url, name)
        case _:
            raise RenderError(f"unknown parameter field {name!r}")


def _required(value: str, name: str) -> str:
    if not value:
        raise RenderError(f"{name} is required")
    return value


def _broadcast_text(raw: str | None, name: str) -> str:
    value = _required(clean(raw or ""), name)
    limit = BROADCAST_TEXT_MAX[name]
    if len(value) > limit:
        raise RenderError(f"{name} is {len(value)} characters; at most {limit}")
    return value


def _customer_name(raw: str | None, language: str) -> str:
    name = clean(raw or "")
    if len(name) > SHORTEN_AT["customer_name"]:
        # A long full name: greet by the first name rather than a cut-off one.
        first = name.split(" ", 1)[0]
        name = shorten(first, SHORTEN_AT["customer_name"])
    return name or texts.FALLBACKS["customer_name"][language]


def _identifier(raw: str | None, name: str) -> str:
    value = _required(clean(raw or ""), name)
    if len(value) > REFUSE_AT[name]:
        # A shortened order or tracking number would be a wrong one.
        raise RenderError(f"{name} is {len(value)} characters; at most {REFUSE_AT[name]}")
    return value


def _money(amount: Decimal | None, currency: str | None, locale: Locale) -> str:
    if amount is None:
        raise RenderError("amount is required")
    code = (currency or "").strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise RenderError("currency must be a three-letter ISO 4217 code")
    return clean(format_currency(amount, code, locale=locale))


def _moment(moment: datetime, timezone: str, locale: Locale) -> str:
    """A date and time in the customer's zone ("Thursday, 5 March 2026 at 3:00 pm")."""
    try:
        zone: ZoneInfo | None = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = None  # a bad zone setting must not stop the message: say it in UTC
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(zone or UTC)
    # The locale's own "<date> at <time>" glue, around its long date and short time.
    pattern = (
        str(get_datetime_format("long", locale=locale))
        .replace("{1}", str(locale.date_formats["long"].pattern))
        .replace("{0}", str(locale.time_formats["short"].pattern))
    )
    text = format_datetime(local, pattern, tzinfo=local.tzinfo, locale=locale)
    return clean(text if zone is not None else f"{text} UTC")


@functools.lru_cache(maxsize=1024)
def link(raw: str | None, name: str) -> str:
    """A checked http(s) link; inner spaces are percent-encoded rather than refused."""
    url = clean(raw or "").replace(" ", "%20")
    if not url:
        raise RenderError(f"{name} is required")
    try:
        parts = urlsplit(url)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unbalanced "[" in the host
        valid = False
    if not valid:
        raise RenderError(f"{name} is not an http(s) link")
    if len(url) > REFUSE_AT["url"]:
        raise RenderError(f"{name} is {len(url)} characters; at most {REFUSE_AT['url']}")
    return url


# --- the message bodies ---------------------------------------------------------------------


def _hydrate(text: str, values: Sequence[str]) -> str:
    numbers = {int(number) for number in PLACEHOLDER.findall(text)}
    if numbers != set(range(1, len(values) + 1)):
        raise RenderError(
            f"the text has placeholders {sorted(numbers)} but the definition has "
            f"{len(values)} parameters"
        )
    # One pass: a value can't introduce a placeholder for a later one.
    return PLACEHOLDER.sub(lambda match: values[int(match.group(1)) - 1], text)


def _check_length(what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise RenderError(f"{what} is {len(text)} characters; the limit is {limit}")


def _payloads(defn: TemplateDef, ctx: RenderContext) -> list[str]:
    if not defn.quick_replies:
        return []
    ref = clean(ctx.order_ref)
    if not ref:
        raise RenderError("order_ref is required for the button payloads")
    payloads = [button.payload(ref) for button in defn.quick_replies]
    for payload in payloads:
        _check_length("a button payload", payload, PAYLOAD_MAX)
    return payloads


def _document(defn: TemplateDef, ctx: RenderContext) -> dict[str, str] | None:
    if not defn.document_header:
        return None
    url = link(ctx.invoice_url, "invoice_url")
    stem = _FILENAME_UNSAFE.sub("-", clean(ctx.order_number or ctx.order_ref)).strip("-.")
    return {"link": url, "filename": f"invoice-{stem}.pdf" if stem else "invoice.pdf"}


def _url_suffix(button: UrlButton, ctx: RenderContext) -> str | None:
    if button.suffix is None:
        return None
    raw = getattr(ctx, button.suffix, None)
    value = clean(str(raw)) if raw is not None else ""
    if not value:
        raise RenderError(f"{button.suffix} is required for a link button")
    return quote(value, safe="-._~/")  # the suffix ends a URL: keep it one valid path


def _button_url(button: UrlButton, ctx: RenderContext) -> str:
    suffix = _url_suffix(button, ctx)
    return button.url if suffix is None else button.url.replace("{{1}}", suffix)


def _template(
    defn: TemplateDef, wording: Wording, language: str, values: list[str], ctx: RenderContext
) -> Rendered:
    body = _hydrate(wording.body, values)
    _check_length("the body", body, TEMPLATE_BODY_MAX)
    _check_length("the header", wording.header or "", HEADER_MAX)
    _check_length("the footer", wording.footer or "", FOOTER_MAX)
    components: list[dict[str, Any]] = []
    document = _document(defn, ctx)
    if document is not None:
        components.append(
            {"type": "header", "parameters": [{"type": "document", "document": document}]}
        )
    if values:
        components.append(
            {"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}
        )
    payloads = iter(_payloads(defn, ctx))
    for index, button in enumerate(defn.buttons):
        _check_length("a button label", button.labels[language], TEMPLATE_BUTTON_LABEL_MAX)
        if isinstance(button, QuickReply):
            parameter = {"type": "payload", "payload": next(payloads)}
            sub_type = "quick_reply"
        else:
            suffix = _url_suffix(button, ctx)
            if suffix is None:
                continue  # a fixed URL takes no parameter
            parameter = {"type": "text", "text": suffix}
            sub_type = "url"
        components.append(
            {"type": "button", "sub_type": sub_type, "index": str(index), "parameters": [parameter]}
        )
    template: dict[str, Any] = {"name": defn.name, "language": {"code": language}}
    if components:
        template["components"] = components
    preview = "\n".join(part for part in (wording.header, body, wording.footer) if part)
    return Rendered({"type": "template", "template": template}, defn.name, language, preview)


def _freeform(
    defn: TemplateDef, wording: Wording, language: str, values: list[str], ctx: RenderContext
) -> Rendered:
    body = _hydrate(wording.body, values)
    # Inside the window a link button becomes a line of text: reply buttons can't carry URLs.
    links = [
        f"{button.labels[language]}: {_button_url(button, ctx)}"
        for button in defn.buttons
        if isinstance(button, UrlButton)
    ]
    if links:
        body = "\n\n".join([body, "\n".join(links)])
    document = _document(defn, ctx)
    if defn.quick_replies:
        return _reply_buttons(defn, wording, language, body, ctx, document)
    footer = f"_{wording.footer}_" if wording.footer else None
    if document is not None:
        caption = "\n\n".join(part for part in (wording.header, body, footer) if part)
        _check_length("the caption", caption, CAPTION_MAX)
        payload = {"type": "document", "document": {**document, "caption": caption}}
        return Rendered(payload, None, language, caption)
    header = f"*{wording.header}*" if wording.header else None
    text = "\n\n".join(part for part in (header, body, footer) if part)
    _check_length("the text", text, TEXT_BODY_MAX)
    payload = {"type": "text", "text": {"body": text, "preview_url": "https://" in text}}
    return Rendered(payload, None, language, text)


def _reply_buttons(
    defn: TemplateDef,
    wording: Wording,
    language: str,
    body: str,
    ctx: RenderContext,
    document: dict[str, str] | None,
) -> Rendered:
    replies = defn.quick_replies
    if len(replies) > REPLY_BUTTONS_MAX:
        raise RenderError(f"{len(replies)} quick replies; an interactive message takes 3")
    _check_length("the body", body, INTERACTIVE_BODY_MAX)
    _check_length("the header", wording.header or "", HEADER_MAX)
    _check_length("the footer", wording.footer or "", FOOTER_MAX)
    buttons = []
    for button, payload in zip(replies, _payloads(defn, ctx), strict=True):
        title = button.labels[language]
        _check_length("a button title", title, REPLY_TITLE_MAX)
        buttons.append({"type": "reply", "reply": {"id": payload, "title": title}})
    interactive: dict[str, Any] = {"type": "button", "body": {"text": body}}
    if document is not None:
        interactive["header"] = {"type": "document", "document": document}
    elif wording.header:
        interactive["header"] = {"type": "text", "text": wording.header}
    if wording.footer:
        interactive["footer"] = {"text": wording.footer}
    interactive["action"] = {"buttons": buttons}
    preview = "\n".join(part for part in (wording.header, body, wording.footer) if part)
    return Rendered({"type": "interactive", "interactive": interactive}, None, language, preview)
